// e2e data path: ECMP. Three nodes run vipd (standalone) and announce the same VIP to one ToR router
// (BIRD 2 with `merge paths`, FRR 8 with `maximum-paths`); the router installs a multipath route in its
// kernel FIB and forwards real UDP and HTTP traffic from a client, spread per flow over the nodes.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { DatapathLab, UDP_PORT, HTTP_PORT } from './support/datapath/lab.ts';
import { startUdpClient, startHttpClient } from './support/traffic/run.ts';
import { summarizeUdp } from './support/traffic/analyze.ts';
import { summarizeHttp } from './support/traffic/http-load.ts';

const labs: DatapathLab[] = [];
after(async () => {
  await Promise.all(labs.map((l) => l.destroy()));
});

for (const router of ['bird', 'frr'] as const) {
  test(`ECMP through ${router}: three nodes, flows spread, none lost or misrouted`, { timeout: 90_000 }, async () => {
    const lab = await DatapathLab.create({ prefix: router === 'bird' ? 'vdp-eb-' : 'vdp-ef-', router });
    labs.push(lab);
    await lab.start();
    // The router's own view: three BGP paths for the VIP, three next hops in its kernel FIB.
    const routes = await lab.router.waitForRoutes('ipv4', (rs) => rs.filter((r) => r.prefix === `${lab.vip}/32`).length === 3);
    assert.deepEqual(routes.filter((r) => r.prefix === `${lab.vip}/32`).map((r) => r.nextHop).sort(), lab.nodes.map((n) => n.address).sort());
    assert.deepEqual(await lab.fibNodes(), ['n1', 'n2', 'n3']);

    const udp = await startUdpClient(lab.topo, lab.client.ns, { target: lab.vip, port: UDP_PORT, flows: 24, ratePps: 1200, maxDurationMs: 3000 });
    const http = startHttpClient(lab.topo, lab.client.ns, { target: lab.vip, port: HTTP_PORT, connections: 12, intervalMs: 10, timeoutMs: 2000, maxDurationMs: 2500, maxRequests: 5000 });
    const [u, h] = [summarizeUdp(await udp.done(15_000)), summarizeHttp(await http.done(15_000))];
    assert.ok(u.sent > 1000, `sent ${u.sent}`);
    assert.equal(u.lost, 0, JSON.stringify({ ...u, flowNode: u.flowNode, lossWindows: u.lossWindows.slice(0, 5) }));
    assert.equal(u.duplicates, 0);
    assert.equal(u.foreign, 0);
    // A stable ECMP set: each flow (5-tuple) sticks to one node.
    assert.equal(u.flowsOnSeveralNodes, 0);
    // 24 flows hashed over 3 next hops: every node gets some (P(a node gets none) = 3·(2/3)^24 ≈ 2e-4).
    assert.deepEqual(Object.keys(u.perNode).sort(), ['n1', 'n2', 'n3'], JSON.stringify(u.perNode));
    assert.equal(h.failures, 0, JSON.stringify(h.errors));
    assert.ok(h.requests > 100);
    assert.ok(Object.keys(h.perNode).length >= 2, JSON.stringify(h.perNode));
  });
}
