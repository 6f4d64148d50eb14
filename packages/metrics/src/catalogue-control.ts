// Controller, Kubernetes, IPAM, configuration and health-check metrics of the vipd catalogue
// (docs/metrics.md). Gauges whose value is a point-in-time count owned by another component read it in
// collect() from `sources`; without a source they keep whatever was last set on them.

import type { Counter, Gauge, Histogram, Registry } from 'prom-client';
import { FAST_LATENCY_BUCKETS_SEC, SLOW_LATENCY_BUCKETS_SEC, counter, gauge, histogram, readSource } from './factories.ts';
import {
  CONFIG_KINDS,
  DECISION_REASONS,
  HEALTH_STATES,
  type BgpFamilyLabel,
  type ConfigKind,
  type DecisionReason,
  type HealthCheckKind,
  type HealthState,
  type IpFamilyLabel,
  type KubeResource,
  type KubeVerb,
} from './labels.ts';

export interface PoolUsage {
  readonly pool: string;
  readonly family: IpFamilyLabel;
  readonly size: number;
  readonly used: number;
}

export interface ConfigObjectCounts {
  readonly accepted: number;
  readonly invalid: number;
}

export interface AnnouncedPrefixes {
  readonly peer: string;
  readonly family: BgpFamilyLabel;
  readonly count: number;
}

/** Callbacks read on every scrape. Each must be cheap and synchronous and must not throw. */
export interface CatalogueSources {
  /** Prefixes in each peer's Adj-RIB-Out (the speaker's view). */
  announcedPrefixes?(): readonly AnnouncedPrefixes[];
  /** Services currently decided per reason (the latest decision of each Service on this node). */
  decisionCounts?(): Partial<Record<DecisionReason, number>>;
  ipamPools?(): readonly PoolUsage[];
  configObjects?(): Partial<Record<ConfigKind, ConfigObjectCounts>>;
}

export interface ControlMetrics {
  readonly reconcileDuration: Histogram<never>;
  readonly reconcileErrors: Counter<never>;
  readonly decisions: Gauge<'reason'>;
  readonly watchRestarts: Counter<'resource'>;
  readonly watchConnected: Gauge<'resource'>;
  readonly apiErrors: Counter<'resource' | 'verb'>;
  readonly ipamPoolSize: Gauge<'pool' | 'family'>;
  readonly ipamPoolUsed: Gauge<'pool' | 'family'>;
  readonly ipamStaleConditionsRemoved: Counter<never>;
  readonly configObjects: Gauge<'kind' | 'status'>;
  readonly healthCheckUp: Gauge<'check' | 'kind'>;
  readonly healthCheckTransitions: Counter<'check' | 'to'>;
  readonly healthCheckDuration: Histogram<'check' | 'kind'>;

  /** One reconcile pass took `seconds`; `isError` when it failed and was requeued. */
  observeReconcile(seconds: number, isError: boolean): void;
  watchRestarted(resource: KubeResource): void;
  setWatchConnected(resource: KubeResource, isConnected: boolean): void;
  apiError(resource: KubeResource, verb: KubeVerb): void;
  setDecisionCounts(counts: Partial<Record<DecisionReason, number>>): void;
  setPoolUsage(usage: readonly PoolUsage[]): void;
  setConfigObjects(counts: Partial<Record<ConfigKind, ConfigObjectCounts>>): void;
  /**
   * One probe finished in `durationSec`; `state` is the check's state after rise/fall hysteresis
   * (not this probe's raw result), which vipd_health_check_up reports.
   */
  healthCheckResult(check: string, kind: HealthCheckKind, state: HealthState, durationSec: number): void;
  /** The hysteresis state changed to `to` (call once per change). */
  healthCheckTransition(check: string, to: HealthState): void;
  forgetHealthCheck(check: string, kind: HealthCheckKind): void;
}

function fillDecisions(g: Gauge<'reason'>, counts: Partial<Record<DecisionReason, number>>): void {
  // Every reason is exported, zero included, so dashboards and alerts never see a missing series.
  for (const reason of DECISION_REASONS) g.set({ reason }, counts[reason] ?? 0);
}

function fillPools(size: Gauge<'pool' | 'family'>, used: Gauge<'pool' | 'family'>, pools: readonly PoolUsage[]): void {
  // Reset first: a deleted pool must disappear rather than report its last value forever.
  size.reset();
  used.reset();
  for (const p of pools) {
    size.set({ pool: p.pool, family: p.family }, p.size);
    used.set({ pool: p.pool, family: p.family }, p.used);
  }
}

function fillConfig(g: Gauge<'kind' | 'status'>, counts: Partial<Record<ConfigKind, ConfigObjectCounts>>): void {
  for (const kind of CONFIG_KINDS) {
    const c = counts[kind];
    g.set({ kind, status: 'accepted' }, c?.accepted ?? 0);
    g.set({ kind, status: 'invalid' }, c?.invalid ?? 0);
  }
}

export function createControlMetrics(r: Registry, sources: CatalogueSources, sourceErrors: Counter<'source'>): ControlMetrics {
  const decisions = gauge(r, 'vipd_announcement_decisions', 'Services whose current announcement decision on this node has this reason ("announced" or why not).', ['reason'], function collect() {
    const counts = readSource(sources.decisionCounts, sourceErrors, 'decisions');
    if (counts !== undefined) fillDecisions(this, counts);
  });
  fillDecisions(decisions, {});
  // Both pool gauges are filled when the first is collected: the registry collects in creation order,
  // so `used` (created second) is read after the fill on the same scrape.
  const ipamPoolSize: Gauge<'pool' | 'family'> = gauge(r, 'vipd_ipam_pool_addresses', 'Addresses in the IP address pool, per family.', ['pool', 'family'], function collect() {
    const pools = readSource(sources.ipamPools, sourceErrors, 'ipam-pools');
    if (pools !== undefined) fillPools(this, ipamPoolUsed, pools);
  });
  const ipamPoolUsed = gauge(r, 'vipd_ipam_pool_addresses_used', 'Addresses of the pool assigned to Services, per family.', ['pool', 'family']);
  const configObjects = gauge(r, 'vipd_config_objects', 'vipd configuration objects by kind and validation status (accepted or invalid).', ['kind', 'status'], function collect() {
    const objects = readSource(sources.configObjects, sourceErrors, 'config-objects');
    if (objects !== undefined) fillConfig(this, objects);
  });
  fillConfig(configObjects, {});
  const ipamStaleConditionsRemoved = counter(r, 'vipd_ipam_stale_node_conditions_removed_total', 'Per-node Service conditions of deleted nodes removed by the IPAM leader.', []);
  const reconcileDuration = histogram(r, 'vipd_reconcile_duration_seconds', 'Duration of one reconcile pass (snapshot, decide, apply to the speaker).', [], FAST_LATENCY_BUCKETS_SEC);
  const reconcileErrors = counter(r, 'vipd_reconcile_errors_total', 'Reconcile passes that failed and were requeued with backoff.', []);
  const watchRestarts = counter(r, 'vipd_kube_watch_restarts_total', 'Times a Kubernetes watch was re-established (stream ended, error or 410 Gone).', ['resource']);
  const watchConnected = gauge(r, 'vipd_kube_watch_connected', '1 while the watch on the resource is established and synced, else 0.', ['resource']);
  const apiErrors = counter(r, 'vipd_kube_api_errors_total', 'Failed Kubernetes API requests by resource and verb.', ['resource', 'verb']);
  const healthCheckUp = gauge(r, 'vipd_health_check_up', 'Health-check state after rise/fall hysteresis: 1 up, 0 down.', ['check', 'kind']);
  const healthCheckTransitions = counter(r, 'vipd_health_check_transitions_total', 'Health-check state changes after hysteresis, by the state entered.', ['check', 'to']);
  const healthCheckDuration = histogram(r, 'vipd_health_check_duration_seconds', 'Duration of each health-check probe.', ['check', 'kind'], SLOW_LATENCY_BUCKETS_SEC);

  return {
    reconcileDuration,
    reconcileErrors,
    decisions,
    watchRestarts,
    watchConnected,
    apiErrors,
    ipamPoolSize,
    ipamPoolUsed,
    ipamStaleConditionsRemoved,
    configObjects,
    healthCheckUp,
    healthCheckTransitions,
    healthCheckDuration,
    observeReconcile(seconds, isError) {
      reconcileDuration.observe(seconds);
      if (isError) reconcileErrors.inc();
    },
    watchRestarted(resource) {
      watchRestarts.inc({ resource });
    },
    setWatchConnected(resource, isConnected) {
      watchConnected.set({ resource }, isConnected ? 1 : 0);
    },
    apiError(resource, verb) {
      apiErrors.inc({ resource, verb });
    },
    setDecisionCounts(counts) {
      fillDecisions(decisions, counts);
    },
    setPoolUsage(usage) {
      fillPools(ipamPoolSize, ipamPoolUsed, usage);
    },
    setConfigObjects(counts) {
      fillConfig(configObjects, counts);
    },
    healthCheckResult(check, kind, state, durationSec) {
      healthCheckDuration.observe({ check, kind }, durationSec);
      healthCheckUp.set({ check, kind }, state === 'up' ? 1 : 0);
    },
    healthCheckTransition(check, to) {
      healthCheckTransitions.inc({ check, to });
    },
    forgetHealthCheck(check, kind) {
      healthCheckUp.remove({ check, kind });
      healthCheckDuration.remove({ check, kind });
      for (const to of HEALTH_STATES) healthCheckTransitions.remove({ check, to });
    },
  };
}
