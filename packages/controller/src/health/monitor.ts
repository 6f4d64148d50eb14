// Runs the health checks of a set of VIPs: one timer loop per check (never two probes of one check
// at once), results through the pure state machine (state.ts), route intents out through a callback
// the moment they change. A maintenance switch per check: a file whose presence means "drain"
// (looked at before each probe), or `setMaintenance` from the CLI / status API.

import { existsSync } from 'node:fs';
import { describeCheck, runCheck, type CheckResult, type CheckSpec } from './checkers.ts';
import { initialHealth, routeIntentOf, stepHealth, type Health, type HealthConfig, type HealthEvent, type RouteIntent } from './state.ts';

export interface HealthCheckDefinition {
  readonly name: string;
  /** The VIPs (prefixes) this check gates. */
  readonly vips: readonly string[];
  readonly check: CheckSpec;
  readonly timeoutMs: number;
  readonly config: HealthConfig;
  readonly maintenanceFile?: string;
}

export interface HealthCheckView {
  readonly name: string;
  readonly kind: CheckSpec['kind'];
  readonly target: string;
  readonly vips: readonly string[];
  readonly health: Health;
  readonly intent: RouteIntent;
  readonly last: (CheckResult & { readonly atMs: number }) | undefined;
}

export interface MonitorHooks {
  /** The route intent of a check's VIPs changed. */
  onIntent(name: string, vips: readonly string[], intent: RouteIntent, health: Health): void;
  /** Every probe result (for metrics and logs). */
  onResult?(name: string, kind: CheckSpec['kind'], result: CheckResult, health: Health): void;
  now?(): number;
}

interface Entry {
  def: HealthCheckDefinition;
  health: Health;
  last: (CheckResult & { atMs: number }) | undefined;
  timer: NodeJS.Timeout | undefined;
  drainTimer: NodeJS.Timeout | undefined;
  running: boolean;
  stopped: boolean;
  /** The two maintenance switches; the VIP is in maintenance while either is on. */
  fileMaintenance: boolean;
  apiMaintenance: boolean;
}

export class HealthMonitor {
  private readonly entries = new Map<string, Entry>();
  private readonly hooks: MonitorHooks;

  constructor(hooks: MonitorHooks) {
    this.hooks = hooks;
  }

  private now(): number {
    return this.hooks.now?.() ?? Date.now();
  }

  /** Replaces the set of checks; unchanged definitions keep their state (SIGHUP reloads). */
  setChecks(defs: readonly HealthCheckDefinition[]): void {
    const wanted = new Map(defs.map((d) => [d.name, d]));
    for (const [name, e] of this.entries) {
      const d = wanted.get(name);
      if (d === undefined || JSON.stringify({ ...d, vips: [] }) !== JSON.stringify({ ...e.def, vips: [] })) this.remove(name);
      // Only the VIP list changed (a VIP joined or left a shared check): keep the state and timers.
      else e.def = d;
    }
    for (const d of defs) if (!this.entries.has(d.name)) this.add(d);
  }

  stop(): void {
    for (const name of [...this.entries.keys()]) this.remove(name);
  }

  /** The CLI / status API switch; the maintenance file is the other one (either puts the VIP in maintenance). */
  setMaintenance(name: string, on: boolean): boolean {
    const e = this.entries.get(name);
    if (e === undefined) return false;
    e.apiMaintenance = on;
    this.syncMaintenance(e);
    return true;
  }

  private syncMaintenance(e: Entry): void {
    const on = e.fileMaintenance || e.apiMaintenance;
    if (on !== e.health.maintenance) this.apply(e, { type: 'maintenance', on, atMs: this.now() });
  }

  views(): HealthCheckView[] {
    return [...this.entries.values()].map((e) => ({
      name: e.def.name,
      kind: e.def.check.kind,
      target: describeCheck(e.def.check),
      vips: e.def.vips,
      health: e.health,
      intent: routeIntentOf(e.health.state),
      last: e.last,
    }));
  }

  intentOf(name: string): RouteIntent | undefined {
    const e = this.entries.get(name);
    return e === undefined ? undefined : routeIntentOf(e.health.state);
  }

  private add(def: HealthCheckDefinition): void {
    const e: Entry = {
      def, health: initialHealth(this.now()), last: undefined, timer: undefined, drainTimer: undefined,
      running: false, stopped: false, fileMaintenance: false, apiMaintenance: false,
    };
    this.entries.set(def.name, e);
    this.hooks.onIntent(def.name, def.vips, 'withdraw', e.health);
    this.schedule(e, 0);
  }

  private remove(name: string): void {
    const e = this.entries.get(name);
    if (e === undefined) return;
    e.stopped = true;
    if (e.timer !== undefined) clearTimeout(e.timer);
    if (e.drainTimer !== undefined) clearTimeout(e.drainTimer);
    this.entries.delete(name);
  }

  private schedule(e: Entry, inMs: number): void {
    if (e.stopped) return;
    if (e.timer !== undefined) clearTimeout(e.timer);
    e.timer = setTimeout(() => void this.probe(e), inMs);
  }

  private apply(e: Entry, ev: HealthEvent): number {
    const step = stepHealth(e.health, ev, e.def.config);
    e.health = step.health;
    if (step.drainTimerMs !== undefined) this.armDrainTimer(e, step.drainTimerMs);
    if (step.route !== undefined) this.hooks.onIntent(e.def.name, e.def.vips, step.route, e.health);
    return step.nextCheckInMs;
  }

  /**
   * A timer may fire a millisecond before Date.now() reaches the drain's end (timers run on the
   * monotonic clock); the state machine then ignores the event, so re-arm for the rest instead of
   * leaving the VIP draining for ever.
   */
  private armDrainTimer(e: Entry, inMs: number): void {
    if (e.drainTimer !== undefined) clearTimeout(e.drainTimer);
    e.drainTimer = setTimeout(() => {
      e.drainTimer = undefined;
      if (e.stopped || e.health.state !== 'draining') return;
      const now = this.now();
      if (now < e.health.drainUntilMs) this.armDrainTimer(e, e.health.drainUntilMs - now);
      else this.apply(e, { type: 'drain-elapsed', atMs: now });
    }, inMs);
  }

  private async probe(e: Entry): Promise<void> {
    if (e.stopped || e.running) return;
    e.running = true;
    try {
      if (e.def.maintenanceFile !== undefined) {
        e.fileMaintenance = existsSync(e.def.maintenanceFile);
        this.syncMaintenance(e);
      }
      const result = await runCheck(e.def.check, e.def.timeoutMs);
      if (e.stopped) return;
      const atMs = this.now();
      e.last = { ...result, atMs };
      const next = this.apply(e, { type: 'result', ok: result.ok, atMs });
      this.hooks.onResult?.(e.def.name, e.def.check.kind, result, e.health);
      this.schedule(e, next);
    } finally {
      e.running = false;
    }
  }
}
