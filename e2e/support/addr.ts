// Lab harness: small IPv4/IPv6 address helpers for building link addresses (host N of a subnet).
import { isIPv4, isIPv6 } from 'node:net';
import { LabError } from './exec.ts';
import { formatIpv6Groups, ipv6Groups } from '../../packages/bgp/src/ip.ts';

export function ipv4ToInt(a: string): number {
  const p = a.split('.').map(Number);
  if (p.length !== 4 || p.some((x) => !Number.isInteger(x) || x < 0 || x > 255)) {
    throw new LabError('LAB_BAD_SPEC', `bad IPv4 address ${a}`);
  }
  return ((p[0] << 24) >>> 0) + (p[1] << 16) + (p[2] << 8) + p[3];
}

export function intToIpv4(n: number): string {
  return [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join('.');
}

export function ipv6ToBigInt(a: string): bigint {
  if (!isIPv6(a)) throw new LabError('LAB_BAD_SPEC', `bad IPv6 address ${a}`);
  let s = a;
  // embedded IPv4 tail (::ffff:1.2.3.4)
  const v4 = /(\d+\.\d+\.\d+\.\d+)$/.exec(s);
  if (v4) {
    const n = ipv4ToInt(v4[1]);
    s = s.slice(0, -v4[1].length) + ((n >>> 16).toString(16) + ':' + (n & 0xffff).toString(16));
  }
  const [head, tail] = s.includes('::') ? s.split('::') : [s, undefined];
  const h = head ? head.split(':') : [];
  const t = tail !== undefined && tail !== '' ? tail.split(':') : [];
  const fill = tail === undefined ? [] : new Array(8 - h.length - t.length).fill('0');
  const groups = [...h, ...fill, ...t];
  let v = 0n;
  for (const g of groups) v = (v << 16n) | BigInt(parseInt(g || '0', 16));
  return v;
}

/** RFC 5952 canonical text (lower case, longest zero run compressed). */
export function bigIntToIpv6(v: bigint): string {
  return formatIpv6Groups(ipv6Groups(v));
}

export function canonicalIp(a: string): string {
  if (isIPv4(a)) return a;
  return bigIntToIpv6(ipv6ToBigInt(a));
}

/** Host number `n` of `subnet` ('10.0.0.0/30', 'fd00:1::/64'), as an address without length. */
export function hostOf(subnet: string, n: number): string {
  const [base, lenText] = subnet.split('/');
  const len = Number(lenText);
  if (isIPv4(base)) {
    if (!(len >= 0 && len <= 32)) throw new LabError('LAB_BAD_SPEC', `bad prefix ${subnet}`);
    const mask = len === 0 ? 0 : (0xffffffff << (32 - len)) >>> 0;
    return intToIpv4(((ipv4ToInt(base) & mask) >>> 0) + n);
  }
  if (!(len >= 0 && len <= 128)) throw new LabError('LAB_BAD_SPEC', `bad prefix ${subnet}`);
  const mask = len === 0 ? 0n : ((1n << 128n) - 1n) ^ ((1n << BigInt(128 - len)) - 1n);
  return bigIntToIpv6((ipv6ToBigInt(base) & mask) + BigInt(n));
}

export function prefixLength(cidr: string): number {
  return Number(cidr.split('/')[1]);
}

export function familyOf(addressOrPrefix: string): 'ipv4' | 'ipv6' {
  return addressOrPrefix.includes(':') ? 'ipv6' : 'ipv4';
}

/** '10.0.0.1/32' or 'fd00::1/128' normalized (canonical address text). */
export function canonicalPrefix(p: string): string {
  const [a, l] = p.split('/');
  return `${canonicalIp(a)}/${l ?? (isIPv4(a) ? '32' : '128')}`;
}
