// `vipd run --expand-env` and `--config-env NAME` (with --check, so nothing starts): ${NODE_IP} filled
// from the environment, an unset variable exits 2, a config carried in an environment variable loads.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const CLI = fileURLToPath(new URL('../../src/cli.ts', import.meta.url));
const EXAMPLE = fileURLToPath(new URL('../../../../examples/health-checks.yaml', import.meta.url));

function vipd(args: string[], env: Record<string, string>) {
  const clean = { ...process.env };
  delete clean.NODE_IP;
  const r = spawnSync(process.execPath, [CLI, 'run', ...args], { encoding: 'utf8', env: { ...clean, ...env }, timeout: 20_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

test('--expand-env fills ${NODE_IP}; unset exits 2 naming the variable path (env)', () => {
  const ok = vipd(['--config', EXAMPLE, '--expand-env', '--check'], { NODE_IP: '192.0.2.50' });
  assert.equal(ok.code, 0, ok.stderr);
  assert.equal(JSON.parse(ok.stdout).routerId, '192.0.2.50');
  const missing = vipd(['--config', EXAMPLE, '--expand-env', '--check'], {});
  assert.equal(missing.code, 2);
  assert.match(missing.stderr, /\(env\)/);
  // Without --expand-env the literal ${NODE_IP} is not an address.
  assert.equal(vipd(['--config', EXAMPLE, '--check'], { NODE_IP: '192.0.2.50' }).code, 2);
});

test('--config-env reads the YAML from an environment variable', () => {
  const text = readFileSync(EXAMPLE, 'utf8');
  const ok = vipd(['--config-env=VIPD_CONFIG', '--expand-env', '--check'], { VIPD_CONFIG: text, NODE_IP: '192.0.2.51' });
  assert.equal(ok.code, 0, ok.stderr);
  assert.equal(JSON.parse(ok.stdout).vips.length, 5);
  assert.equal(vipd(['--config-env=VIPD_CONFIG', '--check'], {}).code, 2);
});

test('--check prints no secrets: passwords and health-check header values are redacted', () => {
  const text = readFileSync(EXAMPLE, 'utf8')
    .replace('      url: http://127.0.0.1:8080/healthz\n', '      url: http://127.0.0.1:8080/healthz\n      headers: { Authorization: "Bearer tok-SECRET-123" }\n');
  assert.ok(text.includes('tok-SECRET-123'), 'the fixture edit applied');
  const withPassword = text.replace(/(\n\s*- address: [^\n]+\n)/, '$1    password: pw-SECRET-456\n');
  const r = vipd(['--config-env=VIPD_CONFIG', '--expand-env', '--check'], { VIPD_CONFIG: withPassword, NODE_IP: '192.0.2.52' });
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout.includes('tok-SECRET-123'), false, 'header value printed');
  assert.equal(r.stdout.includes('pw-SECRET-456'), false, 'password printed');
  assert.match(r.stdout, /"Authorization": "<redacted>"/);
});
