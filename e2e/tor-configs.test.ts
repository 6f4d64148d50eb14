// The top-of-rack examples in examples/tor (docs/install.md): FRR's through vtysh's dry run (every
// daemon's commands, fails on any unknown line) and BIRD's through `bird -p`; a broken copy of each must
// fail, so the checks can fail. All five describe the same topology (AS, pools, password).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REPO } from './support/chart.ts';

const dir = join(REPO, 'examples/tor');
const tmp = mkdtempSync(join(tmpdir(), 'vipd-tor-'));

function check(cmd: string, args: string[]): { code: number; out: string } {
  const r = spawnSync(cmd, args, { encoding: 'utf8', timeout: 30_000 });
  return { code: r.status ?? -1, out: `${r.stdout}${r.stderr}` };
}

test('FRR: vtysh --dryrun accepts frr.conf and rejects a broken copy', () => {
  const good = check('vtysh', ['-C', '-f', join(dir, 'frr.conf')]);
  assert.equal(good.code, 0, good.out);
  const broken = join(tmp, 'frr-broken.conf');
  writeFileSync(broken, readFileSync(join(dir, 'frr.conf'), 'utf8').replace('neighbor VIPD timers 3 9', 'neighbor VIPD timerz 3 9'));
  assert.notEqual(check('vtysh', ['-C', '-f', broken]).code, 0);
});

test('BIRD: bird -p accepts bird.conf and rejects a broken copy', () => {
  const good = check('bird', ['-p', '-c', join(dir, 'bird.conf')]);
  assert.equal(good.code, 0, good.out);
  const broken = join(tmp, 'bird-broken.conf');
  writeFileSync(broken, readFileSync(join(dir, 'bird.conf'), 'utf8').replace('hold time 9;', 'hold tme 9;'));
  assert.notEqual(check('bird', ['-p', '-c', broken]).code, 0);
});

test('all five ToR examples describe the same topology', () => {
  for (const f of ['frr.conf', 'bird.conf', 'arista-eos.cfg', 'cisco-nxos.cfg', 'junos.conf']) {
    const text = readFileSync(join(dir, f), 'utf8');
    for (const fact of ['65000', '198.51.100.0/26', '2001:db8:100::/120', 's3cret-bgp', '10.0.0.1']) {
      assert.ok(text.includes(fact), `${f} lacks ${fact}`);
    }
  }
});
