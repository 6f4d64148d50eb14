// K8sDaemon on loopback: the test API server (real REST/watch for client-node) and a passive vipd
// Session playing the router (its Adj-RIB-In is the view asserted on). Covers the decision path end
// to end in one process: announce, readiness flip, zero endpoints, config validation with the last
// valid version kept, a missing password Secret, per-node Service condition and Events, session
// state object, drain on shutdown. The real-router version is e2e/k8s-bird.test.ts.

import assert from 'node:assert/strict';
import net from 'node:net';
import { after, before, test } from 'node:test';
import { Listener } from '@vipd/bgp/listener.ts';
import { Session } from '@vipd/bgp/session.ts';
import { formatIp } from '@vipd/bgp/ip.ts';
import { noopLogger } from '@vipd/bgp/observe.ts';
import { TestApiServer } from '../../../../e2e/support/apiserver/test-api-server.ts';
import { resourceId } from '../../../../e2e/support/apiserver/resources.ts';
import { kubeConfigFor, waitFor } from '../../../../e2e/support/apiserver/client-helpers.ts';
import { K8sDaemon } from '../../src/daemon/k8s-daemon.ts';
import { nodeConditionType } from '../../src/daemon/feedback.ts';

const ROUTER = '127.0.0.2';
const NODE_ADDR = '127.0.0.3';
const PORT = 18820;
const V = 'vipd.io/v1alpha1';

const api = new TestApiServer({ port: 18821 });
const listener = new Listener({ host: ROUTER, port: PORT });
const router = new Session({
  peerAddress: NODE_ADDR,
  fsm: { localAs: 65000, localBgpId: '10.255.0.1', peerAs: 65101, holdTimeSec: 9, passive: true, families: [{ afi: 1, safi: 1 }] },
  received: { adjRibInLimit: 1000 },
});
let daemon: K8sDaemon;
const latencies: number[] = [];

const rib = new Set<string>();
router.on('update', (u) => {
  const text = (p: { addr: Uint8Array; length: number }) => `${formatIp(p.addr.slice(0, 4))}/${p.length}`;
  for (const p of u.withdrawn) rib.delete(text(p));
  for (const p of u.nlri) rib.add(text(p));
  updates.push({ nlri: u.nlri.map(text), withdrawn: u.withdrawn.map(text), communities: [...(u.attributes.communities ?? [])] });
});
const updates: { nlri: string[]; withdrawn: string[]; communities: number[] }[] = [];
let routerDown: { kind: string; code?: number; subcode?: number } | undefined;
router.on('down', (d) => (routerDown = { kind: d.kind, code: d.notification?.code, subcode: d.notification?.subcode }));
router.on('down', () => rib.clear());

function routes(): string[] {
  return [...rib].sort();
}

function svc(name: string, ip: string, etp: 'Local' | 'Cluster' = 'Cluster') {
  return {
    metadata: { name, namespace: 'default' },
    spec: { type: 'LoadBalancer', loadBalancerClass: 'vipd.io/bgp', externalTrafficPolicy: etp, ports: [{ port: 80, protocol: 'TCP' }] },
    status: { loadBalancer: { ingress: [{ ip }] } },
  };
}

/** Create, then write status through the status subresource (create ignores status, as the real API). */
function createService(o: ReturnType<typeof svc>): void {
  const created = api.create('v1', 'services', o, 'default');
  api.objects.update(api.resource('v1', 'services'), 'default', o.metadata.name, { ...created, status: o.status } as never, 'status');
}

function slice(name: string, service: string, eps: { ip: string; node: string; ready: boolean }[]) {
  return {
    metadata: { name, namespace: 'default', labels: { 'kubernetes.io/service-name': service } },
    addressType: 'IPv4',
    endpoints: eps.map((e) => ({ addresses: [e.ip], nodeName: e.node, conditions: { ready: e.ready } })),
    ports: [{ port: 80, protocol: 'TCP' }],
  };
}

const peerSpec = (extra: Record<string, unknown> = {}) => ({
  address: ROUTER, port: PORT, asn: 65000, localAsn: 65101, sourceAddress: NODE_ADDR, holdTimeSec: 9, connectRetrySec: 1,
  families: ['ipv4-unicast', 'ipv6-unicast'], ...extra,
});

before(async () => {
  await api.start();
  api.create('v1', 'nodes', {
    metadata: { name: 'n1', labels: { zone: 'a' } },
    status: { conditions: [{ type: 'Ready', status: 'True' }], addresses: [{ type: 'InternalIP', address: '10.0.0.1' }] },
  });
  api.create('v1', 'namespaces', { metadata: { name: 'vipd-system' } });
  api.create(V, 'bgppeers', { metadata: { name: 'tor' }, spec: peerSpec() });
  api.create(V, 'bgpadvertisements', { metadata: { name: 'all' }, spec: { communities: ['65000:100'] } });
  api.create(V, 'vipdsettings', { metadata: { name: 'default' }, spec: { drainPeriodSec: 0 } });
  createService(svc('web', '192.0.2.10'));
  api.create('discovery.k8s.io/v1', 'endpointslices', slice('web-1', 'web', [{ ip: '10.1.0.1', node: 'n2', ready: true }]), 'default');
  listener.addSession(router);
  await listener.listen();
  router.start();
  daemon = new K8sDaemon({
    kc: kubeConfigFor(api), nodeName: 'n1', namespace: 'vipd-system', log: noopLogger,
    listen: { host: NODE_ADDR, port: PORT + 2 },
    eventToWire: (_p, s) => latencies.push(s),
  });
  await daemon.start();
});

after(async () => {
  await daemon?.shutdown('test over');
  await router.stop();
  await listener.close();
  // Let the client's last TLS connections settle: closing the server while undici is still opening one
  // leaves that socket outside closeAllConnections() until the 60 s keep-alive timeout.
  await new Promise((r) => setTimeout(r, 1500));
  await api.stop();
  api.dispose();
});

function patchSlice(name: string, eps: { ip: string; node: string; ready: boolean }[]): void {
  const cur = api.get('discovery.k8s.io/v1', 'endpointslices', name, 'default')!;
  api.objects.update(api.resource('discovery.k8s.io/v1', 'endpointslices'), 'default', name,
    { ...cur, endpoints: slice(name, 'web', eps).endpoints } as never, '');
}

test('announces a Cluster Service with a ready endpoint elsewhere, then follows readiness', { timeout: 20_000 }, async () => {
  await waitFor('the session', () => router.state === 'Established', 10_000);
  await waitFor('192.0.2.10/32 at the router', () => routes().includes('192.0.2.10/32'), 5_000);
  await waitFor('condition True', () => conditionStatus() === 'True', 5_000);
  patchSlice('web-1', [{ ip: '10.1.0.1', node: 'n2', ready: false }]);
  await waitFor('withdrawn (not ready)', () => !routes().includes('192.0.2.10/32'), 5_000);
  await waitFor('condition False', () => conditionStatus() === 'False', 5_000);
  patchSlice('web-1', [{ ip: '10.1.0.1', node: 'n2', ready: true }]);
  await waitFor('announced again', () => routes().includes('192.0.2.10/32'), 5_000);
  assert.ok(latencies.length >= 2, 'event→wire latency observed for each change');
  assert.ok(latencies.every((s) => s >= 0 && s < 1), `latencies ${latencies.join(',')}`);
});

function conditionStatus(): string | undefined {
  const s = api.get('v1', 'services', 'web', 'default') as { status?: { conditions?: { type: string; status: string }[] } };
  return s?.status?.conditions?.find((c) => c.type === nodeConditionType('n1'))?.status;
}

test('per-node Service condition and an Event on change', { timeout: 10_000 }, async () => {
  const type = nodeConditionType('n1');
  await waitFor('condition', () => {
    const s = api.get('v1', 'services', 'web', 'default') as { status?: { conditions?: { type: string; status: string }[] } };
    return s?.status?.conditions?.some((c) => c.type === type && c.status === 'True') === true;
  }, 5_000);
  const events = () => api.store.list(resourceId(api.resource('v1', 'events'))) as { reason?: string; involvedObject?: { name?: string } }[];
  await waitFor('Announced Event', () => events().some((e) => e.reason === 'Announced' && e.involvedObject?.name === 'web'), 5_000);
  await waitFor('Withdrawn Event (readiness flip)', () => events().some((e) => e.reason === 'Withdrawn' && e.involvedObject?.name === 'web'), 5_000);
});

test('an invalid edit keeps the last valid BGPAdvertisement; a missing Secret keeps a peer down', { timeout: 20_000 }, async () => {
  const adRes = api.resource(V, 'bgpadvertisements');
  const cur = api.get(V, 'bgpadvertisements', 'all')!;
  api.objects.update(adRes, '', 'all', { ...cur, spec: { communities: ['65000:100'], serviceSelectors: [{ matchExpressions: [{ key: 'a', operator: 'In', values: [] }] }] } } as never, '');
  await waitFor('Accepted=False on the advertisement', () => {
    const o = api.get(V, 'bgpadvertisements', 'all') as { status?: { conditions?: { type: string; status: string }[] } };
    return o?.status?.conditions?.some((c) => c.type === 'Accepted' && c.status === 'False') === true;
  }, 5_000);
  assert.ok(routes().includes('192.0.2.10/32'), 'route kept with the last valid advertisement');
  api.create(V, 'bgppeers', { metadata: { name: 'secured' }, spec: peerSpec({ port: PORT + 1, passwordSecretRef: { name: 'missing' } }) });
  await waitFor('PasswordSecretResolved=False', () => {
    const o = api.get(V, 'bgppeers', 'secured') as { status?: { conditions?: { type: string; status: string; reason: string }[] } };
    return o?.status?.conditions?.some((c) => c.type === 'PasswordSecretResolved' && c.status === 'False' && c.reason === 'SecretNotFound') === true;
  }, 5_000);
  await waitFor('session state lists the peer as not started', () => {
    const o = api.get(V, 'bgpsessionstates', 'n1') as { status?: { peers?: { name: string; state: string; lastError?: string }[] } };
    const p = o?.status?.peers?.find((x) => x.name === 'secured');
    return p !== undefined && p.state === 'Idle' && (p.lastError ?? '').includes('not started');
  }, 5_000);
  assert.equal(daemon.feedList().some((f) => f.name === 'secured'), false);
});

test('--listen: a passive BGPPeer is reached by the router; unknown addresses get Cease 6/5', { timeout: 20_000 }, async () => {
  // An address with no BGPPeer: NOTIFICATION Cease / Connection Rejected (RFC 4486 §4), then close.
  const refused = await new Promise<Buffer>((resolve, reject) => {
    const chunks: Buffer[] = [];
    const sock = net.connect({ host: NODE_ADDR, port: PORT + 2, localAddress: '127.0.0.7' });
    sock.on('data', (d) => chunks.push(d));
    sock.on('close', () => resolve(Buffer.concat(chunks)));
    sock.on('error', reject);
    setTimeout(() => sock.destroy(), 5_000).unref();
  });
  assert.deepEqual([refused[18], refused[19], refused[20]], [3, 6, 5]);

  api.create(V, 'bgppeers', { metadata: { name: 'passive' }, spec: { address: '127.0.0.6', asn: 65000, localAsn: 65101, passive: true, holdTimeSec: 9, families: ['ipv4-unicast'] } });
  await waitFor('the passive peer configured', () => daemon.feedList().some((f) => f.name === 'passive'), 5_000);
  const active = new Session({
    peerAddress: NODE_ADDR, peerPort: PORT + 2, localAddress: '127.0.0.6',
    fsm: { localAs: 65000, localBgpId: '10.255.0.2', peerAs: 65101, holdTimeSec: 9, connectRetrySec: 1, families: [{ afi: 1, safi: 1 }] },
  });
  const got = new Set<string>();
  active.on('update', (u) => {
    for (const p of u.nlri) got.add(`${formatIp(p.addr.slice(0, 4))}/${p.length}`);
  });
  active.start();
  try {
    await waitFor('passive session Established', () => active.state === 'Established', 10_000);
    await waitFor('routes over the passive session', () => got.has('192.0.2.10/32'), 5_000);
  } finally {
    await active.stop();
    active.removeAllListeners();
  }
  api.objects.delete(api.resource(V, 'bgppeers'), '', 'passive');
});

test('zero endpoints withdraws', { timeout: 10_000 }, async () => {
  patchSlice('web-1', []);
  await waitFor('withdrawn (no endpoints)', () => !routes().includes('192.0.2.10/32'), 5_000);
  patchSlice('web-1', [{ ip: '10.1.0.1', node: 'n2', ready: true }]);
  await waitFor('announced again', () => routes().includes('192.0.2.10/32'), 5_000);
});

test('a configured family the session did not negotiate: family-not-negotiated (runtime check)', { timeout: 20_000 }, async () => {
  const created = api.create('v1', 'services', {
    metadata: { name: 'web6', namespace: 'default' },
    spec: { type: 'LoadBalancer', loadBalancerClass: 'vipd.io/bgp', ipFamilies: ['IPv6'], ports: [{ port: 80, protocol: 'TCP' }] },
  }, 'default');
  api.objects.update(api.resource('v1', 'services'), 'default', 'web6', { ...created, status: { loadBalancer: { ingress: [{ ip: '2001:db8::10' }] } } } as never, 'status');
  api.create('discovery.k8s.io/v1', 'endpointslices', {
    metadata: { name: 'web6-1', namespace: 'default', labels: { 'kubernetes.io/service-name': 'web6' } },
    addressType: 'IPv6', endpoints: [{ addresses: ['fd00::1'], nodeName: 'n2', conditions: { ready: true } }],
  }, 'default');
  // BGPPeer tor is configured for both families; the router's OPEN offers IPv4 unicast only.
  await waitFor('family-not-negotiated', () => daemon.table.decisions.get('default/web6')?.reason === 'family-not-negotiated', 10_000);
  assert.match(daemon.table.decisions.get('default/web6')!.detail, /negotiated ipv6-unicast/);
  assert.equal(daemon.table.decisions.get('default/web')?.reason, 'announced', 'the IPv4 Service is unaffected');
  api.objects.delete(api.resource('v1', 'services'), 'default', 'web6');
});

function setSettings(spec: Record<string, unknown>): void {
  const cur = api.get(V, 'vipdsettings', 'default')!;
  api.objects.update(api.resource(V, 'vipdsettings'), '', 'default', { ...cur, spec } as never, '');
}

test('keepAnnouncingWhenDisconnected: false withdraws while the API server is away', { timeout: 60_000 }, async () => {
  setSettings({ drainPeriodSec: 0, keepAnnouncingWhenDisconnected: false });
  await waitFor('settings applied', () => daemon.settings?.keepAnnouncingWhenDisconnected === false, 5_000);
  await api.stop();
  await waitFor('withdrawn while disconnected', () => !routes().includes('192.0.2.10/32'), 10_000);
  assert.equal(router.state, 'Established', 'the session stays up');
  await api.start();
  // client-node's own reconnect delay doubles per failed attempt (1 s … 30 s): allow for it.
  await waitFor('announced again after the watches reconnect', () => routes().includes('192.0.2.10/32'), 40_000);
});

test('shutdown with drainBehaviour graceful-shutdown: GRACEFUL_SHUTDOWN, wait, withdraw, Cease 6/2', { timeout: 30_000 }, async () => {
  setSettings({ drainPeriodSec: 1, drainBehaviour: 'graceful-shutdown' });
  await waitFor('settings applied', () => daemon.settings?.drainBehaviour === 'graceful-shutdown', 5_000);
  const from = updates.length;
  const t0 = Date.now();
  await daemon.shutdown('maintenance');
  const seen = updates.slice(from);
  const gshut = seen.findIndex((u) => u.nlri.includes('192.0.2.10/32') && u.communities.includes(0xffff0000));
  const withdraw = seen.findIndex((u) => u.withdrawn.includes('192.0.2.10/32'));
  assert.ok(gshut >= 0, 'route re-announced with GRACEFUL_SHUTDOWN (65535:0)');
  assert.ok(withdraw > gshut, 'then withdrawn');
  assert.ok(Date.now() - t0 >= 1000, 'after the drain period');
  await waitFor('session closed', () => routerDown !== undefined, 5_000);
  assert.deepEqual(routerDown, { kind: 'notification-received', code: 6, subcode: 2 });
});
