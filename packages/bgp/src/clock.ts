// The injected clock. Every timer in the BGP engine (RFC 4271 §8 / §10: ConnectRetry, Hold, Keepalive,
// IdleHold; RFC 9687 SendHold) runs on a Clock passed in, so the FSM and session tests run on a
// ManualClock with no sleeps, and the daemon runs on realClock.

/** Cancels a timer; calling it after the timer fired, or twice, is harmless. */
export type CancelTimer = () => void;

export interface Clock {
  /** Milliseconds on a monotonic scale (not wall time). */
  now(): number;
  /** Calls `cb` once after `ms` milliseconds; returns its cancel function. */
  setTimer(ms: number, cb: () => void): CancelTimer;
}

/** The real clock: performance.now() and setTimeout (unref'd, so timers never keep a process alive). */
export const realClock: Clock = {
  now: () => performance.now(),
  setTimer(ms, cb) {
    const handle = setTimeout(cb, Math.max(0, ms));
    handle.unref();
    return () => clearTimeout(handle);
  },
};

interface ManualTimer {
  readonly id: number;
  readonly due: number;
  readonly cb: () => void;
  cancelled: boolean;
}

/**
 * A clock that moves only when told. `advance(ms)` fires every timer due within the window in due
 * order (ties in creation order), moving `now()` to each timer's due time before calling it, so a
 * callback that sets a new timer inside the window sees it fire in the same advance.
 */
export class ManualClock implements Clock {
  private current: number;
  private nextId = 0;
  private timers: ManualTimer[] = [];

  constructor(startMs = 0) {
    this.current = startMs;
  }

  now(): number {
    return this.current;
  }

  setTimer(ms: number, cb: () => void): CancelTimer {
    const timer: ManualTimer = { id: this.nextId++, due: this.current + Math.max(0, ms), cb, cancelled: false };
    this.timers.push(timer);
    return () => {
      timer.cancelled = true;
    };
  }

  /** Timers not yet fired nor cancelled. */
  pendingCount(): number {
    return this.timers.filter((t) => !t.cancelled).length;
  }

  /** Due time of the earliest pending timer, or undefined. */
  nextDue(): number | undefined {
    const next = this.earliest();
    return next?.due;
  }

  /** Moves time forward by `ms`, firing due timers in order. Returns how many fired. */
  advance(ms: number): number {
    if (!(ms >= 0)) throw new RangeError('advance: ms must be >= 0');
    const end = this.current + ms;
    let fired = 0;
    for (;;) {
      const next = this.earliest();
      if (next === undefined || next.due > end) break;
      this.timers = this.timers.filter((t) => t !== next);
      this.current = next.due;
      fired++;
      next.cb();
    }
    this.current = end;
    this.timers = this.timers.filter((t) => !t.cancelled);
    return fired;
  }

  /** Advances to the next pending timer (if any) and fires everything due then. */
  advanceToNext(): number {
    const due = this.nextDue();
    return due === undefined ? 0 : this.advance(due - this.current);
  }

  private earliest(): ManualTimer | undefined {
    let best: ManualTimer | undefined;
    for (const t of this.timers) {
      if (t.cancelled) continue;
      if (best === undefined || t.due < best.due || (t.due === best.due && t.id < best.id)) best = t;
    }
    return best;
  }
}
