// The storage layer of the test API server, standing in for etcd + the watch cache: one global,
// monotonically increasing resourceVersion (etcd's revision), objects per resource, and a bounded
// history of change events used to replay watches from a resourceVersion and to serve lists at an
// exact resourceVersion ("Resource versions" and "Efficient detection of changes" in the Kubernetes
// API concepts). Events older than the compaction point are gone: callers turn that into 410 Expired.

import type { JsonObject } from './patch.ts';
import { isObject } from './patch.ts';

export type EventType = 'ADDED' | 'MODIFIED' | 'DELETED';

export type StoredEvent = {
  readonly rv: number;
  readonly resId: string;
  readonly type: EventType;
  readonly key: string;
  readonly obj: JsonObject; // the object after the change (for DELETED: the final object)
  readonly prev: JsonObject | undefined; // the object before the change
};

export type ChangeListener = (ev: StoredEvent) => void;

export function metaOf(o: JsonObject): JsonObject {
  return isObject(o.metadata) ? o.metadata : {};
}

export function objectKey(namespace: string, name: string): string {
  return namespace === '' ? name : `${namespace}/${name}`;
}

export type StoreOptions = {
  /** Events kept for watch replay; older ones are compacted (the real watch cache is bounded too). */
  readonly historyLimit?: number;
  /** First resourceVersion minus one. */
  readonly initialRv?: number;
};

export class Store {
  #rv: number;
  #compactedRv: number;
  readonly #historyLimit: number;
  readonly #objects = new Map<string, Map<string, JsonObject>>();
  #history: StoredEvent[] = [];
  #historyStart = 0; // index of the first live entry in #history (amortised shift)
  readonly #listeners = new Set<ChangeListener>();

  constructor(opts: StoreOptions = {}) {
    this.#rv = opts.initialRv ?? 1000;
    this.#compactedRv = this.#rv;
    this.#historyLimit = opts.historyLimit ?? 10_000;
  }

  currentRv(): number {
    return this.#rv;
  }

  /** Highest resourceVersion whose events may no longer be replayed. */
  compactedRv(): number {
    return this.#compactedRv;
  }

  /** Drop all history: watches and exact lists from any older resourceVersion now get 410. */
  compact(): void {
    this.#compactedRv = this.#rv;
    this.#history = [];
    this.#historyStart = 0;
  }

  get(resId: string, key: string): JsonObject | undefined {
    return this.#objects.get(resId)?.get(key);
  }

  /** Current objects of a resource, sorted by key (namespace/name) like an etcd range read. */
  list(resId: string): JsonObject[] {
    const m = this.#objects.get(resId);
    if (m === undefined) return [];
    return [...m.entries()].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0)).map((e) => e[1]);
  }

  /**
   * Objects of a resource as they were at `rv` (etcd range read at a revision): the current state
   * with every later event undone. Returns undefined when `rv` is older than the compaction point.
   */
  listAt(resId: string, rv: number): JsonObject[] | undefined {
    if (rv < this.#compactedRv) return undefined;
    const state = new Map(this.#objects.get(resId) ?? []);
    for (let i = this.#history.length - 1; i >= this.#historyStart; i--) {
      const ev = this.#history[i];
      if (ev.rv <= rv) break;
      if (ev.resId !== resId) continue;
      if (ev.prev === undefined) state.delete(ev.key);
      else state.set(ev.key, ev.prev);
    }
    return [...state.entries()].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0)).map((e) => e[1]);
  }

  /** Events of a resource strictly after `rv`, or undefined when some of them were compacted away. */
  eventsSince(resId: string, rv: number): StoredEvent[] | undefined {
    if (rv < this.#compactedRv) return undefined;
    const out: StoredEvent[] = [];
    for (let i = this.#history.length - 1; i >= this.#historyStart; i--) {
      const ev = this.#history[i];
      if (ev.rv <= rv) break;
      if (ev.resId === resId) out.push(ev);
    }
    return out.reverse();
  }

  /** Allocate the next resourceVersion (one etcd transaction). */
  nextRv(): number {
    this.#rv += 1;
    return this.#rv;
  }

  /**
   * Record a change whose object already carries metadata.resourceVersion = String(rv) from nextRv().
   * Listeners run synchronously, in resourceVersion order, before the writer gets its response.
   */
  commit(resId: string, type: EventType, key: string, obj: JsonObject, prev: JsonObject | undefined, rv: number): void {
    let m = this.#objects.get(resId);
    if (m === undefined) {
      m = new Map();
      this.#objects.set(resId, m);
    }
    if (type === 'DELETED') m.delete(key);
    else m.set(key, obj);
    const ev: StoredEvent = { rv, resId, type, key, obj, prev };
    this.#history.push(ev);
    if (this.#history.length - this.#historyStart > this.#historyLimit) {
      this.#compactedRv = this.#history[this.#historyStart].rv;
      this.#historyStart += 1;
      if (this.#historyStart > 4096 && this.#historyStart * 2 > this.#history.length) {
        this.#history = this.#history.slice(this.#historyStart);
        this.#historyStart = 0;
      }
    }
    for (const l of [...this.#listeners]) l(ev);
  }

  subscribe(l: ChangeListener): () => void {
    this.#listeners.add(l);
    return () => this.#listeners.delete(l);
  }

  /** Resolves true once the store reaches `rv`, false after `timeoutMs`. */
  waitForRv(rv: number, timeoutMs: number): Promise<boolean> {
    if (this.#rv >= rv) return Promise.resolve(true);
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        off();
        resolve(false);
      }, timeoutMs);
      const off = this.subscribe(() => {
        if (this.#rv >= rv) {
          clearTimeout(timer);
          off();
          resolve(true);
        }
      });
    });
  }
}
