// HealthMonitor drain timer: a timer that fires before the wall clock reaches the drain's end (timers
// run on the monotonic clock, Date.now() may lag by a millisecond) must not leave the VIP draining for
// ever. The injected clock runs at half speed, so the first firing is always "early".
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { HealthMonitor } from '../../src/health/monitor.ts';

test('an early drain timer is re-armed; the drain ends with a withdraw', async () => {
  const events: string[] = [];
  const t0 = Date.now();
  const m = new HealthMonitor({ onIntent: (_n, _v, intent) => events.push(intent), now: () => t0 + (Date.now() - t0) / 2 });
  m.setChecks([{
    name: 'ok', vips: ['192.0.2.1/32'], check: { kind: 'exec', command: 'true' }, timeoutMs: 2000,
    config: { intervalMs: 100, fastIntervalMs: 50, rise: 1, fall: 1, holdDownMs: 0, drainMs: 100 },
  }]);
  try {
    const deadline = Date.now() + 5000;
    const until = async (pred: () => boolean, what: string) => {
      while (!pred()) {
        if (Date.now() > deadline) assert.fail(`timed out: ${what} (${events.join(',')})`);
        await new Promise((r) => setTimeout(r, 5));
      }
    };
    await until(() => events.includes('announce'), 'announce');
    m.setMaintenance('ok', true);
    await until(() => events.at(-1) === 'withdraw', 'withdraw after the drain');
    assert.deepEqual(events, ['withdraw', 'announce', 'announce-gshut', 'withdraw']);
  } finally {
    m.stop();
  }
});
