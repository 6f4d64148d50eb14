// Public surface of @vipd/metrics: the metric catalogue, the BgpMetrics adapter, logging and the
// metrics/status HTTP server (docs/metrics.md).

export * from './labels.ts';
export * from './catalogue.ts';
export type { PoolUsage, ConfigObjectCounts } from './catalogue-control.ts';
export * from './bgp-adapter.ts';
export * from './catalogue-security.ts';
export * from './logging.ts';
export * from './status.ts';
export * from './scrub.ts';
export * from './server.ts';
/** The registry class, so the daemon and other packages need not depend on prom-client themselves. */
export { Registry } from 'prom-client';
