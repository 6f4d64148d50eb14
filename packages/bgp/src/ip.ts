// IP address and prefix text helpers for the speaker and its configuration: parse IPv4 (dotted quad)
// and IPv6 (RFC 4291 §2.2 text forms, incl. embedded IPv4) into bytes, and format them canonically
// (RFC 5952 §4: lower case, longest zero run compressed) so that one prefix has one key.

import { isIPv4, isIPv6 } from 'node:net';

export class IpParseError extends Error {
  readonly code = 'ERR_BAD_IP' as const;
  constructor(text: string, what: string) {
    super(`not ${what}: ${JSON.stringify(text)}`);
    this.name = 'IpParseError';
  }
}

export function ipFamily(text: string): 4 | 6 | 0 {
  if (isIPv4(text)) return 4;
  if (isIPv6(text)) return 6;
  return 0;
}

export function parseIpv4Bytes(text: string): Uint8Array {
  if (!isIPv4(text)) throw new IpParseError(text, 'an IPv4 address');
  return Uint8Array.from(text.split('.').map(Number));
}

export function parseIpv6Bytes(text: string): Uint8Array {
  if (!isIPv6(text) || text.includes('%')) throw new IpParseError(text, 'an IPv6 address');
  let s = text;
  const out = new Uint8Array(16);
  // Embedded dotted quad in the last 32 bits (e.g. ::ffff:192.0.2.1).
  const lastColon = s.lastIndexOf(':');
  const tail = s.slice(lastColon + 1);
  let tailBytes: Uint8Array | undefined;
  if (tail.includes('.')) {
    tailBytes = parseIpv4Bytes(tail);
    s = `${s.slice(0, lastColon + 1)}0:0`;
  }
  const [head, rest] = s.includes('::') ? s.split('::') : [s, undefined];
  const headGroups = head === '' ? [] : head!.split(':');
  const restGroups = rest === undefined || rest === '' ? [] : rest.split(':');
  const groups =
    rest === undefined
      ? headGroups
      : [...headGroups, ...new Array<string>(8 - headGroups.length - restGroups.length).fill('0'), ...restGroups];
  for (let i = 0; i < 8; i++) {
    const v = Number.parseInt(groups[i]!, 16);
    out[i * 2] = v >>> 8;
    out[i * 2 + 1] = v & 0xff;
  }
  if (tailBytes !== undefined) out.set(tailBytes, 12);
  return out;
}

export function parseIpBytes(text: string): Uint8Array {
  return ipFamily(text) === 6 ? parseIpv6Bytes(text) : parseIpv4Bytes(text);
}

/** RFC 5952 §4 text of eight 16-bit groups: lower case, the longest run (≥ 2) of zero groups compressed, the first on a tie. */
export function formatIpv6Groups(groups: readonly number[]): string {
  let bestStart = -1;
  let bestLen = 1;
  for (let i = 0; i < 8; ) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLen) {
      bestStart = i;
      bestLen = j - i;
    }
    i = j;
  }
  const hex = groups.map((g) => g.toString(16));
  if (bestStart < 0) return hex.join(':');
  return `${hex.slice(0, bestStart).join(':')}::${hex.slice(bestStart + bestLen).join(':')}`;
}

/** The eight 16-bit groups of an IPv6 address held as a bigint. */
export function ipv6Groups(v: bigint): number[] {
  const groups: number[] = [];
  for (let i = 7; i >= 0; i--) groups.push(Number((v >> BigInt(i * 16)) & 0xffffn));
  return groups;
}

export function formatIpv6(b: Uint8Array): string {
  const groups: number[] = [];
  for (let i = 0; i < 16; i += 2) groups.push((b[i]! << 8) | b[i + 1]!);
  return formatIpv6Groups(groups);
}

export function formatIp(b: Uint8Array): string {
  return b.length === 4 ? Array.from(b).join('.') : formatIpv6(b);
}

export interface ParsedPrefix {
  readonly afi: 1 | 2;
  readonly length: number;
  readonly addr: Uint8Array;
  /** Canonical text: address formatted per RFC 5952 / dotted quad, then "/length". */
  readonly key: string;
}

/**
 * Parses "a.b.c.d/len", "x::y/len" or a bare address (host route). Host bits must be zero unless
 * `allowHostBits`, in which case they are cleared.
 */
export function parseIpPrefix(text: string, allowHostBits = false): ParsedPrefix {
  const fast = parseIpv4PrefixFast(text);
  if (fast !== undefined) return fast;
  const slash = text.indexOf('/');
  const addrText = slash < 0 ? text : text.slice(0, slash);
  const fam = ipFamily(addrText);
  if (fam === 0) throw new IpParseError(text, 'an IP prefix');
  const max = fam === 4 ? 32 : 128;
  const lenText = slash < 0 ? String(max) : text.slice(slash + 1);
  if (!/^\d{1,3}$/.test(lenText) || Number(lenText) > max) throw new IpParseError(text, 'an IP prefix');
  const length = Number(lenText);
  const addr = fam === 4 ? parseIpv4Bytes(addrText) : parseIpv6Bytes(addrText);
  for (let bit = length; bit < max; bit++) {
    const byte = bit >>> 3;
    const mask = 0x80 >>> (bit & 7);
    if ((addr[byte]! & mask) !== 0) {
      if (!allowHostBits) throw new IpParseError(text, 'a prefix without host bits');
      addr[byte] = addr[byte]! & ~mask;
    }
  }
  return { afi: fam === 4 ? 1 : 2, length, addr, key: `${formatIp(addr)}/${length}` };
}

/**
 * Strict dotted-quad IPv4 prefix ("a.b.c.d/len" or "a.b.c.d", no leading zeros, host bits zero)
 * without regular expressions; undefined for anything else (the general parser then decides).
 */
function parseIpv4PrefixFast(text: string): ParsedPrefix | undefined {
  const addr = new Uint8Array(4);
  let octet = 0;
  let v = 0;
  let digits = 0;
  let i = 0;
  const n = text.length;
  for (; i < n; i++) {
    const c = text.charCodeAt(i);
    if (c >= 48 && c <= 57) {
      if (digits > 0 && v === 0) return undefined; // leading zero
      v = v * 10 + (c - 48);
      if (++digits > 3 || v > 255) return undefined;
    } else if (c === 46 || c === 47) {
      if (digits === 0 || octet > 3) return undefined;
      addr[octet++] = v;
      v = 0;
      digits = 0;
      if (c === 47) break;
      if (octet > 3) return undefined;
    } else return undefined;
  }
  let length = 32;
  if (i === n) {
    if (digits === 0 || octet !== 3) return undefined;
    addr[octet++] = v;
  } else {
    if (octet !== 4) return undefined;
    const lenText = text.slice(i + 1);
    if (!/^(?:[0-9]|[12][0-9]|3[0-2])$/.test(lenText)) return undefined;
    length = Number(lenText);
  }
  const word = ((addr[0]! << 24) | (addr[1]! << 16) | (addr[2]! << 8) | addr[3]!) >>> 0;
  const hostMask = length === 32 ? 0 : (0xffffffff >>> length) >>> 0;
  if ((word & hostMask) !== 0) return undefined;
  const key = i === n ? `${text}/32` : text;
  return { afi: 1, length, addr, key };
}

export interface MutablePrefix {
  afi: 1 | 2;
  length: number;
  /** 16 bytes, reused: only the first ceil(length / 8) are meaningful. */
  readonly addr: Uint8Array;
}

/**
 * Fills a reusable prefix from a canonical key, without allocating for IPv4 (the speaker encodes
 * 100k-route tables through a fixed pool of these; the encoder copies the bytes at once).
 */
export function fillPrefixFromKey(key: string, out: MutablePrefix): MutablePrefix {
  if (key.includes(':')) {
    const p = parseIpPrefix(key);
    out.afi = 2;
    out.length = p.length;
    out.addr.set(p.addr);
    return out;
  }
  const addr = out.addr;
  let octet = 0;
  let v = 0;
  let i = 0;
  for (; i < key.length; i++) {
    const c = key.charCodeAt(i);
    if (c === 46 || c === 47) {
      addr[octet++] = v;
      v = 0;
      if (c === 47) break;
    } else v = v * 10 + (c - 48);
  }
  let len = 0;
  for (i++; i < key.length; i++) len = len * 10 + (key.charCodeAt(i) - 48);
  out.afi = 1;
  out.length = len;
  return out;
}

/**
 * The wire prefix for a canonical key (as made by parseIpPrefix). Hot path of the speaker: IPv4 keys
 * are read without regular expressions or intermediate arrays.
 */
export function prefixFromKey(key: string): { afi: 1 | 2; length: number; addr: Uint8Array } {
  if (key.includes(':')) {
    const p = parseIpPrefix(key);
    return { afi: 2, length: p.length, addr: p.addr };
  }
  const addr = new Uint8Array(4);
  let octet = 0;
  let v = 0;
  let i = 0;
  for (; i < key.length; i++) {
    const c = key.charCodeAt(i);
    if (c === 46 || c === 47) {
      addr[octet++] = v;
      v = 0;
      if (c === 47) break;
    } else v = v * 10 + (c - 48);
  }
  return { afi: 1, length: Number(key.slice(i + 1)), addr };
}
