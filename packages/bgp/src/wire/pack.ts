// Packing many prefixes that share one attribute set into as few UPDATEs as fit the negotiated
// maximum (4096 octets, RFC 4271 §4.1; 65535 with RFC 8654 extended messages), and packing
// withdrawals the same way. Encoding rules (field guide "What we send", RFC 4760 §3-4): IPv4 unicast
// in the classic NLRI field with NEXT_HOP; IPv6 (and IPv4 with an IPv6 next hop, RFC 8950) in one
// MP_REACH_NLRI per UPDATE, placed first (RFC 7606 §5.1); families are never mixed in one UPDATE.
//
// Hot path: the attribute block is encoded once and copied into each message; prefixes are written
// straight into one scratch buffer; nothing is allocated per prefix. Each message is emitted as an
// exact-size copy, byte-identical to `encodeUpdate` of the same content. The generator forms let
// the session yield to the event loop between messages.

import { Afi, AttrFlag, AttrType, HEADER_LENGTH, MARKER_LENGTH, MessageType, Safi } from './constants.ts';
import type { AfiCode } from './constants.ts';
import { BgpEncodeError } from './errors.ts';
import { familyKey } from './nlri.ts';
import type { EncodeContext, PathAttributes, Prefix } from './types.ts';
import { maxMessageLength } from './update.ts';
import { Writer } from './writer.ts';
import { encodeAttributes } from './attributes/block.ts';
import { isValidNextHopLength } from './attributes/mp-reach.ts';

export interface PackOptions {
  /** Next hop for IPv6 prefixes, 16 or 32 octets (RFC 2545 §3); defaults to attributes.mpReach.nextHop. */
  readonly ipv6NextHop?: Uint8Array;
  /** RFC 8950: carry IPv4 prefixes in MP_REACH_NLRI (AFI 1) with this 16- or 32-octet IPv6 next hop. */
  readonly ipv4NextHopV6?: Uint8Array;
  /** A smaller cap than the negotiated maximum (tests, or to leave room). */
  readonly maxMessageLength?: number;
}

/** UPDATEs announcing every prefix with `attributes`, as few as fit. */
export function packUpdates(prefixes: readonly Prefix[], attributes: PathAttributes, ctx: EncodeContext, opts: PackOptions = {}): Uint8Array[] {
  return [...packUpdatesIter(prefixes, attributes, ctx, opts)];
}

/** UPDATEs withdrawing every prefix, as few as fit (IPv4 in Withdrawn Routes, IPv6 in MP_UNREACH_NLRI). */
export function packWithdraws(prefixes: readonly Prefix[], ctx: EncodeContext, opts: PackOptions = {}): Uint8Array[] {
  return [...packWithdrawsIter(prefixes, ctx, opts)];
}

function capOf(ctx: EncodeContext, opts: PackOptions): number {
  const negotiated = maxMessageLength(ctx);
  return opts.maxMessageLength === undefined ? negotiated : Math.min(negotiated, opts.maxMessageLength);
}

function encodeBlock(attributes: PathAttributes, ctx: EncodeContext): Uint8Array {
  const w = new Writer(256);
  encodeAttributes(w, attributes, ctx);
  return w.finish();
}

/** One UPDATE at a time, announcing. IPv4 prefixes first, then IPv6. */
export function* packUpdatesIter(
  prefixes: readonly Prefix[],
  attributes: PathAttributes,
  ctx: EncodeContext,
  opts: PackOptions = {},
): Generator<Uint8Array, void, undefined> {
  const max = capOf(ctx, opts);
  const { mpReach, mpUnreach, nextHop, ...common } = attributes;
  void mpUnreach;
  if (hasFamily(prefixes, Afi.IPV4)) {
    if (opts.ipv4NextHopV6 !== undefined) {
      checkNextHop(Afi.IPV4, opts.ipv4NextHopV6, true);
      yield* packMp(prefixes, Afi.IPV4, opts.ipv4NextHopV6, encodeBlock(common, ctx), ctx, max, false);
    } else {
      if (nextHop === undefined) throw new BgpEncodeError('IPv4 prefixes need a NEXT_HOP (RFC 4271 §5.1.3)');
      yield* packClassic(prefixes, encodeBlock({ ...common, nextHop }, ctx), ctx, max, false);
    }
  }
  if (hasFamily(prefixes, Afi.IPV6)) {
    const nh = opts.ipv6NextHop ?? (mpReach?.afi === Afi.IPV6 ? mpReach.nextHop : undefined);
    if (nh === undefined) throw new BgpEncodeError('IPv6 prefixes need an IPv6 next hop');
    checkNextHop(Afi.IPV6, nh, false);
    // RFC 4760 §3: an UPDATE without classic NLRI SHOULD NOT carry NEXT_HOP.
    yield* packMp(prefixes, Afi.IPV6, nh, encodeBlock(common, ctx), ctx, max, false);
  }
}

/** One UPDATE at a time, withdrawing. IPv4 prefixes first, then IPv6. */
export function* packWithdrawsIter(prefixes: readonly Prefix[], ctx: EncodeContext, opts: PackOptions = {}): Generator<Uint8Array, void, undefined> {
  const max = capOf(ctx, opts);
  if (hasFamily(prefixes, Afi.IPV4)) {
    if (opts.ipv4NextHopV6 !== undefined) yield* packMp(prefixes, Afi.IPV4, undefined, new Uint8Array(0), ctx, max, true);
    else yield* packClassic(prefixes, new Uint8Array(0), ctx, max, true);
  }
  if (hasFamily(prefixes, Afi.IPV6)) yield* packMp(prefixes, Afi.IPV6, undefined, new Uint8Array(0), ctx, max, true);
}

function hasFamily(prefixes: readonly Prefix[], afi: AfiCode): boolean {
  for (let i = 0; i < prefixes.length; i++) if (prefixes[i]!.afi === afi) return true;
  return false;
}

function checkNextHop(afi: AfiCode, nh: Uint8Array, rfc8950: boolean): void {
  if (!isValidNextHopLength(afi, nh.length) || (rfc8950 && nh.length === 4)) {
    throw new BgpEncodeError(`next hop of ${nh.length} octets for AFI ${afi}`);
  }
}

function writeHeader(buf: Uint8Array): void {
  buf.fill(0xff, 0, MARKER_LENGTH);
  buf[MARKER_LENGTH + 2] = MessageType.UPDATE;
}

function finishMessage(buf: Uint8Array, len: number): Uint8Array {
  buf[MARKER_LENGTH] = len >>> 8;
  buf[MARKER_LENGTH + 1] = len & 0xff;
  return buf.slice(0, len);
}

/** Write cursor shared by one packing run and its `fill` calls (one object per run, not per prefix). */
interface Cursor {
  pos: number;
}

/**
 * Writes prefixes of `afi` from index `i` into buf[at.pos, limit), advancing `at.pos`; returns the
 * index of the first prefix not written. Stops at the first prefix that does not fit. Validates each
 * prefix (family, length range).
 */
function fill(prefixes: readonly Prefix[], i: number, afi: AfiCode, addPath: boolean, buf: Uint8Array, at: Cursor, limit: number): number {
  let pos = at.pos;
  const max = afi === Afi.IPV4 ? 32 : 128;
  const idLen = addPath ? 4 : 0;
  const n = prefixes.length;
  for (; i < n; i++) {
    const p = prefixes[i]!;
    if (p.afi !== afi) continue;
    const len = p.length;
    if (!(len >= 0 && len <= max)) throw new BgpEncodeError(`prefix length ${len} for AFI ${afi}`);
    const nbytes = (len + 7) >>> 3;
    if (pos + idLen + 1 + nbytes > limit) break;
    if (addPath) {
      const id = p.pathId ?? 0;
      buf[pos] = id >>> 24;
      buf[pos + 1] = (id >>> 16) & 0xff;
      buf[pos + 2] = (id >>> 8) & 0xff;
      buf[pos + 3] = id & 0xff;
      pos += 4;
    }
    buf[pos++] = len;
    const a = p.addr;
    if (a.length < nbytes) throw new BgpEncodeError('prefix address shorter than its length');
    for (let k = 0; k < nbytes; k++) buf[pos + k] = a[k]!;
    if ((len & 7) !== 0) buf[pos + nbytes - 1]! &= (0xff00 >>> (len & 7)) & 0xff;
    pos += nbytes;
  }
  at.pos = pos;
  return i;
}

function* packClassic(prefixes: readonly Prefix[], block: Uint8Array, ctx: EncodeContext, max: number, withdraw: boolean): Generator<Uint8Array> {
  const addPath = ctx.addPathSend.has(familyKey(Afi.IPV4, Safi.UNICAST));
  const buf = new Uint8Array(max);
  writeHeader(buf);
  const fixed = HEADER_LENGTH + 4 + block.length;
  if (fixed + (addPath ? 5 : 1) + 4 > max) throw new BgpEncodeError('attributes leave no room for NLRI');
  const at: Cursor = { pos: 0 };
  let i = 0;
  for (;;) {
    let pos: number;
    let next: number;
    if (withdraw) {
      // Withdrawn Routes Length, routes, Total Path Attribute Length 0.
      at.pos = HEADER_LENGTH + 2;
      next = fill(prefixes, i, Afi.IPV4, addPath, buf, at, max - 2);
      pos = at.pos;
      const wLen = pos - HEADER_LENGTH - 2;
      buf[HEADER_LENGTH] = wLen >>> 8;
      buf[HEADER_LENGTH + 1] = wLen & 0xff;
      buf[pos++] = 0;
      buf[pos++] = 0;
    } else {
      buf[HEADER_LENGTH] = 0;
      buf[HEADER_LENGTH + 1] = 0;
      buf[HEADER_LENGTH + 2] = block.length >>> 8;
      buf[HEADER_LENGTH + 3] = block.length & 0xff;
      buf.set(block, HEADER_LENGTH + 4);
      at.pos = fixed;
      next = fill(prefixes, i, Afi.IPV4, addPath, buf, at, max);
      pos = at.pos;
    }
    if (next === i || pos === fixed) return;
    i = next;
    yield finishMessage(buf, pos);
  }
}

function* packMp(
  prefixes: readonly Prefix[],
  afi: AfiCode,
  nextHop: Uint8Array | undefined,
  block: Uint8Array,
  ctx: EncodeContext,
  max: number,
  withdraw: boolean,
): Generator<Uint8Array> {
  const addPath = ctx.addPathSend.has(familyKey(afi, Safi.UNICAST));
  const buf = new Uint8Array(max);
  writeHeader(buf);
  // Withdrawn Routes Length 0, Total Path Attribute Length (patched), then the MP attribute with a
  // 2-octet length while filling (shortened at the end when the value fits one octet).
  const attrAt = HEADER_LENGTH + 4;
  const valueAt = attrAt + 4;
  let p = valueAt;
  buf[p++] = afi >>> 8;
  buf[p++] = afi & 0xff;
  buf[p++] = Safi.UNICAST;
  if (nextHop !== undefined) {
    buf[p++] = nextHop.length;
    buf.set(nextHop, p);
    p += nextHop.length;
    buf[p++] = 0; // RFC 4760 §3 reserved
  }
  const nlriAt = p;
  if (nlriAt + block.length + (addPath ? 5 : 1) + 16 > max) throw new BgpEncodeError('attributes leave no room for NLRI');
  const at: Cursor = { pos: 0 };
  let i = 0;
  for (;;) {
    at.pos = nlriAt;
    const next = fill(prefixes, i, afi, addPath, buf, at, max - block.length);
    let end = at.pos;
    if (next === i || end === nlriAt) return;
    i = next;
    const valueLen = end - valueAt;
    buf[HEADER_LENGTH] = 0;
    buf[HEADER_LENGTH + 1] = 0;
    buf[attrAt + 1] = withdraw ? AttrType.MP_UNREACH_NLRI : AttrType.MP_REACH_NLRI;
    let mpLen: number;
    if (valueLen <= 255) {
      // Same bytes encodeUpdate writes: a 1-octet length when the value fits.
      buf.copyWithin(valueAt - 1, valueAt, end);
      buf[attrAt] = AttrFlag.OPTIONAL;
      buf[attrAt + 2] = valueLen;
      end -= 1;
      mpLen = 3 + valueLen;
    } else {
      buf[attrAt] = AttrFlag.OPTIONAL | AttrFlag.EXTENDED_LENGTH;
      buf[attrAt + 2] = valueLen >>> 8;
      buf[attrAt + 3] = valueLen & 0xff;
      mpLen = 4 + valueLen;
    }
    buf.set(block, end);
    end += block.length;
    const aLen = mpLen + block.length;
    buf[HEADER_LENGTH + 2] = aLen >>> 8;
    buf[HEADER_LENGTH + 3] = aLen & 0xff;
    const msg = finishMessage(buf, end);
    if (valueLen <= 255) {
      // Restore the 2-octet layout of the fixed part for the next message.
      buf.copyWithin(valueAt, valueAt - 1, nlriAt - 1);
    }
    yield msg;
  }
}
