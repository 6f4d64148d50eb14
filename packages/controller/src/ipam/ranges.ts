// Address ranges for IPAM: CIDRs and start–end ranges of IPv4 and IPv6, as bigint intervals.
// Pure; parse errors are typed (IpamRangeError) so a bad pool becomes a status condition, not a crash.

import { isIPv4, isIPv6 } from 'node:net';

export type IpFamily = 'IPv4' | 'IPv6';

export interface AddressRange {
  readonly family: IpFamily;
  /** Inclusive bounds. */
  readonly first: bigint;
  readonly last: bigint;
  /** The text it was parsed from, for messages. */
  readonly source: string;
}

export class IpamRangeError extends Error {
  readonly code = 'ERR_IPAM_RANGE';
  readonly input: string;
  constructor(input: string, why: string) {
    super(`invalid address range "${input}": ${why}`);
    this.name = 'IpamRangeError';
    this.input = input;
  }
}

export function familyOf(ip: string): IpFamily | undefined {
  if (isIPv4(ip)) return 'IPv4';
  if (isIPv6(ip)) return 'IPv6';
  return undefined;
}

export function ipToBigInt(ip: string): bigint {
  if (isIPv4(ip)) {
    const p = ip.split('.');
    return BigInt(((Number(p[0]) << 24) >>> 0) + (Number(p[1]) << 16) + (Number(p[2]) << 8) + Number(p[3]));
  }
  if (!isIPv6(ip)) throw new IpamRangeError(ip, 'not an IP address');
  let text = ip;
  const zone = text.indexOf('%');
  if (zone >= 0) text = text.slice(0, zone);
  // An embedded IPv4 tail (::ffff:1.2.3.4) becomes two hextets.
  const lastColon = text.lastIndexOf(':');
  const tail = text.slice(lastColon + 1);
  if (tail.includes('.')) {
    const v4 = ipToBigInt(tail);
    text = `${text.slice(0, lastColon + 1)}${(v4 >> 16n).toString(16)}:${(v4 & 0xffffn).toString(16)}`;
  }
  const [head, rest] = text.split('::') as [string, string | undefined];
  const headParts = head === '' ? [] : head.split(':');
  const restParts = rest === undefined || rest === '' ? [] : rest.split(':');
  const zeros = rest === undefined ? 0 : 8 - headParts.length - restParts.length;
  const parts = [...headParts, ...Array<string>(zeros).fill('0'), ...restParts];
  let v = 0n;
  for (const h of parts) v = (v << 16n) | BigInt(parseInt(h, 16));
  return v;
}

export function bigIntToIp(v: bigint, family: IpFamily): string {
  if (family === 'IPv4') {
    const n = Number(v);
    return `${(n >>> 24) & 255}.${(n >>> 16) & 255}.${(n >>> 8) & 255}.${n & 255}`;
  }
  const hextets: string[] = [];
  for (let i = 7; i >= 0; i--) hextets.push(((v >> BigInt(i * 16)) & 0xffffn).toString(16));
  // RFC 5952: compress the longest run (≥ 2) of zero hextets, the first one on a tie.
  let bestStart = -1;
  let bestLen = 1;
  for (let i = 0; i < 8; ) {
    if (hextets[i] !== '0') {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && hextets[j] === '0') j++;
    if (j - i > bestLen) {
      bestStart = i;
      bestLen = j - i;
    }
    i = j;
  }
  if (bestStart < 0) return hextets.join(':');
  const left = hextets.slice(0, bestStart).join(':');
  const right = hextets.slice(bestStart + bestLen).join(':');
  return `${left}::${right}`;
}

/** Canonical text of an address (lower-case, RFC 5952 for IPv6), or undefined when it is not one. */
export function canonicalIp(ip: string): string | undefined {
  const family = familyOf(ip);
  return family === undefined ? undefined : bigIntToIp(ipToBigInt(ip), family);
}

/** Parses "10.0.0.0/24", "2001:db8::/120", "10.0.0.10-10.0.0.20" or a single address. */
export function parseRange(input: string): AddressRange {
  const text = input.trim();
  const dash = text.indexOf('-');
  if (dash >= 0) {
    const a = text.slice(0, dash).trim();
    const b = text.slice(dash + 1).trim();
    const fa = familyOf(a);
    const fb = familyOf(b);
    if (fa === undefined || fb === undefined) throw new IpamRangeError(input, 'both ends must be IP addresses');
    if (fa !== fb) throw new IpamRangeError(input, 'both ends must be of the same family');
    const first = ipToBigInt(a);
    const last = ipToBigInt(b);
    if (last < first) throw new IpamRangeError(input, 'end is before start');
    return { family: fa, first, last, source: input };
  }
  const slash = text.indexOf('/');
  const addr = slash >= 0 ? text.slice(0, slash) : text;
  const family = familyOf(addr);
  if (family === undefined) throw new IpamRangeError(input, 'not a CIDR, range or address');
  const bits = family === 'IPv4' ? 32 : 128;
  const lenText = slash >= 0 ? text.slice(slash + 1) : String(bits);
  if (!/^\d{1,3}$/.test(lenText)) throw new IpamRangeError(input, 'bad prefix length');
  const len = Number(lenText);
  if (len > bits) throw new IpamRangeError(input, `prefix length above ${bits}`);
  const hostBits = BigInt(bits - len);
  const value = ipToBigInt(addr);
  const first = (value >> hostBits) << hostBits;
  if (first !== value) throw new IpamRangeError(input, 'host bits set; did you mean the network address?');
  return { family, first, last: first + (1n << hostBits) - 1n, source: input };
}

export function rangeSize(r: AddressRange): bigint {
  return r.last - r.first + 1n;
}

export function rangesOverlap(a: AddressRange, b: AddressRange): boolean {
  return a.family === b.family && a.first <= b.last && b.first <= a.last;
}

export function rangeContains(r: AddressRange, family: IpFamily, v: bigint): boolean {
  return r.family === family && v >= r.first && v <= r.last;
}

/** IPv4 addresses ending in .0 or .255, which some clients mishandle (MetalLB's avoidBuggyIPs). */
export function isBuggyLooking(family: IpFamily, v: bigint): boolean {
  if (family !== 'IPv4') return false;
  const last = Number(v & 0xffn);
  return last === 0 || last === 255;
}
