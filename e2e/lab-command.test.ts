// The Quickstart: `vipd lab` builds BIRD + vipd in network namespaces, prints BIRD's own table with the
// example VIPs, shows one withdrawn, exits 0 within its bound and leaves no namespace behind — also
// when interrupted with Ctrl-C (SIGINT) half way.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { listAllNamespaces } from './support/netns.ts';

const CLI = fileURLToPath(new URL('../packages/controller/src/cli.ts', import.meta.url));

function runLab(args: string[], onLine?: (line: string, kill: (sig: NodeJS.Signals) => void) => void): Promise<{ code: number; out: string; ms: number }> {
  const started = Date.now();
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, 'lab', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let buf = '';
    const timer = setTimeout(() => child.kill('SIGKILL'), 45_000);
    const onData = (b: Buffer) => {
      out += b.toString();
      buf += b.toString();
      let i: number;
      while ((i = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, i);
        buf = buf.slice(i + 1);
        onLine?.(line, (sig) => child.kill(sig));
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code: code ?? (signal === 'SIGKILL' ? 137 : 1), out, ms: Date.now() - started });
    });
  });
}

const labNamespaces = async () => (await listAllNamespaces()).filter((n) => n.startsWith('vipd-lab-'));

test('vipd lab prints BIRD routes for the example VIPs, withdraws one, cleans up, within 30 s', { timeout: 60_000 }, async () => {
  const { code, out, ms } = await runLab([]);
  assert.equal(code, 0, out);
  assert.ok(ms < 30_000, `took ${ms} ms`);
  const [before, after] = out.split(/withdrawing 198\.51\.100\.12\/32/);
  assert.ok(before !== undefined && after !== undefined, out);
  for (const p of ['198.51.100.10/32', '198.51.100.11/32', '198.51.100.12/32', '2001:db8:100::10/128', '2001:db8:100::11/128']) {
    assert.match(before, new RegExp(`^\\s+${p.replace(/[.]/g, '\\.')}\\s+unicast \\[vipd[46] `, 'm'), `${p} in BIRD's table`);
  }
  // BIRD's own attributes: our 4-byte AS as the path, the community we configured.
  assert.match(before, /BGP\.as_path: 4200000010/);
  assert.match(before, /BGP\.community: \(65000,100\)/);
  // Kernel FIB of the router namespace, installed by BIRD.
  assert.match(before, /^\s+198\.51\.100\.10 via 10\.0\.0\.2 dev eth0/m);
  assert.match(before, /^\s+2001:db8:100::11 via fd00:0:0:1::2 dev eth0/m);
  const table = (after.split('Table master4:')[1] ?? '').split('stopping vipd')[0]!;
  assert.doesNotMatch(table, /198\.51\.100\.12\/32/);
  assert.match(table, /198\.51\.100\.10\/32/);
  assert.match(after, /Administrative shutdown — "vipd lab finished"/);
  assert.deepEqual(await labNamespaces(), []);
});

test('Ctrl-C half way still removes every namespace', { timeout: 60_000 }, async () => {
  let sent = false;
  const { code } = await runLab([], (line, kill) => {
    if (!sent && line.includes('starting vipd')) {
      sent = true;
      kill('SIGINT');
    }
  });
  assert.ok(sent);
  assert.equal(code, 130);
  assert.deepEqual(await labNamespaces(), []);
});
