// Routes received from one peer: counted per family (IPv4/IPv6 unicast), with an optional bounded
// Adj-RIB-In for the status view, and the max-prefix check (RFC 4486 §4: Cease 6/1, data AFI(2) /
// SAFI(1) / limit(4)). Nothing received is installed anywhere (RFC 8212 posture: accept nothing).
// RFC 7606 §2: an UPDATE with a treat-as-withdraw outcome withdraws every prefix it announces.

import { Afi, CeaseSubcode, NotificationCode, Safi } from './wire/constants.ts';
import type { PathAttributes, Prefix, UpdateMessage } from './wire/types.ts';
import type { FamilyName } from './observe.ts';
import type { Notification } from './fsm/types.ts';

export interface ReceivedOptions {
  /** Per family limit; exceeding it ends the session with Cease 6/1. */
  readonly maxPrefixes?: Partial<Record<FamilyName, number>>;
  /** Keep up to this many routes (with attributes) for the status view; 0 (default) keeps none. */
  readonly adjRibInLimit?: number;
}

export interface ReceivedRoute {
  readonly family: FamilyName;
  readonly prefix: Prefix;
  readonly attributes: PathAttributes;
}

function familyOf(afi: number, safi: number): FamilyName | undefined {
  if (safi !== Safi.UNICAST) return undefined;
  if (afi === Afi.IPV4) return 'ipv4-unicast';
  if (afi === Afi.IPV6) return 'ipv6-unicast';
  return undefined;
}

/** A compact string key: family byte, length, path id, address bytes. */
function keyOf(p: Prefix): string {
  let k = String.fromCharCode(p.afi, p.length, (p.pathId ?? 0) >>> 16, (p.pathId ?? 0) & 0xffff);
  const n = (p.length + 7) >>> 3;
  for (let i = 0; i < n; i++) k += String.fromCharCode(p.addr[i]!);
  return k;
}

export class ReceivedRoutes {
  private readonly keys: Record<FamilyName, Set<string>> = { 'ipv4-unicast': new Set(), 'ipv6-unicast': new Set() };
  private readonly rib = new Map<string, ReceivedRoute>();
  private readonly options: ReceivedOptions;
  /** UPDATEs whose NLRI were treated as withdrawn (RFC 7606). */
  treatAsWithdrawCount = 0;

  constructor(options: ReceivedOptions = {}) {
    this.options = options;
  }

  count(family: FamilyName): number {
    return this.keys[family].size;
  }

  /** The retained routes (at most adjRibInLimit). */
  routes(): ReceivedRoute[] {
    return [...this.rib.values()];
  }

  clear(): void {
    this.keys['ipv4-unicast'].clear();
    this.keys['ipv6-unicast'].clear();
    this.rib.clear();
  }

  private withdraw(family: FamilyName | undefined, prefixes: readonly Prefix[]): void {
    if (family === undefined) return;
    const set = this.keys[family];
    for (const p of prefixes) {
      const k = keyOf(p);
      set.delete(k);
      this.rib.delete(k);
    }
  }

  private announce(family: FamilyName | undefined, prefixes: readonly Prefix[], attributes: PathAttributes): void {
    if (family === undefined) return;
    const set = this.keys[family];
    const limit = this.options.adjRibInLimit ?? 0;
    for (const p of prefixes) {
      const k = keyOf(p);
      set.add(k);
      if (this.rib.has(k) || this.rib.size < limit) this.rib.set(k, { family, prefix: p, attributes });
    }
  }

  /**
   * Applies one UPDATE. Returns the Cease 6/1 NOTIFICATION when a family went over its limit
   * (the caller stops the session), else undefined.
   */
  apply(u: UpdateMessage): Notification | undefined {
    const a = u.attributes;
    this.withdraw('ipv4-unicast', u.withdrawn);
    if (a.mpUnreach !== undefined) this.withdraw(familyOf(a.mpUnreach.afi, a.mpUnreach.safi), a.mpUnreach.withdrawn);
    const treatAsWithdraw = u.outcomes.some((o) => o.action === 'treat-as-withdraw');
    if (treatAsWithdraw) {
      // RFC 7606 §2: every NLRI of this UPDATE (classic and MP_REACH) is treated as withdrawn.
      this.treatAsWithdrawCount++;
      this.withdraw('ipv4-unicast', u.nlri);
      if (a.mpReach !== undefined) this.withdraw(familyOf(a.mpReach.afi, a.mpReach.safi), a.mpReach.nlri);
      return undefined;
    }
    this.announce('ipv4-unicast', u.nlri, a);
    if (a.mpReach !== undefined) this.announce(familyOf(a.mpReach.afi, a.mpReach.safi), a.mpReach.nlri, a);
    return this.checkLimits();
  }

  private checkLimits(): Notification | undefined {
    const limits = this.options.maxPrefixes;
    if (limits === undefined) return undefined;
    for (const family of ['ipv4-unicast', 'ipv6-unicast'] as const) {
      const limit = limits[family];
      if (limit === undefined || this.keys[family].size <= limit) continue;
      // RFC 4486 §4: data = AFI (2 octets), SAFI (1 octet), prefix upper bound (4 octets).
      const data = new Uint8Array(7);
      const dv = new DataView(data.buffer);
      dv.setUint16(0, family === 'ipv4-unicast' ? Afi.IPV4 : Afi.IPV6);
      data[2] = Safi.UNICAST;
      dv.setUint32(3, limit);
      return { code: NotificationCode.CEASE, subcode: CeaseSubcode.MAX_PREFIXES, data };
    }
    return undefined;
  }
}
