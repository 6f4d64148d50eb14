// Small typed wrappers over prom-client constructors: every metric is created on the registry passed in
// (never prom-client's global registry) and its label names are a literal tuple, so `labels()` calls are
// type-checked against the catalogue.

import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

export type Collect<M> = (this: M) => void | Promise<void>;

export function counter<const L extends string>(
  registry: Registry,
  name: string,
  help: string,
  labelNames: readonly L[],
  collect?: Collect<Counter<L>>,
): Counter<L> {
  return collect === undefined
    ? new Counter<L>({ name, help, labelNames, registers: [registry] })
    : new Counter<L>({ name, help, labelNames, registers: [registry], collect });
}

export function gauge<const L extends string>(
  registry: Registry,
  name: string,
  help: string,
  labelNames: readonly L[],
  collect?: Collect<Gauge<L>>,
): Gauge<L> {
  return collect === undefined
    ? new Gauge<L>({ name, help, labelNames, registers: [registry] })
    : new Gauge<L>({ name, help, labelNames, registers: [registry], collect });
}

export function histogram<const L extends string>(
  registry: Registry,
  name: string,
  help: string,
  labelNames: readonly L[],
  buckets: readonly number[],
): Histogram<L> {
  return new Histogram<L>({ name, help, labelNames, buckets: [...buckets], registers: [registry] });
}

/** Latency buckets in seconds, from sub-millisecond (the event→wire target is p99 ≤ 10 ms) to 10 s. */
export const FAST_LATENCY_BUCKETS_SEC = [
  0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 10,
] as const;

/** Buckets for timer lateness and probe latency in seconds: 1 ms to 10 s. */
export const SLOW_LATENCY_BUCKETS_SEC = [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10] as const;

/**
 * Calls a scrape-time source; a source that throws must not fail the whole scrape, so the error is
 * counted on `errors` (vipd_metrics_source_errors_total) and the metric keeps its last values.
 */
export function readSource<T>(fn: (() => T) | undefined, errors: Counter<'source'>, source: string): T | undefined {
  if (fn === undefined) return undefined;
  try {
    return fn();
  } catch {
    errors.inc({ source });
    return undefined;
  }
}
