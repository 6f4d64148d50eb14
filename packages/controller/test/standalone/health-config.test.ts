// vips[].healthCheck parsing (standalone/health-config.ts): defaults, each kind, whenDown with worse
// attributes, errors with field paths and stable codes, shared check names, and the chart's shape.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError, validateConfig } from '../../src/standalone/config.ts';
import { degradeAttributes } from '../../src/standalone/health-config.ts';
import { expandEnv } from '../../src/standalone/config-env.ts';

const base = (vips: unknown[]) => ({ localAsn: 65001, routerId: '10.0.0.1', peers: [{ address: '10.0.0.2', asn: 65000 }], vips });

function issues(doc: unknown): string[] {
  try {
    validateConfig(doc);
  } catch (err) {
    assert.ok(err instanceof ConfigError);
    assert.equal(err.code, 'ERR_CONFIG');
    return err.issues.map((i) => i.path);
  }
  assert.fail('expected a ConfigError');
}

test('http check: defaults (2 s interval, fast 500 ms, rise 3, fall 2, hold-down 10 s, withdraw when down)', () => {
  const c = validateConfig(base([{ prefix: '192.0.2.10/32', healthCheck: { kind: 'http', url: 'http://127.0.0.1:8080/healthz' } }]));
  const hc = c.vips[0]!.healthCheck!;
  assert.equal(hc.name, '192.0.2.10/32');
  assert.deepEqual(hc.check, { kind: 'http', url: 'http://127.0.0.1:8080/healthz' });
  assert.deepEqual(hc.config, { intervalMs: 2000, fastIntervalMs: 500, rise: 3, fall: 2, holdDownMs: 10_000, drainMs: 10_000 });
  assert.equal(hc.timeoutMs, 1000);
  assert.equal(hc.whenDown, 'withdraw');
});

test('the control-plane chart shape parses (kind http, insecureSkipVerify, intervalMs, rise, fall, holdDownSec, bindToLoopback)', () => {
  const c = validateConfig(base([{
    prefix: '192.0.2.10/32',
    healthCheck: { kind: 'http', url: 'https://127.0.0.1:6443/livez', insecureSkipVerify: true, intervalMs: 1000, rise: 3, fall: 2, holdDownSec: 10 },
    bindToLoopback: true,
  }]));
  const v = c.vips[0]!;
  assert.equal(v.bindToLoopback, 'always');
  assert.equal(v.healthCheck!.check.kind, 'http');
  assert.equal((v.healthCheck!.check as { insecureSkipVerify?: boolean }).insecureSkipVerify, true);
  assert.deepEqual(v.healthCheck!.config, { intervalMs: 1000, fastIntervalMs: 250, rise: 3, fall: 2, holdDownMs: 10_000, drainMs: 10_000 });
});

test('tcp and exec checks; status ranges; whenDown announce with MED, prepend and communities', () => {
  const c = validateConfig(base([
    { prefix: '192.0.2.1/32', healthCheck: { name: 'db', kind: 'tcp', host: '127.0.0.1', port: 5432, timeoutMs: 300 } },
    { prefix: '2001:db8::1/128', healthCheck: { name: 'script', kind: 'exec', command: '/bin/true', args: ['-x'], expectExitCode: 0 } },
    { prefix: '192.0.2.2/32', communities: ['65000:1'], asPathPrepend: 1, healthCheck: {
      name: 'web', kind: 'http', url: 'http://[::1]:80/', expectStatus: '200-204', bodyContains: 'ok',
      whenDown: 'announce', downAttributes: { med: 1000, asPathPrepend: 3, communities: ['65000:666'] },
    } },
  ]));
  assert.deepEqual(c.vips[0]!.healthCheck!.check, { kind: 'tcp', host: '127.0.0.1', port: 5432 });
  assert.equal(c.vips[0]!.healthCheck!.timeoutMs, 300);
  assert.deepEqual(c.vips[1]!.healthCheck!.check, { kind: 'exec', command: '/bin/true', args: ['-x'], expectExitCode: 0 });
  const web = c.vips[2]!;
  assert.deepEqual(web.healthCheck!.check, { kind: 'http', url: 'http://[::1]:80/', expectStatus: [200, 204], bodyContains: 'ok' });
  assert.equal(web.healthCheck!.whenDown, 'announce');
  const worse = degradeAttributes(web.attributes, web.healthCheck!.downAttributes);
  assert.equal(worse.med, 1000);
  assert.equal(worse.asPathPrepend, 4);
  assert.deepEqual(worse.communities, [(65000 << 16) | 1, (65000 * 65536 + 666) >>> 0].map((x) => x >>> 0));
});

test('every problem is reported with its path', () => {
  const paths = issues(base([
    { prefix: '192.0.2.1/32', healthCheck: { kind: 'icmp' } },
    { prefix: '192.0.2.2/32', healthCheck: { kind: 'http', url: 'ftp://x/', rise: 0, port: 80, expectStatus: '2xx' } },
    { prefix: '192.0.2.3/32', healthCheck: { kind: 'tcp', host: '127.0.0.1' } },
    { prefix: '192.0.2.4/32', healthCheck: { kind: 'exec', command: 'x', intervalMs: 1000, fastIntervalMs: 2000, surprise: 1 } },
    { prefix: '192.0.2.5/32', healthCheck: { kind: 'exec', command: 'x', downAttributes: { med: 1 } } },
    { prefix: '192.0.2.0/24', bindToLoopback: true },
    { prefix: '192.0.2.6/32', healthCheck: { kind: 'http', url: 'https://h/', caFile: '/nonexistent/ca.pem' } },
    { prefix: '192.0.2.7/32', bindToLoopback: 'sometimes' },
  ]));
  for (const p of [
    'vips[0].healthCheck.kind', 'vips[1].healthCheck.url', 'vips[1].healthCheck.rise', 'vips[1].healthCheck.port',
    'vips[1].healthCheck.expectStatus', 'vips[2].healthCheck.port', 'vips[3].healthCheck.fastIntervalMs',
    'vips[3].healthCheck.surprise', 'vips[4].healthCheck.downAttributes', 'vips[5].bindToLoopback', 'vips[6].healthCheck.caFile',
    'vips[7].bindToLoopback',
  ]) assert.ok(paths.includes(p), `${p} in ${paths.join(', ')}`);
});

test('VIPs may share a check by name only with the same definition', () => {
  const hc = { name: 'web', kind: 'tcp', host: '127.0.0.1', port: 80 };
  const ok = validateConfig(base([{ prefix: '192.0.2.1/32', healthCheck: hc }, { prefix: '2001:db8::1/128', healthCheck: hc }]));
  assert.equal(ok.vips.filter((v) => v.healthCheck?.name === 'web').length, 2);
  assert.deepEqual(issues(base([{ prefix: '192.0.2.1/32', healthCheck: hc }, { prefix: '192.0.2.2/32', healthCheck: { ...hc, port: 81 } }])), ['vips[1].healthCheck.name']);
});

test('--expand-env: ${VAR} from the environment, $${ literal, unset is a ConfigError', () => {
  assert.equal(expandEnv('routerId: ${NODE_IP}\nx: $${NODE_IP}', { NODE_IP: '10.1.2.3' }), 'routerId: 10.1.2.3\nx: ${NODE_IP}');
  assert.throws(() => expandEnv('a: ${NOPE_NOT_SET}', {}), (e: unknown) => e instanceof ConfigError && e.issues[0]!.path === '(env)');
});

test('examples/health-checks.yaml is valid (after ${NODE_IP} expansion)', async () => {
  const { readFileSync } = await import('node:fs');
  const { parseConfigText } = await import('../../src/standalone/config.ts');
  const text = readFileSync(new URL('../../../../examples/health-checks.yaml', import.meta.url), 'utf8');
  const c = parseConfigText(expandEnv(text, { NODE_IP: '192.0.2.50' }));
  const names = c.vips.map((v) => v.healthCheck?.name);
  assert.deepEqual(names, ['web', 'db', 'db', 'batch', 'api']);
  assert.equal(c.vips[4]!.bindToLoopback, 'always');
  assert.equal(c.vips[3]!.healthCheck!.whenDown, 'announce');
});

test('bindToLoopback: true is always, announced follows the route, false or absent is off', () => {
  const c = validateConfig(base([
    { prefix: '192.0.2.1/32', bindToLoopback: true },
    { prefix: '192.0.2.2/32', bindToLoopback: 'announced' },
    { prefix: '192.0.2.3/32', bindToLoopback: false },
    '192.0.2.4/32',
  ]));
  assert.deepEqual(c.vips.map((v) => v.bindToLoopback), ['always', 'announced', undefined, undefined]);
});
