// LoopbackBinder (standalone/loopback.ts) against a recording `ip`: adds with the right family,
// leaves pre-existing addresses alone, removes only its own on sync and release, typed error on EPERM.
// The real `ip` in a namespace is covered by e2e/health-controlplane.test.ts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LoopbackBinder, LoopbackError } from '../../src/standalone/loopback.ts';
import { noopLogger } from '@vipd/bgp/observe.ts';

function fakeIp(existing: string[] = [], failWith?: string) {
  const calls: string[] = [];
  const have = new Set(existing);
  const ip = async (args: readonly string[]) => {
    calls.push(args.join(' '));
    const [, , op, p] = args;
    if (failWith !== undefined) return { ok: false, stderr: failWith };
    if (op === 'add') {
      if (have.has(p!)) return { ok: false, stderr: 'RTNETLINK answers: File exists' };
      have.add(p!);
    } else have.delete(p!);
    return { ok: true, stderr: '' };
  };
  return { ip, calls, have };
}

test('adds /32 and /128 with the family flag; sync removes dropped ones; release removes only ours', async () => {
  const f = fakeIp(['192.0.2.9/32']);
  const b = new LoopbackBinder(noopLogger, { ip: f.ip });
  await b.sync(['192.0.2.1/32', '2001:db8::1/128', '192.0.2.9/32']);
  assert.deepEqual(f.calls, ['-4 addr add 192.0.2.1/32 dev lo', '-6 addr add 2001:db8::1/128 dev lo', '-4 addr add 192.0.2.9/32 dev lo']);
  assert.deepEqual([...b.bound()].sort(), ['192.0.2.1/32', '2001:db8::1/128']);
  await b.sync(['2001:db8::1/128', '192.0.2.9/32']);
  assert.ok(f.calls.includes('-4 addr del 192.0.2.1/32 dev lo'));
  await b.release();
  assert.deepEqual([...f.have], ['192.0.2.9/32'], 'the pre-existing address stays');
  assert.deepEqual(b.bound(), []);
});

test('no permission: LoopbackError with a stable code', async () => {
  const b = new LoopbackBinder(noopLogger, { ip: fakeIp([], 'RTNETLINK answers: Operation not permitted').ip });
  await assert.rejects(b.sync(['192.0.2.1/32']), (e: unknown) => e instanceof LoopbackError && e.code === 'ERR_LOOPBACK');
});

test('an address found on lo is not retried on every sync, and is forgotten once unwanted', async () => {
  const f = fakeIp(['192.0.2.9/32']);
  const b = new LoopbackBinder(noopLogger, { ip: f.ip });
  await b.sync(['192.0.2.9/32']);
  await b.sync(['192.0.2.9/32']);
  assert.equal(f.calls.length, 1);
  await b.sync([]);
  await b.sync(['192.0.2.9/32']);
  assert.equal(f.calls.length, 2, 'retried after it was unwanted once');
  assert.deepEqual(b.bound(), []);
});
