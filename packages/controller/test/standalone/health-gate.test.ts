// HealthGate (standalone/health-gate.ts) with real exec probes (`test -e FILE`, toggled by the test):
// VIPs withdrawn until `rise`, withdrawn after `fall`, hold-down before re-announce, worse attributes
// when whenDown is announce, maintenance drain (GSHUT then withdraw), status and metrics reporting.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { validateConfig, type StandaloneConfig } from '../../src/standalone/config.ts';
import { HealthGate } from '../../src/standalone/health-gate.ts';
import { noopLogger } from '@vipd/bgp/observe.ts';

const dir = mkdtempSync(join(tmpdir(), 'vhc-gate-'));
after(() => rmSync(dir, { recursive: true, force: true }));

function cfgFor(flag: string, extra: Record<string, unknown> = {}): StandaloneConfig {
  return validateConfig({
    localAsn: 65001, routerId: '10.0.0.1', peers: [],
    vips: [
      '192.0.2.99/32',
      { prefix: '192.0.2.1/32', med: 5, healthCheck: { name: 'svc', kind: 'exec', command: 'sh', args: ['-c', `test -e ${flag}`], intervalMs: 100, fastIntervalMs: 50, rise: 2, fall: 2, holdDownSec: 0, drainSec: 1, ...extra } },
    ],
  });
}

async function until(what: string, pred: () => boolean, timeoutMs = 5000): Promise<number> {
  const t0 = Date.now();
  while (!pred()) {
    if (Date.now() - t0 > timeoutMs) assert.fail(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
  return Date.now() - t0;
}

function harness(cfg: StandaloneConfig) {
  const calls: string[] = [];
  let changes = 0;
  const gate = new HealthGate({
    log: noopLogger,
    onChange: () => changes++,
    metrics: {
      healthCheckResult: (c, k, s) => calls.push(`result ${c} ${k} ${s}`),
      healthCheckTransition: (c, to) => calls.push(`transition ${c} ${to}`),
      forgetHealthCheck: (c) => calls.push(`forget ${c}`),
    },
  });
  gate.setConfig(cfg);
  const vip = cfg.vips[1]!;
  return { gate, calls, vip, plain: cfg.vips[0]!, changes: () => changes };
}

test('withdrawn until rise passes; ungated VIPs keep their own attributes object; fall withdraws', async () => {
  const flag = join(dir, 'a');
  const cfg = cfgFor(flag);
  const h = harness(cfg);
  try {
    assert.equal(h.gate.attributesFor(h.plain), h.plain.attributes, 'same object for ungated VIPs');
    assert.equal(h.gate.attributesFor(h.vip), undefined);
    await until('a failing probe', () => h.calls.some((c) => c.startsWith('result svc exec down')));
    assert.equal(h.gate.attributesFor(h.vip), undefined);
    writeFileSync(flag, '');
    await until('announce', () => h.gate.attributesFor(h.vip) !== undefined);
    assert.equal(h.gate.attributesFor(h.vip), h.vip.attributes);
    assert.ok(h.calls.includes('transition svc up'));
    const st = h.gate.statuses()[0]!;
    assert.equal(st.state, 'up');
    assert.equal(st.route, 'announce');
    assert.deepEqual(st.vips, ['192.0.2.1/32']);
    assert.ok(st.consecutiveSuccesses >= 2);
    rmSync(flag);
    await until('withdraw', () => h.gate.attributesFor(h.vip) === undefined);
    assert.ok(h.calls.includes('transition svc down'));
    assert.ok(h.changes() >= 2);
    assert.ok(h.gate.statuses()[0]!.consecutiveFailures >= 2);
  } finally {
    h.gate.stop();
  }
});

test('hold-down: passing again right after a failure does not re-announce before the hold-down ends', async () => {
  const flag = join(dir, 'b');
  writeFileSync(flag, '');
  const h = harness(cfgFor(flag, { holdDownSec: 1 }));
  try {
    await until('up', () => h.gate.routeOf('svc') === 'announce');
    rmSync(flag);
    await until('down', () => h.gate.routeOf('svc') === 'withdraw');
    const downAt = Date.now();
    writeFileSync(flag, '');
    await until('up again', () => h.gate.routeOf('svc') === 'announce', 5000);
    assert.ok(Date.now() - downAt >= 950, `re-announced after ${Date.now() - downAt} ms`);
    assert.ok(h.gate.statuses()[0]!.transitions >= 3);
  } finally {
    h.gate.stop();
    rmSync(flag, { force: true });
  }
});

test('whenDown announce: worse attributes (MED, prepend, community) while down, own attributes while up', async () => {
  const flag = join(dir, 'c');
  const h = harness(cfgFor(flag, { whenDown: 'announce', downAttributes: { med: 900, asPathPrepend: 2, communities: ['65000:666'] } }));
  try {
    const down = h.gate.attributesFor(h.vip)!;
    assert.deepEqual({ med: down.med, asPathPrepend: down.asPathPrepend, communities: down.communities }, { med: 900, asPathPrepend: 2, communities: [(65000 * 65536 + 666)] });
    assert.equal(h.gate.attributesFor(h.vip), down, 'stable identity');
    writeFileSync(flag, '');
    await until('up', () => h.gate.routeOf('svc') === 'announce');
    assert.equal(h.gate.attributesFor(h.vip), h.vip.attributes);
  } finally {
    h.gate.stop();
    rmSync(flag, { force: true });
  }
});

test('maintenance: GRACEFUL_SHUTDOWN for drainSec, then withdrawn; off goes back through rise; unknown name is false', async () => {
  const flag = join(dir, 'd');
  writeFileSync(flag, '');
  const h = harness(cfgFor(flag));
  try {
    await until('up', () => h.gate.routeOf('svc') === 'announce');
    assert.equal(h.gate.setMaintenance('nope', true), false);
    assert.equal(h.gate.setMaintenance('svc', true), true);
    assert.equal(h.gate.routeOf('svc'), 'announce-gshut');
    assert.equal(h.gate.attributesFor(h.vip)!.gracefulShutdown, true);
    assert.equal(h.gate.attributesFor(h.vip)!.med, 5);
    assert.equal(h.gate.statuses()[0]!.maintenance, true);
    const drained = await until('withdraw after drain', () => h.gate.routeOf('svc') === 'withdraw', 3000);
    assert.ok(drained >= 900, `drained after ${drained} ms`);
    assert.equal(h.gate.statuses()[0]!.phase, 'maintenance');
    h.gate.setMaintenance('svc', false);
    await until('up after rise', () => h.gate.routeOf('svc') === 'announce');
  } finally {
    h.gate.stop();
    rmSync(flag, { force: true });
  }
});

test('maintenance file drains too; a removed check is forgotten in the metrics', async () => {
  const flag = join(dir, 'e');
  const mfile = join(dir, 'e.maint');
  writeFileSync(flag, '');
  const cfg = cfgFor(flag, { maintenanceFile: mfile });
  const h = harness(cfg);
  try {
    await until('up', () => h.gate.routeOf('svc') === 'announce');
    writeFileSync(mfile, '');
    await until('gshut', () => h.gate.routeOf('svc') === 'announce-gshut');
    await until('withdraw', () => h.gate.routeOf('svc') === 'withdraw', 3000);
    h.gate.setConfig(validateConfig({ localAsn: 65001, routerId: '10.0.0.1', peers: [], vips: ['192.0.2.1/32'] }));
    assert.ok(h.calls.includes('forget svc'));
    assert.deepEqual(h.gate.statuses(), []);
  } finally {
    h.gate.stop();
    rmSync(flag, { force: true });
    rmSync(mfile, { force: true });
  }
});

test('reload: a VIP joining a shared check keeps the check up (no withdraw); a changed check restarts down', async () => {
  const flag = join(dir, 'f');
  writeFileSync(flag, '');
  const hc = { name: 'svc', kind: 'exec', command: 'sh', args: ['-c', `test -e ${flag}`], intervalMs: 100, fastIntervalMs: 50, rise: 2, fall: 2, holdDownSec: 0 };
  const mk = (vips: unknown[]) => validateConfig({ localAsn: 65001, routerId: '10.0.0.1', peers: [], vips });
  const h = harness(mk(['192.0.2.99/32', { prefix: '192.0.2.1/32', healthCheck: hc }]));
  try {
    await until('up', () => h.gate.routeOf('svc') === 'announce');
    const transitions = h.gate.statuses()[0]!.transitions;
    const next = mk(['192.0.2.99/32', { prefix: '192.0.2.1/32', healthCheck: hc }, { prefix: '2001:db8::1/128', healthCheck: hc }]);
    h.gate.setConfig(next);
    assert.equal(h.gate.routeOf('svc'), 'announce');
    assert.equal(h.gate.attributesFor(next.vips[2]!), next.vips[2]!.attributes);
    assert.deepEqual(h.gate.statuses()[0]!.vips, ['192.0.2.1/32', '2001:db8::1/128']);
    assert.equal(h.gate.statuses()[0]!.transitions, transitions);
    h.gate.setConfig(mk([{ prefix: '192.0.2.1/32', healthCheck: { ...hc, rise: 3 } }]));
    assert.equal(h.gate.routeOf('svc'), 'withdraw', 'a changed definition starts down again');
  } finally {
    h.gate.stop();
    rmSync(flag, { force: true });
  }
});

test('log: a flapping probe logs at most 5 edge lines per 10 s at info; every result at debug', async () => {
  const lines: Array<{ level: string; msg: string }> = [];
  const rec = (level: string) => (_o: unknown, msg?: string) => void lines.push({ level, msg: msg ?? '' });
  const log = { trace: rec('trace'), debug: rec('debug'), info: rec('info'), warn: rec('warn'), error: rec('error'), child: () => log };
  const toggle = join(dir, 'toggle');
  // Passes and fails in turn: every result is an edge.
  const flip = `if [ -e ${toggle} ]; then rm ${toggle}; exit 1; else : > ${toggle}; exit 0; fi`;
  const gate = new HealthGate({ log, onChange: () => {} });
  gate.setConfig(validateConfig({
    localAsn: 65001, routerId: '10.0.0.1', peers: [],
    vips: [{ prefix: '192.0.2.1/32', healthCheck: { name: 'flappy', kind: 'exec', command: 'sh', args: ['-c', flip], intervalMs: 100, fastIntervalMs: 50, rise: 2, fall: 2 } }],
  }));
  try {
    await until('7 results logged at debug (about 12 probes)', () => lines.filter((l) => l.msg === 'health check result').length >= 7, 8000);
    const edges = lines.filter((l) => l.level === 'info' && /^health check flappy (passing|failing)$/.test(l.msg));
    assert.ok(edges.length <= 5, `${edges.length} edge lines`);
    assert.ok(edges.length >= 2);
  } finally {
    gate.stop();
    rmSync(toggle, { force: true });
  }
});
