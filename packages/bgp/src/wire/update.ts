// UPDATE message (RFC 4271 §4.3): Withdrawn Routes Length, Withdrawn Routes, Total Path Attribute
// Length, Path Attributes, NLRI (IPv4 unicast; RFC 7911 path identifiers when add-path is
// negotiated for 1/1). Receive-side errors follow RFC 7606: only what prevents locating the NLRI
// resets the session; the rest are `outcomes` values. End-of-RIB markers per RFC 4724 §2.

import { Afi, MAX_EXTENDED_MESSAGE_LENGTH, MAX_MESSAGE_LENGTH, MessageType, NotificationCode, Safi, UpdateErrorSubcode } from './constants.ts';
import { BgpEncodeError, BgpNotificationError } from './errors.ts';
import { beginMessage, endMessage } from './header.ts';
import { decodePrefixes, familyKey } from './nlri.ts';
import type { AfiSafi, DecodeContext, EncodeContext, PathAttributes, Prefix, UpdateMessage } from './types.ts';
import { Writer } from './writer.ts';
import { decodeAttributes, encodeAttributes } from './attributes/block.ts';
import { writePrefixList } from './attributes/mp-reach.ts';

const IPV4_UNICAST = familyKey(Afi.IPV4, Safi.UNICAST);

function malformedList(detail: string): BgpNotificationError {
  return new BgpNotificationError(
    NotificationCode.UPDATE_MESSAGE_ERROR,
    UpdateErrorSubcode.MALFORMED_ATTRIBUTE_LIST,
    new Uint8Array(0),
    detail,
  );
}

/**
 * Decodes the UPDATE body buf[start, end) (after the 19-byte header). Throws BgpNotificationError
 * only where RFC 4271 §6.3 / RFC 7606 require a session reset; every other fault is in `outcomes`.
 */
export function decodeUpdate(buf: Uint8Array, start: number, end: number, ctx: DecodeContext): UpdateMessage {
  // RFC 4271 §6.3 (kept by RFC 7606 §4): lengths that overrun the message leave the NLRI
  // unlocatable → 3/1 Malformed Attribute List.
  if (end - start < 4) throw malformedList('UPDATE body shorter than its two length fields');
  const wLen = (buf[start]! << 8) | buf[start + 1]!;
  const wStart = start + 2;
  const wEnd = wStart + wLen;
  if (wEnd + 2 > end) throw malformedList('Withdrawn Routes Length overruns the message');
  const aLen = (buf[wEnd]! << 8) | buf[wEnd + 1]!;
  const aStart = wEnd + 2;
  const aEnd = aStart + aLen;
  if (aEnd > end) throw malformedList('Total Path Attribute Length overruns the message');
  const addPath = ctx.addPathReceive.has(IPV4_UNICAST);
  // RFC 7606 §5.3: a syntactically incorrect Withdrawn Routes or NLRI field → session reset
  // (3/10 Invalid Network Field, RFC 4271 §6.3).
  const withdrawn: Prefix[] = [];
  decodePrefixes(buf, wStart, wEnd, Afi.IPV4, addPath, withdrawn);
  const nlri: Prefix[] = [];
  decodePrefixes(buf, aEnd, end, Afi.IPV4, addPath, nlri);
  const { attributes, outcomes } = decodeAttributes(buf, aStart, aEnd, ctx, aEnd < end);
  return { type: 'update', withdrawn, attributes, nlri, outcomes };
}

/** The largest message the session allows (RFC 4271 §4.1, RFC 8654 §4). */
export function maxMessageLength(ctx: EncodeContext): number {
  return ctx.extendedMessage ? MAX_EXTENDED_MESSAGE_LENGTH : MAX_MESSAGE_LENGTH;
}

/** Encodes a whole UPDATE (header included). Throws BgpEncodeError when it exceeds the maximum size. */
export function encodeUpdate(
  msg: { readonly withdrawn: readonly Prefix[]; readonly attributes: PathAttributes; readonly nlri: readonly Prefix[] },
  ctx: EncodeContext,
): Uint8Array {
  const w = new Writer(4096);
  const start = beginMessage(w, MessageType.UPDATE);
  const addPath = ctx.addPathSend.has(IPV4_UNICAST);
  const wAt = w.mark();
  w.u16(0);
  writePrefixList(w, msg.withdrawn, Afi.IPV4, addPath);
  const wLen = w.pos - wAt - 2;
  w.patchU16(wAt, wLen);
  const aAt = w.mark();
  w.u16(0);
  encodeAttributes(w, msg.attributes, ctx);
  const aLen = w.pos - aAt - 2;
  if (aLen > 0xffff) throw new BgpEncodeError(`path attributes of ${aLen} octets`);
  w.patchU16(aAt, aLen);
  writePrefixList(w, msg.nlri, Afi.IPV4, addPath);
  const length = endMessage(w, start);
  if (length > maxMessageLength(ctx)) {
    throw new BgpEncodeError(`UPDATE of ${length} octets exceeds the maximum ${maxMessageLength(ctx)}`);
  }
  return w.finish();
}

/** RFC 4724 §2: End-of-RIB. IPv4 unicast: an UPDATE with nothing in it; others: MP_UNREACH_NLRI with no NLRI. */
export function encodeEndOfRib(afi: number, safi: number): Uint8Array {
  if (afi === Afi.IPV4 && safi === Safi.UNICAST) {
    return encodeUpdate({ withdrawn: [], attributes: {}, nlri: [] }, EOR_CTX);
  }
  if ((afi !== Afi.IPV4 && afi !== Afi.IPV6) || (safi !== 1 && safi !== 2)) {
    throw new BgpEncodeError(`End-of-RIB for unsupported AFI/SAFI ${afi}/${safi}`);
  }
  return encodeUpdate({ withdrawn: [], attributes: { mpUnreach: { afi, safi, withdrawn: [] } }, nlri: [] }, EOR_CTX);
}

const EOR_CTX: EncodeContext = { fourOctetAs: true, extendedMessage: false, addPathSend: new Set() };

/** The family an End-of-RIB marker is for, or undefined when the UPDATE is not one (RFC 4724 §2). */
export function endOfRibFamily(u: UpdateMessage): AfiSafi | undefined {
  if (u.withdrawn.length !== 0 || u.nlri.length !== 0 || u.outcomes.length !== 0) return undefined;
  const keys = Object.keys(u.attributes).filter((k) => (u.attributes as Record<string, unknown>)[k] !== undefined);
  if (keys.length === 0) return { afi: Afi.IPV4, safi: Safi.UNICAST };
  const un = u.attributes.mpUnreach;
  if (keys.length === 1 && un !== undefined && un.withdrawn.length === 0) return { afi: un.afi, safi: un.safi };
  return undefined;
}

export function isEndOfRib(u: UpdateMessage): boolean {
  return endOfRibFamily(u) !== undefined;
}
