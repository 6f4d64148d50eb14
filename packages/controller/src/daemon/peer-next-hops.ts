// Next hops of one BGPPeer's session in Kubernetes mode for the family the session is NOT of: IPv6
// VIPs over an IPv4 session go in MP_REACH_NLRI with an IPv6 next hop (RFC 4760 §3, RFC 2545 §3), IPv4
// VIPs over an IPv6 session in the classic NLRI field with an IPv4 NEXT_HOP (RFC 4271 §5.1.3). The
// session's own family keeps the session's local address (packages/bgp export-policy.ts
// resolveNextHop). The other family's next hop is this node's own address of that family from its
// Node object (status.addresses: InternalIP first, then ExternalIP), unless the BGPPeer sets
// spec.nextHopIpv4 / spec.nextHopIpv6. Without one, the routes of that family are withheld from this
// peer (never sent with a wrong next hop): said once per peer and family in the log and, with the
// number of VIPs withheld, in the peer's status (BGPSessionState, /api/v1/peers).
// RFC 8950 (IPv4 NLRI with an IPv6 next hop) is not offered: Kubernetes mode does not advertise the
// Extended Next Hop capability, so an IPv4 route over an IPv6 session always needs an IPv4 next hop.

import type * as k8s from '@kubernetes/client-node';
import type { PeerExportConfig } from '@vipd/bgp/export-policy.ts';
import type { FamilyName, Logger } from '@vipd/bgp/observe.ts';
import { parseIp, type Family } from '../config/ip.ts';
import { checkNextHop } from '../config/next-hop-address.ts';
import type { BgpPeer, PeerSessionNextHop } from '../config/types.ts';

/** This node's usable next-hop addresses per family, from its Node object. */
export interface NodeNextHops {
  readonly nodeName: string;
  readonly ipv4: string | undefined;
  readonly ipv6: string | undefined;
  /** Addresses of the Node that cannot be next hops, e.g. "fe80::1 (link-local)" (for the status). */
  readonly refused: readonly string[];
}

const ADDRESS_TYPES = ['InternalIP', 'ExternalIP'] as const;

/** The first usable InternalIP of each family, else the first usable ExternalIP. */
export function nodeNextHopsOf(nodeName: string, node: k8s.V1Node | undefined): NodeNextHops {
  const found: { ipv4: string | undefined; ipv6: string | undefined } = { ipv4: undefined, ipv6: undefined };
  const refused: string[] = [];
  const addresses = node?.status?.addresses ?? [];
  for (const type of ADDRESS_TYPES) {
    for (const a of addresses) {
      if (a.type !== type || typeof a.address !== 'string') continue;
      const family = parseIp(a.address)?.family;
      if (family === undefined || found[family] !== undefined) continue;
      const c = checkNextHop(a.address, family);
      if (c.ok) found[family] = c.address;
      else refused.push(`${a.address} (${c.refusal})`);
    }
  }
  return { nodeName, ...found, refused };
}

/** One configured family of a peer: the next hop its VIPs are sent with, or why they are withheld. */
export interface PeerNextHop {
  readonly family: FamilyName;
  /** The next hop; null when there is none (or, for the session's family, before Established). */
  readonly address: string | null;
  /** session: the session's local address; node: this Node's address; bgppeer: spec.nextHopIpv4/6. */
  readonly source: 'session' | 'node' | 'bgppeer' | null;
  /** Why this family has no next hop (its VIPs are not announced to this peer), else null. */
  readonly problem: string | null;
  /** VIPs of this family this peer should get but does not, for want of a next hop. */
  readonly withheld: number;
}

const FAMILY: Record<Family, FamilyName> = { ipv4: 'ipv4-unicast', ipv6: 'ipv6-unicast' };
const IP_FAMILY: Record<FamilyName, Family> = { 'ipv4-unicast': 'ipv4', 'ipv6-unicast': 'ipv6' };
const FIELD = { ipv4: 'nextHopIpv4', ipv6: 'nextHopIpv6' } as const;
const LABEL = { ipv4: 'IPv4', ipv6: 'IPv6' } as const;

export interface NextHopOverrides {
  readonly nextHopIpv4?: string | undefined;
  readonly nextHopIpv6?: string | undefined;
}

export interface PeerNextHopsOptions {
  readonly peer: BgpPeer;
  /** The feed's logger (already carries peer and bgpPeer). */
  readonly log: Logger;
}

export class PeerNextHops {
  private readonly o: PeerNextHopsOptions;
  /** The family of the session's transport (the peer address). */
  readonly sessionFamily: Family;
  /** Until the first node-level pass: no Node addresses known yet. */
  private node: NodeNextHops = { nodeName: '', ipv4: undefined, ipv6: undefined, refused: [] };
  /** BGPPeer spec.nextHopIpv4 / spec.nextHopIpv6 (validated by the parser); updated without a restart. */
  private overrides: NextHopOverrides;
  private fields: Pick<PeerExportConfig, 'nextHopIpv4' | 'nextHopIpv6'> = {};
  /** Desired VIPs per family (kept by the feed through noteRoute / clearRoutes). */
  private readonly desired: Record<Family, number> = { ipv4: 0, ipv6: 0 };
  /** Families already warned about; cleared when the family has a next hop again. */
  private readonly warned = new Set<Family>();

  constructor(o: PeerNextHopsOptions) {
    this.o = o;
    this.sessionFamily = parseIp(o.peer.spec.address)?.family ?? 'ipv4';
    this.overrides = { nextHopIpv4: o.peer.spec.nextHopIpv4, nextHopIpv6: o.peer.spec.nextHopIpv6 };
    this.fields = this.compute();
  }

  /** The speaker's per-peer next hops (PeerExportConfig.nextHopIpv4 / nextHopIpv6). */
  exportFields(): Pick<PeerExportConfig, 'nextHopIpv4' | 'nextHopIpv6'> {
    return this.fields;
  }

  /**
   * The Node's addresses (and the BGPPeer's current overrides), on every node-level pass: true when the
   * export next hops changed.
   */
  setNode(node: NodeNextHops, overrides: NextHopOverrides = this.overrides): boolean {
    this.node = node;
    this.overrides = { nextHopIpv4: overrides.nextHopIpv4, nextHopIpv6: overrides.nextHopIpv6 };
    const next = this.compute();
    const changed = next.nextHopIpv4 !== this.fields.nextHopIpv4 || next.nextHopIpv6 !== this.fields.nextHopIpv6;
    if (changed) {
      this.o.log.info({ nextHopIpv4: next.nextHopIpv4 ?? null, nextHopIpv6: next.nextHopIpv6 ?? null }, 'next hops for the other address family changed; re-announcing');
    }
    this.fields = next;
    this.check();
    return changed;
  }

  /** The feed's desired set gained or lost a route (`prefix` is a canonical /32 or /128). */
  noteRoute(prefix: string, had: boolean, has: boolean): void {
    if (had === has) return;
    this.desired[prefix.includes(':') ? 'ipv6' : 'ipv4'] += has ? 1 : -1;
    if (has) this.check();
  }

  clearRoutes(): void {
    this.desired.ipv4 = 0;
    this.desired.ipv6 = 0;
  }

  /**
   * Per configured family: the next hop, its source, or why there is none. `notNegotiated`: configured
   * families the Established session did not negotiate — nothing of those is sent, whatever the next hop.
   */
  report(localAddress: string | undefined, notNegotiated: readonly FamilyName[] = []): PeerNextHop[] {
    return this.o.peer.spec.families.map((fam) => {
      const f = IP_FAMILY[fam];
      if (notNegotiated.includes(fam)) {
        const problem = `${fam} was not negotiated: the peer's OPEN did not offer it (RFC 4760 Multiprotocol Extensions), so its VIPs cannot be sent over this session`;
        return { family: fam, address: null, source: null, problem, withheld: this.desired[f] };
      }
      const override = this.override(f);
      if (override !== undefined) return { family: fam, address: override, source: 'bgppeer', problem: null, withheld: 0 };
      if (f === this.sessionFamily) {
        return { family: fam, address: localAddress ?? null, source: 'session', problem: null, withheld: 0 };
      }
      const nodeAddr = this.node[f];
      if (nodeAddr !== undefined) return { family: fam, address: nodeAddr, source: 'node', problem: null, withheld: 0 };
      return { family: fam, address: null, source: null, problem: this.problem(f), withheld: this.desired[f] };
    });
  }

  /** True when VIPs of `family` have no next hop toward this peer. */
  lacks(family: FamilyName): boolean {
    const f = IP_FAMILY[family];
    return f !== this.sessionFamily && this.fields[FIELD[f]] === undefined;
  }

  private override(f: Family): string | undefined {
    return this.overrides[FIELD[f]];
  }

  private compute(): Pick<PeerExportConfig, 'nextHopIpv4' | 'nextHopIpv6'> {
    const other: Family = this.sessionFamily === 'ipv4' ? 'ipv6' : 'ipv4';
    const v4 = this.override('ipv4') ?? (other === 'ipv4' ? this.node.ipv4 : undefined);
    const v6 = this.override('ipv6') ?? (other === 'ipv6' ? this.node.ipv6 : undefined);
    return { ...(v4 === undefined ? {} : { nextHopIpv4: v4 }), ...(v6 === undefined ? {} : { nextHopIpv6: v6 }) };
  }

  private problem(f: Family): string {
    const refused = this.node.refused.filter((r) => (parseIp(r.split(' ')[0]!)?.family ?? '') === f);
    return `no ${LABEL[f]} next hop over this ${LABEL[this.sessionFamily]} session: Node ${this.node.nodeName} has no usable ${LABEL[f]} ` +
      `address in status.addresses (InternalIP, ExternalIP)${refused.length > 0 ? ` (refused: ${refused.join(', ')})` : ''}` +
      ` and the BGPPeer sets no spec.${FIELD[f]}`;
  }

  /** Warns once per family while VIPs of it are withheld; a family that recovers may warn again later. */
  private check(): void {
    for (const f of ['ipv4', 'ipv6'] as const) {
      const lacking = this.o.peer.spec.families.includes(FAMILY[f]) && this.lacks(FAMILY[f]);
      if (!lacking) {
        this.warned.delete(f);
        continue;
      }
      if (this.desired[f] === 0 || this.warned.has(f)) continue;
      this.warned.add(f);
      this.o.log.warn({ family: FAMILY[f], withheld: this.desired[f], problem: this.problem(f) }, `${LABEL[f]} VIPs are NOT announced to this peer: no ${LABEL[f]} next hop`);
    }
  }
}

/** BGPSessionState's form of report(): absent values left out, family as in BGPPeer.spec.families. */
export function sessionStateNextHops(list: readonly PeerNextHop[]): PeerSessionNextHop[] {
  return list.map((n) => ({
    family: n.family,
    ...(n.address === null ? {} : { address: n.address }),
    ...(n.source === null ? {} : { source: n.source }),
    ...(n.problem === null ? {} : { problem: n.problem.slice(0, 1024) }),
    ...(n.withheld === 0 ? {} : { withheld: n.withheld }),
  }));
}
