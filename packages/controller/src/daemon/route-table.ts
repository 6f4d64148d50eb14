// This node's decisions, kept incrementally: the latest ServiceDecision of every Service, which
// Services use each VIP (shared VIPs, decide.ts mergeVipDecisions) and the merged per-VIP decision.
// Updating one Service touches only its own VIPs, so an EndpointSlice change costs O(that Service
// plus the Services sharing its VIPs), never O(all Services). Route attributes are interned so equal
// attribute sets share one object (the speaker keys its attribute classes by identity first).

import type { RouteAttributes } from '@vipd/bgp/export-policy.ts';
import { mergeVipDecisions, type PeerRoute, type ServiceDecision, type VipDecision } from '../decide.ts';
import type { Reason } from '../reasons.ts';

export class RouteTable {
  readonly decisions = new Map<string, ServiceDecision>();
  readonly decidedAtMs = new Map<string, number>();
  private readonly vipUsers = new Map<string, Set<string>>();
  readonly vips = new Map<string, VipDecision>();
  private readonly interned = new Map<string, RouteAttributes>();

  /** Records a Service's decision (undefined: the Service is gone); returns the VIPs whose merged decision changed. */
  setService(key: string, d: ServiceDecision | undefined, nowMs = Date.now()): string[] {
    const prev = this.decisions.get(key);
    const touched = new Set<string>();
    for (const v of prev?.vips ?? []) touched.add(v.address);
    for (const v of d?.vips ?? []) touched.add(v.address);
    if (prev !== undefined) for (const v of prev.vips) this.vipUsers.get(v.address)?.delete(key);
    if (d === undefined) {
      this.decisions.delete(key);
      this.decidedAtMs.delete(key);
    } else {
      this.decisions.set(key, d);
      this.decidedAtMs.set(key, nowMs);
      for (const v of d.vips) {
        let s = this.vipUsers.get(v.address);
        if (s === undefined) this.vipUsers.set(v.address, (s = new Set()));
        s.add(key);
      }
    }
    const changed: string[] = [];
    for (const address of touched) {
      const users = this.vipUsers.get(address);
      const before = this.vips.get(address);
      if (users === undefined || users.size === 0) {
        this.vipUsers.delete(address);
        this.vips.delete(address);
        if (before !== undefined) changed.push(address);
        continue;
      }
      // The users' decisions carry all their VIPs (a dual-stack Service has one per family): take this one.
      const merged = mergeVipDecisions([...users].map((k) => this.decisions.get(k)!)).find((v) => v.address === address)!;
      this.vips.set(address, merged);
      changed.push(address);
    }
    return changed;
  }

  clear(): void {
    this.decisions.clear();
    this.decidedAtMs.clear();
    this.vipUsers.clear();
    this.vips.clear();
  }

  /** The attributes for one peer's route, interned. */
  attributesFor(r: PeerRoute, gracefulShutdown: boolean): RouteAttributes {
    const key = JSON.stringify([r.communities, r.largeCommunities, r.localPref ?? null, r.med ?? null, r.asPathPrepend, gracefulShutdown]);
    let a = this.interned.get(key);
    if (a === undefined) {
      a = {
        ...(r.communities.length > 0 ? { communities: r.communities } : {}),
        ...(r.largeCommunities.length > 0 ? { largeCommunities: r.largeCommunities } : {}),
        ...(r.localPref === undefined ? {} : { localPref: r.localPref }),
        ...(r.med === undefined ? {} : { med: r.med }),
        ...(r.asPathPrepend > 0 ? { asPathPrepend: r.asPathPrepend } : {}),
        ...(gracefulShutdown ? { gracefulShutdown: true } : {}),
      };
      if (this.interned.size > 10_000) this.interned.clear();
      this.interned.set(key, a);
    }
    return a;
  }

  /** Per-peer-name attributes of one VIP (empty when it is not announced). */
  routesOf(address: string, forceGracefulShutdown: boolean): Map<string, RouteAttributes> {
    const out = new Map<string, RouteAttributes>();
    const v = this.vips.get(address);
    if (v === undefined || !v.announce) return out;
    for (const r of v.routes) out.set(r.peer, this.attributesFor(r, v.gracefulShutdown || forceGracefulShutdown));
    return out;
  }

  /** Services per decision reason, for vipd_announcement_decisions. */
  reasonCounts(foreign: ReadonlySet<Reason>): Partial<Record<Reason, number>> {
    const out: Partial<Record<Reason, number>> = {};
    for (const d of this.decisions.values()) {
      if (foreign.has(d.reason)) continue;
      out[d.reason] = (out[d.reason] ?? 0) + 1;
    }
    return out;
  }
}
