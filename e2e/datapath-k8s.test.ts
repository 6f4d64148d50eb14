// e2e data path, Kubernetes mode: three nodes run `vipd daemon` against the test API server and a BIRD
// ToR (ECMP, RFC 8326 GSHUT honoured); one LoadBalancer Service with externalTrafficPolicy Local has an
// endpoint on every node. With a UDP stream through the router:
// 1. an endpoint goes unready on n1 (its server stops at the same moment): n1's route is withdrawn and
//    the loss window (server gone → router moved the flows) is measured;
// 2. n1 is drained (cordon + NoSchedule taint, drainBehaviour graceful-shutdown): the router moves the
//    flows before the endpoint goes (1 s later, as an eviction with a short preStop would): zero lost;
// 3. rolling restart of `vipd daemon` on every node (SIGTERM: GSHUT, 1 s drain period, withdraw, Cease;
//    each node stops serving as soon as its vipd exits): zero lost;
// 4. the API server is unreachable for 60 s: routes stay, no UPDATE reaches the router, zero lost, and
//    changes apply again afterwards.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { DatapathLab } from './support/datapath/lab.ts';
import { K8sDatapath, runEndpointUnready, runNodeDrain } from './support/datapath/k8s.ts';
import { startUdpClient } from './support/traffic/run.ts';
import { summarizeUdp } from './support/traffic/analyze.ts';
import { runRollingRestart } from './support/datapath/scenarios.ts';
import { UDP_PORT, FLOW_BASE_PORT } from './support/datapath/lab.ts';
import type { BirdRouter } from './support/routers/bird.ts';

let lab: DatapathLab;
let k8s: K8sDatapath;
const all = ['n1', 'n2', 'n3'].map((node) => ({ node, ready: true }));
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

before(async () => {
  lab = await DatapathLab.create({ prefix: 'vdp-k-', router: 'bird', daemon: 'kubernetes' });
  await lab.start();
  k8s = await K8sDatapath.start(lab, { externalTrafficPolicy: 'Local', drainBehaviour: 'graceful-shutdown', drainPeriodSec: 1 });
});
after(async () => {
  await lab?.destroy();
});

const stream = (maxDurationMs: number, ratePps = 600) =>
  startUdpClient(lab.topo, lab.client.ns, { target: lab.vip, port: UDP_PORT, flows: 24, ratePps, maxDurationMs, basePort: FLOW_BASE_PORT });

/** BIRD's per-neighbour counters of UPDATEs received (announcements / withdrawals). */
async function importCounters(): Promise<string> {
  const out = await (lab.router as BirdRouter).birdc(['show', 'protocols', 'all']);
  return [...out.matchAll(/^(node_n\d)\s+BGP[\s\S]*?Import updates:\s+(\d+)[\s\S]*?Import withdraws:\s+(\d+)/gm)].map((m) => `${m[1]}:${m[2]}/${m[3]}`).join(' ');
}

test('Kubernetes mode data path: unready endpoint, node drain, API server outage', { timeout: 150_000 }, async (t) => {

  await t.test('endpoint unready on n1 (Local): route withdrawn, loss window measured', async () => {
    const r = await runEndpointUnready(k8s).catch((e: Error) => assert.fail(`${e.message}\n${k8s.logs()}`));
    const s = summarizeUdp(r.udp);
    assert.ok(s.lost > 0, 'n1 stopped serving before its route went: some loss is expected (the measurement can fail)');
    assert.equal(s.lossWindows.length, 1, JSON.stringify(s.lossWindows));
    // API event → informer → decide → UPDATE → BIRD → kernel FIB, all on 2 shared cores.
    assert.ok(s.maxLossWindowMs < 2000, `loss window ${s.maxLossWindowMs} ms`);
    t.diagnostic(`endpoint unready: loss window ${s.maxLossWindowMs.toFixed(0)} ms, ${s.lost} packets; FIB without n1 after ${r.fibMs.toFixed(0)} ms`);
  });

  await t.test('n1 drained (cordon + taint, GSHUT): flows moved before the endpoint goes, zero lost', async () => {
    const r = await runNodeDrain(k8s, 1000);
    const s = summarizeUdp(r.udp);
    assert.deepEqual(r.fibAtEviction, ['n2', 'n3'], `router FIB when the endpoint went: ${r.fibAtEviction.join(',')}`);
    // BIRD's view: n1's route stayed, tagged GRACEFUL_SHUTDOWN (65535:0), so the router preferred the others.
    assert.ok(r.gshutMs >= 0, 'BIRD saw n1 route tagged 65535:0 within 1 s of the cordon');
    assert.equal(s.lost, 0, JSON.stringify({ lost: s.lost, windows: s.lossWindows }));
    assert.ok(s.sent > 1000);
    t.diagnostic(`drain: ${s.sent} sent, 0 lost; GSHUT route at BIRD ${r.gshutMs.toFixed(0)} ms after the cordon, eviction at +1000 ms`);
  });

  await t.test('rolling restart of vipd daemon on every node with a GSHUT drain: zero lost', async () => {
    const r = await runRollingRestart(lab, { ops: k8s.ops() });
    const s = summarizeUdp(r.udp);
    assert.equal(s.lost, 0, JSON.stringify({ lost: s.lost, windows: s.lossWindows }));
    assert.deepEqual(r.fibHadNodeAtExit, []);
    assert.ok(r.fib.every((x) => x.nodes.length >= 2), JSON.stringify(r.fib));
    assert.ok(s.sent > 2000);
  });

  await t.test('API server unreachable for 60 s: routes stay, nothing flaps, zero lost, recovery clean', async () => {
    const before = await importCounters();
    assert.match(before, /node_n1:\d+\/\d+ node_n2:\d+\/\d+ node_n3:\d+\/\d+/);
    const udp = await stream(75_000, 200);
    const fib = lab.sampleFib(50, 80_000);
    await k8s.api.stop();
    await sleep(60_000);
    await k8s.api.start();
    await sleep(2500);
    const samples = await fib.stop();
    const s = summarizeUdp(await udp.stop());
    assert.equal(s.lost, 0);
    assert.ok(samples.every((x) => x.nodes.length === 3), JSON.stringify(samples));
    assert.equal(await importCounters(), before, 'no UPDATE reached the router across the outage and the re-list');
    for (const [n, p] of k8s.daemons) assert.ok(p.isRunning(), `${n} daemon still running`);
    // Changes apply again once the API server is back.
    k8s.setEndpoints(all.map((e) => (e.node === 'n2' ? { ...e, ready: false } : e)));
    await lab.waitNextHops(2, 15_000).catch((e: Error) => assert.fail(`${e.message}\n${k8s.logs()}`));
    assert.deepEqual(await lab.fibNodes(), ['n1', 'n3']);
  });
});
