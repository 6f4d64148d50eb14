import { test } from 'node:test';
import assert from 'node:assert/strict';
import { initialHealth, stepHealth, type Health, type HealthConfig, type HealthEvent, type RouteIntent } from '../../src/health/state.ts';

const cfg: HealthConfig = { intervalMs: 1000, fastIntervalMs: 200, rise: 3, fall: 2, holdDownMs: 10_000, drainMs: 5000 };

/** Feeds events in order; returns the final health and every route intent emitted, with its time. */
function run(events: HealthEvent[], c = cfg): { h: Health; routes: [number, RouteIntent][]; intervals: number[] } {
  let h = initialHealth();
  const routes: [number, RouteIntent][] = [];
  const intervals: number[] = [];
  for (const ev of events) {
    const s = stepHealth(h, ev, c);
    h = s.health;
    intervals.push(s.nextCheckInMs);
    if (s.route !== undefined) routes.push([ev.atMs, s.route]);
  }
  return { h, routes, intervals };
}

const ok = (atMs: number): HealthEvent => ({ type: 'result', ok: true, atMs });
const bad = (atMs: number): HealthEvent => ({ type: 'result', ok: false, atMs });

test('starts down; announced only after `rise` consecutive passes, checking fast meanwhile', () => {
  const r = run([ok(0), ok(200), bad(400), ok(1400), ok(1600), ok(1800)]);
  assert.deepEqual(r.routes, [[1800, 'announce']]);
  assert.equal(r.h.state, 'up');
  assert.deepEqual(r.intervals, [200, 200, 1000, 200, 200, 1000]);
});

test('withdrawn after `fall` consecutive failures; one failure alone changes nothing', () => {
  const up = [ok(0), ok(1), ok(2)];
  assert.deepEqual(run([...up, bad(1000), ok(2000), bad(3000)]).routes, [[2, 'announce']]);
  assert.deepEqual(run([...up, bad(1000), bad(1200)]).routes, [[2, 'announce'], [1200, 'withdraw']]);
});

test('hold-down: after a failure the VIP stays withdrawn for holdDownMs even if checks pass', () => {
  const up = [ok(0), ok(1), ok(2)];
  const r = run([...up, bad(1000), bad(1200), ok(1400), ok(1600), ok(1800), ok(5000), ok(11_199), ok(11_200)]);
  assert.deepEqual(r.routes, [[2, 'announce'], [1200, 'withdraw'], [11_200, 'announce']]);
});

test('a flapping check does not flap the route', () => {
  const events: HealthEvent[] = [ok(0), ok(1), ok(2)];
  // Alternating pass/fail never reaches `fall` consecutive failures once up.
  for (let t = 1000; t < 20_000; t += 1000) events.push(t % 2000 === 0 ? ok(t) : bad(t));
  assert.deepEqual(run(events).routes, [[2, 'announce']]);
  // ... and once down, never reaches `rise` consecutive passes.
  const down: HealthEvent[] = [];
  for (let t = 0; t < 20_000; t += 1000) down.push(t % 2000 === 0 ? ok(t) : bad(t));
  assert.deepEqual(run(down).routes, []);
});

test('maintenance drains an up VIP: GSHUT for drainMs, then withdraw; leaving it goes through rise', () => {
  const r = run([
    ok(0), ok(1), ok(2),
    { type: 'maintenance', on: true, atMs: 100 },
    ok(200), // results are ignored while draining
    { type: 'drain-elapsed', atMs: 5100 },
    ok(6000),
    { type: 'maintenance', on: false, atMs: 7000 },
    ok(7100), ok(7300), ok(7500),
  ]);
  assert.deepEqual(r.routes, [[2, 'announce'], [100, 'announce-gshut'], [5100, 'withdraw'], [7500, 'announce']]);
  const s = stepHealth(initialHealth(), { type: 'maintenance', on: true, atMs: 0 }, cfg);
  assert.equal(s.health.state, 'maintenance', 'a down VIP goes straight to maintenance');
  assert.equal(s.route, undefined);
  assert.equal(stepHealth(run([ok(0), ok(1), ok(2)]).h, { type: 'maintenance', on: true, atMs: 3 }, cfg).drainTimerMs, 5000);
});

test('drain-elapsed before its time, or in another state, does nothing', () => {
  const h = run([ok(0), ok(1), ok(2), { type: 'maintenance', on: true, atMs: 100 }]).h;
  assert.equal(stepHealth(h, { type: 'drain-elapsed', atMs: 200 }, cfg).health.state, 'draining');
  assert.equal(stepHealth(initialHealth(), { type: 'drain-elapsed', atMs: 200 }, cfg).health.state, 'down');
});
