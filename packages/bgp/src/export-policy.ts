// Per-peer export policy: turns a VIP route's attributes plus the peer's configuration and what the
// session negotiated into the path attributes sent to that peer (RFC 4271 §5.1, RFC 4760 §3,
// RFC 6793 §4.2.2, RFC 8950 §4, RFC 8326 §4). Pure functions; the speaker caches their results.

import { AsPathSegmentType, Origin, WellKnownCommunity } from './wire/constants.ts';
import type { AsPathSegment, OriginCode, PathAttributes } from './wire/types.ts';
import type { FamilyName } from './observe.ts';
import { formatIp, ipFamily, parseIpBytes } from './ip.ts';

/** What the caller wants announced for one VIP. Everything optional; absent means the peer's default. */
export interface RouteAttributes {
  /** Next hop override (IPv4 or IPv6 text). Default: the peer's configured next hop, else the session's local address. */
  readonly nextHop?: string;
  /** RFC 1997 communities as 32-bit values. */
  readonly communities?: readonly number[];
  /** RFC 8092 large communities. */
  readonly largeCommunities?: readonly (readonly [number, number, number])[];
  /** RFC 4360 extended communities, 8 bytes each. */
  readonly extendedCommunities?: readonly Uint8Array[];
  readonly med?: number;
  /** iBGP only (RFC 4271 §5.1.5: LOCAL_PREF is not sent to external peers). */
  readonly localPref?: number;
  /** Extra copies of our AS prepended on eBGP sessions. */
  readonly asPathPrepend?: number;
  readonly origin?: OriginCode;
  /** RFC 8326 planned drain: add GRACEFUL_SHUTDOWN (65535:0); on iBGP also LOCAL_PREF 0. */
  readonly gracefulShutdown?: boolean;
}

/** A peer's export configuration (static: from the config file or the controller). */
export interface PeerExportConfig {
  readonly localAs: number;
  readonly peerAs: number;
  /** Families we export to this peer; default both. */
  readonly families?: readonly FamilyName[];
  /** Next hop for IPv4 routes instead of the session's local address. */
  readonly nextHopIpv4?: string;
  /** Next hop for IPv6 routes; required for IPv6 routes over an IPv4 session. */
  readonly nextHopIpv6?: string;
  readonly asPathPrepend?: number;
  readonly med?: number;
  readonly localPref?: number;
  readonly communities?: readonly number[];
  readonly largeCommunities?: readonly (readonly [number, number, number])[];
}

/** What the session negotiated, as the speaker needs it. */
export interface PeerLinkInfo {
  /** Families negotiated by both sides (RFC 4760 §8; no MP capability = implicit IPv4 unicast). */
  readonly families: ReadonlySet<FamilyName>;
  readonly fourOctetAs: boolean;
  readonly extendedMessage: boolean;
  readonly routeRefresh: boolean;
  readonly enhancedRouteRefresh: boolean;
  /** RFC 8950: the peer accepts IPv4 unicast NLRI with an IPv6 next hop. */
  readonly extendedNextHopIpv4: boolean;
  /** Our end of the TCP connection. */
  readonly localAddress: string;
}

/** The final, per-peer form of a route class: attributes without NLRI, plus how to carry the NLRI. */
export interface ExportGroup {
  readonly family: FamilyName;
  /** True: NLRI in MP_REACH_NLRI (IPv6, or IPv4 with an IPv6 next hop); false: classic NLRI field. */
  readonly mp: boolean;
  /** Next hop bytes: 4 (IPv4) or 16 (IPv6). */
  readonly nextHop: Uint8Array;
  /** Attributes to send, with `nextHop` set for classic IPv4 and without mpReach (the encoder adds it). */
  readonly attrs: PathAttributes;
  /** Canonical text of everything above; equal keys mean identical UPDATE attributes. */
  readonly key: string;
}

export type ExportRefusal =
  | { readonly reason: 'family-not-exported' }
  | { readonly reason: 'family-not-negotiated' }
  | { readonly reason: 'no-next-hop' };

export function isIbgp(cfg: PeerExportConfig): boolean {
  return cfg.localAs === cfg.peerAs;
}

function resolveNextHop(
  family: FamilyName,
  route: RouteAttributes,
  cfg: PeerExportConfig,
  link: PeerLinkInfo,
): { mp: boolean; nextHop: Uint8Array } | undefined {
  const local = link.localAddress.startsWith('::ffff:') && ipFamily(link.localAddress.slice(7)) === 4
    ? link.localAddress.slice(7)
    : link.localAddress;
  const localFam = ipFamily(local);
  if (family === 'ipv6-unicast') {
    const cand = [route.nextHop, cfg.nextHopIpv6, localFam === 6 ? local : undefined].find(
      (a) => a !== undefined && ipFamily(a) === 6,
    );
    // IPv6 NLRI needs an IPv6 next hop (RFC 2545 §3); over an IPv4 session it must be configured.
    return cand === undefined ? undefined : { mp: true, nextHop: parseIpBytes(cand) };
  }
  const v4 = [route.nextHop, cfg.nextHopIpv4, localFam === 4 ? local : undefined].find(
    (a) => a !== undefined && ipFamily(a) === 4,
  );
  if (v4 !== undefined) return { mp: false, nextHop: parseIpBytes(v4) };
  // RFC 8950 §4: IPv4 NLRI with an IPv6 next hop only when the peer advertised it for IPv4 unicast.
  if (!link.extendedNextHopIpv4) return undefined;
  const v6 = [route.nextHop, cfg.nextHopIpv6, localFam === 6 ? local : undefined].find(
    (a) => a !== undefined && ipFamily(a) === 6,
  );
  return v6 === undefined ? undefined : { mp: true, nextHop: parseIpBytes(v6) };
}

/**
 * The AS_PATH model: one AS_SEQUENCE with the real (4-octet) ASNs. Toward a peer without 4-octet AS
 * support the codec writes it as 2-octet with AS_TRANS and derives AS4_PATH (RFC 6793 §4.2.2), driven
 * by the session's EncodeContext, so the model never carries AS4_PATH itself.
 */
export function asPathFor(path: readonly number[]): AsPathSegment[] {
  return path.length === 0 ? [] : [{ type: AsPathSegmentType.AS_SEQUENCE, asns: path }];
}

function uniqSorted(values: readonly number[]): number[] {
  return [...new Set(values)].sort((a, b) => a - b);
}

/** Computes what `route` looks like when sent to this peer, or why it is not sent. */
export function exportRoute(
  family: FamilyName,
  route: RouteAttributes,
  cfg: PeerExportConfig,
  link: PeerLinkInfo,
): ExportGroup | ExportRefusal {
  if (cfg.families !== undefined && !cfg.families.includes(family)) return { reason: 'family-not-exported' };
  if (!link.families.has(family)) return { reason: 'family-not-negotiated' };
  const nh = resolveNextHop(family, route, cfg, link);
  if (nh === undefined) return { reason: 'no-next-hop' };

  const ibgp = isIbgp(cfg);
  const prepend = route.asPathPrepend ?? cfg.asPathPrepend ?? 0;
  // RFC 4271 §5.1.2: to an external peer, prepend our own AS; to an internal peer, the path is empty.
  const path = ibgp ? [] : new Array<number>(1 + prepend).fill(cfg.localAs);
  const asPath = asPathFor(path);
  const communities = uniqSorted([
    ...(cfg.communities ?? []),
    ...(route.communities ?? []),
    ...(route.gracefulShutdown === true ? [WellKnownCommunity.GRACEFUL_SHUTDOWN] : []),
  ]);
  const large = [...(cfg.largeCommunities ?? []), ...(route.largeCommunities ?? [])]
    .map((l) => [l[0], l[1], l[2]] as const)
    .sort((a, b) => a[0] - b[0] || a[1] - b[1] || a[2] - b[2])
    .filter((l, i, arr) => i === 0 || arr[i - 1]!.join(':') !== l.join(':'));
  const ext = [...(route.extendedCommunities ?? [])];
  const med = route.med ?? cfg.med;
  // RFC 8326 §4.2: on iBGP a GRACEFUL_SHUTDOWN route also gets a low LOCAL_PREF.
  const localPref = ibgp ? (route.gracefulShutdown === true ? 0 : (route.localPref ?? cfg.localPref ?? 100)) : undefined;

  const attrs: PathAttributes = {
    origin: route.origin ?? Origin.IGP,
    asPath,
    ...(nh.mp ? {} : { nextHop: formatIp(nh.nextHop) }),
    ...(med === undefined ? {} : { med }),
    ...(localPref === undefined ? {} : { localPref }),
    ...(communities.length === 0 ? {} : { communities }),
    ...(ext.length === 0 ? {} : { extendedCommunities: ext }),
    ...(large.length === 0 ? {} : { largeCommunities: large }),
  };
  const key = [
    family,
    nh.mp ? 'mp' : 'nlri',
    formatIp(nh.nextHop),
    attrs.origin,
    path.join(' '),
    link.fourOctetAs ? '4' : '2',
    med ?? '',
    localPref ?? '',
    communities.join(','),
    large.map((l) => l.join(':')).join(','),
    ext.map((e) => Buffer.from(e).toString('hex')).join(','),
  ].join('|');
  return { family, mp: nh.mp, nextHop: nh.nextHop, attrs, key };
}

/** A canonical key for the caller's attributes, so equal attribute sets share one cache entry. */
export function routeAttributesKey(r: RouteAttributes): string {
  return JSON.stringify([
    r.nextHop ?? null,
    r.communities ?? null,
    r.largeCommunities ?? null,
    r.extendedCommunities?.map((e) => Buffer.from(e).toString('hex')) ?? null,
    r.med ?? null,
    r.localPref ?? null,
    r.asPathPrepend ?? null,
    r.origin ?? null,
    r.gracefulShutdown === true,
  ]);
}
