// Kubernetes mode end to end against FRR 8.4: the test API server (in this process; real REST/watch for
// client-node), a real FRR router (zebra + bgpd, `no bgp ebgp-requires-policy`) in namespace vkf-r and
// three `vipd daemon` node processes in vkf-n1..n3, each peering with FRR over its own veth link (lab
// setup shared with k8s-bird: e2e/support/k8s-lab.ts). Every assertion is on FRR's own view
// (`vtysh -c 'show bgp ipv4 unicast json'` and the per-prefix detail: which neighbor's path carries
// each VIP, with which communities; `show bgp neighbors json` for sessions and the last NOTIFICATION).
// Rows: Cluster vs Local, readiness flips, zero endpoints, excluded node (label), drained node
// (cordon), a BGPPeer change restarting that session only, shared VIP, invalid config object
// (Accepted=False, last valid config still used), SIGTERM (withdraw, Cease 6/2 with our message).

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { FrrRouter } from './support/routers/frr.ts';
import { waitFor } from './support/exec.ts';
import { EXCLUDE_LABEL, K8sLab } from './support/k8s-lab.ts';

const isRoot = process.getuid?.() === 0;
const NODES = ['n1', 'n2', 'n3'] as const;
type NodeName = (typeof NODES)[number];
const ROUTER_AS = 65000;
const NODE_AS = 65100;
const VIP_LOCAL = '198.51.100.1/32';
const VIP_CLUSTER = '198.51.100.2/32';
const VIP_SHARED = '198.51.100.3/32';
const ALL = ['n1', 'n2', 'n3'] as const;

let lab: K8sLab<NodeName>;
let frr: FrrRouter;

const opts = { skip: isRoot ? false : 'needs root for network namespaces', timeout: 120_000 };

/** Which nodes' sessions carry `prefix` in FRR's BGP table (a path's peer is the node's link address). */
async function carriers(prefix: string): Promise<string[]> {
  const rs = await frr.routes('ipv4');
  return rs.filter((r) => r.prefix === prefix).map((r) => lab.nodeOf(r.fromPeer ?? '') ?? `?${r.fromPeer}`).sort();
}

async function expectCarriers(prefix: string, nodes: readonly string[], what: string, timeoutMs = 10_000): Promise<void> {
  const want = [...nodes].sort().join(',');
  await waitFor(async () => (await carriers(prefix)).join(',') === want, { timeoutMs, intervalMs: 100, what: `${what}: ${prefix} from [${want}]` })
    .catch(async (err: unknown) => {
      throw new Error(`${(err as Error).message}; FRR has [${(await carriers(prefix)).join(',')}]\n${lab.logs()}`);
    });
}

/** FRR's count of sessions it has brought up with each node (`connectionsEstablished`), and their states. */
async function sessionCounts(): Promise<Map<NodeName, string>> {
  const j = await frr.vtyshJson<Record<string, { bgpState?: string; connectionsEstablished?: number }>>('show bgp neighbors json');
  const out = new Map<NodeName, string>();
  for (const [addr, n] of Object.entries(j)) {
    const node = lab.nodeOf(addr);
    if (node !== undefined) out.set(node, `${n.bgpState}#${n.connectionsEstablished}`);
  }
  return out;
}

before(async () => {
  if (!isRoot) return;
  lab = await K8sLab.create({ prefix: 'vkf-', apiPort: 19500, nodes: NODES, v4Base: '10.89', routerAs: ROUTER_AS, nodeAs: NODE_AS });
  const neighbors = NODES.map((n) => ({ address: lab.link(n).node4, remoteAs: NODE_AS, families: ['ipv4' as const], passive: true, holdTimeSec: 6 }));
  frr = new FrrRouter(lab.topo, { ns: lab.routerNs, routerId: '10.89.0.1', localAs: ROUTER_AS, neighbors });
  await frr.start();
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

test('Kubernetes mode against FRR: decision rows, BGPPeer change, invalid config, SIGTERM', opts, async (t) => {
  await t.test('sessions up; Local from the endpoint node only, Cluster from every node', async () => {
    for (const n of NODES) await frr.waitEstablished(lab.link(n).node4, 20_000).catch((e: Error) => assert.fail(`${e.message}\n${lab.logs()}`));
    await expectCarriers(VIP_LOCAL, ['n1'], 'Local with one endpoint on n1');
    await expectCarriers(VIP_CLUSTER, ALL, 'Cluster with an endpoint on n3');
    lab.setEndpoints('local', [{ node: 'n1' }, { node: 'n2' }]);
    await expectCarriers(VIP_LOCAL, ['n1', 'n2'], 'Local with endpoints on n1 and n2');
  });

  await t.test('readiness flips withdraw and re-announce; zero endpoints withdraw', async () => {
    lab.setEndpoints('cluster', [{ node: 'n3', ready: false }]);
    await expectCarriers(VIP_CLUSTER, [], 'Cluster whose only endpoint is not ready');
    lab.setEndpoints('cluster', [{ node: 'n3', ready: true }]);
    await expectCarriers(VIP_CLUSTER, ALL, 'ready again');
    lab.setEndpoints('local', [{ node: 'n1', ready: false }, { node: 'n2' }]);
    await expectCarriers(VIP_LOCAL, ['n2'], 'Local: n1 endpoint not ready');
    lab.setEndpoints('local', [{ node: 'n1' }, { node: 'n2' }]);
    await expectCarriers(VIP_LOCAL, ['n1', 'n2'], 'Local: n1 endpoint ready again');
    lab.setEndpoints('cluster', []);
    await expectCarriers(VIP_CLUSTER, [], 'Cluster with zero endpoints');
    lab.setEndpoints('cluster', [{ node: 'n3' }]);
    await expectCarriers(VIP_CLUSTER, ALL, 'Cluster endpoints back');
  });

  await t.test('excluded node (label) and drained node (cordon); sessions stay up', async () => {
    const before = await sessionCounts();
    lab.patchNode('n2', (o) => (o.metadata.labels[EXCLUDE_LABEL] = ''));
    await expectCarriers(VIP_CLUSTER, ['n1', 'n3'], 'n2 excluded');
    await expectCarriers(VIP_LOCAL, ['n1'], 'n2 excluded (its Local endpoint no longer announced)');
    lab.patchNode('n2', (o) => delete o.metadata.labels[EXCLUDE_LABEL]);
    await expectCarriers(VIP_CLUSTER, ALL, 'n2 back');
    await expectCarriers(VIP_LOCAL, ['n1', 'n2'], 'n2 back (Local)');
    lab.patchNode('n3', (o) => (o.spec = { ...(o.spec ?? {}), unschedulable: true }));
    await expectCarriers(VIP_CLUSTER, ['n1', 'n2'], 'n3 cordoned');
    lab.patchNode('n3', (o) => (o.spec = { ...(o.spec ?? {}), unschedulable: false }));
    await expectCarriers(VIP_CLUSTER, ALL, 'n3 uncordoned');
    assert.deepEqual(await sessionCounts(), before, 'no session was reset while nodes were excluded or drained');
  });

  await t.test('a BGPPeer change restarts that session only', async () => {
    const before = await sessionCounts();
    const n2Before = before.get('n2')!;
    assert.match(n2Before, /^Established#\d+$/);
    const cur = lab.api.get('vipd.io/v1alpha1', 'bgppeers', 'tor-n2') as { spec: Record<string, unknown> };
    lab.updateSpec('bgppeers', 'tor-n2', { ...cur.spec, holdTimeSec: 3, keepaliveSec: 1 });
    const wantN2 = `Established#${Number(n2Before.split('#')[1]) + 1}`;
    await waitFor(async () => (await sessionCounts()).get('n2') === wantN2, { timeoutMs: 15_000, intervalMs: 100, what: `n2 session ${wantN2}` });
    const after = await sessionCounts();
    const seen = `before ${JSON.stringify([...before])} after ${JSON.stringify([...after])}`;
    assert.equal(after.get('n1'), before.get('n1'), `n1 session untouched: ${seen}`);
    assert.equal(after.get('n3'), before.get('n3'), `n3 session untouched: ${seen}`);
    const n2 = await frr.neighborJson(lab.link('n2').node4);
    assert.equal(n2?.bgpTimerHoldTimeMsecs, 3000, 'the new (lower) hold time was negotiated');
    await expectCarriers(VIP_CLUSTER, ALL, 'n2 routes back on the new session');
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
    lab.setEndpoints('shared-a', [{ node: 'n3' }]);
    await expectCarriers(VIP_SHARED, ['n3'], 'shared-a qualifies again on n3');
  });

  await t.test('invalid config object: Accepted=False, the last valid version keeps running', async () => {
    const onEveryPath = async (c: string) => {
      const rs = (await frr.routes('ipv4')).filter((r) => r.prefix === VIP_CLUSTER);
      return rs.length === 3 && rs.every((r) => r.communities.includes(c));
    };
    lab.updateSpec('bgpadvertisements', 'all', { communities: ['65000:7'] });
    await waitFor(() => onEveryPath('65000:7'), { timeoutMs: 10_000, intervalMs: 100, what: 'community 65000:7 on every path at FRR' });
    lab.updateSpec('bgpadvertisements', 'all', { communities: ['65000:8'], serviceSelectors: [{ matchExpressions: [{ key: 'x', operator: 'In', values: [] }] }] });
    await waitFor(() => lab.conditionsOf('bgpadvertisements', 'all').some((c) => c.type === 'Accepted' && c.status === 'False' && c.reason === 'InvalidSelector'),
      { timeoutMs: 10_000, intervalMs: 50, what: 'Accepted=False on the advertisement' });
    // The condition is written after the daemons rejected the object; give any (wrong) UPDATE time to land.
    const until = Date.now() + 1000;
    while (Date.now() < until) {
      const rs = (await frr.routes('ipv4')).filter((r) => r.prefix === VIP_CLUSTER);
      assert.equal(rs.length, 3, 'routes still announced');
      assert.ok(rs.every((r) => r.communities.includes('65000:7') && !r.communities.includes('65000:8')),
        `the last valid advertisement is still used: ${JSON.stringify(rs.map((r) => r.communities))}`);
    }
    // A valid version is taken up again (the daemons did not stop watching the object).
    lab.updateSpec('bgpadvertisements', 'all', { communities: ['65000:9'] });
    await waitFor(() => onEveryPath('65000:9'), { timeoutMs: 10_000, intervalMs: 100, what: 'community 65000:9 on every path at FRR' });
    await waitFor(() => lab.conditionsOf('bgpadvertisements', 'all').some((c) => c.type === 'Accepted' && c.status === 'True'),
      { timeoutMs: 10_000, intervalMs: 50, what: 'Accepted=True again' });
  });

  await t.test('SIGTERM: n3 withdraws and FRR records the administrative shutdown with our message', async () => {
    const p = lab.vipd.get('n3')!;
    process.kill(p.pid, 'SIGTERM');
    const code = await Promise.race([p.exited, new Promise<number>((r) => setTimeout(() => r(-1), 15_000))]);
    assert.equal(code, 0, p.readLog().slice(-2000));
    await expectCarriers(VIP_CLUSTER, ['n1', 'n2'], 'n3 gone');
    await expectCarriers(VIP_SHARED, [], 'n3\'s shared VIP gone');
    const n = await waitFor(() => frr.lastNotification(lab.link('n3').node4), { timeoutMs: 5_000, intervalMs: 100, what: 'FRR last notification from n3' });
    assert.equal(n.code, 6, n.raw);
    assert.equal(n.subcode, 2, n.raw);
    assert.match(n.reason ?? '', /Administrative Shutdown/i, n.raw);
    assert.match(n.message ?? '', /n3 is shutting down/, n.raw);
    const peers = await frr.peers();
    assert.notEqual(peers.find((x) => x.address === lab.link('n3').node4)?.state, 'Established', 'n3 session down at FRR');
    assert.deepEqual(peers.filter((x) => x.state === 'Established').map((x) => lab.nodeOf(x.address)).sort(), ['n1', 'n2'], 'n1 and n2 stay up');
  });
});
