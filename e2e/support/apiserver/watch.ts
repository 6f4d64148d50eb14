// Watch streams ("Efficient detection of changes", "Watch bookmarks", "Streaming lists" in the
// Kubernetes API concepts): a chunked HTTP 200 response of newline-delimited JSON watch events
// {"type": ADDED|MODIFIED|DELETED|BOOKMARK|ERROR, "object": ...}.
// - resourceVersion unset or "0": synthetic ADDED for every current object, then changes;
// - resourceVersion N: every change after N, replayed from the history; N older than the
//   compaction point → one ERROR event carrying Status 410 Expired, then the stream ends;
// - a selector transition is delivered as the real watch cache does (leaving the selector → DELETED,
//   entering it → ADDED);
// - allowWatchBookmarks → periodic BOOKMARK events carrying only the current resourceVersion;
// - timeoutSeconds (or the server default) ends the stream cleanly.

import type { ServerResponse } from 'node:http';
import type { ApiError } from './errors.ts';
import { expired, tooLargeResourceVersion } from './errors.ts';
import type { ListOptions } from './objects.ts';
import { matches, parseRv } from './objects.ts';
import type { JsonObject } from './patch.ts';
import type { ResourceDef } from './resources.ts';
import { groupVersion, resourceId } from './resources.ts';
import type { Store, StoredEvent } from './store.ts';

export type WatchOptions = ListOptions & {
  readonly allowWatchBookmarks: boolean;
  readonly sendInitialEvents: boolean;
  readonly timeoutMs: number;
  readonly bookmarkIntervalMs: number;
  readonly tooLargeWaitMs: number;
};

export type WatchType = 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK' | 'ERROR';

/** One open watch; `close()` ends it from the server side (timeout, server stop). */
export class WatchStream {
  readonly #res: ServerResponse;
  readonly #store: Store;
  readonly #r: ResourceDef;
  readonly #namespace: string | undefined;
  readonly #opts: WatchOptions;
  readonly #timers: NodeJS.Timeout[] = [];
  #unsubscribe: (() => void) | undefined;
  #closed = false;
  #lastSentRv = 0;
  readonly onClose: Array<() => void> = [];

  constructor(res: ServerResponse, store: Store, r: ResourceDef, namespace: string | undefined, opts: WatchOptions) {
    this.#res = res;
    this.#store = store;
    this.#r = r;
    this.#namespace = namespace;
    this.#opts = opts;
  }

  start(): void {
    const res = this.#res;
    res.writeHead(200, { 'Content-Type': 'application/json', 'Cache-Control': 'no-cache, private' });
    res.flushHeaders();
    res.on('close', () => this.close());
    const id = resourceId(this.#r);
    const rvParam = this.#opts.resourceVersion ?? '';
    let startRv: number;
    try {
      startRv = rvParam === '' || rvParam === '0' ? 0 : parseRv(rvParam);
    } catch (err) {
      this.#sendError(err as ApiError);
      return;
    }
    const current = this.#store.currentRv();
    if (startRv === 0 || this.#opts.sendInitialEvents) {
      for (const o of this.#store.list(id)) {
        if (matches(o, this.#namespace, this.#opts)) this.#send('ADDED', o);
      }
      this.#lastSentRv = current;
      if (this.#opts.sendInitialEvents && this.#opts.allowWatchBookmarks) {
        this.#send('BOOKMARK', this.#bookmark(current, true));
      }
      this.#subscribe(id, current);
    } else if (startRv > current) {
      this.#lastSentRv = startRv;
      this.#subscribe(id, startRv);
      this.#timers.push(setTimeout(() => {
        if (this.#store.currentRv() < startRv) {
          this.#sendError(tooLargeResourceVersion(startRv, this.#store.currentRv()));
        }
      }, this.#opts.tooLargeWaitMs));
    } else {
      const replay = this.#store.eventsSince(id, startRv);
      if (replay === undefined) {
        // The real watch cache: "too old resource version: <requested> (<oldest available>)".
        this.#sendError(expired(`too old resource version: ${startRv} (${this.#store.compactedRv() + 1})`));
        return;
      }
      this.#lastSentRv = startRv;
      for (const ev of replay) this.#deliver(ev);
      this.#lastSentRv = Math.max(this.#lastSentRv, current);
      this.#subscribe(id, current);
    }
    if (this.#opts.allowWatchBookmarks && this.#opts.bookmarkIntervalMs > 0) {
      const t = setInterval(() => {
        const rv = this.#store.currentRv();
        if (rv >= this.#lastSentRv) this.#send('BOOKMARK', this.#bookmark(rv, false));
      }, this.#opts.bookmarkIntervalMs);
      this.#timers.push(t);
    }
    if (this.#opts.timeoutMs > 0) this.#timers.push(setTimeout(() => this.close(), this.#opts.timeoutMs));
  }

  #subscribe(id: string, afterRv: number): void {
    this.#unsubscribe = this.#store.subscribe((ev) => {
      if (ev.resId === id && ev.rv > afterRv) this.#deliver(ev);
    });
  }

  #deliver(ev: StoredEvent): void {
    const now = matches(ev.obj, this.#namespace, this.#opts);
    const before = ev.prev !== undefined && matches(ev.prev, this.#namespace, this.#opts);
    switch (ev.type) {
      case 'ADDED': if (now) this.#send('ADDED', ev.obj); break;
      case 'MODIFIED':
        if (now && before) this.#send('MODIFIED', ev.obj);
        else if (now) this.#send('ADDED', ev.obj);
        else if (before) this.#send('DELETED', ev.obj);
        break;
      case 'DELETED': if (before) this.#send('DELETED', ev.obj); break;
    }
    this.#lastSentRv = Math.max(this.#lastSentRv, ev.rv);
  }

  #bookmark(rv: number, initialEventsEnd: boolean): JsonObject {
    const metadata: JsonObject = { resourceVersion: String(rv) };
    if (initialEventsEnd) metadata.annotations = { 'k8s.io/initial-events-end': 'true' };
    return { kind: this.#r.kind, apiVersion: groupVersion(this.#r), metadata };
  }

  #send(type: WatchType, object: unknown): void {
    if (this.#closed) return;
    this.#res.write(`${JSON.stringify({ type, object })}\n`);
  }

  #sendError(err: ApiError): void {
    this.#send('ERROR', err.toStatus());
    this.close();
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#unsubscribe?.();
    for (const t of this.#timers) clearTimeout(t);
    if (!this.#res.writableEnded) this.#res.end();
    for (const f of this.onClose) f();
  }
}
