// A deduplicating work queue (controller-runtime style): handlers only add keys; a key waiting in
// the queue is held once however often it is added; a key being processed is never processed twice
// at once (an add while it runs marks it dirty and it runs again after); failures retry with
// per-key exponential backoff. Level-triggered: the worker reads the current state for the key.

export interface QueueOptions {
  /** Parallel workers (keys are still exclusive). */
  readonly concurrency?: number;
  readonly baseDelayMs?: number;
  readonly maxDelayMs?: number;
  /** Injected for tests. */
  readonly setTimer?: (fn: () => void, ms: number) => { cancel(): void };
}

export type Worker<K> = (key: K) => Promise<void>;

export class WorkQueue<K> {
  private readonly pending = new Set<K>();
  private readonly order: K[] = [];
  private readonly running = new Set<K>();
  private readonly dirty = new Set<K>();
  private readonly failures = new Map<K, number>();
  private readonly delayed = new Map<K, { cancel(): void }>();
  private active = 0;
  private stopped = false;
  private idleWaiters: (() => void)[] = [];
  private readonly opts: Required<QueueOptions>;
  private readonly worker: Worker<K>;

  constructor(worker: Worker<K>, opts: QueueOptions = {}) {
    this.worker = worker;
    this.opts = {
      concurrency: opts.concurrency ?? 1,
      baseDelayMs: opts.baseDelayMs ?? 50,
      maxDelayMs: opts.maxDelayMs ?? 30_000,
      setTimer:
        opts.setTimer ??
        ((fn, ms) => {
          const t = setTimeout(fn, ms);
          return { cancel: () => clearTimeout(t) };
        }),
    };
  }

  get length(): number {
    return this.pending.size;
  }

  /** Number of keys waiting for a retry. */
  get retrying(): number {
    return this.delayed.size;
  }

  add(key: K): void {
    if (this.stopped) return;
    const d = this.delayed.get(key);
    if (d !== undefined) {
      // A fresh event supersedes a scheduled retry.
      d.cancel();
      this.delayed.delete(key);
    }
    if (this.running.has(key)) {
      this.dirty.add(key);
      return;
    }
    if (this.pending.has(key)) return;
    this.pending.add(key);
    this.order.push(key);
    this.pump();
  }

  /** Resolves when nothing is queued, running or waiting for a retry. */
  idle(): Promise<void> {
    if (this.isIdle()) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  stop(): void {
    this.stopped = true;
    for (const d of this.delayed.values()) d.cancel();
    this.delayed.clear();
    this.pending.clear();
    this.order.length = 0;
    this.checkIdle();
  }

  private isIdle(): boolean {
    return this.pending.size === 0 && this.running.size === 0 && this.delayed.size === 0;
  }

  private checkIdle(): void {
    if (!this.isIdle()) return;
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    for (const w of waiters) w();
  }

  private pump(): void {
    while (this.active < this.opts.concurrency && this.order.length > 0) {
      const key = this.order.shift()!;
      if (!this.pending.delete(key)) continue;
      this.active++;
      this.running.add(key);
      void this.run(key);
    }
  }

  private async run(key: K): Promise<void> {
    let failed = false;
    try {
      await this.worker(key);
    } catch {
      failed = true;
    }
    this.running.delete(key);
    this.active--;
    if (failed && !this.stopped) {
      const n = (this.failures.get(key) ?? 0) + 1;
      this.failures.set(key, n);
      if (this.dirty.delete(key)) {
        this.add(key);
      } else {
        const delay = Math.min(this.opts.maxDelayMs, this.opts.baseDelayMs * 2 ** (n - 1));
        this.delayed.set(
          key,
          this.opts.setTimer(() => {
            this.delayed.delete(key);
            this.add(key);
          }, delay),
        );
      }
    } else {
      this.failures.delete(key);
      if (this.dirty.delete(key)) this.add(key);
    }
    this.pump();
    this.checkIdle();
  }
}
