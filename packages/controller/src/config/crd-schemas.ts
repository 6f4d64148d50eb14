// The vipd.io/v1alpha1 CRDs as data: `vipd gen-crds` writes them to charts/vipd/crds/*.yaml and a test
// checks the files equal this module. Schema rules here are the API server's first line; the TS parsers
// (bgp-peer.ts, …) apply the same rules plus cross-field checks, and a test runs every example through
// both (ajv on these schemas, and the parsers) so the two cannot drift. CEL rules stay simple.

import { stringify as stringifyYaml } from 'yaml';
import { MAX_AS_PATH_PREPEND } from './bgp-advertisement.ts';
import {
  acceptedColumn, arr, bool, conditions, crd, int, labelSelector, LABEL_PATTERN, nameRef, obj, str, strEnum, type Schema,
} from './crd-schema-parts.ts';
import { DEFAULT_DRAIN_TAINT_KEYS, DEFAULT_LOAD_BALANCER_CLASS, DEFAULT_SETTINGS } from './settings.ts';
import { ADDRESS_FAMILIES, BFD_AUTH_TYPES, DRAIN_BEHAVIOURS, EXCLUDE_LABEL_HANDLINGS, SESSION_STATES, TERMINATING_POLICIES } from './types.ts';

const MAX_U32 = 4294967295;
const configStatus = (): Schema => obj('Observed state, written by vipd.', { conditions: conditions() });
// RFC 6793 §9: AS_TRANS (23456) is never a configured AS.
const asn = (d: string): Schema => int(d, 1, MAX_U32, { not: { enum: [23456] } });
const ip = (d: string): Schema => str(d, { maxLength: 45, anyOf: [{ format: 'ipv4' }, { format: 'ipv6' }] });

export const bgpPeerCrd = crd({
  kind: 'BGPPeer',
  plural: 'bgppeers',
  singular: 'bgppeer',
  shortNames: ['vbp'],
  description: 'A BGP neighbour that vipd speakers on the selected nodes connect to.',
  spec: obj(
    'Desired peering.',
    {
      address: ip('Peer IP address (IPv4 or IPv6).'),
      asn: asn('Peer AS number (1-4294967295). Omit and set learnAsnFromOpen to accept the AS the peer sends.'),
      learnAsnFromOpen: bool('Accept whatever AS the peer announces in its OPEN (RFC 4271 §4.2).'),
      localAsn: asn('Our AS number on this session.'),
      routerId: ip('BGP Identifier (RFC 6286); defaults to the node IPv4 address.'),
      port: int('Peer TCP port.', 1, 65535, { default: 179 }),
      passwordSecretRef: obj(
        'TCP-MD5 password (RFC 2385) from a Secret in the vipd namespace. A missing Secret keeps the peer down.',
        { name: nameRef('Secret name.'), key: str('Key in the Secret.', { maxLength: 253, pattern: '^[-._a-zA-Z0-9]+$', default: 'password' }) },
        ['name'],
      ),
      holdTimeSec: int('Hold time offered in OPEN: 0 or 3-65535 (RFC 4271 §4.2).', 0, 65535, { default: 90, anyOf: [{ maximum: 0 }, { minimum: 3 }] }),
      keepaliveSec: int('Keepalive interval; default a third of holdTimeSec.', 0, 21845),
      connectRetrySec: int('ConnectRetry timer (RFC 4271 §8).', 1, 65535, { default: 120 }),
      families: arr('Address families offered (RFC 4760).', strEnum('Family.', ADDRESS_FAMILIES), { minItems: 1, maxItems: 2, 'x-kubernetes-list-type': 'set' }),
      sourceAddress: ip('Local address to connect from (same family as address).'),
      ebgpMultihopTtl: int('IP TTL for eBGP sessions across more than one hop.', 1, 255),
      passive: bool('Only accept connections; never connect out.', false),
      gracefulRestart: obj(
        'Graceful restart (RFC 4724); may be changed on a running peer.',
        { enabled: bool('Advertise the Graceful Restart capability.', false), restartTimeSec: int('Restart Time (12-bit field).', 1, 4095, { default: 120 }) },
      ),
      nodeSelector: labelSelector('Nodes that peer with this neighbour; empty selects all.'),
      bfdProfile: str('BFD profile (RFC 5880) from the speaker\'s --bfd-profiles file; "default" (300 ms x 3) always exists. BFD Down closes the session with Cease 6/10.', { maxLength: 63, pattern: LABEL_PATTERN }),
      bfdAuth: obj(
        'BFD authentication (RFC 5880 §6.7) with the key from a Secret in the vipd namespace; needs bfdProfile. A missing Secret or key, or a key of the wrong length, keeps the peer down; a key change restarts the session.',
        {
          type: strEnum('simple (password 1-16 bytes), keyed-sha1 or meticulous-keyed-sha1 (key 1-20 bytes).', BFD_AUTH_TYPES),
          keyId: int('Auth Key ID; must match the router\'s.', 0, 255, { default: 1 }),
          secretRef: obj(
            'The key.',
            { name: nameRef('Secret name.'), key: str('Key in the Secret.', { maxLength: 253, pattern: '^[-._a-zA-Z0-9]+$', default: 'password' }) },
            ['name'],
          ),
        },
        ['type', 'secretRef'],
      ),
      nextHopIpv4: str('Next hop for IPv4 VIPs sent to this peer. Default: the session\'s local address on an IPv4 session, this Node\'s IPv4 address (status.addresses: InternalIP, then ExternalIP) on an IPv6 session.', { maxLength: 15, format: 'ipv4' }),
      nextHopIpv6: str('Next hop for IPv6 VIPs sent to this peer (RFC 2545: global or unique-local, never link-local). Default: the session\'s local address on an IPv6 session, this Node\'s IPv6 address (InternalIP, then ExternalIP) on an IPv4 session (RFC 4760 MP_REACH_NLRI).', { maxLength: 45, format: 'ipv6' }),
      description: str('Free text.', { maxLength: 256 }),
    },
    ['address', 'localAsn'],
    { 'x-kubernetes-validations': [
      { rule: 'has(self.asn) != (has(self.learnAsnFromOpen) && self.learnAsnFromOpen)', message: 'set exactly one of asn or learnAsnFromOpen: true' },
      { rule: '!has(self.bfdAuth) || has(self.bfdProfile)', message: 'bfdAuth needs bfdProfile' },
    ] },
  ),
  status: configStatus(),
  printerColumns: [
    { name: 'Address', type: 'string', jsonPath: '.spec.address' },
    { name: 'ASN', type: 'integer', jsonPath: '.spec.asn' },
    acceptedColumn(),
  ],
});

export const bgpAdvertisementCrd = crd({
  kind: 'BGPAdvertisement',
  plural: 'bgpadvertisements',
  singular: 'bgpadvertisement',
  shortNames: ['vbadv'],
  description: 'Which Service VIPs are announced, from which nodes, to which peers, with which attributes.',
  spec: obj('Selection and path attributes. Empty lists mean no restriction.', {
    ipAddressPools: arr('IPAddressPool names whose VIPs this covers.', nameRef('Pool name.'), { maxItems: 64, 'x-kubernetes-list-type': 'set' }),
    poolSelectors: arr('IPAddressPools selected by label (OR with ipAddressPools).', labelSelector('Pool selector.'), { maxItems: 16 }),
    serviceSelectors: arr('Services selected by label (any matches).', labelSelector('Service selector.'), { maxItems: 16 }),
    nodeSelectors: arr('Nodes that announce (any matches).', labelSelector('Node selector.'), { maxItems: 16 }),
    peers: arr('BGPPeer names to announce to.', nameRef('Peer name.'), { maxItems: 64, 'x-kubernetes-list-type': 'set' }),
    communities: arr('Standard communities "ASN:value" (RFC 1997) or well-known names (NO_EXPORT, GRACEFUL_SHUTDOWN, …).',
      str('Community.', { maxLength: 32, pattern: '^([0-9]{1,5}:[0-9]{1,5}|GRACEFUL_SHUTDOWN|ACCEPT_OWN|BLACKHOLE|NO_EXPORT|NO_ADVERTISE|NO_EXPORT_SUBCONFED|NO_PEER)$' }),
      { maxItems: 32 }),
    largeCommunities: arr('Large communities "global:local1:local2" (RFC 8092).',
      str('Large community.', { maxLength: 32, pattern: '^[0-9]{1,10}:[0-9]{1,10}:[0-9]{1,10}$' }), { maxItems: 32 }),
    localPref: int('LOCAL_PREF for iBGP peers (RFC 4271 §5.1.5).', 0, MAX_U32),
    med: int('MULTI_EXIT_DISC (RFC 4271 §5.1.4).', 0, MAX_U32),
    asPathPrepend: int('Extra copies of our AS prepended to AS_PATH.', 0, MAX_AS_PATH_PREPEND, { default: 0 }),
  }),
  status: configStatus(),
  printerColumns: [acceptedColumn()],
});

export const ipAddressPoolCrd = crd({
  kind: 'IPAddressPool',
  plural: 'ipaddresspools',
  singular: 'ipaddresspool',
  shortNames: ['vpool'],
  description: 'A pool of Service VIPs (IPv4 and IPv6) for vipd IPAM.',
  spec: obj(
    'Addresses and allocation options.',
    {
      addresses: arr('CIDRs ("192.0.2.0/24", "2001:db8::/120") or ranges ("192.0.2.10-192.0.2.20").',
        str('CIDR or range.', { maxLength: 100, pattern: '^[0-9a-fA-F:.]+(/[0-9]{1,3}|-[0-9a-fA-F:.]+)$' }), { minItems: 1, maxItems: 256 }),
      autoAssign: bool('Allocate from this pool for Services that do not ask for it by name.', true),
      avoidBuggyIPs: bool('Skip .0 and .255 addresses of IPv4 ranges.', false),
      serviceAllocation: obj('Which Services this pool serves.', {
        priority: int('Lower is tried first.', 0, 2147483647),
        namespaces: arr('Namespaces served.', str('Namespace.', { maxLength: 63, pattern: LABEL_PATTERN }), { maxItems: 256, 'x-kubernetes-list-type': 'set' }),
        namespaceSelectors: arr('Namespaces served, by label.', labelSelector('Namespace selector.'), { maxItems: 16 }),
        serviceSelectors: arr('Services served, by label.', labelSelector('Service selector.'), { maxItems: 16 }),
      }),
    },
    ['addresses'],
  ),
  status: obj('Observed state, written by vipd.', {
    conditions: conditions(),
    assignedIPv4: int('IPv4 addresses in use.', 0, Number.MAX_SAFE_INTEGER),
    assignedIPv6: int('IPv6 addresses in use.', 0, Number.MAX_SAFE_INTEGER),
    availableIPv4: int('IPv4 addresses free.', 0, Number.MAX_SAFE_INTEGER),
    availableIPv6: int('IPv6 addresses free (capped at 2^53-1).', 0, Number.MAX_SAFE_INTEGER),
  }),
  printerColumns: [
    { name: 'Auto', type: 'boolean', jsonPath: '.spec.autoAssign' },
    { name: 'Assigned-v4', type: 'integer', jsonPath: '.status.assignedIPv4' },
    { name: 'Assigned-v6', type: 'integer', jsonPath: '.status.assignedIPv6' },
    acceptedColumn(),
  ],
});

const d = DEFAULT_SETTINGS;
export const vipdSettingsCrd = crd({
  kind: 'VipdSettings',
  plural: 'vipdsettings',
  singular: 'vipdsettings',
  shortNames: ['vset'],
  description: 'Cluster-wide vipd settings; one object named "default".',
  spec: obj('Settings; every field has a default.', {
    loadBalancerClass: str('The spec.loadBalancerClass vipd implements.', { maxLength: 316, pattern: '^[a-z0-9]([-a-z0-9.]*[a-z0-9])?/[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$', default: DEFAULT_LOAD_BALANCER_CLASS }),
    isDefaultClass: bool('Also handle LoadBalancer Services without a loadBalancerClass.', d.isDefaultClass),
    terminatingPolicy: strEnum('Whether terminating-but-serving endpoints keep a route.', TERMINATING_POLICIES, d.terminatingPolicy),
    drainBehaviour: strEnum('On a draining node: withdraw, or keep announcing with GRACEFUL_SHUTDOWN (RFC 8326).', DRAIN_BEHAVIOURS, d.drainBehaviour),
    drainPeriodSec: int('On SIGTERM, time between withdraw/GRACEFUL_SHUTDOWN and closing sessions.', 0, 3600, { default: d.drainPeriodSec }),
    drainSignals: obj('What makes a node count as draining.', {
      cordon: bool('A cordoned node (spec.unschedulable) drains.', true),
      taintKeys: arr('Taint keys that mark a node as draining.', str('Taint key.', { maxLength: 316 }), { maxItems: 32, default: [...DEFAULT_DRAIN_TAINT_KEYS] }),
    }),
    excludeLabelHandling: strEnum('How node.kubernetes.io/exclude-from-external-load-balancers is read.', EXCLUDE_LABEL_HANDLINGS, d.excludeLabelHandling),
    keepAnnouncingWhenDisconnected: bool('Keep the last good decision while the API server is unreachable.', d.keepAnnouncingWhenDisconnected),
    sessionStateEnabled: bool('Write per-node BGPSessionState objects (turn off for large clusters).', d.sessionStateEnabled),
  }),
  status: configStatus(),
  rootValidations: [{ rule: "self.metadata.name == 'default'", message: 'the settings object must be named default' }],
  printerColumns: [
    { name: 'Class', type: 'string', jsonPath: '.spec.loadBalancerClass' },
    { name: 'Drain', type: 'string', jsonPath: '.spec.drainBehaviour' },
    acceptedColumn(),
  ],
});

const prefixCounts = (d2: string): Schema => obj(d2, { ipv4: int('IPv4 prefixes.', 0, Number.MAX_SAFE_INTEGER), ipv6: int('IPv6 prefixes.', 0, Number.MAX_SAFE_INTEGER) });

export const bgpSessionStateCrd = crd({
  kind: 'BGPSessionState',
  plural: 'bgpsessionstates',
  singular: 'bgpsessionstate',
  shortNames: ['vbss'],
  description: 'Per-node BGP session status, named after the node. Written by vipd; status only.',
  status: obj('Session state of every peer of the node.', {
    nodeName: str('The node.', { maxLength: 253 }),
    updatedAt: str('When vipd last wrote this status.', { format: 'date-time' }),
    peers: arr('One entry per BGPPeer of the node.', obj('A session.', {
      name: nameRef('BGPPeer name.'),
      address: str('Peer address.', { maxLength: 45 }),
      state: strEnum('BGP FSM state (RFC 4271 §8.2.2).', SESSION_STATES),
      asn: int('Peer AS (as learnt or configured).', 1, MAX_U32),
      establishedSince: str('When the session last reached Established.', { format: 'date-time' }),
      families: arr('Negotiated families.', strEnum('Family.', ADDRESS_FAMILIES), { maxItems: 2 }),
      prefixesSent: prefixCounts('Prefixes currently advertised.'),
      prefixesReceived: prefixCounts('Prefixes received (vipd accepts none).'),
      gracefulShutdown: bool('Routes are tagged GRACEFUL_SHUTDOWN.'),
      lastError: str('Last error (NOTIFICATION or connection error).', { maxLength: 1024 }),
      lastErrorTime: str('When lastError happened.', { format: 'date-time' }),
      nextHops: arr('Per configured family: the next hop VIPs are sent with, or why they are withheld from this peer.', obj('One family.', {
        family: strEnum('Family.', ADDRESS_FAMILIES),
        address: str('The next hop.', { maxLength: 45 }),
        source: strEnum('session (local address), node (this Node\'s address of the family) or bgppeer (spec.nextHopIpv4/6).', ['session', 'node', 'bgppeer']),
        problem: str('Why this family has no next hop: its VIPs are not announced to the peer.', { maxLength: 1024 }),
        withheld: int('VIPs of this family withheld from the peer for want of a next hop.', 0, Number.MAX_SAFE_INTEGER),
      }, ['family']), { maxItems: 2 }),
    }, ['name', 'address', 'state']), { maxItems: 256, 'x-kubernetes-list-type': 'map', 'x-kubernetes-list-map-keys': ['name'] }),
    conditions: conditions(),
  }),
  printerColumns: [{ name: 'Node', type: 'string', jsonPath: '.status.nodeName' }, { name: 'Updated', type: 'date', jsonPath: '.status.updatedAt' }],
});

/** File name (in charts/vipd/crds/) → CRD. */
export const CRDS: ReadonlyMap<string, Schema> = new Map([
  ['vipd.io_bgppeers.yaml', bgpPeerCrd],
  ['vipd.io_bgpadvertisements.yaml', bgpAdvertisementCrd],
  ['vipd.io_ipaddresspools.yaml', ipAddressPoolCrd],
  ['vipd.io_vipdsettings.yaml', vipdSettingsCrd],
  ['vipd.io_bgpsessionstates.yaml', bgpSessionStateCrd],
]);

/** The openAPIV3Schema of a kind. */
export function crdSchemaOf(kind: string): Schema | undefined {
  for (const c of CRDS.values()) {
    const spec = c['spec'] as { names: { kind: string }; versions: { schema: { openAPIV3Schema: Schema } }[] };
    if (spec.names.kind === kind) return spec.versions[0]!.schema.openAPIV3Schema;
  }
  return undefined;
}

/** The YAML text of one CRD file, exactly as committed in charts/vipd/crds/. */
export function renderCrdYaml(def: Schema): string {
  const header = '# Generated by `vipd gen-crds` from packages/controller/src/config/crd-schemas.ts. Do not edit.\n';
  return `${header}---\n${stringifyYaml(def, { lineWidth: 0 })}`;
}
