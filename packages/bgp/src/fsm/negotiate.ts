// Our OPEN and capability negotiation (RFC 5492): from our configuration and the peer's OPEN to a
// `Negotiated` object — families (RFC 4760; no MP capability at all = implicit IPv4 unicast, §1 of
// RFC 4760 / RFC 5492 practice), 4-octet AS (RFC 6793), route refresh (RFC 2918) and enhanced refresh
// (RFC 7313), extended next hop (RFC 8950), extended message (RFC 8654), add-path (RFC 7911), the peer's
// graceful restart (RFC 4724, N bit RFC 8538), hostname, role (RFC 9234), hold/keepalive (RFC 4271 §4.2).
// Also the codec contexts the session passes to decodeMessage / encodeMessage.

import { BGP_VERSION } from '../wire/constants.ts';
import { myAsFor, peerAsn } from '../wire/open.ts';
import type { AfiSafi, Capability, DecodeContext, EncodeContext, OpenMessage } from '../wire/types.ts';
import type { FsmConfig } from './types.ts';

export const familyKey = (afi: number, safi: number): string => `${afi}/${safi}`;

export interface PeerGracefulRestart {
  readonly restartState: boolean;
  readonly notification: boolean;
  readonly restartTimeSec: number;
  readonly families: readonly { readonly afi: number; readonly safi: number; readonly forwardingPreserved: boolean }[];
}

export interface Negotiated {
  readonly peerAs: number;
  readonly peerBgpId: string;
  readonly isIbgp: boolean;
  /** min(ours, theirs); 0 = no keepalives and no hold timer. */
  readonly holdTimeSec: number;
  readonly keepaliveSec: number;
  /** Families both sides can carry, as AfiSafi (IPv4 unicast implicit when a side sent no MP capability). */
  readonly families: readonly AfiSafi[];
  readonly fourOctetAs: boolean;
  /** Both advertised route refresh: we may send ROUTE-REFRESH and must answer it. */
  readonly routeRefresh: boolean;
  readonly enhancedRouteRefresh: boolean;
  readonly extendedMessage: boolean;
  /** RFC 8950 entries both sides advertised. */
  readonly extendedNextHop: readonly { readonly afi: number; readonly safi: number; readonly nextHopAfi: number }[];
  /** "afi/safi" keys for which we send / receive path identifiers. */
  readonly addPathSend: ReadonlySet<string>;
  readonly addPathReceive: ReadonlySet<string>;
  /** We advertised graceful restart. */
  readonly localGracefulRestart: boolean;
  /** The peer's graceful restart capability, if any. */
  readonly peerGracefulRestart?: PeerGracefulRestart;
  /** RFC 8538: both sent the N bit, so a deliberate stop is a Hard Reset (Cease 6/9). */
  readonly hardReset: boolean;
  readonly peerHostname?: { readonly hostname: string; readonly domain: string };
  readonly peerRole?: number;
  /** Our OPEN was the minimal one (no capabilities). */
  readonly minimalOpen: boolean;
  readonly peerCapabilities: readonly Capability[];
  readonly decode: DecodeContext;
  readonly encode: EncodeContext;
}

/** The capabilities we advertise; only what we implement (field guide: "advertise only what you implement"). */
export function localCapabilities(cfg: FsmConfig): Capability[] {
  const caps: Capability[] = [];
  for (const f of cfg.families) caps.push({ kind: 'multiprotocol', afi: f.afi, safi: f.safi });
  if (cfg.routeRefresh) caps.push({ kind: 'route-refresh' });
  if (cfg.enhancedRouteRefresh) caps.push({ kind: 'enhanced-route-refresh' });
  if (cfg.extendedNextHop.length > 0) caps.push({ kind: 'extended-next-hop', entries: cfg.extendedNextHop });
  if (cfg.extendedMessage) caps.push({ kind: 'extended-message' });
  if (cfg.role !== undefined) caps.push({ kind: 'role', role: cfg.role });
  if (cfg.gracefulRestart !== undefined) {
    const gr = cfg.gracefulRestart;
    caps.push({
      kind: 'graceful-restart',
      restartState: gr.restarting,
      notification: gr.notification,
      restartTimeSec: gr.restartTimeSec,
      families: cfg.families.map((f) => ({ afi: f.afi, safi: f.safi, forwardingPreserved: gr.forwardingPreserved })),
    });
  }
  if (cfg.fourOctetAs) caps.push({ kind: 'four-octet-as', asn: cfg.localAs });
  if (cfg.addPath.length > 0) caps.push({ kind: 'add-path', entries: cfg.addPath });
  if (cfg.hostname !== undefined) caps.push({ kind: 'fqdn', hostname: cfg.hostname.hostname, domain: cfg.hostname.domain });
  return caps;
}

/** Our OPEN (RFC 4271 §4.2; My AS = AS_TRANS for a 4-byte AS, RFC 6793 §4.1). `minimal`: no capabilities. */
export function buildLocalOpen(cfg: FsmConfig, minimal: boolean): OpenMessage {
  return {
    type: 'open',
    version: BGP_VERSION,
    myAs: myAsFor(cfg.localAs),
    holdTimeSec: cfg.holdTimeSec,
    bgpId: cfg.localBgpId,
    capabilities: minimal ? [] : localCapabilities(cfg),
    otherParams: [],
  };
}

function mpFamilies(caps: readonly Capability[]): AfiSafi[] {
  const out: AfiSafi[] = [];
  let sawMp = false;
  for (const c of caps) {
    if (c.kind !== 'multiprotocol') continue;
    sawMp = true;
    if (!out.some((f) => f.afi === c.afi && f.safi === c.safi)) out.push({ afi: c.afi, safi: c.safi });
  }
  // No MP capability at all: the speaker carries IPv4 unicast only (RFC 4760 §1 / RFC 2858 practice).
  return sawMp ? out : [{ afi: 1, safi: 1 }];
}

/** Hold time and keepalive (RFC 4271 §4.2 / §10: keepalive one third of the hold time). */
export function negotiateHold(cfg: FsmConfig, peerHoldSec: number): { holdTimeSec: number; keepaliveSec: number } {
  const holdTimeSec = Math.min(cfg.holdTimeSec, peerHoldSec);
  if (holdTimeSec === 0) return { holdTimeSec, keepaliveSec: 0 };
  let keepaliveSec = Math.max(1, Math.floor(holdTimeSec / 3));
  if (cfg.keepaliveSec !== undefined && cfg.keepaliveSec > 0) keepaliveSec = Math.min(keepaliveSec, cfg.keepaliveSec);
  return { holdTimeSec, keepaliveSec };
}

/** Negotiates with an already validated peer OPEN (see open-check.ts). */
export function negotiate(cfg: FsmConfig, peer: OpenMessage, minimalOpen: boolean): Negotiated {
  const local = buildLocalOpen(cfg, minimalOpen);
  const ours = local.capabilities;
  const theirs = peer.capabilities;
  const has = (caps: readonly Capability[], kind: Capability['kind']): boolean => caps.some((c) => c.kind === kind);
  const peerFamilies = mpFamilies(theirs);
  const families = mpFamilies(ours).filter((f) => peerFamilies.some((p) => p.afi === f.afi && p.safi === f.safi));
  const fourOctetAs = has(ours, 'four-octet-as') && has(theirs, 'four-octet-as');
  const extendedMessage = has(ours, 'extended-message') && has(theirs, 'extended-message');

  const enhOf = (caps: readonly Capability[]) => caps.flatMap((c) => (c.kind === 'extended-next-hop' ? c.entries : []));
  const addPathOf = (caps: readonly Capability[]) => caps.flatMap((c) => (c.kind === 'add-path' ? c.entries : []));
  const peerEnh = enhOf(theirs);
  const extendedNextHop = enhOf(ours).filter((e) =>
    peerEnh.some((p) => p.afi === e.afi && p.safi === e.safi && p.nextHopAfi === e.nextHopAfi),
  );

  // RFC 7911 §4: we send path ids when we offered "send" and the peer offered "receive", and vice versa.
  const peerAddPath = addPathOf(theirs);
  const addPathSend = new Set<string>();
  const addPathReceive = new Set<string>();
  for (const e of addPathOf(ours)) {
    const p = peerAddPath.find((x) => x.afi === e.afi && x.safi === e.safi);
    if (p === undefined) continue;
    if ((e.sendReceive & 2) !== 0 && (p.sendReceive & 1) !== 0) addPathSend.add(familyKey(e.afi, e.safi));
    if ((e.sendReceive & 1) !== 0 && (p.sendReceive & 2) !== 0) addPathReceive.add(familyKey(e.afi, e.safi));
  }

  let peerGracefulRestart: PeerGracefulRestart | undefined;
  let peerHostname: { hostname: string; domain: string } | undefined;
  let peerRole: number | undefined;
  for (const c of theirs) {
    if (c.kind === 'graceful-restart' && peerGracefulRestart === undefined) {
      peerGracefulRestart = {
        restartState: c.restartState,
        notification: c.notification,
        restartTimeSec: c.restartTimeSec,
        families: c.families,
      };
    } else if (c.kind === 'fqdn' && peerHostname === undefined) {
      peerHostname = { hostname: c.hostname, domain: c.domain };
    } else if (c.kind === 'role' && peerRole === undefined) {
      peerRole = c.role;
    }
  }
  const localGr = ours.find((c) => c.kind === 'graceful-restart');
  const hardReset =
    localGr !== undefined && localGr.kind === 'graceful-restart' && localGr.notification &&
    peerGracefulRestart !== undefined && peerGracefulRestart.notification;

  const peerAs = peerAsn(peer);
  const isIbgp = peerAs === cfg.localAs;
  const { holdTimeSec, keepaliveSec } = negotiateHold(cfg, peer.holdTimeSec);
  return {
    peerAs,
    peerBgpId: peer.bgpId,
    isIbgp,
    holdTimeSec,
    keepaliveSec,
    families,
    fourOctetAs,
    routeRefresh: has(ours, 'route-refresh') && has(theirs, 'route-refresh'),
    enhancedRouteRefresh: has(ours, 'enhanced-route-refresh') && has(theirs, 'enhanced-route-refresh'),
    extendedMessage,
    extendedNextHop,
    addPathSend,
    addPathReceive,
    localGracefulRestart: localGr !== undefined,
    ...(peerGracefulRestart !== undefined ? { peerGracefulRestart } : {}),
    hardReset,
    ...(peerHostname !== undefined ? { peerHostname } : {}),
    ...(peerRole !== undefined ? { peerRole } : {}),
    minimalOpen,
    peerCapabilities: theirs,
    decode: { fourOctetAs, extendedMessage, addPathReceive, isIbgp },
    encode: { fourOctetAs, extendedMessage, addPathSend },
  };
}
