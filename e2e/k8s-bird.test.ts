// Kubernetes mode end to end: the test API server (in this process; real REST/watch for client-node),
// a real BIRD 2 router in namespace vkd-r and three `vipd daemon` node processes in vkd-n1..n3, each
// peering with BIRD over its own veth link (lab setup shared with k8s-frr: e2e/support/k8s-lab.ts). The
// daemons reach the API server through a loopback relay inside their namespace and a Unix socket
// (e2e/support/tcp-unix-relay.ts), TLS end to end. Every
// assertion is on BIRD's own view (`birdc show route all`: which node's session carries each VIP).
// Rows: Cluster vs Local, readiness flips, zero endpoints, excluded node (label), drained node
// (cordon), shared VIP, invalid config object (Accepted=False, last valid config still used), missing
// password Secret (peer not started, then up with TCP-MD5 once the Secret exists), API server restart
// mid-run (routes stay, no UPDATE, clean recovery), SIGTERM (withdraw, Cease 6/2 with a message).

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { resourceId } from './support/apiserver/resources.ts';
import { BirdRouter } from './support/routers/bird.ts';
import { waitFor } from './support/exec.ts';
import { EXCLUDE_LABEL, K8sLab, V } from './support/k8s-lab.ts';

const isRoot = process.getuid?.() === 0;
const NODES = ['n1', 'n2', 'n3'] as const;
type NodeName = (typeof NODES)[number];
const ROUTER_AS = 65000;
const NODE_AS = 65100;
const VIP_LOCAL = '198.51.100.1/32';
const VIP_CLUSTER = '198.51.100.2/32';
const VIP_SHARED = '198.51.100.3/32';

let lab: K8sLab<NodeName>;
let bird: BirdRouter;

const opts = { skip: isRoot ? false : 'needs root for network namespaces', timeout: 150_000 };

/** Which nodes' sessions carry `prefix` in BIRD's table (BIRD protocol names are the node names). */
async function carriers(prefix: string): Promise<string[]> {
  const rs = await bird.routes('ipv4');
  return rs.filter((r) => r.prefix === prefix).map((r) => r.fromPeer ?? '?').sort();
}

async function expectCarriers(prefix: string, nodes: readonly string[], what: string, timeoutMs = 10_000): Promise<void> {
  const want = [...nodes].sort().join(',');
  await waitFor(async () => (await carriers(prefix)).join(',') === want, { timeoutMs, intervalMs: 50, what: `${what}: ${prefix} from [${want}]` })
    .catch(async (err: unknown) => {
      throw new Error(`${(err as Error).message}; BIRD has [${(await carriers(prefix)).join(',')}]\n${lab.logs()}`);
    });
}


async function importStats(): Promise<string> {
  // BIRD's per-protocol counters of UPDATEs it received (announcements and withdrawals).
  const out = await bird.birdc(['show', 'protocols', 'all']);
  return [...out.matchAll(/^(n\d)\s+BGP[\s\S]*?Import updates:\s+(\d+)[\s\S]*?Import withdraws:\s+(\d+)/gm)].map((m) => `${m[1]}:${m[2]}/${m[3]}`).join(' ');
}

before(async () => {
  if (!isRoot) return;
  lab = await K8sLab.create({ prefix: 'vkd-', apiPort: 18830, nodes: NODES, v4Base: '10.88', v6: { n1: 'fd00:88:1::/64' }, routerAs: ROUTER_AS, nodeAs: NODE_AS });
  const neighbors = [];
  for (const n of NODES) {
    const l = lab.link(n);
    neighbors.push({ address: l.node4, remoteAs: NODE_AS, families: ['ipv4' as const], passive: true, holdTimeSec: 6, name: n });
    if (l.node6 !== undefined) neighbors.push({ address: l.node6, remoteAs: NODE_AS, families: ['ipv6' as const], passive: true, holdTimeSec: 6, name: `${n}md5`, password: 'vkd-s3cret' });
  }
  bird = new BirdRouter(lab.topo, { ns: lab.routerNs, routerId: '10.88.0.1', localAs: ROUTER_AS, neighbors });
  await bird.start();
  lab.seedCluster();
  lab.createService('local', VIP_LOCAL, 'Local');
  lab.createService('cluster', VIP_CLUSTER, 'Cluster');
  lab.setEndpoints('local', [{ node: 'n1' }]);
  lab.setEndpoints('cluster', [{ node: 'n3' }]);
  lab.startDaemons();
});

after(async () => {
  await lab?.destroy();
});

test('Kubernetes mode against BIRD: every decision row, API server restart, SIGTERM', opts, async (t) => {
  await t.test('sessions up; Local from the endpoint node only, Cluster from every node', async () => {
    for (const n of NODES) await bird.waitEstablished(lab.link(n).node4, 20_000).catch((e: Error) => assert.fail(`${e.message}\n${lab.logs()}`));
    await expectCarriers(VIP_LOCAL, ['n1'], 'Local with one endpoint on n1');
    await expectCarriers(VIP_CLUSTER, ['n1', 'n2', 'n3'], 'Cluster with an endpoint on n3');
    lab.setEndpoints('local', [{ node: 'n1' }, { node: 'n2' }]);
    await expectCarriers(VIP_LOCAL, ['n1', 'n2'], 'Local with endpoints on n1 and n2');
  });

  await t.test('readiness flips and zero endpoints', async () => {
    lab.setEndpoints('cluster', [{ node: 'n3', ready: false }]);
    await expectCarriers(VIP_CLUSTER, [], 'Cluster whose only endpoint is not ready');
    lab.setEndpoints('cluster', [{ node: 'n3', ready: true }]);
    await expectCarriers(VIP_CLUSTER, ['n1', 'n2', 'n3'], 'ready again');
    lab.setEndpoints('local', [{ node: 'n1', ready: false }, { node: 'n2' }]);
    await expectCarriers(VIP_LOCAL, ['n2'], 'Local: n1 endpoint not ready');
    lab.setEndpoints('cluster', []);
    await expectCarriers(VIP_CLUSTER, [], 'Cluster with zero endpoints');
    lab.setEndpoints('cluster', [{ node: 'n3' }]);
    await expectCarriers(VIP_CLUSTER, ['n1', 'n2', 'n3'], 'Cluster endpoints back');
  });

  await t.test('excluded node (label) and drained node (cordon)', async () => {
    lab.patchNode('n2', (o) => (o.metadata.labels[EXCLUDE_LABEL] = ''));
    await expectCarriers(VIP_CLUSTER, ['n1', 'n3'], 'n2 excluded');
    await expectCarriers(VIP_LOCAL, [], 'n2 excluded (its Local endpoint no longer announced)');
    lab.patchNode('n2', (o) => delete o.metadata.labels[EXCLUDE_LABEL]);
    await expectCarriers(VIP_CLUSTER, ['n1', 'n2', 'n3'], 'n2 back');
    lab.patchNode('n3', (o) => (o.spec = { ...(o.spec ?? {}), unschedulable: true }));
    await expectCarriers(VIP_CLUSTER, ['n1', 'n2'], 'n3 cordoned');
    lab.patchNode('n3', (o) => (o.spec = { ...(o.spec ?? {}), unschedulable: false }));
    await expectCarriers(VIP_CLUSTER, ['n1', 'n2', 'n3'], 'n3 uncordoned');
    lab.patchNode('n3', (o) => (o.spec = { ...(o.spec ?? {}), taints: [{ key: 'ToBeDeletedByClusterAutoscaler', value: '1', effect: 'NoSchedule' }] }));
    await expectCarriers(VIP_CLUSTER, ['n1', 'n2'], 'n3 tainted by the autoscaler');
    lab.patchNode('n3', (o) => (o.spec = { ...(o.spec ?? {}), taints: [] }));
    await expectCarriers(VIP_CLUSTER, ['n1', 'n2', 'n3'], 'taint removed');
    lab.setNodeReady('n1', 'False');
    await expectCarriers(VIP_CLUSTER, ['n2', 'n3'], 'n1 NotReady');
    lab.setNodeReady('n1', 'True');
    await expectCarriers(VIP_CLUSTER, ['n1', 'n2', 'n3'], 'n1 Ready again');
    assert.equal((await bird.peers()).filter((p) => p.state === 'Established').length, 3, 'sessions stayed up while drained');
  });

  await t.test('a BGPPeer change restarts that session only', async () => {
    // BIRD's "since" column is not a session identity (its milliseconds can move by one between two
    // queries of the same session): count BIRD's own log records of each session coming up instead.
    const sessions = async () => {
      const states = new Map((await bird.peers()).map((p) => [p.name, p.state]));
      const ups = bird.sessionsEstablished();
      return new Map(NODES.map((n) => [n, `${states.get(n)}#${ups.get(n) ?? 0}`]));
    };
    const before = await sessions();
    const markLog = bird.logText().length;
    assert.deepEqual([...before.values()].map((v) => v.split('#')[0]), ['Established', 'Established', 'Established'], JSON.stringify([...before]));
    const cur = lab.api.get(V, 'bgppeers', 'tor-n2') as Record<string, any>;
    lab.api.objects.update(lab.api.resource(V, 'bgppeers'), '', 'tor-n2', { ...cur, spec: { ...cur.spec, holdTimeSec: 9, keepaliveSec: 3 } } as never, '');
    const wantN2 = `Established#${Number(before.get('n2')!.split('#')[1]) + 1}`;
    await waitFor(async () => (await sessions()).get('n2') === wantN2, { timeoutMs: 15_000, intervalMs: 100, what: `n2 session re-established (${wantN2})` });
    const after = await sessions();
    const seen = `before ${JSON.stringify([...before])} after ${JSON.stringify([...after])}`;
    assert.equal(after.get('n1'), before.get('n1'), `n1 session untouched: ${seen}`);
    assert.equal(after.get('n3'), before.get('n3'), `n3 session untouched: ${seen}`);
    const log = bird.logText().slice(markLog);
    assert.match(log, /<RMT> n2: Received: Other configuration change/, 'n2 closed with Cease 6/6');
    // vipd opens the new connection only once the old one is closed, so BIRD never has to refuse it.
    assert.doesNotMatch(log, /n2: Incoming connection .* rejected/, 'the new session did not race the old one');
    await expectCarriers(VIP_CLUSTER, ['n1', 'n2', 'n3'], 'n2 routes back on the new session');
  });

  await t.test('shared VIP: the route lives while any Service on it qualifies', async () => {
    lab.createService('shared-a', VIP_SHARED, 'Local');
    lab.createService('shared-b', VIP_SHARED, 'Local');
    lab.setEndpoints('shared-a', [{ node: 'n1' }]);
    lab.setEndpoints('shared-b', [{ node: 'n2' }]);
    await expectCarriers(VIP_SHARED, ['n1', 'n2'], 'shared VIP from both Services\' nodes');
    lab.setEndpoints('shared-a', []);
    await expectCarriers(VIP_SHARED, ['n2'], 'shared-a lost its endpoints');
    lab.setEndpoints('shared-b', [{ node: 'n2', ready: false }]);
    await expectCarriers(VIP_SHARED, [], 'neither qualifies');
  });

  await t.test('invalid config object: Accepted=False, the last valid version keeps running', async () => {
    const res = lab.api.resource(V, 'bgpadvertisements');
    const cur = lab.api.get(V, 'bgpadvertisements', 'all')!;
    lab.api.objects.update(res, '', 'all', { ...cur, spec: { communities: ['65000:7'] } } as never, '');
    await waitFor(async () => (await bird.routes('ipv4')).filter((r) => r.prefix === VIP_CLUSTER).every((r) => r.communities.includes('65000:7')) && (await carriers(VIP_CLUSTER)).length === 3,
      { timeoutMs: 10_000, intervalMs: 50, what: 'community 65000:7 on every path' });
    const valid = lab.api.get(V, 'bgpadvertisements', 'all')!;
    lab.api.objects.update(res, '', 'all', { ...valid, spec: { communities: ['65000:8'], serviceSelectors: [{ matchExpressions: [{ key: 'x', operator: 'In', values: [] }] }] } } as never, '');
    await waitFor(() => lab.conditionsOf('bgpadvertisements', 'all').some((c) => c.type === 'Accepted' && c.status === 'False' && c.reason === 'InvalidSelector'),
      { timeoutMs: 10_000, intervalMs: 50, what: 'Accepted=False on the advertisement' });
    const events = lab.api.store.list(resourceId(lab.api.resource('v1', 'events'))) as { reason?: string; involvedObject?: { kind?: string } }[];
    await waitFor(() => (lab.api.store.list(resourceId(lab.api.resource('v1', 'events'))) as typeof events).some((e) => e.involvedObject?.kind === 'BGPAdvertisement' && e.reason === 'InvalidSelector'),
      { timeoutMs: 5_000, intervalMs: 50, what: 'Warning Event on the advertisement' });
    await new Promise((r) => setTimeout(r, 300));
    const rs = (await bird.routes('ipv4')).filter((r) => r.prefix === VIP_CLUSTER);
    assert.equal(rs.length, 3, 'routes still announced');
    assert.ok(rs.every((r) => r.communities.includes('65000:7') && !r.communities.includes('65000:8')), 'the last valid advertisement is still used');
  });

  await t.test('missing password Secret: the peer is not started; with the Secret it comes up with TCP-MD5', async () => {
    lab.api.create(V, 'bgppeers', {
      metadata: { name: 'tor-n1-md5' },
      spec: { address: 'fd00:88:1::1', asn: ROUTER_AS, localAsn: NODE_AS, holdTimeSec: 6, keepaliveSec: 2, connectRetrySec: 1, families: ['ipv6-unicast'],
        passwordSecretRef: { name: 'tor-password' }, nodeSelector: { matchLabels: { 'kubernetes.io/hostname': 'n1' } } },
    });
    await waitFor(() => lab.conditionsOf('bgppeers', 'tor-n1-md5').some((c) => c.type === 'PasswordSecretResolved' && c.status === 'False' && c.reason === 'SecretNotFound'),
      { timeoutMs: 10_000, intervalMs: 50, what: 'PasswordSecretResolved=False' });
    await waitFor(() => {
      const st = lab.api.get(V, 'bgpsessionstates', 'n1') as { status?: { peers?: { name: string; state: string; lastError?: string }[] } } | undefined;
      const p = st?.status?.peers?.find((x) => x.name === 'tor-n1-md5');
      return p !== undefined && p.state === 'Idle' && /not started/.test(p.lastError ?? '');
    }, { timeoutMs: 10_000, intervalMs: 50, what: 'BGPSessionState: not started' });
    await new Promise((r) => setTimeout(r, 1500));
    const md5 = (await bird.peers()).find((p) => p.name === 'n1md5');
    assert.notEqual(md5?.state, 'Established', 'no session without the password');
    lab.api.create('v1', 'secrets', { metadata: { name: 'tor-password', namespace: 'vipd-system' }, data: { password: Buffer.from('vkd-s3cret').toString('base64') } }, 'vipd-system');
    await waitFor(async () => (await bird.peers()).find((p) => p.name === 'n1md5')?.state === 'Established',
      { timeoutMs: 20_000, intervalMs: 100, what: 'MD5 session Established at BIRD' });
    await expectCarriers(VIP_CLUSTER, ['n1', 'n2', 'n3'], 'other sessions untouched');
  });

  await t.test('API server restart mid-run: routes stay, nothing flaps, recovery is clean', async () => {
    const before = await importStats();
    assert.match(before, /n1:\d+\/\d+ n2:\d+\/\d+ n3:\d+\/\d+/, 'BIRD import counters parsed for every node');
    const logMark = new Map(NODES.map((n) => [n, lab.vipd.get(n)!.readLog().length]));
    const routesBefore = (await carriers(VIP_CLUSTER)).join(',');
    await lab.api.stop();
    for (let i = 0; i < 15; i++) {
      await new Promise((r) => setTimeout(r, 200));
      assert.equal((await carriers(VIP_CLUSTER)).join(','), routesBefore, 'routes stay while the API server is down');
    }
    await lab.api.start();
    await new Promise((r) => setTimeout(r, 2500));
    assert.equal(await importStats(), before, 'no UPDATE at all across the outage and the re-list');
    for (const n of NODES) {
      const tail = lab.vipd.get(n)!.readLog().slice(logMark.get(n));
      assert.match(tail, /lost the watch on the API server/, `${n} saw the outage`);
      assert.match(tail, /watches connected again/, `${n} reconnected`);
    }
    lab.setEndpoints('cluster', [{ node: 'n3', ready: false }]);
    await expectCarriers(VIP_CLUSTER, [], 'changes apply again after recovery', 15_000);
    lab.setEndpoints('cluster', [{ node: 'n3' }]);
    await expectCarriers(VIP_CLUSTER, ['n1', 'n2', 'n3'], 'and back');
  });

  await t.test('SIGTERM: n3 withdraws and closes with Cease 6/2 and a message', async () => {
    const p = lab.vipd.get('n3')!;
    process.kill(p.pid, 'SIGTERM');
    const code = await Promise.race([p.exited, new Promise<number>((r) => setTimeout(() => r(-1), 15_000))]);
    assert.equal(code, 0, p.readLog().slice(-2000));
    await expectCarriers(VIP_CLUSTER, ['n1', 'n2'], 'n3 gone');
    const n = await bird.lastNotification('n3');
    assert.match(n?.reason ?? '', /Administrative shutdown/i);
    assert.match(n?.message ?? '', /n3 is shutting down/);
  });
});
