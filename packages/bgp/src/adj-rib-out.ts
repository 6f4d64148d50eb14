// Adj-RIB-Out of one peer (RFC 4271 §3.2, §9.2): what this peer was sent, and the diff between that
// and the desired set as a plan of withdraws and per-attribute-group announcements. Pure data work,
// chunked by the caller; no I/O here.

import type { FamilyName, Logger } from './observe.ts';
import { exportRoute, type ExportGroup, type PeerExportConfig, type PeerLinkInfo, type RouteAttributes } from './export-policy.ts';

/**
 * One desired route, shared by all peers, packed in a small integer so the desired set is a
 * Map<string, number> (memory: ~70 bytes per VIP): class id × 2 + family (0 IPv4, 1 IPv6). The class
 * indexes the speaker's interned attribute sets.
 */
export type DesiredCode = number;

export function desiredCode(cls: number, family: FamilyName): DesiredCode {
  return cls * 2 + (family === 'ipv4-unicast' ? 0 : 1);
}

export function familyOfCode(code: DesiredCode): FamilyName {
  return (code & 1) === 0 ? 'ipv4-unicast' : 'ipv6-unicast';
}

/** Interns export groups across peers so equal final attributes share one object and id. */
export class GroupTable {
  private readonly byKey = new Map<string, number>();
  readonly groups: ExportGroup[] = [];

  intern(g: ExportGroup): number {
    let id = this.byKey.get(g.key);
    if (id === undefined) {
      id = this.groups.length;
      this.groups.push(g);
      this.byKey.set(g.key, id);
    }
    return id;
  }
}

/** Refused exports are cached as negative ids. */
const REFUSED = { 'family-not-exported': -1, 'family-not-negotiated': -2, 'no-next-hop': -3 } as const;

export interface Plan {
  /** Keys to withdraw, per family. */
  readonly withdraw: Map<FamilyName, string[]>;
  /** Keys to announce, per export group id. */
  readonly announce: Map<number, string[]>;
  readonly announceCount: number;
  readonly withdrawCount: number;
}

export class AdjRibOut {
  readonly id: string;
  cfg: PeerExportConfig;
  readonly log: Logger;
  /** prefix key → export group id last sent to this peer (for the current session). */
  readonly sent = new Map<string, number>();
  /** class id → export group id (or a negative refusal) for the current session. */
  private readonly classGroup = new Map<number, number>();
  /** Family/reason pairs already warned about for this peer, so the log says it once. */
  private readonly warned = new Set<string>();

  constructor(id: string, cfg: PeerExportConfig, log: Logger) {
    this.id = id;
    this.cfg = cfg;
    this.log = log;
  }

  /** Forget per-session state (on session down or up, or config change). */
  reset(): void {
    this.sent.clear();
    this.classGroup.clear();
  }

  resetPolicyCache(): void {
    this.classGroup.clear();
  }

  groupFor(code: DesiredCode, classes: readonly RouteAttributes[], link: PeerLinkInfo, table: GroupTable): number {
    const cached = this.classGroup.get(code);
    if (cached !== undefined) return cached;
    const family = familyOfCode(code);
    const r = exportRoute(family, classes[code >>> 1]!, this.cfg, link);
    let id: number;
    if ('reason' in r) {
      id = REFUSED[r.reason];
      if (r.reason !== 'family-not-exported') this.warnOnce(family, r.reason, link);
    } else {
      id = table.intern(r);
    }
    this.classGroup.set(code, id);
    return id;
  }

  private warnOnce(family: FamilyName, reason: string, link: PeerLinkInfo): void {
    const k = `${family}|${reason}`;
    if (this.warned.has(k)) return;
    this.warned.add(k);
    // The most common support problem with BGP speakers: a VIP family the session cannot carry.
    this.log.warn(
      { peer: this.id, family, reason, negotiated: [...link.families], localAddress: link.localAddress },
      reason === 'family-not-negotiated'
        ? `VIPs of ${family} are NOT announced to ${this.id}: the family was not negotiated on this session`
        : `VIPs of ${family} are NOT announced to ${this.id}: no usable next hop (configure one for this family)`,
    );
  }

  /**
   * Diffs `desired` against `sent`. `full` families are re-announced regardless of `sent` (route
   * refresh, RFC 2918 §4). Runs `yieldEvery` entries at a time through `onProgress` so the caller can
   * yield to the event loop.
   */
  async diff(
    desired: ReadonlyMap<string, DesiredCode>,
    classes: readonly RouteAttributes[],
    link: PeerLinkInfo,
    table: GroupTable,
    full: ReadonlySet<FamilyName>,
    maybeYield: () => Promise<void> | undefined,
  ): Promise<Plan> {
    const announce = new Map<number, string[]>();
    const withdraw = new Map<FamilyName, string[]>();
    let announceCount = 0;
    let withdrawCount = 0;
    let n = 0;
    for (const [key, code] of desired) {
      if ((++n & 1023) === 0) await maybeYield();
      const gid = this.groupFor(code, classes, link, table);
      if (gid < 0) continue;
      if (!full.has(familyOfCode(code)) && this.sent.get(key) === gid) continue;
      let list = announce.get(gid);
      if (list === undefined) announce.set(gid, (list = []));
      list.push(key);
      announceCount++;
    }
    for (const key of this.sent.keys()) {
      if ((++n & 1023) === 0) await maybeYield();
      const code = desired.get(key);
      if (code !== undefined && this.groupFor(code, classes, link, table) >= 0) continue;
      const family: FamilyName = key.includes(':') ? 'ipv6-unicast' : 'ipv4-unicast';
      let list = withdraw.get(family);
      if (list === undefined) withdraw.set(family, (list = []));
      list.push(key);
      withdrawCount++;
    }
    return { announce, withdraw, announceCount, withdrawCount };
  }

  /**
   * Incremental diff (Speaker.updateDesired): only `keys`, the prefixes whose desired state changed
   * since the last pass, are compared with what the peer was sent. O(keys), not O(table).
   */
  diffKeys(
    keys: Iterable<string>,
    desired: ReadonlyMap<string, DesiredCode>,
    classes: readonly RouteAttributes[],
    link: PeerLinkInfo,
    table: GroupTable,
  ): Plan {
    const announce = new Map<number, string[]>();
    const withdraw = new Map<FamilyName, string[]>();
    let announceCount = 0;
    let withdrawCount = 0;
    for (const key of keys) {
      const code = desired.get(key);
      const gid = code === undefined ? -1 : this.groupFor(code, classes, link, table);
      const sent = this.sent.get(key);
      if (gid >= 0) {
        if (sent === gid) continue;
        let list = announce.get(gid);
        if (list === undefined) announce.set(gid, (list = []));
        list.push(key);
        announceCount++;
      } else if (sent !== undefined) {
        const family: FamilyName = key.includes(':') ? 'ipv6-unicast' : 'ipv4-unicast';
        let list = withdraw.get(family);
        if (list === undefined) withdraw.set(family, (list = []));
        list.push(key);
        withdrawCount++;
      }
    }
    return { announce, withdraw, announceCount, withdrawCount };
  }
}
