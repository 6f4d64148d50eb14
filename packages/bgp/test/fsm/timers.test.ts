// Timer values on the pure FSM: connect-retry backoff growth and jitter bounds (RFC 4271 §10),
// idle-hold damping (§8.1.1) growing per failure and longer for configuration faults, determinism of the
// seeded jitter, and the RFC 9687 send hold default.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { step } from '../../src/fsm/fsm.ts';
import { applyJitter, connectRetryDelayMs, idleHoldDelayMs, nextRandom, sendHoldMs } from '../../src/fsm/timers.ts';
import { initialFsmState, resolveFsmConfig, type FsmAction, type FsmState, type TimerName } from '../../src/fsm/types.ts';
import { cfg, statesByName } from './fixtures.ts';

const timerMs = (actions: readonly FsmAction[], timer: TimerName): number | undefined => {
  for (const a of actions) if (a.type === 'start-timer' && a.timer === timer) return a.ms;
  return undefined;
};

test('jitter stays in [0.75, 1.0] × base for every random value (RFC 4271 §10)', () => {
  fc.assert(
    fc.property(fc.integer({ min: 1, max: 10_000_000 }), fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }), (ms, r) => {
      const j = applyJitter(ms, r);
      return j >= Math.floor(ms * 0.75) && j <= ms;
    }),
  );
  fc.assert(fc.property(fc.integer(), (seed) => {
    const { value } = nextRandom(seed >>> 0);
    return value >= 0 && value < 1;
  }));
});

test('connect-retry backoff doubles per failed attempt up to the cap, with jitter', () => {
  const c = resolveFsmConfig({ ...cfg, connectRetrySec: 5, connectRetryMaxSec: 120 });
  const bases = [5, 10, 20, 40, 80, 120, 120, 120];
  bases.forEach((sec, attempts) => {
    assert.equal(connectRetryDelayMs(attempts, c, 0.999999), Math.round(sec * 1000 * (0.75 + 0.25 * 0.999999)));
    assert.equal(connectRetryDelayMs(attempts, c, 0), sec * 750);
  });
});

test('connect-retry through the FSM: each failed connect waits longer; all within jitter bounds', () => {
  let s: FsmState = step(initialFsmState(99), { type: 'ManualStart' }, cfg).state;
  const delays: number[] = [];
  for (let i = 0; i < 8; i++) {
    const fail = step(s, { type: 'TcpConnectionFails' }, cfg); // Connect → Active
    delays.push(timerMs(fail.actions, 'connect-retry')!);
    s = step(fail.state, { type: 'ConnectRetryTimer_Expires' }, cfg).state; // Active → Connect
    assert.equal(s.name, 'Connect');
  }
  for (let i = 0; i < delays.length; i++) {
    const expectBase = Math.min(120, 5 * 2 ** (i * 2 + 1)) * 1000; // two attempts counted per loop
    assert.ok(delays[i]! >= expectBase * 0.75 && delays[i]! <= expectBase, `delay ${i}: ${delays[i]} vs base ${expectBase}`);
  }
  assert.ok(delays[0]! < delays[2]!);
  // Reaching Established resets the exponent.
  assert.equal(step({ ...statesByName.OpenConfirm, connectAttempts: 9 }, { type: 'KeepAliveMsg' }, cfg).state.connectAttempts, 0);
});

test('jitter is deterministic for a seed and differs between seeds', () => {
  const a = step(initialFsmState(1), { type: 'ManualStart' }, cfg);
  const b = step(initialFsmState(1), { type: 'ManualStart' }, cfg);
  const c = step(initialFsmState(2), { type: 'ManualStart' }, cfg);
  assert.equal(timerMs(a.actions, 'connect-retry'), timerMs(b.actions, 'connect-retry'));
  assert.notEqual(timerMs(a.actions, 'connect-retry'), timerMs(c.actions, 'connect-retry'));
});

test('idle-hold damping: grows per consecutive failure, capped; configuration faults start at the long base', () => {
  const c = resolveFsmConfig({ ...cfg, idleHoldSec: 1, idleHoldMaxSec: 300, idleHoldConfigErrorSec: 60 });
  assert.deepEqual([1, 2, 3, 4, 5].map((f) => idleHoldDelayMs(f, 'transient', c, 0.999999) <= [1, 2, 4, 8, 16][f - 1]! * 1000), [true, true, true, true, true]);
  assert.deepEqual([1, 2, 3, 4].map((f) => idleHoldDelayMs(f, 'config', c, 0)), [45_000, 90_000, 180_000, 225_000]);

  // Through the FSM: repeated hold expiries in Established back off 1 s, 2 s, 4 s ... (× jitter).
  let s: FsmState = statesByName.Established;
  const neg = statesByName.Established.negotiated;
  const holds: number[] = [];
  for (let i = 0; i < 6; i++) {
    const r = step({ ...s, name: 'Established', negotiated: neg }, { type: 'HoldTimer_Expires' }, c);
    holds.push(timerMs(r.actions, 'idle-hold')!);
    s = r.state;
  }
  holds.forEach((ms, i) => {
    const base = 2 ** i * 1000;
    assert.ok(ms >= base * 0.75 && ms <= base, `idle-hold ${i}: ${ms}`);
  });
  // A Bad Peer AS (config fault) is never retried in a tight loop: ≥ 45 s from the first failure.
  const bad = step(statesByName.OpenSent, { type: 'BGPOpenMsgErr', notification: { code: 2, subcode: 2, data: new Uint8Array(0) } }, c);
  assert.ok(timerMs(bad.actions, 'idle-hold')! >= 45_000);
  const refused = step(statesByName.OpenSent, { type: 'NotifMsg', notification: { code: 6, subcode: 5, data: new Uint8Array(0) } }, c);
  assert.ok(timerMs(refused.actions, 'idle-hold')! >= 45_000, 'Connection Rejected by the peer is a config fault');
  const noAuto = step(statesByName.Established, { type: 'HoldTimer_Expires' }, resolveFsmConfig({ ...c, autoRestart: false }));
  assert.equal(timerMs(noAuto.actions, 'idle-hold'), undefined);
});

test('send hold time: RFC 9687 default max(8 min, 2 × hold), or configured', () => {
  assert.equal(sendHoldMs(cfg, 90), 480_000);
  assert.equal(sendHoldMs(cfg, 300), 600_000);
  assert.equal(sendHoldMs(resolveFsmConfig({ ...cfg, sendHoldSec: 20 }), 90), 20_000);
});
