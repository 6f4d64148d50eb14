// Leader election (packages/controller/src/kube/lease.ts) through the real client-node against the
// test API server: exactly one leader among candidates, a released lease is taken over at once, a
// crashed leader's lease after it expires, and never two leaders at any sampled instant.
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { TestApiServer } from './support/apiserver/test-api-server.ts';
import { kubeConfigFor, waitFor } from './support/apiserver/client-helpers.ts';
import { LeaderElector } from '../packages/controller/src/kube/lease.ts';

const server = new TestApiServer();
before(() => server.start());
after(() => server.stop());

function candidate(identity: string, log: string[]) {
  const state = { leading: false };
  const e = new LeaderElector(kubeConfigFor(server), {
    namespace: 'kube-system',
    name: 'vipd-ipam',
    identity,
    leaseDurationSec: 2,
    renewDeadlineSec: 1.5,
    retryPeriodSec: 0.2,
    onStartedLeading: () => {
      state.leading = true;
      log.push(`+${identity}`);
    },
    onStoppedLeading: () => {
      state.leading = false;
      log.push(`-${identity}`);
    },
  });
  return { e, state };
}

test('one leader; release hands over at once; a dead leader is replaced after the lease expires', async () => {
  const log: string[] = [];
  const a = candidate('a', log);
  const b = candidate('b', log);
  const c = candidate('c', log);
  const all = [a, b, c];
  const alive = new Set(all);
  let overlap = 0;
  const sampler = setInterval(() => {
    if ([...alive].filter((x) => x.state.leading).length > 1) overlap++;
  }, 5);
  try {
    for (const x of all) x.e.start();
    await waitFor('a leader', () => all.some((x) => x.state.leading), 5_000);
    await new Promise((r) => setTimeout(r, 600));
    assert.equal(all.filter((x) => x.state.leading).length, 1);
    const first = all.find((x) => x.state.leading)!;
    const lease = server.get('coordination.k8s.io/v1', 'leases', 'vipd-ipam', 'kube-system') as any;
    assert.equal(lease.spec.holderIdentity, first === a ? 'a' : first === b ? 'b' : 'c');
    assert.match(lease.spec.renewTime, /\.\d{6}Z$/, 'MicroTime with microseconds');

    // Graceful stop releases the lease: a successor within a few retry periods, not a lease duration.
    const t0 = Date.now();
    await first.e.stop();
    const rest = all.filter((x) => x !== first);
    await waitFor('a successor', () => rest.some((x) => x.state.leading), 3_000);
    assert.ok(Date.now() - t0 < 1_500, `handover took ${Date.now() - t0} ms`);

    // A crash (no release): stop renewing without touching the lease; the last one waits for expiry.
    const second = rest.find((x) => x.state.leading)!;
    const third = rest.find((x) => x !== second)!;
    (second.e as unknown as { stopped: boolean }).stopped = true;
    alive.delete(second);
    const t1 = Date.now();
    await waitFor('takeover after expiry', () => third.state.leading, 6_000);
    const waited = Date.now() - t1;
    assert.ok(waited >= 1_500, `took over after ${waited} ms, before the 2 s lease could expire`);
    await third.e.stop();
  } finally {
    clearInterval(sampler);
    for (const x of all) await x.e.stop();
  }
  // No two live candidates ever led at once (the crashed one is dead: it never noticed, and never wrote).
  assert.equal(overlap, 0);
  assert.ok(log.length >= 4);
});
