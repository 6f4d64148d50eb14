// Lab setup shared by the Kubernetes-mode next-hop e2e tests (k8s-next-hop: BIRD 2, k8s-next-hop-frr:
// FRR 8.4): one node namespace n1 joined to the router namespace by a veth link carrying IPv4 and IPv6
// (plus a second IPv6 address of the node for the "Node address changed" step), two BGPPeers from n1 to
// the router (one over IPv4, one over IPv6, both with families ipv4-unicast + ipv6-unicast), Node n1 with
// both link addresses as InternalIP, and a dual-stack LoadBalancer Service with a ready endpoint on n1.
// The router and its neighbours (sess4, sess6: both families, passive) are the test's choice of driver.
// The next hop of the other family is packages/controller/src/daemon/peer-next-hops.ts (RFC 4760 §3).

import { run } from './exec.ts';
import { DS, K8sLab, V } from './k8s-lab.ts';
import type { NeighborSpec } from './routers/types.ts';

export const ROUTER_AS = 65000;
export const NODE_AS = 65100;
export const VIP4 = '198.51.100.7/32';
export const VIP6 = '2001:db8:77::7/128';
/** A second IPv6 address of the node on its link, for the "Node address changed" step. */
export const NODE6_B = 'fd00:89:1::10';

export type NextHopLab = K8sLab<'n1'>;

/** Namespaces (`${prefix}r`, `${prefix}n1`), the link (10.89.1.0/30 + fd00:89:1::/64), the API server. */
export async function createNextHopLab(prefix: string, apiPort: number): Promise<NextHopLab> {
  const lab = await K8sLab.create({ prefix, apiPort, nodes: ['n1'], v4Base: '10.89', v6: { n1: 'fd00:89:1::/64' }, routerAs: ROUTER_AS, nodeAs: NODE_AS });
  try {
    await run('ip', ['-n', lab.topo.nsName('n1'), 'addr', 'add', `${NODE6_B}/64`, 'dev', 'eth0', 'nodad']);
  } catch (err) {
    await lab.destroy();
    throw err;
  }
  return lab;
}

/** The router's two neighbours: sess4 (the node's IPv4 link address) and sess6 (its IPv6 one), both families. */
export function nextHopNeighbors(lab: NextHopLab): NeighborSpec[] {
  const l = lab.link('n1');
  return [
    { address: l.node4, remoteAs: NODE_AS, families: ['ipv4', 'ipv6'], passive: true, holdTimeSec: 6, name: 'sess4' },
    { address: l.node6!, remoteAs: NODE_AS, families: ['ipv4', 'ipv6'], passive: true, holdTimeSec: 6, name: 'sess6' },
  ];
}

/** Replaces Node n1's status.addresses (the source of the other family's next hop). */
export function setNodeAddresses(lab: NextHopLab, addresses: { type: string; address: string }[]): void {
  const cur = lab.api.get('v1', 'nodes', 'n1') as Record<string, any>;
  lab.api.objects.update(lab.api.resource('v1', 'nodes'), '', 'n1', { ...cur, status: { ...cur.status, addresses } } as never, 'status');
}

export type NextHopState = { family: string; address?: string; source?: string; problem?: string; withheld?: number };

/** BGPSessionState n1's nextHops of one BGPPeer (tor-n1: the IPv4 session, tor-n1-v6: the IPv6 one). */
export function sessionNextHops(lab: NextHopLab, peer: string): NextHopState[] | undefined {
  const st = lab.api.get(V, 'bgpsessionstates', 'n1') as { status?: { peers?: { name: string; nextHops?: NextHopState[] }[] } } | undefined;
  return st?.status?.peers?.find((p) => p.name === peer)?.nextHops;
}

/**
 * Cluster objects (seedCluster, Node n1 with both InternalIPs, BGPPeers tor-n1 over IPv4 and tor-n1-v6
 * over IPv6, the dual-stack Service `web` with VIP4 + VIP6 and one ready endpoint per family on n1) and
 * the daemon (`daemonArgs`: extra `vipd daemon` flags, e.g. --metrics-address). The router must already run.
 */
export function startNextHopCluster(lab: NextHopLab, daemonArgs: readonly string[] = []): void {
  const l = lab.link('n1');
  lab.seedCluster();
  setNodeAddresses(lab, [{ type: 'InternalIP', address: l.node4 }, { type: 'InternalIP', address: l.node6! }]);
  // sourceAddress: the node's link has two IPv6 addresses, and the router knows the session by the first.
  const peer = (address: string, sourceAddress: string) => ({ address, sourceAddress, asn: ROUTER_AS, localAsn: NODE_AS, holdTimeSec: 6, keepaliveSec: 2, connectRetrySec: 1,
    families: ['ipv4-unicast', 'ipv6-unicast'], nodeSelector: { matchLabels: { 'kubernetes.io/hostname': 'n1' } } });
  lab.updateSpec('bgppeers', 'tor-n1', peer(l.router4, l.node4));
  lab.api.create(V, 'bgppeers', { metadata: { name: 'tor-n1-v6' }, spec: peer(l.router6!, l.node6!) });
  const created = lab.api.create('v1', 'services', {
    metadata: { name: 'web', namespace: 'default' },
    spec: { type: 'LoadBalancer', loadBalancerClass: 'vipd.io/bgp', externalTrafficPolicy: 'Cluster', ipFamilyPolicy: 'RequireDualStack',
      ipFamilies: ['IPv4', 'IPv6'], ports: [{ port: 80, protocol: 'TCP' }] },
  }, 'default');
  lab.api.objects.update(lab.api.resource('v1', 'services'), 'default', 'web',
    { ...created, status: { loadBalancer: { ingress: [{ ip: VIP4.slice(0, -3) }, { ip: VIP6.slice(0, -4) }] } } } as never, 'status');
  for (const [fam, ip] of [['IPv4', '10.244.1.10'], ['IPv6', 'fd00:244::10']] as const) {
    lab.api.create(DS, 'endpointslices', {
      metadata: { name: `web-${fam.toLowerCase()}`, namespace: 'default', labels: { 'kubernetes.io/service-name': 'web' } },
      addressType: fam, endpoints: [{ addresses: [ip], nodeName: 'n1', conditions: { ready: true } }], ports: [{ port: 8080, protocol: 'TCP' }],
    }, 'default');
  }
  lab.startDaemons(() => daemonArgs);
}
