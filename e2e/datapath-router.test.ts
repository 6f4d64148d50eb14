// e2e data path: the ToR router restarts (BIRD 2, then FRR 8). Three nodes announce the same 201 VIPs;
// after the restart every session comes back, the nodes re-send their tables, and the router's kernel
// FIB again holds every VIP with all three next hops; traffic flows again. Times are measured.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { DatapathLab } from './support/datapath/lab.ts';
import { runRouterRestart, runSteady, extraVips } from './support/datapath/scenarios.ts';
import { summarizeUdp } from './support/traffic/analyze.ts';
import { waitFor } from './support/exec.ts';

const labs: DatapathLab[] = [];
after(async () => {
  await Promise.all(labs.map((l) => l.destroy()));
});

for (const router of ['bird', 'frr'] as const) {
  test(`${router} restart: sessions re-established, full table re-sent into the FIB, traffic flows`, { timeout: 100_000 }, async () => {
    const lab = await DatapathLab.create({ prefix: router === 'bird' ? 'vdp-rb-' : 'vdp-rf-', router, extraVips: extraVips(200) });
    labs.push(lab);
    await lab.start();
    // Before: every VIP with its three next hops in the router's FIB (polled: start() waits for one VIP only).
    await waitFor(async () => {
      const f = await lab.fibSummary();
      return f.prefixes === 201 && f.nextHops === 603 ? f : undefined;
    }, { timeoutMs: 20_000, intervalMs: 50, what: 'full FIB before the restart' });
    const r = await runRouterRestart(lab, 201);
    assert.equal(r.fibEmptyAfterStop, true, 'the router took its routes out of the FIB when it stopped');
    assert.ok(r.establishedMs > 0 && r.establishedMs <= r.fullTableMs);
    // vipd retries its connection every 3 s; the table follows within a fraction of a second.
    assert.ok(r.fullTableMs < 15_000, `full table after ${r.fullTableMs} ms`);
    const peers = await lab.router.peers();
    assert.equal(peers.filter((p) => p.state === 'Established').length, 3);
    const s = summarizeUdp((await runSteady(lab, 1500)).udp);
    assert.equal(s.lost, 0);
    assert.deepEqual(Object.keys(s.perNode).sort(), ['n1', 'n2', 'n3']);
  });
}
