// The ManualClock that every timer test runs on: due order, cancellation, timers set from callbacks.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ManualClock, realClock } from '../src/clock.ts';

test('advance fires due timers in due order, ties in creation order, moving now() to each', () => {
  const c = new ManualClock(1000);
  const seen: string[] = [];
  c.setTimer(30, () => seen.push(`b@${c.now()}`));
  c.setTimer(10, () => seen.push(`a@${c.now()}`));
  c.setTimer(30, () => seen.push(`c@${c.now()}`));
  c.setTimer(31, () => seen.push('late'));
  assert.equal(c.advance(30), 3);
  assert.deepEqual(seen, ['a@1010', 'b@1030', 'c@1030']);
  assert.equal(c.now(), 1030);
  assert.equal(c.pendingCount(), 1);
});

test('cancel prevents firing; timers set inside a callback fire within the same advance if due', () => {
  const c = new ManualClock();
  const seen: number[] = [];
  const cancel = c.setTimer(5, () => seen.push(-1));
  cancel();
  cancel();
  c.setTimer(5, () => {
    seen.push(c.now());
    c.setTimer(5, () => seen.push(c.now()));
  });
  c.advance(20);
  assert.deepEqual(seen, [5, 10]);
  assert.equal(c.advanceToNext(), 0);
  assert.throws(() => c.advance(-1), RangeError);
});

test('realClock fires and cancels', async () => {
  let fired = false;
  const cancel = realClock.setTimer(1, () => assert.fail('cancelled'));
  cancel();
  await new Promise<void>((resolve) => realClock.setTimer(2, () => { fired = true; resolve(); }));
  assert.ok(fired);
});
