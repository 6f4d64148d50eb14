// e2e data path: planned restarts of vipd with real traffic through BIRD (ECMP over three nodes).
// 1. Rolling restart with drain (RFC 8326 GRACEFUL_SHUTDOWN, 1 s drain period, then withdraw and Cease):
//    each node stops serving the moment its vipd exits (worst case: the node goes away with it), yet
//    no packet is lost because the router moved the node's flows during the drain.
// 2. Restart with graceful restart (RFC 4724, `--graceful-restart-stop`): the router keeps the node's
//    routes (stale) and keeps forwarding to it while vipd is down; the node keeps serving; nothing lost.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { DatapathLab } from './support/datapath/lab.ts';
import { runRollingRestart, runGrRestart } from './support/datapath/scenarios.ts';
import { summarizeUdp } from './support/traffic/analyze.ts';
import { summarizeHttp } from './support/traffic/http-load.ts';

const labs: DatapathLab[] = [];
after(async () => {
  await Promise.all(labs.map((l) => l.destroy()));
});

test('rolling restart of vipd on every node with a GSHUT drain: zero packets lost', { timeout: 100_000 }, async (t) => {
  const lab = await DatapathLab.create({ prefix: 'vdp-d-', router: 'bird', drain: { mode: 'graceful-shutdown', periodSec: 1 } });
  labs.push(lab);
  await lab.start();
  const r = await runRollingRestart(lab);
  const s = summarizeUdp(r.udp);
  assert.ok(s.sent > 2000, `sent ${s.sent}`);
  assert.equal(s.lost, 0, JSON.stringify({ lost: s.lost, windows: s.lossWindows, perNode: s.perNode }));
  assert.equal(s.duplicates, 0);
  // When each vipd exited, the router's FIB had already dropped its node.
  assert.deepEqual(r.fibHadNodeAtExit, []);
  // Each node left the FIB once and came back; never fewer than two next hops.
  for (const n of lab.nodes) assert.ok(r.fib.some((x) => x.nodes.length === 2 && !x.nodes.includes(n.name)), `${n.name} never left the FIB`);
  assert.ok(r.fib.every((x) => x.nodes.length >= 2), JSON.stringify(r.fib));
  assert.deepEqual(Object.keys(s.perNode).sort(), ['n1', 'n2', 'n3']);
  // TCP keep-alive connections re-hashed to another node are reset there: counted, not a loss.
  const h = summarizeHttp(r.http);
  assert.ok(h.requests > 100);
  t.diagnostic(`rolling restart: UDP ${s.sent} sent, 0 lost, ${s.flowsOnSeveralNodes}/24 flows moved; HTTP ${h.failures} of ${h.requests} requests failed ${JSON.stringify(h.errors)}`);
});

test('vipd restart with graceful restart: the router keeps forwarding, nothing lost', { timeout: 100_000 }, async () => {
  const lab = await DatapathLab.create({ prefix: 'vdp-g-', router: 'bird', gracefulRestartSec: 30, vipdArgs: ['--graceful-restart-stop'] });
  labs.push(lab);
  await lab.start();
  const r = await runGrRestart(lab, { awayMs: 1500 });
  const s = summarizeUdp(r.udp);
  // The router's own view: n1's route was kept as stale while vipd was away, and refreshed after.
  assert.equal(r.sawStale, true);
  assert.ok(s.sent > 1000, `sent ${s.sent}`);
  assert.equal(s.lost, 0, JSON.stringify({ lost: s.lost, windows: s.lossWindows }));
  // The FIB never lost n1, and n1 kept receiving its flows.
  assert.ok(r.fib.every((x) => x.nodes.length === 3), JSON.stringify(r.fib));
  assert.ok((s.perNode.n1 ?? 0) > 0, 'n1 kept receiving traffic');
  assert.equal(s.flowsOnSeveralNodes, 0);
});
