// Validation of the peer's OPEN (RFC 4271 §6.2) in BIRD's order (proto/bgp/packets.c bgp_rx_open):
// version 2/1, non-capability optional parameters 2/4 (RFC 5492 §5), hold time 2/6, BGP identifier 2/3
// (RFC 6286 §2.2), required capabilities 2/7 (RFC 5492 §5, data = the missing capabilities), peer AS
// 2/2 (RFC 6793 §4.1: the 4-octet capability's value), role 2/11 (RFC 9234 §4.2). On success the
// capabilities are negotiated (negotiate.ts).

import { BGP_VERSION, BgpRole, NotificationCode, OpenErrorSubcode } from '../wire/constants.ts';
import { capabilityCode, encodeCapability } from '../wire/capabilities.ts';
import { peerAsn } from '../wire/open.ts';
import type { Capability, OpenMessage } from '../wire/types.ts';
import { Writer } from '../wire/writer.ts';
import { localCapabilities, negotiate, type Negotiated } from './negotiate.ts';
import type { FsmConfig, Notification } from './types.ts';

export type OpenCheckResult =
  | { readonly ok: true; readonly negotiated: Negotiated }
  | { readonly ok: false; readonly notification: Notification };

const u16 = (v: number): Uint8Array => new Uint8Array([(v >>> 8) & 0xff, v & 0xff]);

function openError(subcode: number, data: Uint8Array = new Uint8Array(0)): OpenCheckResult {
  return { ok: false, notification: { code: NotificationCode.OPEN_MESSAGE_ERROR, subcode, data } };
}

function ipv4ToU32(s: string): number {
  const parts = s.split('.');
  if (parts.length !== 4) return 0;
  let v = 0;
  for (const p of parts) {
    const n = Number(p);
    if (!Number.isInteger(n) || n < 0 || n > 255) return 0;
    v = v * 256 + n;
  }
  return v >>> 0;
}

export function bgpIdToU32(id: string): number {
  return ipv4ToU32(id);
}

/** RFC 9234 §4.2 Table 2: the allowed (local, remote) role pairs. */
export function rolesCompatible(local: number, remote: number): boolean {
  switch (local) {
    case BgpRole.PROVIDER: return remote === BgpRole.CUSTOMER;
    case BgpRole.CUSTOMER: return remote === BgpRole.PROVIDER;
    case BgpRole.RS: return remote === BgpRole.RS_CLIENT;
    case BgpRole.RS_CLIENT: return remote === BgpRole.RS;
    case BgpRole.PEER: return remote === BgpRole.PEER;
    default: return false;
  }
}

/** The capabilities from `required` the peer did not advertise, as our own TLVs (for the 2/7 data). */
function missingCapabilities(cfg: FsmConfig, peer: readonly Capability[]): Capability[] {
  const ours = localCapabilities(cfg);
  const missing: Capability[] = [];
  for (const code of cfg.requiredCapabilities) {
    if (code === 1) {
      // Multiprotocol: every family we offer must be offered back.
      for (const c of ours) {
        if (c.kind !== 'multiprotocol') continue;
        if (!peer.some((p) => p.kind === 'multiprotocol' && p.afi === c.afi && p.safi === c.safi)) missing.push(c);
      }
      continue;
    }
    if (peer.some((p) => capabilityCode(p) === code)) continue;
    const own = ours.find((c) => capabilityCode(c) === code);
    missing.push(own ?? { kind: 'unknown', code, value: new Uint8Array(0) });
  }
  return missing;
}

function peerAsAcceptable(cfg: FsmConfig, peerAs: number): boolean {
  switch (cfg.peerAs) {
    case 'any': return true;
    case 'external': return peerAs !== cfg.localAs;
    case 'internal': return peerAs === cfg.localAs;
    default: return peerAs === cfg.peerAs;
  }
}

/** Validates the peer's OPEN and negotiates; `minimalOpen` = what our OPEN on this connection was. */
export function checkOpen(open: OpenMessage, cfg: FsmConfig, minimalOpen: boolean): OpenCheckResult {
  // RFC 4271 §6.2: unsupported version → 2/1, data = the largest locally supported version (2 octets).
  if (open.version !== BGP_VERSION) return openError(OpenErrorSubcode.UNSUPPORTED_VERSION_NUMBER, u16(BGP_VERSION));
  // RFC 5492 §5 / RFC 4271 §6.2: an optional parameter we do not recognise → 2/4.
  if (open.otherParams.length > 0) return openError(OpenErrorSubcode.UNSUPPORTED_OPTIONAL_PARAMETER);
  // RFC 4271 §6.2: hold time 1 or 2 MUST be rejected; below our configured minimum too (incl. 0).
  const hold = open.holdTimeSec;
  if (hold === 1 || hold === 2 || (cfg.minHoldTimeSec > 0 && hold < cfg.minHoldTimeSec)) {
    return openError(OpenErrorSubcode.UNACCEPTABLE_HOLD_TIME, u16(hold));
  }
  // RFC 6286 §2.2: the BGP identifier is a non-zero u32, and for iBGP differs from ours.
  const peerId = ipv4ToU32(open.bgpId);
  const peerAs = peerAsn(open);
  const isIbgp = peerAs === cfg.localAs;
  if (peerId === 0 || (isIbgp && peerId === ipv4ToU32(cfg.localBgpId))) {
    const w = new Writer(4);
    w.u32(peerId);
    return openError(OpenErrorSubcode.BAD_BGP_IDENTIFIER, w.finish());
  }
  // RFC 5492 §5: a capability we require but the peer did not advertise → 2/7, data = those capabilities.
  const missing = missingCapabilities(cfg, open.capabilities);
  if (missing.length > 0) {
    const w = new Writer(32);
    for (const c of missing) encodeCapability(w, c);
    return openError(OpenErrorSubcode.UNSUPPORTED_CAPABILITY, w.finish());
  }
  // RFC 4271 §6.2 / RFC 6793 §4.1: the peer's AS (the 4-octet capability value when present).
  if (!peerAsAcceptable(cfg, peerAs) || peerAs === 0) {
    return openError(OpenErrorSubcode.BAD_PEER_AS, u16(open.myAs));
  }
  // RFC 9234 §4.2: role pairs must match; conflicting role capabilities or (strict) none → 2/11.
  if (cfg.role !== undefined && !minimalOpen) {
    const roles = open.capabilities.filter((c) => c.kind === 'role').map((c) => (c.kind === 'role' ? c.role : -1));
    const distinct = [...new Set(roles)];
    if (distinct.length > 1) return openError(OpenErrorSubcode.ROLE_MISMATCH);
    if (distinct.length === 0 && cfg.strictRole) return openError(OpenErrorSubcode.ROLE_MISMATCH);
    if (distinct.length === 1 && !rolesCompatible(cfg.role, distinct[0]!)) return openError(OpenErrorSubcode.ROLE_MISMATCH);
  }
  return { ok: true, negotiated: negotiate(cfg, open, minimalOpen) };
}
