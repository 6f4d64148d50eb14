// IPAM's view of addresses, on top of the configuration's parser (config/ip.ts): Kubernetes family
// names (spec.ipFamilies says "IPv4"/"IPv6"), range sizes, and the .0/.255 rule.

import { formatIp, parseIp, parseRange, type Family, type IpRange } from '../config/ip.ts';

/** Family names as Kubernetes writes them in spec.ipFamilies. */
export type IpFamily = 'IPv4' | 'IPv6';

export function toConfigFamily(f: IpFamily): Family {
  return f === 'IPv4' ? 'ipv4' : 'ipv6';
}

export function toK8sFamily(f: Family): IpFamily {
  return f === 'ipv4' ? 'IPv4' : 'IPv6';
}

export function familyOf(ip: string): IpFamily | undefined {
  const p = parseIp(ip);
  return p === undefined ? undefined : toK8sFamily(p.family);
}

export function ipValue(ip: string): bigint | undefined {
  return parseIp(ip)?.value;
}

export function ipText(family: IpFamily, value: bigint): string {
  return formatIp({ family: toConfigFamily(family), value });
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

/** A CIDR, a first-last range or a single address; throws IpamRangeError. For tests and tools. */
export function parsePoolRange(text: string): IpRange {
  const single = parseIp(text.trim());
  if (single !== undefined) return { family: single.family, first: single.value, last: single.value };
  const r = parseRange(text.replace(/\s+/g, ''));
  if (!r.ok) throw new IpamRangeError(text, r.problem);
  return r.range;
}

export function rangeSize(r: IpRange): bigint {
  return r.last - r.first + 1n;
}

/** IPv4 addresses ending in .0 or .255, which some clients mishandle (MetalLB's avoidBuggyIPs). */
export function isBuggyLooking(family: Family, v: bigint): boolean {
  if (family !== 'ipv4') return false;
  const last = v & 0xffn;
  return last === 0n || last === 255n;
}

/** How many addresses of the range remain after .0/.255 avoidance. */
export function usableInRange(r: IpRange, avoidBuggy: boolean): bigint {
  const n = rangeSize(r);
  if (!avoidBuggy || r.family !== 'ipv4') return n;
  const upTo = (x: bigint, residue: bigint): bigint => (x < residue ? 0n : (x - residue) / 256n + 1n);
  const count = (residue: bigint) => upTo(r.last, residue) - (r.first === 0n ? 0n : upTo(r.first - 1n, residue));
  return n - count(0n) - count(255n);
}
