// NLRI prefixes: the <length, prefix> encoding of RFC 4271 §4.3 (Withdrawn Routes and NLRI fields),
// reused by MP_REACH_NLRI / MP_UNREACH_NLRI (RFC 4760 §5), with RFC 7911 §3 path identifiers when
// add-path is negotiated; text helpers (`parsePrefix`, `formatPrefix`, RFC 5952 for IPv6).
//
// Representation (measured in bench/codec.bench.ts against ip-num): a Prefix is a plain object whose
// `addr` is a 4- or 16-byte view into one slab allocated per decoded field. ip-num's bigint-backed
// objects were more than an order of magnitude slower to build from wire bytes, so the codec keeps
// its own tight form and uses no ip-num at all.

import { Afi, UpdateErrorSubcode, NotificationCode } from './constants.ts';
import type { AfiCode } from './constants.ts';
import { BgpEncodeError, BgpNotificationError } from './errors.ts';
import type { Prefix } from './types.ts';

/** "afi/safi", the key used by DecodeContext.addPathReceive and EncodeContext.addPathSend. */
export function familyKey(afi: number, safi: number): string {
  return `${afi}/${safi}`;
}

export function maxPrefixLength(afi: AfiCode): number {
  return afi === Afi.IPV4 ? 32 : 128;
}

function invalidField(detail: string, subcode: number): BgpNotificationError {
  return new BgpNotificationError(NotificationCode.UPDATE_MESSAGE_ERROR, subcode, new Uint8Array(0), detail);
}

/**
 * Decodes every prefix of buf[start, end) and appends them to `out`.
 *
 * RFC 7606 §5.3: the field is syntactically incorrect when a prefix length exceeds the family's
 * maximum or a prefix overruns the field; treat-as-withdraw cannot be used then (the NLRI cannot be
 * trusted), so this throws the session-reset NOTIFICATION 3/`subcode` (Invalid Network Field).
 *
 * Two passes: the first validates and counts without allocating (so hostile input costs nothing),
 * the second copies the address bytes into one slab sized exactly for the field and hands out
 * views of it, so a field costs one ArrayBuffer plus one object and one view per prefix.
 */
export function decodePrefixes(
  buf: Uint8Array,
  start: number,
  end: number,
  afi: AfiCode,
  addPath: boolean,
  out: Prefix[],
  subcode: number = UpdateErrorSubcode.INVALID_NETWORK_FIELD,
): void {
  const max = afi === Afi.IPV4 ? 32 : 128;
  const step = afi === Afi.IPV4 ? 4 : 16;
  const idLen = addPath ? 4 : 0;
  let count = 0;
  let pos = start;
  while (pos < end) {
    if (end - pos < idLen + 1) throw invalidField('truncated path identifier or prefix length', subcode);
    const len = buf[pos + idLen]!;
    if (len > max) throw invalidField(`prefix length ${len} > ${max}`, subcode);
    pos += idLen + 1 + ((len + 7) >>> 3);
    if (pos > end) throw invalidField('prefix overruns the field', subcode);
    count++;
  }
  if (count === 0) return;
  const slab = new Uint8Array(count * step);
  const ab = slab.buffer;
  pos = start;
  let off = 0;
  for (let i = 0; i < count; i++) {
    let pathId = 0;
    if (addPath) {
      pathId = ((buf[pos]! << 24) >>> 0) + ((buf[pos + 1]! << 16) | (buf[pos + 2]! << 8) | buf[pos + 3]!);
      pos += 4;
    }
    const len = buf[pos++]!;
    const nbytes = (len + 7) >>> 3;
    for (let k = 0; k < nbytes; k++) slab[off + k] = buf[pos + k]!;
    // RFC 4271 §4.3: trailing bits after the prefix length are irrelevant; the model keeps them zero.
    if ((len & 7) !== 0) slab[off + nbytes - 1]! &= (0xff00 >>> (len & 7)) & 0xff;
    pos += nbytes;
    const addr = new Uint8Array(ab, off, step);
    off += step;
    out.push(addPath ? { afi, length: len, addr, pathId } : { afi, length: len, addr });
  }
}

/** Bytes one prefix takes on the wire. */
export function prefixWireLength(p: Prefix, addPath: boolean): number {
  return (addPath ? 5 : 1) + ((p.length + 7) >>> 3);
}

/**
 * Writes one prefix at buf[pos] (the caller has checked the room) and returns the new position.
 * Host bits in the last octet are masked so the wire form is canonical.
 */
export function writePrefix(buf: Uint8Array, pos: number, p: Prefix, addPath: boolean): number {
  if (addPath) {
    const id = p.pathId ?? 0;
    buf[pos] = id >>> 24;
    buf[pos + 1] = (id >>> 16) & 0xff;
    buf[pos + 2] = (id >>> 8) & 0xff;
    buf[pos + 3] = id & 0xff;
    pos += 4;
  }
  const len = p.length;
  buf[pos++] = len;
  const nbytes = (len + 7) >>> 3;
  const a = p.addr;
  for (let k = 0; k < nbytes; k++) buf[pos + k] = a[k]!;
  if ((len & 7) !== 0) buf[pos + nbytes - 1]! &= (0xff00 >>> (len & 7)) & 0xff;
  return pos + nbytes;
}

/** Checks a prefix can be encoded for `afi`; throws BgpEncodeError otherwise. */
export function checkPrefix(p: Prefix, afi: AfiCode, addPath: boolean): void {
  if (p.afi !== afi) throw new BgpEncodeError(`prefix of AFI ${p.afi} where AFI ${afi} is required`);
  const max = afi === Afi.IPV4 ? 32 : 128;
  if (!Number.isInteger(p.length) || p.length < 0 || p.length > max) {
    throw new BgpEncodeError(`prefix length ${p.length} out of range for AFI ${afi}`);
  }
  if (p.addr.length < (p.length + 7) >>> 3) throw new BgpEncodeError('prefix address shorter than its length');
  if (addPath && p.pathId !== undefined && !(Number.isInteger(p.pathId) && p.pathId >= 0 && p.pathId <= 0xffffffff)) {
    throw new BgpEncodeError(`path identifier ${p.pathId} out of range`);
  }
}

// ---------------------------------------------------------------------------------------------
// Text forms

export class PrefixParseError extends Error {
  readonly code = 'ERR_BAD_PREFIX' as const;
  constructor(text: string) {
    super(`not an IP prefix: ${JSON.stringify(text)}`);
    this.name = 'PrefixParseError';
  }
}

/** Parses a dotted-quad IPv4 address into 4 bytes, or returns undefined. */
export function parseIpv4Address(s: string): Uint8Array | undefined {
  const out = new Uint8Array(4);
  let part = 0;
  let val = 0;
  let digits = 0;
  for (let i = 0; i <= s.length; i++) {
    const c = i < s.length ? s.charCodeAt(i) : 46;
    if (c === 46) {
      if (digits === 0 || part > 3) return undefined;
      out[part++] = val;
      val = 0;
      digits = 0;
    } else if (c >= 48 && c <= 57) {
      if (digits > 0 && val === 0) return undefined; // no leading zeros (ambiguous octal)
      val = val * 10 + (c - 48);
      if (val > 255 || ++digits > 3) return undefined;
    } else {
      return undefined;
    }
  }
  return part === 4 ? out : undefined;
}

/** Parses any RFC 4291 §2.2 IPv6 text form (incl. embedded IPv4) into 16 bytes, or undefined. */
export function parseIpv6Address(s: string): Uint8Array | undefined {
  if (s.length < 2 || s.length > 45) return undefined;
  const dbl = s.indexOf('::');
  if (dbl !== -1 && s.indexOf('::', dbl + 1) !== -1) return undefined;
  const groups = (text: string): number[] | undefined => {
    if (text === '') return [];
    const out: number[] = [];
    const parts = text.split(':');
    for (let i = 0; i < parts.length; i++) {
      const p = parts[i]!;
      if (i === parts.length - 1 && p.includes('.')) {
        const v4 = parseIpv4Address(p);
        if (v4 === undefined) return undefined;
        out.push((v4[0]! << 8) | v4[1]!, (v4[2]! << 8) | v4[3]!);
      } else {
        if (!/^[0-9a-fA-F]{1,4}$/.test(p)) return undefined;
        out.push(Number.parseInt(p, 16));
      }
    }
    return out;
  };
  let words: number[];
  if (dbl === -1) {
    const g = groups(s);
    if (g === undefined || g.length !== 8) return undefined;
    words = g;
  } else {
    const head = groups(s.slice(0, dbl));
    const tail = groups(s.slice(dbl + 2));
    if (head === undefined || tail === undefined || head.length + tail.length > 7) return undefined;
    words = [...head, ...new Array<number>(8 - head.length - tail.length).fill(0), ...tail];
  }
  const out = new Uint8Array(16);
  for (let i = 0; i < 8; i++) {
    out[2 * i] = words[i]! >>> 8;
    out[2 * i + 1] = words[i]! & 0xff;
  }
  return out;
}

/**
 * Parses "address/length" (IPv4 or IPv6). A bare address means a host prefix (/32 or /128).
 * Host bits beyond the length are zeroed, so `formatPrefix(parsePrefix(s))` is canonical.
 */
export function parsePrefix(text: string): Prefix {
  const slash = text.indexOf('/');
  const addrText = slash === -1 ? text : text.slice(0, slash);
  const isV6 = addrText.includes(':');
  const addr = isV6 ? parseIpv6Address(addrText) : parseIpv4Address(addrText);
  if (addr === undefined) throw new PrefixParseError(text);
  const max = isV6 ? 128 : 32;
  let length = max;
  if (slash !== -1) {
    const lenText = text.slice(slash + 1);
    if (!/^(0|[1-9][0-9]{0,2})$/.test(lenText)) throw new PrefixParseError(text);
    length = Number(lenText);
    if (length > max) throw new PrefixParseError(text);
  }
  maskHostBits(addr, length);
  return { afi: isV6 ? Afi.IPV6 : Afi.IPV4, length, addr };
}

/** Zeroes every bit after `length` in place. */
export function maskHostBits(addr: Uint8Array, length: number): void {
  const full = length >>> 3;
  if ((length & 7) !== 0 && full < addr.length) addr[full]! &= (0xff00 >>> (length & 7)) & 0xff;
  for (let i = full + ((length & 7) !== 0 ? 1 : 0); i < addr.length; i++) addr[i] = 0;
}

export function formatIpv4(b: Uint8Array, off = 0): string {
  return `${b[off]}.${b[off + 1]}.${b[off + 2]}.${b[off + 3]}`;
}

/** RFC 5952 §4 canonical text: lower-case hex, no leading zeros, the longest (first on ties) run of ≥ 2 zero groups as "::". */
export function formatIpv6(b: Uint8Array, off = 0): string {
  // RFC 5952 §5: IPv4-mapped addresses keep the dotted quad (::ffff:192.0.2.1).
  let mapped = b[off + 10] === 0xff && b[off + 11] === 0xff;
  for (let i = 0; i < 10 && mapped; i++) if (b[off + i] !== 0) mapped = false;
  if (mapped) return `::ffff:${formatIpv4(b, off + 12)}`;
  const w: number[] = [];
  for (let i = 0; i < 8; i++) w.push((b[off + 2 * i]! << 8) | b[off + 2 * i + 1]!);
  let bestStart = -1;
  let bestLen = 0;
  for (let i = 0; i < 8; ) {
    if (w[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && w[j] === 0) j++;
    if (j - i > bestLen) {
      bestStart = i;
      bestLen = j - i;
    }
    i = j;
  }
  if (bestLen < 2) return w.map((x) => x.toString(16)).join(':');
  const head = w.slice(0, bestStart).map((x) => x.toString(16)).join(':');
  const tail = w.slice(bestStart + bestLen).map((x) => x.toString(16)).join(':');
  return `${head}::${tail}`;
}

/** "address/length" with the canonical address text. */
export function formatPrefix(p: Prefix): string {
  return `${p.afi === Afi.IPV4 ? formatIpv4(p.addr) : formatIpv6(p.addr)}/${p.length}`;
}

/** Two prefixes name the same route (family, length, significant bits, path id). */
export function prefixEquals(a: Prefix, b: Prefix): boolean {
  if (a.afi !== b.afi || a.length !== b.length || (a.pathId ?? 0) !== (b.pathId ?? 0)) return false;
  const n = (a.length + 7) >>> 3;
  for (let i = 0; i < n; i++) if (a.addr[i] !== b.addr[i]) return false;
  return true;
}
