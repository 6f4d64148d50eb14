import { test } from 'node:test';
import assert from 'node:assert/strict';
import { WorkQueue } from '../../src/kube/queue.ts';

const tick = () => new Promise((r) => setImmediate(r));

test('deduplicates keys waiting in the queue', async () => {
  const seen: string[] = [];
  let release!: () => void;
  const gate = new Promise<void>((r) => (release = r));
  const q = new WorkQueue<string>(async (k) => {
    seen.push(k);
    if (k === 'blocker') await gate;
  });
  q.add('blocker');
  q.add('a');
  q.add('b');
  q.add('a');
  q.add('a');
  assert.equal(q.length, 2);
  release();
  await q.idle();
  assert.deepEqual(seen, ['blocker', 'a', 'b']);
});

test('a key is never processed twice at once; an add while running runs it once more after', async () => {
  let running = 0;
  let maxRunning = 0;
  let runs = 0;
  let release!: () => void;
  const gate = new Promise<void>((r) => (release = r));
  const q = new WorkQueue<string>(
    async () => {
      running++;
      runs++;
      maxRunning = Math.max(maxRunning, running);
      if (runs === 1) await gate;
      running--;
    },
    { concurrency: 4 },
  );
  q.add('svc');
  await tick();
  q.add('svc');
  q.add('svc');
  release();
  await q.idle();
  assert.equal(maxRunning, 1);
  assert.equal(runs, 2);
});

test('failures retry with exponential backoff; a new add supersedes the scheduled retry', async () => {
  const delays: number[] = [];
  const timers: (() => void)[] = [];
  let attempts = 0;
  const q = new WorkQueue<string>(
    async () => {
      attempts++;
      if (attempts < 4) throw new Error('api down');
    },
    {
      baseDelayMs: 100,
      maxDelayMs: 250,
      setTimer: (fn, ms) => {
        delays.push(ms);
        timers.push(fn);
        return { cancel() {} };
      },
    },
  );
  q.add('k');
  for (let i = 0; i < 3; i++) {
    while (timers.length <= i) await tick();
    timers[i]!();
  }
  await q.idle();
  assert.equal(attempts, 4);
  assert.deepEqual(delays, [100, 200, 250]);
  assert.equal(q.retrying, 0);
});

test('stop drops queued work and wakes idle waiters', async () => {
  const q = new WorkQueue<number>(() => new Promise(() => {}), { concurrency: 1 });
  q.add(1);
  q.add(2);
  q.stop();
  q.add(3);
  assert.equal(q.length, 0);
});
