// K8sDaemon on loopback (test API server + a passive vipd Session as the router, its Adj-RIB-In the
// view asserted on): a dual-stack Service over ONE IPv4 session. The /32 goes with the session's
// address in NEXT_HOP; the /128 in MP_REACH_NLRI (RFC 4760 §3) with this Node's IPv6 InternalIP. The
// Node losing its IPv6 address withdraws the /128 and BGPSessionState says why; an ExternalIP brings
// it back with that next hop; BGPPeer spec.nextHopIpv6 overrides it without restarting the session.
// The real-router version is e2e/k8s-next-hop.test.ts.

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { Listener } from '@vipd/bgp/listener.ts';
import { Session } from '@vipd/bgp/session.ts';
import { formatIp } from '@vipd/bgp/ip.ts';
import { noopLogger } from '@vipd/bgp/observe.ts';
import type { Prefix } from '@vipd/bgp/wire/types.ts';
import { TestApiServer } from '../../../../e2e/support/apiserver/test-api-server.ts';
import { kubeConfigFor, waitFor } from '../../../../e2e/support/apiserver/client-helpers.ts';
import { K8sDaemon } from '../../src/daemon/k8s-daemon.ts';

const ROUTER = '127.0.0.2';
const NODE_ADDR = '127.0.0.3';
const PORT = 18980;
const V = 'vipd.io/v1alpha1';
const V4_VIP = '192.0.2.10/32';
const V6_VIP = '2001:db8:ff::10/128';

const api = new TestApiServer({ port: 18981 });
const listener = new Listener({ host: ROUTER, port: PORT });
const router = new Session({
  peerAddress: NODE_ADDR,
  fsm: { localAs: 65000, localBgpId: '10.255.0.1', peerAs: 65101, holdTimeSec: 9, passive: true, families: [{ afi: 1, safi: 1 }, { afi: 2, safi: 1 }] },
  received: { adjRibInLimit: 1000 },
});
/** prefix → next hop, as the router holds it. */
const rib = new Map<string, string>();
let downs = 0;
const text = (p: Prefix, bytes: number) => `${formatIp(p.addr.slice(0, bytes))}/${p.length}`;
router.on('update', (u) => {
  for (const p of u.withdrawn) rib.delete(text(p, 4));
  // The session address 127.0.0.3 is a martian NEXT_HOP to this receiver (RFC 7606 treat-as-withdraw
  // outcome, attribute removed): IPv4 presence is what is checked here; e2e checks the value on BIRD.
  for (const p of u.nlri) rib.set(text(p, 4), u.attributes.nextHop ?? 'session');
  for (const p of u.attributes.mpUnreach?.withdrawn ?? []) rib.delete(text(p, 16));
  const mp = u.attributes.mpReach;
  // RFC 2545 §3: 16 bytes (global) or 32 (global + link-local); the global one is what we check.
  for (const p of mp?.nlri ?? []) rib.set(text(p, 16), formatIp(mp!.nextHop.slice(0, 16)));
});
router.on('down', () => {
  downs++;
  rib.clear();
});
let daemon: K8sDaemon;

type PeerState = { name: string; nextHops?: { family: string; address?: string; source?: string; problem?: string; withheld?: number }[] };
function sessionPeer(): PeerState | undefined {
  const o = api.get(V, 'bgpsessionstates', 'n1') as { status?: { peers?: PeerState[] } } | undefined;
  return o?.status?.peers?.find((p) => p.name === 'tor');
}

function setNodeAddresses(addresses: { type: string; address: string }[]): void {
  const cur = api.get('v1', 'nodes', 'n1') as { status: Record<string, unknown> };
  api.objects.update(api.resource('v1', 'nodes'), '', 'n1', { ...cur, status: { ...cur.status, addresses } } as never, 'status');
}

before(async () => {
  await api.start();
  api.create('v1', 'nodes', {
    metadata: { name: 'n1' },
    status: { conditions: [{ type: 'Ready', status: 'True' }], addresses: [{ type: 'InternalIP', address: '10.0.0.1' }, { type: 'InternalIP', address: '2001:db8:1::1' }] },
  });
  api.create('v1', 'namespaces', { metadata: { name: 'vipd-system' } });
  api.create(V, 'bgppeers', { metadata: { name: 'tor' }, spec: {
    address: ROUTER, port: PORT, asn: 65000, localAsn: 65101, sourceAddress: NODE_ADDR, holdTimeSec: 9, connectRetrySec: 1,
    families: ['ipv4-unicast', 'ipv6-unicast'],
  } });
  api.create(V, 'bgpadvertisements', { metadata: { name: 'all' }, spec: {} });
  api.create(V, 'vipdsettings', { metadata: { name: 'default' }, spec: { drainPeriodSec: 0 } });
  const svc = {
    metadata: { name: 'web', namespace: 'default' },
    spec: { type: 'LoadBalancer', loadBalancerClass: 'vipd.io/bgp', externalTrafficPolicy: 'Cluster', ipFamilyPolicy: 'RequireDualStack', ipFamilies: ['IPv4', 'IPv6'], ports: [{ port: 80, protocol: 'TCP' }] },
    status: { loadBalancer: { ingress: [{ ip: '192.0.2.10' }, { ip: '2001:db8:ff::10' }] } },
  };
  const created = api.create('v1', 'services', svc, 'default');
  api.objects.update(api.resource('v1', 'services'), 'default', 'web', { ...created, status: svc.status } as never, 'status');
  for (const [fam, ip] of [['IPv4', '10.1.0.1'], ['IPv6', 'fd00:1::1']] as const) {
    api.create('discovery.k8s.io/v1', 'endpointslices', {
      metadata: { name: `web-${fam.toLowerCase()}`, namespace: 'default', labels: { 'kubernetes.io/service-name': 'web' } },
      addressType: fam, endpoints: [{ addresses: [ip], nodeName: 'n2', conditions: { ready: true } }], ports: [{ port: 80, protocol: 'TCP' }],
    }, 'default');
  }
  listener.addSession(router);
  await listener.listen();
  router.start();
  daemon = new K8sDaemon({ kc: kubeConfigFor(api), nodeName: 'n1', namespace: 'vipd-system', log: noopLogger });
  await daemon.start();
});

after(async () => {
  await daemon?.shutdown('test over');
  await router.stop();
  await listener.close();
  await new Promise((r) => setTimeout(r, 1500));
  await api.stop();
  api.dispose();
});

test('dual-stack Service over one IPv4 session: /32 with the session address, /128 with the Node IPv6 address', { timeout: 20_000 }, async () => {
  await waitFor('the session', () => router.state === 'Established', 10_000);
  await waitFor('both VIPs at the router', () => rib.has(V4_VIP) && rib.has(V6_VIP), 5_000);
  assert.equal(rib.get(V6_VIP), '2001:db8:1::1');
  await waitFor('BGPSessionState next hops', () => sessionPeer()?.nextHops?.[1]?.address === '2001:db8:1::1', 5_000);
  assert.deepEqual(sessionPeer()!.nextHops, [
    { family: 'ipv4-unicast', address: NODE_ADDR, source: 'session' },
    { family: 'ipv6-unicast', address: '2001:db8:1::1', source: 'node' },
  ]);
  const st = daemon.sessionStatus().find((s) => s.name === 'tor')!;
  assert.deepEqual(st.advertised, { 'ipv4-unicast': 1, 'ipv6-unicast': 1 });
});

test('the Node loses its IPv6 address: /128 withdrawn, /32 kept, the session state says why', { timeout: 20_000 }, async () => {
  const downsBefore = downs;
  setNodeAddresses([{ type: 'InternalIP', address: '10.0.0.1' }, { type: 'InternalIP', address: 'fe80::1' }]);
  await waitFor('/128 withdrawn', () => !rib.has(V6_VIP), 5_000);
  assert.ok(rib.has(V4_VIP), '/32 untouched');
  await waitFor('BGPSessionState reports the withheld family', () => sessionPeer()?.nextHops?.[1]?.withheld === 1, 5_000);
  const v6 = sessionPeer()!.nextHops![1]!;
  assert.equal(v6.address, undefined);
  assert.match(v6.problem ?? '', /fe80::1 \(link-local\)/);
  assert.equal(daemon.sessionStatus().find((s) => s.name === 'tor')!.advertised['ipv6-unicast'], 0);

  setNodeAddresses([{ type: 'InternalIP', address: '10.0.0.1' }, { type: 'ExternalIP', address: 'fd00::5' }]);
  await waitFor('/128 back with the ExternalIP', () => rib.get(V6_VIP) === 'fd00::5', 5_000);
  assert.equal(downs, downsBefore, 'no session restart for a next-hop change');
});

test('BGPPeer spec.nextHopIpv6 overrides the Node address without restarting the session', { timeout: 20_000 }, async () => {
  const downsBefore = downs;
  const cur = api.get(V, 'bgppeers', 'tor') as { spec: Record<string, unknown> };
  api.objects.update(api.resource(V, 'bgppeers'), '', 'tor', { ...cur, spec: { ...cur.spec, nextHopIpv6: '2001:db8:9::9' } } as never, '');
  await waitFor('/128 with the configured next hop', () => rib.get(V6_VIP) === '2001:db8:9::9', 5_000);
  await waitFor('source bgppeer in the session state', () => sessionPeer()?.nextHops?.[1]?.source === 'bgppeer', 5_000);
  assert.equal(downs, downsBefore);
  assert.ok(rib.has(V4_VIP));
});
