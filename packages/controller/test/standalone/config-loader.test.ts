// Config loading: small files in-process, large ones in a child process (the event loop keeps
// running meanwhile); both report issues by path and unreadable files as typed errors.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError } from '../../src/standalone/config.ts';
import { loadConfigFile } from '../../src/standalone/config-loader.ts';

function bigYaml(n: number, bad?: number): string {
  const lines = ['localAsn: 65010', 'routerId: 10.0.0.1', 'vips:'];
  for (let i = 0; i < n; i++) lines.push(i === bad ? '  - 300.1.1.1/32' : `  - 100.${64 + (i >> 16)}.${(i >> 8) & 255}.${i & 255}/32`);
  return `${lines.join('\n')}\n`;
}

test('a large file loads in a child process while the event loop keeps ticking; issues keep their paths', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'vipd-cfg-'));
  try {
    const file = join(dir, 'big.yaml');
    writeFileSync(file, bigYaml(20_000));
    let ticks = 0;
    const t = setInterval(() => ticks++, 5);
    const cfg = await loadConfigFile(file);
    clearInterval(t);
    assert.equal(cfg.vips.length, 20_000);
    assert.equal(cfg.vips[257]!.prefix, '100.64.1.1/32');
    assert.ok(ticks > 3, `timers ran during the load (${ticks})`);
    writeFileSync(file, bigYaml(20_000, 1234));
    await assert.rejects(loadConfigFile(file), (e: unknown) => e instanceof ConfigError && e.issues.some((i) => i.path === 'vips[1234].prefix'));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('small files load in-process; a missing file is a ConfigError', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'vipd-cfg-'));
  try {
    const file = join(dir, 'small.yaml');
    writeFileSync(file, bigYaml(3));
    assert.equal((await loadConfigFile(file)).vips.length, 3);
    await assert.rejects(loadConfigFile(join(dir, 'nope.yaml')), (e: unknown) => e instanceof ConfigError && e.issues[0]!.path === '(file)');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
