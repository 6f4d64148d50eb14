// Hot-path accumulation for metrics the BGP engine updates on every message: plain numbers in a Map
// keyed by the label values, copied into the prom-client metric in its collect() (at scrape time).
// Why: prom-client hashes and validates the label object on every inc()/set() (about 0.4–1.2 µs
// each, bench/metrics.bench.ts); a Map lookup on a short string key is a few tens of ns. Supports one
// or two labels, which is all the hot metrics have.

import type { Counter, Gauge } from 'prom-client';

interface Entry<L extends string> {
  readonly labels: Readonly<Record<L, string>>;
  value: number;
}

export class SeriesStore<L extends string> {
  private readonly series = new Map<string, Entry<L>>();
  private readonly names: readonly L[];

  constructor(labelNames: readonly L[]) {
    if (labelNames.length < 1 || labelNames.length > 2) throw new RangeError('SeriesStore supports one or two labels');
    this.names = labelNames;
  }

  private entry(a: string, b: string | undefined): Entry<L> {
    const key = b === undefined ? a : `${a}\u0000${b}`;
    let e = this.series.get(key);
    if (e === undefined) {
      const labels = { [this.names[0]]: a } as Record<L, string>;
      if (this.names.length === 2) labels[this.names[1]] = b ?? '';
      e = { labels, value: 0 };
      this.series.set(key, e);
    }
    return e;
  }

  /** Adds `n` (counters). */
  add(n: number, a: string, b?: string): void {
    this.entry(a, b).value += n;
  }

  /** Sets the value (gauges). */
  set(v: number, a: string, b?: string): void {
    this.entry(a, b).value = v;
  }

  get(a: string, b?: string): number | undefined {
    return this.series.get(b === undefined ? a : `${a}\u0000${b}`)?.value;
  }

  /** Drops every series whose label `name` has `value` (e.g. all series of a removed peer). */
  removeWhere(name: L, value: string): void {
    for (const [key, e] of this.series) if (e.labels[name] === value) this.series.delete(key);
  }

  /** Replaces the counter's series by the store's (call from the counter's collect()). */
  flushCounter(c: Counter<L>): void {
    c.reset();
    for (const e of this.series.values()) c.inc(e.labels as Partial<Record<L, string>>, e.value);
  }

  /** Replaces the gauge's series by the store's (call from the gauge's collect()). */
  flushGauge(g: Gauge<L>): void {
    g.reset();
    for (const e of this.series.values()) g.set(e.labels as Partial<Record<L, string>>, e.value);
  }
}
