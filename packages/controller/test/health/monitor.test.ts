import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { HealthMonitor } from '../../src/health/monitor.ts';

const PORT = 19101;
let healthy = true;
const server = http.createServer((_req, res) => {
  res.writeHead(healthy ? 200 : 500);
  res.end();
});
await new Promise<void>((r) => server.listen(PORT, '127.0.0.1', r));
const dir = mkdtempSync(join(tmpdir(), 'vipd-health-'));
after(() => {
  server.close();
  rmSync(dir, { recursive: true, force: true });
});

async function until(what: string, check: () => boolean, timeoutMs = 5000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > end) throw new Error(`timed out: ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

test('announce after rise, withdraw after fall, drain by maintenance file, re-announce after it', async () => {
  const events: [string, number][] = [];
  const t0 = Date.now();
  const m = new HealthMonitor({ onIntent: (_n, _v, intent) => events.push([intent, Date.now() - t0]) });
  const file = join(dir, 'maintenance');
  m.setChecks([{
    name: 'web', vips: ['192.0.2.10/32'], check: { kind: 'http', url: `http://127.0.0.1:${PORT}/` }, timeoutMs: 200, maintenanceFile: file,
    config: { intervalMs: 100, fastIntervalMs: 20, rise: 3, fall: 2, holdDownMs: 300, drainMs: 150 },
  }]);
  try {
    await until('announce', () => events.some(([i]) => i === 'announce'));
    assert.deepEqual(events.map(([i]) => i), ['withdraw', 'announce']);
    healthy = false;
    const down0 = Date.now();
    await until('withdraw', () => events.length === 3);
    const detectMs = Date.now() - down0;
    assert.equal(events[2]![0], 'withdraw');
    // fall=2: at most one normal interval until the first failure, then one fast interval: ~120 ms
    // idle; the bound is loose because CI runs this on 2 busy cores (the e2e measures the real time).
    assert.ok(detectMs >= 20 && detectMs < 1500, `withdrawn after ${detectMs} ms`);
    healthy = true;
    await until('re-announce after hold-down', () => events.length === 4, 3000);
    assert.equal(events[3]![0], 'announce');
    assert.ok(events[3]![1] - events[2]![1] >= 300, 'hold-down respected');
    writeFileSync(file, '');
    await until('drain', () => events.length === 6, 3000);
    assert.deepEqual(events.slice(4).map(([i]) => i), ['announce-gshut', 'withdraw']);
    assert.ok(events[5]![1] - events[4]![1] >= 150, 'GSHUT held for drainMs');
    assert.equal(m.views()[0]!.health.state, 'maintenance');
    rmSync(file);
    await until('back after maintenance', () => events.length === 7, 3000);
    assert.equal(events[6]![0], 'announce');
    // The API switch works the same way.
    assert.equal(m.setMaintenance('web', true), true);
    assert.equal(m.setMaintenance('nope', true), false);
    await until('drain via API', () => events.length === 9, 3000);
    // The absent file does not undo the API switch: still in maintenance several probes later.
    await new Promise((r) => setTimeout(r, 400));
    assert.equal(events.length, 9);
    assert.equal(m.views()[0]!.health.state, 'maintenance');
    m.setMaintenance('web', false);
    await until('back after the API switch is off', () => events.length === 10, 3000);
    assert.equal(events[9]![0], 'announce');
  } finally {
    m.stop();
  }
});
