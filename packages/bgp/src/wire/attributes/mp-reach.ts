// MP_REACH_NLRI (type 14, optional non-transitive): RFC 4760 §3 — AFI, SAFI, next hop, a reserved
// octet, NLRI. Unicast/multicast IPv4 and IPv6: IPv6 next hop 16 octets (global) or 32 (global +
// link-local, RFC 2545 §3); IPv4 NLRI with a 4-octet next hop, or with a 16/32-octet IPv6 next hop
// (RFC 8950 §3). Other AFI/SAFIs are kept raw by the table (we never negotiate them).
// Errors: RFC 7606 §7.11 — a truncated attribute or an inconsistent next-hop length means the NLRI
// cannot be located: session reset (3/1, Malformed Attribute List, as for duplicates, RFC 7606 §3
// (g)); a syntactically incorrect NLRI field resets too (RFC 7606 §5.3, 3/10 Invalid Network Field).

import { Afi, NotificationCode, UpdateErrorSubcode } from '../constants.ts';
import type { AfiCode } from '../constants.ts';
import { BgpEncodeError, BgpNotificationError } from '../errors.ts';
import { checkPrefix, decodePrefixes, familyKey, prefixWireLength, writePrefix } from '../nlri.ts';
import type { EncodeContext, MpReach, Prefix } from '../types.ts';
import type { Writer } from '../writer.ts';
import { readU16 } from './common.ts';
import type { AttrDecodeEnv } from './common.ts';

export function malformedMp(detail: string): BgpNotificationError {
  return new BgpNotificationError(
    NotificationCode.UPDATE_MESSAGE_ERROR,
    UpdateErrorSubcode.MALFORMED_ATTRIBUTE_LIST,
    new Uint8Array(0),
    detail,
  );
}

/** The unicast/multicast IP families whose NLRI this codec understands. */
export function isIpFamily(afi: number, safi: number): afi is AfiCode {
  return (afi === Afi.IPV4 || afi === Afi.IPV6) && (safi === 1 || safi === 2);
}

/** Next-hop lengths RFC 4760/2545/8950 allow for an IP family. */
export function isValidNextHopLength(afi: number, len: number): boolean {
  return afi === Afi.IPV4 ? len === 4 || len === 16 || len === 32 : len === 16 || len === 32;
}

/** Returns the decoded attribute, or null for a family this codec does not parse (kept raw). */
export function decodeMpReach(buf: Uint8Array, start: number, end: number, env: AttrDecodeEnv): MpReach | null {
  // AFI (2) + SAFI (1) + next-hop length (1) + reserved (1) at least.
  if (end - start < 5) throw malformedMp(`MP_REACH_NLRI length ${end - start} < 5`);
  const afi = readU16(buf, start);
  const safi = buf[start + 2]!;
  const nhLen = buf[start + 3]!;
  const nhStart = start + 4;
  if (nhStart + nhLen + 1 > end) throw malformedMp('MP_REACH_NLRI next hop overruns the attribute');
  if (!isIpFamily(afi, safi)) return null;
  if (!isValidNextHopLength(afi, nhLen)) throw malformedMp(`MP_REACH_NLRI next-hop length ${nhLen} for AFI ${afi}`);
  const nextHop = buf.slice(nhStart, nhStart + nhLen);
  // RFC 4760 §3: the reserved octet (formerly the SNPA count) is ignored on receipt.
  const nlri: Prefix[] = [];
  decodePrefixes(buf, nhStart + nhLen + 1, end, afi, env.ctx.addPathReceive.has(familyKey(afi, safi)), nlri);
  return { afi, safi, nextHop, nlri };
}

export function encodeMpReach(w: Writer, v: MpReach, ctx: EncodeContext): void {
  if (!isIpFamily(v.afi, v.safi)) throw new BgpEncodeError(`MP_REACH_NLRI for unsupported AFI/SAFI ${v.afi}/${v.safi}`);
  if (!isValidNextHopLength(v.afi, v.nextHop.length)) {
    throw new BgpEncodeError(`MP_REACH_NLRI next hop of ${v.nextHop.length} octets for AFI ${v.afi}`);
  }
  const addPath = ctx.addPathSend.has(familyKey(v.afi, v.safi));
  w.u16(v.afi).u8(v.safi).u8(v.nextHop.length).bytes(v.nextHop).u8(0);
  writePrefixList(w, v.nlri, v.afi, addPath);
}

/** Writes prefixes back to back through the Writer (the non-packing encoder path). */
export function writePrefixList(w: Writer, list: readonly Prefix[], afi: AfiCode, addPath: boolean): void {
  let total = 0;
  for (const p of list) {
    checkPrefix(p, afi, addPath);
    total += prefixWireLength(p, addPath);
  }
  if (w.pos + total > w.buf.length) {
    const grown = new Uint8Array(Math.max(w.buf.length * 2, w.pos + total));
    grown.set(w.buf.subarray(0, w.pos));
    w.buf = grown;
  }
  let pos = w.pos;
  for (const p of list) pos = writePrefix(w.buf, pos, p, addPath);
  w.pos = pos;
}
