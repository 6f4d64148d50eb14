// Semantic checks of a received OPEN (RFC 4271 §6.2, RFC 5492 §3, RFC 6286 §2.2, RFC 6793, RFC 7607,
// RFC 9234 §4.2), in BIRD's order (proto/bgp/packets.c bgp_rx_open): version, optional parameters,
// hold time, BGP identifier, required capabilities, peer AS, role. Pure: the session (fsm/open-check.ts)
// passes what it was configured with and gets back the exact NOTIFICATION to send, or undefined.
// The malformed-OPEN corpus and the cross-check against BIRD and FRR (e2e/open-errors-routers) run
// against this one function.

import { AS_TRANS, BGP_VERSION, NotificationCode, OpenErrorSubcode, BgpRole } from './constants.ts';
import { encodeCapability } from './capabilities.ts';
import { BgpNotificationError } from './errors.ts';
import { peerAsn } from './open.ts';
import type { Capability, OpenMessage } from './types.ts';
import { Writer, parseIpv4 } from './writer.ts';

export interface OpenPolicy {
  /**
   * The configured peer AS; a different one is Bad Peer AS (2/2). 'any' accepts every AS, 'external'
   * every AS but `localAs`, 'internal' only `localAs`.
   */
  readonly peerAs?: number | 'any' | 'external' | 'internal';
  /** Our AS, for 'external' / 'internal' and to tell iBGP from eBGP. */
  readonly localAs?: number;
  /** Our BGP identifier; an iBGP peer with the same one is Bad BGP Identifier (RFC 6286 §2.2). */
  readonly localBgpId?: string;
  /** The session is iBGP (same AS). */
  readonly isIbgp?: boolean;
  /** Smallest non-zero hold time we accept (RFC 4271 §6.2 "MAY reject"); 1 and 2 are always rejected. */
  readonly minHoldTimeSec?: number;
  /** Capabilities the peer must advertise (RFC 5492 §3); multiprotocol entries match on AFI/SAFI. */
  readonly requiredCapabilities?: readonly Capability[];
  /** Our RFC 9234 role; with `strictRole`, a peer without a role capability is a mismatch too. */
  readonly localRole?: number;
  readonly strictRole?: boolean;
  /** Our OPEN on this connection was the minimal fallback (no capabilities): roles are not compared. */
  readonly skipRole?: boolean;
}

function peerAsAcceptable(policy: OpenPolicy, asn: number): boolean {
  switch (policy.peerAs) {
    case undefined:
    case 'any':
      return true;
    case 'external':
      return policy.localAs === undefined || asn !== policy.localAs;
    case 'internal':
      return asn === policy.localAs;
    default:
      return asn === policy.peerAs;
  }
}

function openError(subcode: number, data: Uint8Array, detail: string): BgpNotificationError {
  return new BgpNotificationError(NotificationCode.OPEN_MESSAGE_ERROR, subcode, data, detail);
}

function u16(v: number): Uint8Array {
  return Uint8Array.of(v >>> 8, v & 0xff);
}

function u32(v: number): Uint8Array {
  return Uint8Array.of(v >>> 24, (v >>> 16) & 0xff, (v >>> 8) & 0xff, v & 0xff);
}

/** RFC 9234 §4.2 table: the peer role that goes with ours. */
const ROLE_PAIRS: Readonly<Record<number, number>> = {
  [BgpRole.PROVIDER]: BgpRole.CUSTOMER,
  [BgpRole.CUSTOMER]: BgpRole.PROVIDER,
  [BgpRole.RS]: BgpRole.RS_CLIENT,
  [BgpRole.RS_CLIENT]: BgpRole.RS,
  [BgpRole.PEER]: BgpRole.PEER,
};

function hasCapability(open: OpenMessage, want: Capability): boolean {
  for (const c of open.capabilities) {
    if (c.kind !== want.kind) continue;
    if (c.kind === 'multiprotocol' && want.kind === 'multiprotocol') {
      if (c.afi === want.afi && c.safi === want.safi) return true;
      continue;
    }
    if (c.kind === 'unknown' && want.kind === 'unknown') {
      if (c.code === want.code) return true;
      continue;
    }
    return true;
  }
  return false;
}

/** The NOTIFICATION a received OPEN calls for, or undefined when it is acceptable. */
export function checkOpen(open: OpenMessage, policy: OpenPolicy = {}): BgpNotificationError | undefined {
  // RFC 4271 §6.2: unsupported version → 2/1, data = the largest version we support (2 octets).
  if (open.version !== BGP_VERSION) return openError(OpenErrorSubcode.UNSUPPORTED_VERSION_NUMBER, u16(BGP_VERSION), `version ${open.version}`);

  // RFC 4271 §6.2: an optional parameter we do not recognize is Unsupported Optional Parameter.
  // Data: the offending parameter as on the wire (type, length, value), as BIRD sends.
  const other = open.otherParams[0];
  if (other !== undefined) {
    const data = new Uint8Array(2 + other.value.length);
    data[0] = other.type;
    data[1] = Math.min(other.value.length, 0xff);
    data.set(other.value, 2);
    return openError(OpenErrorSubcode.UNSUPPORTED_OPTIONAL_PARAMETER, data, `optional parameter type ${other.type}`);
  }

  // RFC 4271 §6.2: an implementation MUST reject Hold Time values of one or two seconds; it MAY reject
  // others (our configured minimum). 0 means no keepalives and is always acceptable.
  const hold = open.holdTimeSec;
  if (hold === 1 || hold === 2 || (hold !== 0 && policy.minHoldTimeSec !== undefined && hold < policy.minHoldTimeSec)) {
    return openError(OpenErrorSubcode.UNACCEPTABLE_HOLD_TIME, u16(hold), `hold time ${hold}`);
  }

  // RFC 6286 §2.2: the BGP Identifier is a non-zero 4-octet value, unique within the AS.
  let id: Uint8Array;
  try {
    id = parseIpv4(open.bgpId);
  } catch {
    return openError(OpenErrorSubcode.BAD_BGP_IDENTIFIER, new Uint8Array(0), 'BGP identifier is not a dotted quad');
  }
  const idValue = ((id[0]! << 24) >>> 0) + ((id[1]! << 16) | (id[2]! << 8) | id[3]!);
  if (idValue === 0) return openError(OpenErrorSubcode.BAD_BGP_IDENTIFIER, id, 'BGP identifier 0');
  const asn = peerAsn(open);
  const isIbgp = policy.isIbgp ?? (policy.localAs !== undefined && asn === policy.localAs);
  if (isIbgp && policy.localBgpId !== undefined && policy.localBgpId === open.bgpId) {
    return openError(OpenErrorSubcode.BAD_BGP_IDENTIFIER, id, 'iBGP peer uses our BGP identifier');
  }

  // RFC 5492 §3: when a capability we require is missing, send Unsupported Capability; the Data field
  // MUST list those capabilities, each encoded as in an OPEN.
  if (policy.requiredCapabilities !== undefined) {
    const w = new Writer(32);
    for (const want of policy.requiredCapabilities) if (!hasCapability(open, want)) encodeCapability(w, want);
    if (w.pos > 0) return openError(OpenErrorSubcode.UNSUPPORTED_CAPABILITY, w.finish(), 'required capability missing');
  }

  // RFC 6793 §4.1 / RFC 7607 §2: AS 0 in My AS or in the four-octet AS capability is Bad Peer AS;
  // otherwise the peer AS is the capability's value when present.
  const fourOctet = open.capabilities.some((c) => c.kind === 'four-octet-as');
  const asData = fourOctet ? u32(asn) : u16(open.myAs);
  if (open.myAs === 0 || asn === 0) return openError(OpenErrorSubcode.BAD_PEER_AS, asData, 'AS 0');
  if (!peerAsAcceptable(policy, asn)) return openError(OpenErrorSubcode.BAD_PEER_AS, asData, `peer AS ${asn}, expected ${String(policy.peerAs)}`);
  // RFC 6793 §4.1: without the capability, AS_TRANS in My AS cannot name the peer.
  if (!fourOctet && open.myAs === AS_TRANS && typeof policy.peerAs === 'number' && policy.peerAs !== AS_TRANS) {
    return openError(OpenErrorSubcode.BAD_PEER_AS, u16(open.myAs), 'AS_TRANS without the four-octet AS capability');
  }

  // RFC 9234 §4.2: roles must pair per the table; several role capabilities with different values, or
  // none under strict mode, are Role Mismatch too.
  if (policy.localRole !== undefined && policy.skipRole !== true) {
    const roles = open.capabilities.filter((c) => c.kind === 'role').map((c) => (c.kind === 'role' ? c.role : -1));
    const first = roles[0];
    if (first === undefined) {
      if (policy.strictRole === true) return openError(OpenErrorSubcode.ROLE_MISMATCH, new Uint8Array(0), 'peer sent no role');
    } else if (roles.some((r) => r !== first) || ROLE_PAIRS[policy.localRole] !== first) {
      return openError(OpenErrorSubcode.ROLE_MISMATCH, new Uint8Array(0), `peer role ${first}`);
    }
  }
  return undefined;
}
