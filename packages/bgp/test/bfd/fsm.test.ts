// BFD state machine (RFC 5880 §6.2, §6.8) as tables of (state, event) → (state, actions); no sleeps:
// timers are actions, and jitter takes a pinned random value.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  BfdConfigError, SLOW_TX_US, detectionTimeUs, initialBfdSession, jitteredMs, stepBfd, txIntervalUs,
  type BfdAction, type BfdSession,
} from '../../src/bfd/fsm.ts';
import type { BfdPacket, BfdStateName } from '../../src/bfd/packet.ts';

const T = { desiredMinTxUs: 100_000, requiredMinRxUs: 100_000, detectMult: 3 };
const LOCAL = 0x1111;
const REMOTE = 0x2222;

function pkt(state: BfdStateName, extra: Partial<BfdPacket> = {}): BfdPacket {
  return {
    diag: 0, state, poll: false, final: false, cpiIndependent: false, demand: false, multipoint: false, detectMult: 3,
    myDiscriminator: REMOTE, yourDiscriminator: state === 'Down' || state === 'AdminDown' ? 0 : LOCAL,
    desiredMinTxUs: 1_000_000, requiredMinRxUs: 200_000, requiredMinEchoRxUs: 0, ...extra,
  };
}

function at(state: BfdStateName, extra: Partial<BfdSession> = {}): BfdSession {
  const s = initialBfdSession(LOCAL, T);
  return { ...s, state, remoteDiscr: state === 'Down' ? 0 : REMOTE, remoteMinRxUs: 200_000, remoteDesiredMinTxUs: 1_000_000, remoteDetectMult: 3, ...extra };
}

const transitions = (a: readonly BfdAction[]) => a.filter((x) => x.type === 'state').map((x) => x.type === 'state' && `${x.from}>${x.to}/${x.diag}`);
const sends = (a: readonly BfdAction[]) => a.filter((x): x is Extract<BfdAction, { type: 'send' }> => x.type === 'send').map((x) => x.packet);

test('§6.8.6 reception: state table', () => {
  const rows: { from: BfdStateName; rx: BfdPacket; to: BfdStateName; diag?: number }[] = [
    { from: 'Down', rx: pkt('Down'), to: 'Init' },
    { from: 'Down', rx: pkt('Init'), to: 'Up' },
    { from: 'Down', rx: pkt('AdminDown'), to: 'Down' },
    { from: 'Init', rx: pkt('Init'), to: 'Up' },
    { from: 'Init', rx: pkt('Up'), to: 'Up' },
    { from: 'Init', rx: pkt('Down'), to: 'Init' },
    { from: 'Init', rx: pkt('AdminDown'), to: 'Down', diag: 3 },
    { from: 'Up', rx: pkt('Up'), to: 'Up' },
    { from: 'Up', rx: pkt('Init'), to: 'Up' },
    { from: 'Up', rx: pkt('Down'), to: 'Down', diag: 3 },
    { from: 'Up', rx: pkt('AdminDown'), to: 'Down', diag: 3 },
    { from: 'AdminDown', rx: pkt('Up'), to: 'AdminDown' },
    { from: 'AdminDown', rx: pkt('Down'), to: 'AdminDown' },
  ];
  for (const r of rows) {
    const out = stepBfd(at(r.from), { type: 'rx', packet: r.rx }, 0);
    assert.equal(out.state.state, r.to, `${r.from} + rx ${r.rx.state}`);
    if (r.diag !== undefined) assert.equal(out.state.localDiag, r.diag);
    if (r.from !== r.to) assert.deepEqual(transitions(out.actions), [`${r.from}>${r.to}/${r.diag ?? 0}`]);
    // Every state change is announced at once (not after the 1 s slow timer).
    if (r.from !== r.to) assert.equal(sends(out.actions).at(-1)?.state, r.to);
  }
});

test('§6.8.6 discards: A bit, foreign / zero Your Discriminator, AdminDown', () => {
  const rows: { s: BfdSession; rx: BfdPacket; reason: string }[] = [
    { s: at('Down'), rx: pkt('Down', { auth: { type: 1, data: new Uint8Array(3) } }), reason: 'auth' },
    { s: at('Up'), rx: pkt('Up', { yourDiscriminator: 999 }), reason: 'your-discriminator' },
    { s: at('Down'), rx: pkt('Up', { yourDiscriminator: 0 }), reason: 'zero-your-discriminator' },
    { s: at('AdminDown'), rx: pkt('Up'), reason: 'admin-down' },
  ];
  for (const r of rows) {
    const out = stepBfd(r.s, { type: 'rx', packet: r.rx }, 0);
    assert.deepEqual(out.actions.filter((a) => a.type === 'discard'), [{ type: 'discard', reason: r.reason }]);
    assert.equal(out.state.state, r.s.state);
  }
});

test('§6.8.1: RemoteDiscr learnt from My Discriminator; sent back as Your Discriminator', () => {
  const out = stepBfd(initialBfdSession(LOCAL, T), { type: 'rx', packet: pkt('Down') }, 0);
  assert.equal(out.state.remoteDiscr, REMOTE);
  const p = sends(out.actions)[0]!;
  assert.equal(p.myDiscriminator, LOCAL);
  assert.equal(p.yourDiscriminator, REMOTE);
  assert.throws(() => initialBfdSession(0, T), BfdConfigError);
});

test('§6.8.3: at most one packet per second until Up; configured rates and a Poll once Up', () => {
  const s0 = initialBfdSession(LOCAL, T);
  const start = stepBfd(s0, { type: 'start' }, 0);
  assert.equal(sends(start.actions)[0]!.desiredMinTxUs, SLOW_TX_US);
  assert.deepEqual(start.actions.find((a) => a.type === 'arm'), { type: 'arm', timer: 'tx', ms: 1000 });
  const up = stepBfd(at('Init'), { type: 'rx', packet: pkt('Up', { desiredMinTxUs: 100_000, requiredMinRxUs: 100_000 }) }, 0);
  assert.equal(up.state.state, 'Up');
  assert.equal(up.state.polling, true);
  const p = sends(up.actions).at(-1)!;
  assert.equal(p.poll, true);
  assert.equal(p.desiredMinTxUs, 100_000);
  // A decrease of DesiredMinTx applies at once: next tx at max(100 ms, remote 100 ms).
  assert.equal(txIntervalUs(up.state), 100_000);
  // Final ends the poll; later packets carry no P.
  const fin = stepBfd(up.state, { type: 'rx', packet: pkt('Up', { final: true, desiredMinTxUs: 100_000, requiredMinRxUs: 100_000 }) }, 0);
  assert.equal(fin.state.polling, false);
  const next = stepBfd(fin.state, { type: 'tx-timer' }, 0);
  assert.equal(sends(next.actions)[0]!.poll, false);
});

test('§6.8.3: while a poll runs, an increased DesiredMinTx and a reduced RequiredMinRx wait for Final', () => {
  const s = { ...at('Up'), advertisedTxUs: 100_000, txInUseUs: 100_000, advertisedRxUs: 300_000, rxInUseUs: 300_000, remoteMinRxUs: 50_000, remoteDesiredMinTxUs: 50_000 };
  const ch = stepBfd(s, { type: 'set-timers', timers: { desiredMinTxUs: 500_000, requiredMinRxUs: 100_000, detectMult: 3 } }, 0);
  assert.equal(ch.state.polling, true);
  assert.equal(sends(ch.actions)[0]!.poll, true);
  assert.equal(ch.state.txInUseUs, 100_000, 'old (faster) tx until Final');
  assert.equal(ch.state.rxInUseUs, 300_000, 'old (larger) rx for detection until Final');
  const fin = stepBfd(ch.state, { type: 'rx', packet: pkt('Up', { final: true, desiredMinTxUs: 50_000, requiredMinRxUs: 50_000 }) }, 0);
  assert.equal(fin.state.txInUseUs, 500_000);
  assert.equal(fin.state.rxInUseUs, 100_000);
  assert.equal(detectionTimeUs(fin.state), 3 * 100_000);
});

test('§6.8.6: a Poll is answered at once with Final (P clear)', () => {
  const out = stepBfd(at('Up'), { type: 'rx', packet: pkt('Up', { poll: true }) }, 0);
  const f = sends(out.actions)[0]!;
  assert.equal(f.final, true);
  assert.equal(f.poll, false);
});

test('§6.8.4: detection time = remote mult × max(our RequiredMinRx, remote DesiredMinTx); expiry → Down diag 1', () => {
  const s = at('Up', { rxInUseUs: 100_000, remoteDesiredMinTxUs: 300_000, remoteDetectMult: 4 });
  const out = stepBfd(s, { type: 'rx', packet: pkt('Up', { desiredMinTxUs: 300_000, detectMult: 4 }) }, 0);
  assert.deepEqual(out.actions.find((a) => a.type === 'arm' && a.timer === 'detect'), { type: 'arm', timer: 'detect', ms: 1200 });
  const exp = stepBfd(out.state, { type: 'detect-timer' }, 0);
  assert.equal(exp.state.state, 'Down');
  assert.equal(exp.state.localDiag, 1);
  assert.equal(exp.state.remoteDiscr, 0, '§6.8.1: RemoteDiscr reset');
  assert.equal(exp.state.advertisedTxUs, SLOW_TX_US, 'back to 1 s when not Up');
  // In Down the expiry changes no state.
  assert.deepEqual(transitions(stepBfd(at('Down'), { type: 'detect-timer' }, 0).actions), []);
});

test('§6.8.7 jitter: 75–100 % of the interval, 75–90 % with detect mult 1', () => {
  const rows: [number, number, number, number][] = [
    // interval us, mult, rand, expected ms
    [100_000, 3, 0, 100], [100_000, 3, 0.999999, 75.000025], [100_000, 3, 0.5, 87.5],
    [100_000, 1, 0, 90], [100_000, 1, 0.999999, 75.000015],
  ];
  for (const [iv, m, r, ms] of rows) assert.ok(Math.abs(jitteredMs(iv, m, r) - ms) < 1e-6, `${iv} ${m} ${r}`);
  for (let i = 0; i < 100; i++) {
    const r = i / 100;
    const v = jitteredMs(300_000, 3, r);
    assert.ok(v > 225 - 1e-9 && v <= 300);
    const w = jitteredMs(300_000, 1, r);
    assert.ok(w > 225 - 1e-9 && w <= 270 + 1e-9);
  }
});

test('§6.8.7: no periodic packets when the remote asks for RequiredMinRx 0; passive waits for RemoteDiscr', () => {
  const out = stepBfd(at('Up', { remoteMinRxUs: 0 }), { type: 'tx-timer' }, 0);
  assert.deepEqual(out.actions.filter((a) => a.type === 'arm'), []);
  const passive = initialBfdSession(LOCAL, T, true);
  assert.deepEqual(sends(stepBfd(passive, { type: 'start' }, 0).actions), []);
  assert.equal(sends(stepBfd(passive, { type: 'rx', packet: pkt('Down') }, 0).actions).length, 1);
});

test('§6.8.16 AdminDown: diag 7, announced, no detection; admin-up → Down', () => {
  const out = stepBfd(at('Up'), { type: 'admin-down' }, 0);
  assert.equal(out.state.state, 'AdminDown');
  assert.equal(sends(out.actions)[0]!.state, 'AdminDown');
  assert.equal(sends(out.actions)[0]!.diag, 7);
  assert.ok(out.actions.some((a) => a.type === 'disarm' && a.timer === 'detect'));
  assert.equal(stepBfd(out.state, { type: 'admin-up' }, 0).state.state, 'Down');
});

test('two state machines wired back to back reach Up and agree on timers', () => {
  let a = initialBfdSession(1, T);
  let b = initialBfdSession(2, { desiredMinTxUs: 300_000, requiredMinRxUs: 300_000, detectMult: 5 });
  const q: { to: 'a' | 'b'; p: BfdPacket }[] = [];
  const run = (who: 'a' | 'b', ev: Parameters<typeof stepBfd>[1]) => {
    const r = stepBfd(who === 'a' ? a : b, ev, 0.5);
    if (who === 'a') a = r.state; else b = r.state;
    for (const p of sends(r.actions)) q.push({ to: who === 'a' ? 'b' : 'a', p });
  };
  run('a', { type: 'start' });
  run('b', { type: 'start' });
  for (let i = 0; i < 50 && q.length > 0; i++) {
    const m = q.shift()!;
    run(m.to, { type: 'rx', packet: m.p });
  }
  assert.equal(a.state, 'Up');
  assert.equal(b.state, 'Up');
  assert.equal(a.polling || b.polling, false);
  assert.equal(txIntervalUs(a), 300_000);
  assert.equal(detectionTimeUs(a), 5 * 300_000);
  assert.equal(detectionTimeUs(b), 3 * 300_000);
});
