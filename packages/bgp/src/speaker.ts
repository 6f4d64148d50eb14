// The speaker: holds the full desired VIP set and, per peer, sends the diff against that peer's
// Adj-RIB-Out as packed UPDATEs (RFC 4271 §9.2), the whole table plus End-of-RIB when a session comes
// up (RFC 4724 §2), and again on ROUTE-REFRESH (RFC 2918 §4, with BoRR/EoRR per RFC 7313 §4).
// Level-triggered: setDesired only records the new set and wakes each peer's pump; a pump that is
// busy picks the latest set up on its next pass. Work is chunked and yields to the event loop so
// keepalives are never delayed behind route work (field guide: control-plane stalls).

import { setImmediate as yieldImmediate } from 'node:timers/promises';
import { noopLogger, noopMetrics, type BgpMetrics, type FamilyName, type Logger } from './observe.ts';
import type { EncodeContext, Prefix } from './wire/types.ts';
import { fillPrefixFromKey, parseIpPrefix, type MutablePrefix } from './ip.ts';
import { routeAttributesKey, type PeerExportConfig, type PeerLinkInfo, type RouteAttributes } from './export-policy.ts';
import { AdjRibOut, GroupTable, desiredCode, type DesiredCode } from './adj-rib-out.ts';
import { familyOf, type UpdateEncoder } from './speaker-encoder.ts';

/** Where a peer's messages go: resolves when the socket took them (respecting backpressure). */
export interface PeerSink {
  write(messages: readonly Uint8Array[]): Promise<void> | void;
}

export interface SpeakerOptions {
  readonly encoder: UpdateEncoder;
  readonly log?: Logger;
  readonly metrics?: BgpMetrics;
  /** Prefixes per encode slice; each slice is encoded and written before the next. */
  readonly sliceSize?: number;
  /** Yield to the event loop after this much continuous work. */
  readonly yieldAfterMs?: number;
}

export class SpeakerError extends Error {
  readonly code: 'ERR_UNKNOWN_PEER' | 'ERR_BAD_PREFIX';
  constructor(code: 'ERR_UNKNOWN_PEER' | 'ERR_BAD_PREFIX', message: string) {
    super(message);
    this.name = 'SpeakerError';
    this.code = code;
  }
}

interface PeerRuntime {
  readonly rib: AdjRibOut;
  link?: PeerLinkInfo;
  sink?: PeerSink;
  /** Bumped on every up/down so a pump from an old session stops. */
  epoch: number;
  dirty: boolean;
  running: boolean;
  /** Families owed End-of-RIB after the initial table of this session. */
  eorPending: Set<FamilyName>;
  /** Families owed a full re-send (route refresh), and whether BoRR/EoRR frame it. */
  refresh: Set<FamilyName>;
  /** The next pass diffs the whole table (new session, setDesired, config change). */
  fullSync: boolean;
  /** Prefixes changed by updateDesired since the last pass (diffed alone unless fullSync). */
  changed: Set<string>;
}

export interface PeerRibStatus {
  readonly peer: string;
  readonly up: boolean;
  readonly advertised: Readonly<Record<FamilyName, number>>;
}

export class Speaker {
  private readonly encoder: UpdateEncoder;
  private readonly log: Logger;
  private readonly metrics: BgpMetrics;
  private readonly sliceSize: number;
  private readonly yieldAfterMs: number;
  private readonly peers = new Map<string, PeerRuntime>();
  private readonly groups = new GroupTable();
  private desired = new Map<string, DesiredCode>();
  private classes: RouteAttributes[] = [];
  /** Attribute-class interning of the committed set, kept so updateDesired can add classes. */
  private classIds = new Map<string, number>();
  private classByObject = new WeakMap<RouteAttributes, number>();
  /** updateDesired calls made while a setDesired was being taken: applied after it commits. */
  private deferred: [string, boolean, RouteAttributes | undefined][] = [];
  private idleWaiters: (() => void)[] = [];
  private readonly prefixPool: MutablePrefix[] = [];
  /** Bumped by each setDesired; an ingest that sees a newer value stops (superseded). */
  private ingestGen = 0;
  private ingesting = 0;

  constructor(opts: SpeakerOptions) {
    this.encoder = opts.encoder;
    this.log = (opts.log ?? noopLogger).child({ component: 'speaker' });
    this.metrics = opts.metrics ?? noopMetrics;
    this.sliceSize = opts.sliceSize ?? 1000;
    this.yieldAfterMs = opts.yieldAfterMs ?? 4;
  }

  /**
   * Replaces the full desired set: prefix text → attributes. The set is taken in chunks that yield to
   * the event loop (100k routes take longer than a keepalive may wait), then committed at once; a
   * newer call supersedes one still being taken (level-triggered: the latest set wins and the older
   * promise resolves). Rejects with SpeakerError (ERR_BAD_PREFIX) and changes nothing when a prefix is
   * invalid. Each peer then converges on the committed set. Small sets are committed before this
   * returns.
   */
  setDesired(routes: ReadonlyMap<string, RouteAttributes> | Readonly<Record<string, RouteAttributes>>): Promise<void> {
    const gen = ++this.ingestGen;
    this.ingesting++;
    const done = this.ingest(routes, gen).finally(() => {
      this.ingesting--;
      if (this.ingesting === 0 && this.deferred.length > 0) this.applyUpdates(this.deferred.splice(0));
      // Pumps wait while a set is being taken (so End-of-RIB never follows a stale table): resume them.
      if (this.ingesting === 0) for (const p of this.peers.values()) if (p.dirty) this.wake(p);
      this.checkIdle();
    });
    return done;
  }

  private async ingest(routes: ReadonlyMap<string, RouteAttributes> | Readonly<Record<string, RouteAttributes>>, gen: number): Promise<void> {
    const entries = routes instanceof Map ? routes.entries() : Object.entries(routes);
    const next = new Map<string, DesiredCode>();
    const classIds = new Map<string, number>();
    const byObject = new Map<RouteAttributes, number>();
    const classes: RouteAttributes[] = [];
    let last = performance.now();
    let n = 0;
    for (const [text, attrs] of entries as Iterable<[string, RouteAttributes]>) {
      if ((++n & 511) === 0 && performance.now() - last >= this.yieldAfterMs) {
        await yieldImmediate();
        if (gen !== this.ingestGen) return;
        last = performance.now();
      }
      // A key of the committed set is canonical already; anything else is parsed and canonicalized so
      // "2001:DB8::1/128" and "2001:db8::1/128" are one route.
      let key = text;
      let isV6: boolean;
      const prev = this.desired.get(text);
      if (prev !== undefined) isV6 = (prev & 1) === 1;
      else {
        try {
          const p = parseIpPrefix(text);
          key = p.key;
          isV6 = p.afi === 2;
        } catch {
          if (gen !== this.ingestGen) return;
          throw new SpeakerError('ERR_BAD_PREFIX', `not a prefix: ${JSON.stringify(text)}`);
        }
      }
      // Callers usually share one attributes object among many routes: key by identity first so the
      // canonical key (a JSON string) is built once per object, not once per route.
      let cls = byObject.get(attrs);
      if (cls === undefined) {
        const ck = routeAttributesKey(attrs);
        cls = classIds.get(ck);
        if (cls === undefined) {
          cls = classes.length;
          classes.push(attrs);
          classIds.set(ck, cls);
        }
        byObject.set(attrs, cls);
      }
      next.set(key, desiredCode(cls, isV6 ? 'ipv6-unicast' : 'ipv4-unicast'));
    }
    if (gen !== this.ingestGen) return;
    this.desired = next;
    this.classes = classes;
    this.classIds = classIds;
    this.classByObject = byObject;
    for (const p of this.peers.values()) {
      // Class ids were renumbered: per-peer class → group caches are stale.
      p.rib.resetPolicyCache();
      p.fullSync = true;
      this.wake(p);
    }
  }

  /**
   * Incremental form of setDesired: applies only these changes (prefix → attributes, or undefined to
   * remove the prefix); each peer's next pass diffs only the changed prefixes, so a change costs
   * O(changes) however large the table is (the Kubernetes daemon's per-Service reconcile). Throws
   * SpeakerError (ERR_BAD_PREFIX) and changes nothing when a prefix is invalid. While a setDesired is
   * being taken the changes wait and apply on top of it once it commits.
   */
  updateDesired(changes: Iterable<readonly [string, RouteAttributes | undefined]>): void {
    const list: [string, boolean, RouteAttributes | undefined][] = [];
    for (const [text, attrs] of changes) {
      const prev = this.desired.get(text);
      if (prev !== undefined) {
        list.push([text, (prev & 1) === 1, attrs]);
        continue;
      }
      try {
        const p = parseIpPrefix(text);
        list.push([p.key, p.afi === 2, attrs]);
      } catch {
        throw new SpeakerError('ERR_BAD_PREFIX', `not a prefix: ${JSON.stringify(text)}`);
      }
    }
    if (list.length === 0) return;
    if (this.ingesting > 0) this.deferred.push(...list);
    else this.applyUpdates(list);
  }

  private applyUpdates(list: readonly [string, boolean, RouteAttributes | undefined][]): void {
    for (const [key, isV6, attrs] of list) {
      if (attrs === undefined) {
        this.desired.delete(key);
        continue;
      }
      let cls = this.classByObject.get(attrs);
      if (cls === undefined) {
        const ck = routeAttributesKey(attrs);
        cls = this.classIds.get(ck);
        if (cls === undefined) {
          // Appended, never renumbered: per-peer class → group caches stay valid.
          cls = this.classes.length;
          this.classes.push(attrs);
          this.classIds.set(ck, cls);
        }
        this.classByObject.set(attrs, cls);
      }
      this.desired.set(key, desiredCode(cls, isV6 ? 'ipv6-unicast' : 'ipv4-unicast'));
    }
    for (const p of this.peers.values()) {
      if (p.sink === undefined) continue;
      if (!p.fullSync) for (const [key] of list) p.changed.add(key);
      this.wake(p);
    }
  }

  /** Registers a peer (idempotent on config: a changed config re-evaluates the export). */
  addPeer(id: string, cfg: PeerExportConfig): void {
    const existing = this.peers.get(id);
    if (existing !== undefined) {
      existing.rib.cfg = cfg;
      existing.rib.resetPolicyCache();
      existing.fullSync = true;
      this.wake(existing);
      return;
    }
    const log = this.log.child({ peer: id });
    this.peers.set(id, {
      rib: new AdjRibOut(id, cfg, log),
      epoch: 0,
      dirty: false,
      running: false,
      eorPending: new Set(),
      refresh: new Set(),
      fullSync: true,
      changed: new Set(),
    });
  }

  removePeer(id: string): void {
    const p = this.peers.get(id);
    if (p === undefined) return;
    this.peerDown(id);
    this.peers.delete(id);
  }

  /** The session reached Established: send the whole table, then End-of-RIB per family. */
  peerUp(id: string, link: PeerLinkInfo, sink: PeerSink): void {
    const p = this.mustGet(id);
    p.epoch++;
    p.link = link;
    p.sink = sink;
    p.rib.reset();
    p.refresh.clear();
    p.eorPending = new Set(link.families);
    p.fullSync = true;
    p.changed.clear();
    this.wake(p);
  }

  /** The session left Established: what the peer had is gone with it (RFC 4271 §9.2). */
  peerDown(id: string): void {
    const p = this.peers.get(id);
    if (p === undefined) return;
    p.epoch++;
    p.link = undefined;
    p.sink = undefined;
    p.rib.reset();
    p.refresh.clear();
    p.eorPending.clear();
    p.changed.clear();
    this.checkIdle();
  }

  /**
   * A ROUTE-REFRESH arrived. Normal requests (subtype 0) trigger a full re-send of that family;
   * BoRR/EoRR from the peer concern its own routes and need nothing from us. Refresh for a family
   * that was not negotiated, or without the capability (RouterOS does this), is ignored, not an error.
   */
  routeRefresh(id: string, afi: number, safi: number, subtype = 0): void {
    const p = this.peers.get(id);
    if (p?.link === undefined) return;
    const family = familyOf(afi, safi);
    if (subtype !== 0) return;
    if (family === undefined || !p.link.families.has(family)) {
      p.rib.log.debug({ afi, safi }, 'ignoring ROUTE-REFRESH for a family not negotiated');
      return;
    }
    if (!p.link.routeRefresh && !p.link.enhancedRouteRefresh) {
      // RFC 2918 §4 lets a speaker act only on what it negotiated; RouterOS sends these anyway.
      p.rib.log.info({ afi, safi }, 'ignoring ROUTE-REFRESH: the capability was not negotiated');
      return;
    }
    p.refresh.add(family);
    this.wake(p);
  }

  /** Resolves once the latest setDesired is taken and every peer that is up has sent it (or gone down). */
  idle(): Promise<void> {
    if (this.isIdle()) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  status(): PeerRibStatus[] {
    return [...this.peers.entries()].map(([peer, p]) => {
      const advertised = { 'ipv4-unicast': 0, 'ipv6-unicast': 0 };
      for (const key of p.rib.sent.keys()) advertised[key.includes(':') ? 'ipv6-unicast' : 'ipv4-unicast']++;
      return { peer, up: p.sink !== undefined, advertised };
    });
  }

  /** Peers this prefix is currently announced to (it is in their Adj-RIB-Out), for the status API. */
  advertisedTo(prefix: string): string[] {
    let key: string;
    try {
      key = parseIpPrefix(prefix).key;
    } catch {
      return [];
    }
    return [...this.peers.entries()].filter(([, p]) => p.rib.sent.has(key)).map(([id]) => id);
  }

  get desiredCount(): number {
    return this.desired.size;
  }

  /**
   * Wire prefixes for a slice of keys, in a pool reused by every slice (the encoder copies the bytes
   * before returning): no per-VIP objects are kept, and none are allocated per slice for IPv4.
   */
  private prefixesOf(keys: readonly string[]): readonly Prefix[] {
    const pool = this.prefixPool;
    while (pool.length < keys.length) pool.push({ afi: 1, length: 0, addr: new Uint8Array(16) });
    for (let i = 0; i < keys.length; i++) fillPrefixFromKey(keys[i]!, pool[i]!);
    return keys.length === pool.length ? pool : pool.slice(0, keys.length);
  }

  private mustGet(id: string): PeerRuntime {
    const p = this.peers.get(id);
    if (p === undefined) throw new SpeakerError('ERR_UNKNOWN_PEER', `unknown peer ${id}`);
    return p;
  }

  private isIdle(): boolean {
    if (this.ingesting > 0) return false;
    for (const p of this.peers.values()) if (p.sink !== undefined && (p.running || p.dirty)) return false;
    return true;
  }

  private checkIdle(): void {
    if (this.idleWaiters.length === 0 || !this.isIdle()) return;
    const w = this.idleWaiters;
    this.idleWaiters = [];
    for (const resolve of w) resolve();
  }

  private wake(p: PeerRuntime): void {
    if (p.sink === undefined) return;
    p.dirty = true;
    if (!p.running && this.ingesting === 0) void this.pump(p);
  }

  private async pump(p: PeerRuntime): Promise<void> {
    p.running = true;
    try {
      while (p.dirty && p.sink !== undefined && this.ingesting === 0) {
        p.dirty = false;
        await this.syncOnce(p, p.epoch);
      }
    } catch (err) {
      // A write to a session that went away rejects; anything else is a bug worth seeing.
      p.rib.log.warn({ err }, 'sending routes to the peer stopped');
    } finally {
      p.running = false;
      this.checkIdle();
    }
  }

  private async syncOnce(p: PeerRuntime, epoch: number): Promise<void> {
    const link = p.link!;
    const sink = p.sink!;
    const ctx: EncodeContext = { fourOctetAs: link.fourOctetAs, extendedMessage: link.extendedMessage, addPathSend: new Set() };
    let last = performance.now();
    const maybeYield = (): Promise<void> | undefined => {
      if (performance.now() - last < this.yieldAfterMs) return undefined;
      return yieldImmediate().then(() => {
        last = performance.now();
      });
    };
    const live = () => p.epoch === epoch && p.sink === sink;
    const write = async (msgs: readonly Uint8Array[]) => {
      if (msgs.length === 0) return;
      await sink.write(msgs);
      await maybeYield();
    };

    const refresh = new Set(p.refresh);
    p.refresh.clear();
    if (link.enhancedRouteRefresh) {
      // RFC 7313 §4: a re-advertisement is framed by BoRR … EoRR.
      await write([...refresh].map((f) => this.encoder.routeRefresh(f, 1)));
    }
    const full = p.fullSync || refresh.size > 0;
    const changed = p.changed;
    p.fullSync = false;
    p.changed = new Set();
    const plan = full
      ? await p.rib.diff(this.desired, this.classes, link, this.groups, refresh, maybeYield)
      : p.rib.diffKeys(changed, this.desired, this.classes, link, this.groups);
    if (!live()) return;
    const pending = new Map<FamilyName, number>([['ipv4-unicast', 0], ['ipv6-unicast', 0]]);
    for (const [gid, keys] of plan.announce) {
      const f = this.groups.groups[gid]!.family;
      pending.set(f, pending.get(f)! + keys.length);
    }
    for (const [f, n] of pending) this.metrics.prefixesPending(p.rib.id, f, n);

    for (const [family, keys] of plan.withdraw) {
      for (let i = 0; i < keys.length; i += this.sliceSize) {
        const slice = keys.slice(i, i + this.sliceSize);
        await write(this.encoder.withdraw(this.prefixesOf(slice), family, ctx));
        if (!live()) return;
        for (const k of slice) p.rib.sent.delete(k);
        this.metrics.prefixesWithdrawn(p.rib.id, family, slice.length);
      }
    }
    for (const [gid, keys] of plan.announce) {
      const group = this.groups.groups[gid]!;
      for (let i = 0; i < keys.length; i += this.sliceSize) {
        const slice = keys.slice(i, i + this.sliceSize);
        await write(this.encoder.announce(this.prefixesOf(slice), group, ctx));
        if (!live()) return;
        for (const k of slice) p.rib.sent.set(k, gid);
        pending.set(group.family, pending.get(group.family)! - slice.length);
        this.metrics.prefixesAdvertised(p.rib.id, group.family, slice.length);
        this.metrics.prefixesPending(p.rib.id, group.family, pending.get(group.family)!);
      }
    }
    if (link.enhancedRouteRefresh) await write([...refresh].map((f) => this.encoder.routeRefresh(f, 2)));
    if (!live()) return;
    if (p.eorPending.size > 0) {
      // RFC 4724 §2: End-of-RIB for each family after the initial update, even when it was empty.
      const eor = [...p.eorPending].map((f) => this.encoder.endOfRib(f));
      p.eorPending.clear();
      await write(eor);
    }
  }
}
