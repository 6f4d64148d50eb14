// The hot-path store: accumulation, removal, and the copy into prom-client metrics at scrape time.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Counter, Gauge, Registry } from 'prom-client';
import { SeriesStore } from '../src/series-store.ts';

test('counts and values accumulate per label pair and are copied at each scrape', async () => {
  const registry = new Registry();
  const store = new SeriesStore(['peer', 'type'] as const);
  new Counter({ name: 't_total', help: 'h', labelNames: ['peer', 'type'], registers: [registry], collect() { store.flushCounter(this); } });
  store.add(2, '192.0.2.1', 'update');
  store.add(3, '192.0.2.1', 'update');
  store.add(1, '192.0.2.1', 'keepalive');
  store.add(0, '192.0.2.2', 'open');
  let t = await registry.metrics();
  assert.match(t, /^t_total\{peer="192\.0\.2\.1",type="update"\} 5$/m);
  assert.match(t, /^t_total\{peer="192\.0\.2\.1",type="keepalive"\} 1$/m);
  assert.match(t, /^t_total\{peer="192\.0\.2\.2",type="open"\} 0$/m);
  store.add(1, '192.0.2.1', 'update');
  store.removeWhere('peer', '192.0.2.2');
  t = await registry.metrics();
  assert.match(t, /^t_total\{peer="192\.0\.2\.1",type="update"\} 6$/m);
  assert.doesNotMatch(t, /192\.0\.2\.2/);
  assert.equal(store.get('192.0.2.1', 'update'), 6);
});

test('gauges take the last value; single-label stores work; bad label counts are refused', async () => {
  const registry = new Registry();
  const store = new SeriesStore(['peer'] as const);
  new Gauge({ name: 'g', help: 'h', labelNames: ['peer'], registers: [registry], collect() { store.flushGauge(this); } });
  store.set(7, 'a');
  store.set(2, 'a');
  assert.match(await registry.metrics(), /^g\{peer="a"\} 2$/m);
  assert.throws(() => new SeriesStore([] as string[]), RangeError);
  assert.throws(() => new SeriesStore(['a', 'b', 'c']), RangeError);
});
