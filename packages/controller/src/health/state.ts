// The health-check state machine of one VIP: pure, timers as data (HOUSE_STYLE). A VIP starts
// `down` (never announced before its first `rise` passes), goes `up` after `rise` consecutive
// passes, back `down` after `fall` consecutive failures, and after a failure stays down for at least
// `holdDownMs` even if it passes again (anti-flap). While a transition is pending the check runs at
// `fastIntervalMs`. Maintenance drains an `up` VIP: announce with GRACEFUL_SHUTDOWN (RFC 8326) for
// `drainMs`, then withdraw; leaving maintenance re-enters through the normal rise path.

export type HealthState = 'down' | 'up' | 'draining' | 'maintenance';

export interface HealthConfig {
  readonly intervalMs: number;
  readonly fastIntervalMs: number;
  readonly rise: number;
  readonly fall: number;
  readonly holdDownMs: number;
  /** How long a maintenance drain keeps the route with GRACEFUL_SHUTDOWN before withdrawing. */
  readonly drainMs: number;
}

export interface Health {
  readonly state: HealthState;
  /** Consecutive results against the current state (passes while down, failures while up). */
  readonly streak: number;
  /** No re-announce before this time (ms), set when going down after having been up. */
  readonly holdDownUntilMs: number;
  readonly maintenance: boolean;
  /** When the current drain ends (ms), in `draining`. */
  readonly drainUntilMs: number;
  readonly transitions: number;
  readonly lastChangeMs: number;
}

export type HealthEvent =
  | { readonly type: 'result'; readonly ok: boolean; readonly atMs: number }
  | { readonly type: 'maintenance'; readonly on: boolean; readonly atMs: number }
  | { readonly type: 'drain-elapsed'; readonly atMs: number };

/** What the route should be: announced normally, announced for a graceful drain, or withdrawn. */
export type RouteIntent = 'announce' | 'announce-gshut' | 'withdraw';

export interface Step {
  readonly health: Health;
  /** Set when the route intent changed with this event. */
  readonly route?: RouteIntent;
  /** When to run the next check, from the event time. */
  readonly nextCheckInMs: number;
  /** Set when a drain timer must be started (ms from the event time). */
  readonly drainTimerMs?: number;
}

export function initialHealth(nowMs = 0): Health {
  return { state: 'down', streak: 0, holdDownUntilMs: 0, maintenance: false, drainUntilMs: 0, transitions: 0, lastChangeMs: nowMs };
}

export function routeIntentOf(state: HealthState): RouteIntent {
  return state === 'up' ? 'announce' : state === 'draining' ? 'announce-gshut' : 'withdraw';
}

function pending(h: Health, cfg: HealthConfig): boolean {
  return h.streak > 0 && ((h.state === 'down' && h.streak < cfg.rise) || (h.state === 'up' && h.streak < cfg.fall));
}

function moveTo(h: Health, state: HealthState, atMs: number, extra: Partial<Health> = {}): Health {
  return { ...h, ...extra, state, streak: 0, transitions: h.transitions + 1, lastChangeMs: atMs };
}

export function stepHealth(h: Health, ev: HealthEvent, cfg: HealthConfig): Step {
  let next = h;
  let drainTimerMs: number | undefined;
  switch (ev.type) {
    case 'result': {
      if (h.state === 'maintenance' || h.state === 'draining') break;
      if (h.state === 'down') {
        const streak = ev.ok ? h.streak + 1 : 0;
        next = { ...h, streak };
        if (streak >= cfg.rise && ev.atMs >= h.holdDownUntilMs) next = moveTo(h, 'up', ev.atMs);
      } else {
        const streak = ev.ok ? 0 : h.streak + 1;
        next = { ...h, streak };
        if (streak >= cfg.fall) next = moveTo(h, 'down', ev.atMs, { holdDownUntilMs: ev.atMs + cfg.holdDownMs });
      }
      break;
    }
    case 'maintenance': {
      if (ev.on === h.maintenance) break;
      if (ev.on) {
        if (h.state === 'up' && cfg.drainMs > 0) {
          next = moveTo(h, 'draining', ev.atMs, { maintenance: true, drainUntilMs: ev.atMs + cfg.drainMs });
          drainTimerMs = cfg.drainMs;
        } else {
          next = moveTo(h, 'maintenance', ev.atMs, { maintenance: true });
        }
      } else {
        // Back through the normal rise path: a VIP is never announced on the word of the switch alone.
        next = moveTo(h, 'down', ev.atMs, { maintenance: false, drainUntilMs: 0 });
      }
      break;
    }
    case 'drain-elapsed': {
      if (h.state === 'draining' && ev.atMs >= h.drainUntilMs) next = moveTo(h, 'maintenance', ev.atMs);
      break;
    }
  }
  const route = routeIntentOf(next.state) !== routeIntentOf(h.state) ? routeIntentOf(next.state) : undefined;
  const nextCheckInMs = pending(next, cfg) ? cfg.fastIntervalMs : cfg.intervalMs;
  return { health: next, nextCheckInMs, ...(route === undefined ? {} : { route }), ...(drainTimerMs === undefined ? {} : { drainTimerMs }) };
}
