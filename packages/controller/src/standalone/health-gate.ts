// Standalone mode: health-gated VIPs (docs/health-checks.md). Owns the HealthMonitor for the VIPs
// that carry a `healthCheck`, answers the daemon's per-VIP question "announce with which attributes,
// or withdraw?" and tells the daemon to recompute its desired set when the answer changes
// (level-triggered: the daemon re-reads every VIP). Reports results to the metrics catalogue, the
// status API (/api/v1/health-checks) and the log. Draining uses RFC 8326 GRACEFUL_SHUTDOWN.

import type { RouteAttributes } from '@vipd/bgp/export-policy.ts';
import type { Logger } from '@vipd/bgp/observe.ts';
import type { ControlMetrics, HealthCheckStatus } from '@vipd/metrics/index.ts';
import { HealthMonitor, type HealthCheckDefinition, type HealthCheckView } from '../health/monitor.ts';
import type { CheckResult } from '../health/checkers.ts';
import type { Health } from '../health/state.ts';
import type { StandaloneConfig, VipConfig } from './config.ts';
import { degradeAttributes, type VipHealthCheck } from './health-config.ts';

const EDGE_LOG_WINDOW_MS = 10_000;
const EDGE_LOG_BURST = 5;

/** What the routes of one check look like right now. */
export type GateRoute = 'announce' | 'announce-gshut' | 'announce-degraded' | 'withdraw';

export interface HealthGateOptions {
  readonly log: Logger;
  /** Health-check metrics of the catalogue (vipd_health_check_*); optional in tests. */
  readonly metrics?: Pick<ControlMetrics, 'healthCheckResult' | 'healthCheckTransition' | 'forgetHealthCheck'>;
  /** Called when any VIP's route changed; the daemon recomputes its desired set. */
  readonly onChange: () => void;
  readonly now?: () => number;
}

interface CheckEntry {
  readonly spec: VipHealthCheck;
  route: GateRoute;
  /** up/down as the metrics see it (draining and maintenance count as down). */
  metricState: 'up' | 'down';
  lastOk: boolean | undefined;
  okStreak: number;
  failStreak: number;
  /** Edge-log rate limit: at most EDGE_LOG_BURST info lines per EDGE_LOG_WINDOW_MS, the rest counted. */
  edgeWindowStartMs: number;
  edgeLogsInWindow: number;
  suppressedEdges: number;
  /** Derived attribute objects per VIP, cached so the speaker sees stable identities. */
  readonly derived: Map<string, { base: RouteAttributes; gshut: RouteAttributes; degraded: RouteAttributes }>;
}

export class HealthGate {
  private readonly opts: HealthGateOptions;
  private readonly log: Logger;
  private readonly monitor: HealthMonitor;
  private readonly checks = new Map<string, CheckEntry>();

  constructor(opts: HealthGateOptions) {
    this.opts = opts;
    this.log = opts.log;
    this.monitor = new HealthMonitor({
      onIntent: (name, vips, intent, health) => {
        this.log.info({ check: name, vips, intent, state: health.state, transitions: health.transitions }, `health check ${name}: routes ${intent}`);
        this.sync();
      },
      onResult: (name, kind, result, health) => this.onResult(name, kind, result, health),
      ...(opts.now === undefined ? {} : { now: opts.now }),
    });
  }

  /** (Re)loads the checks of a config; unchanged checks keep their state and timers. */
  setConfig(cfg: StandaloneConfig): void {
    const defs = new Map<string, HealthCheckDefinition>();
    const specs = new Map<string, VipHealthCheck>();
    for (const v of cfg.vips) {
      const hc = v.healthCheck;
      if (hc === undefined) continue;
      const d = defs.get(hc.name);
      const vips = d === undefined ? [v.prefix] : [...d.vips, v.prefix];
      defs.set(hc.name, {
        name: hc.name, vips, check: hc.check, timeoutMs: hc.timeoutMs, config: hc.config,
        ...(hc.maintenanceFile === undefined ? {} : { maintenanceFile: hc.maintenanceFile }),
      });
      specs.set(hc.name, hc);
    }
    for (const [name, e] of this.checks) {
      const next = specs.get(name);
      if (next === undefined || JSON.stringify(next) !== JSON.stringify(e.spec)) {
        this.checks.delete(name);
        this.opts.metrics?.forgetHealthCheck(name, e.spec.check.kind);
      }
    }
    for (const [name, spec] of specs) {
      if (!this.checks.has(name)) this.checks.set(name, { spec, route: initialRoute(spec), metricState: 'down', lastOk: undefined, okStreak: 0, failStreak: 0, edgeWindowStartMs: 0, edgeLogsInWindow: 0, suppressedEdges: 0, derived: new Map() });
    }
    this.monitor.setChecks([...defs.values()]);
    this.sync();
  }

  /** The daemon's gate: attributes to announce `vip` with, or undefined to withdraw it. */
  attributesFor(vip: VipConfig): RouteAttributes | undefined {
    const hc = vip.healthCheck;
    if (hc === undefined) return vip.attributes;
    const e = this.checks.get(hc.name);
    if (e === undefined) return undefined;
    if (e.route === 'announce') return vip.attributes;
    if (e.route === 'withdraw') return undefined;
    let d = e.derived.get(vip.prefix);
    if (d === undefined || d.base !== vip.attributes) {
      d = { base: vip.attributes, gshut: { ...vip.attributes, gracefulShutdown: true }, degraded: degradeAttributes(vip.attributes, e.spec.downAttributes) };
      e.derived.set(vip.prefix, d);
    }
    return e.route === 'announce-gshut' ? d.gshut : d.degraded;
  }

  /** The CLI / status API maintenance switch. False when there is no check of that name. */
  setMaintenance(name: string, on: boolean): boolean {
    if (!this.monitor.setMaintenance(name, on)) return false;
    this.log.warn({ check: name, maintenance: on }, on ? 'maintenance on: draining' : 'maintenance off: back through rise');
    this.sync();
    return true;
  }

  routeOf(name: string): GateRoute | undefined {
    return this.checks.get(name)?.route;
  }

  statuses(): HealthCheckStatus[] {
    return this.monitor.views().map((v) => toStatus(v, this.checks.get(v.name)));
  }

  stop(): void {
    this.monitor.stop();
  }

  /** Re-derives every check's route from the monitor; tells the daemon when any changed. */
  private sync(): void {
    let changed = false;
    for (const v of this.monitor.views()) {
      const e = this.checks.get(v.name);
      if (e === undefined) continue;
      const route = routeFor(v.health, e.spec);
      if (route !== e.route) {
        e.route = route;
        changed = true;
      }
      const ms = v.health.state === 'up' ? 'up' : 'down';
      if (ms !== e.metricState) {
        e.metricState = ms;
        this.opts.metrics?.healthCheckTransition(v.name, ms);
      }
    }
    if (changed) this.opts.onChange();
  }

  private onResult(name: string, kind: VipHealthCheck['check']['kind'], result: CheckResult, health: Health): void {
    const e = this.checks.get(name);
    if (e !== undefined) {
      e.okStreak = result.ok ? e.okStreak + 1 : 0;
      e.failStreak = result.ok ? 0 : e.failStreak + 1;
    }
    this.opts.metrics?.healthCheckResult(name, kind, health.state === 'up' ? 'up' : 'down', result.durationMs / 1000);
    const now = this.opts.now?.() ?? Date.now();
    if (e !== undefined && now - e.edgeWindowStartMs >= EDGE_LOG_WINDOW_MS) {
      e.edgeWindowStartMs = now;
      e.edgeLogsInWindow = 0;
    }
    if (e !== undefined && e.lastOk !== result.ok && e.edgeLogsInWindow < EDGE_LOG_BURST) {
      // Edges only: a steady state is one line per change, not one per probe; a flapping check at most
      // EDGE_LOG_BURST lines per window, the next one saying how many edges were not logged.
      this.log.info(
        { check: name, ok: result.ok, detail: result.detail, durationMs: Math.round(result.durationMs), state: health.state, streak: health.streak, ...(e.suppressedEdges > 0 ? { suppressedEdges: e.suppressedEdges } : {}) },
        result.ok ? `health check ${name} passing` : `health check ${name} failing`,
      );
      e.lastOk = result.ok;
      e.edgeLogsInWindow++;
      e.suppressedEdges = 0;
    } else {
      if (e !== undefined && e.lastOk !== result.ok) {
        e.lastOk = result.ok;
        e.suppressedEdges++;
      }
      this.log.debug({ check: name, ok: result.ok, detail: result.detail, durationMs: Math.round(result.durationMs), state: health.state, streak: health.streak }, 'health check result');
    }
    this.sync();
  }
}

function initialRoute(spec: VipHealthCheck): GateRoute {
  return spec.whenDown === 'announce' ? 'announce-degraded' : 'withdraw';
}

/** Pure: the route of a check in a health state. Maintenance always withdraws (after its drain). */
export function routeFor(h: Health, spec: VipHealthCheck): GateRoute {
  switch (h.state) {
    case 'up':
      return 'announce';
    case 'draining':
      return 'announce-gshut';
    case 'maintenance':
      return 'withdraw';
    case 'down':
      return spec.whenDown === 'announce' ? 'announce-degraded' : 'withdraw';
  }
}

function toStatus(v: HealthCheckView, e: CheckEntry | undefined): HealthCheckStatus {
  const h = v.health;
  return {
    name: v.name,
    kind: v.kind,
    target: v.target,
    vips: v.vips,
    state: v.last === undefined && h.state === 'down' ? 'unknown' : h.state === 'up' ? 'up' : 'down',
    stateSinceMs: h.lastChangeMs,
    consecutiveSuccesses: e?.okStreak ?? 0,
    consecutiveFailures: e?.failStreak ?? 0,
    transitions: h.transitions,
    lastDurationMs: v.last === undefined ? null : Math.round(v.last.durationMs * 10) / 10,
    lastDetail: v.last?.detail ?? null,
    lastCheckedAtMs: v.last?.atMs ?? null,
    phase: h.state,
    maintenance: h.maintenance,
    route: e?.route ?? 'withdraw',
    holdDownUntilMs: h.holdDownUntilMs > 0 ? h.holdDownUntilMs : null,
  };
}
