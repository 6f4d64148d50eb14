// IP address, CIDR and range parsing for configuration and the decision: text → { family, bigint },
// canonical text (RFC 5952 §4 for IPv6: lowercase, longest zero run compressed, no leading zeros),
// and containment tests. No dependencies, so the decision module stays pure and cheap.

import { isIPv6 } from 'node:net';
import { formatIpv6Groups, ipv6Groups } from '@vipd/bgp/ip.ts';

export type Family = 'ipv4' | 'ipv6';

export interface ParsedIp {
  readonly family: Family;
  readonly value: bigint;
}

export interface IpRange {
  readonly family: Family;
  readonly first: bigint;
  readonly last: bigint;
}

/** Dotted quad → value, or undefined. Strict: four decimal parts 0-255, no leading zeros (ambiguous octal). */
function parseV4(s: string): bigint | undefined {
  // Hand-rolled rather than node:net isIPv4 + split: this runs for every VIP of every decision.
  let v = 0;
  let part = 0;
  let digits = 0;
  let parts = 0;
  for (let i = 0; i <= s.length; i++) {
    const c = i < s.length ? s.charCodeAt(i) : 46; // a virtual '.' ends the last part
    if (c === 46) {
      if (digits === 0 || part > 255 || (digits > 1 && s.charCodeAt(i - digits) === 48)) return undefined;
      v = v * 256 + part;
      parts++;
      part = 0;
      digits = 0;
    } else if (c >= 48 && c <= 57 && digits < 3) {
      part = part * 10 + (c - 48);
      digits++;
    } else return undefined;
  }
  return parts === 4 ? BigInt(v) : undefined;
}

/** Parses an IPv4 or IPv6 address (no zone, no prefix). Dotted quads with leading zeros are rejected. */
export function parseIp(text: string): ParsedIp | undefined {
  if (!text.includes(':')) {
    const v = parseV4(text);
    return v === undefined ? undefined : { family: 'ipv4', value: v };
  }
  if (!isIPv6(text) || text.includes('%')) return undefined;
  let s = text.toLowerCase();
  const lastColon = s.lastIndexOf(':');
  if (s.slice(lastColon + 1).includes('.')) {
    // Embedded IPv4 (RFC 4291 §2.2 form 3): rewrite the dotted quad as two hex groups.
    const v4 = parseV4(s.slice(lastColon + 1));
    if (v4 === undefined) return undefined;
    s = `${s.slice(0, lastColon + 1)}${(v4 >> 16n).toString(16)}:${(v4 & 0xffffn).toString(16)}`;
  }
  const dbl = s.indexOf('::');
  const head = dbl < 0 ? s : s.slice(0, dbl);
  const rest = dbl < 0 ? '' : s.slice(dbl + 2);
  const h = head === '' ? [] : head.split(':').map((g) => BigInt(`0x${g}`));
  const r = rest === '' ? [] : rest.split(':').map((g) => BigInt(`0x${g}`));
  const fill = dbl < 0 ? 0 : 8 - h.length - r.length;
  if (fill < 0) return undefined;
  const all = [...h, ...new Array<bigint>(fill).fill(0n), ...r];
  if (all.length !== 8) return undefined;
  let v = 0n;
  for (const g of all) v = (v << 16n) | g;
  return { family: 'ipv6', value: v };
}

export function familyBits(f: Family): number {
  return f === 'ipv4' ? 32 : 128;
}

/** Canonical text of an address (IPv4 dotted quad; IPv6 per RFC 5952 §4). */
export function formatIp(ip: ParsedIp): string {
  if (ip.family === 'ipv4') {
    const v = ip.value;
    return [24n, 16n, 8n, 0n].map((s) => String((v >> s) & 0xffn)).join('.');
  }
  return formatIpv6Groups(ipv6Groups(ip.value));
}

/** Canonical form of an address string, or undefined when it is not an address. */
export function canonicalIp(text: string): string | undefined {
  const p = parseIp(text);
  return p === undefined ? undefined : formatIp(p);
}

export type RangeParse =
  | { readonly ok: true; readonly range: IpRange }
  | { readonly ok: false; readonly problem: 'syntax' | 'host-bits' | 'family-mismatch' | 'reversed' };

/** Parses "a.b.c.d/len", "x::/len" (host bits must be zero), or "first-last" (same family, first ≤ last). */
export function parseRange(text: string): RangeParse {
  const dash = text.indexOf('-');
  if (dash >= 0) {
    const a = parseIp(text.slice(0, dash));
    const b = parseIp(text.slice(dash + 1));
    if (a === undefined || b === undefined) return { ok: false, problem: 'syntax' };
    if (a.family !== b.family) return { ok: false, problem: 'family-mismatch' };
    if (a.value > b.value) return { ok: false, problem: 'reversed' };
    return { ok: true, range: { family: a.family, first: a.value, last: b.value } };
  }
  const slash = text.indexOf('/');
  if (slash < 0) return { ok: false, problem: 'syntax' };
  const ip = parseIp(text.slice(0, slash));
  const lenText = text.slice(slash + 1);
  if (ip === undefined || !/^\d{1,3}$/.test(lenText)) return { ok: false, problem: 'syntax' };
  const bits = familyBits(ip.family);
  const len = Number(lenText);
  if (len > bits) return { ok: false, problem: 'syntax' };
  const hostMask = (1n << BigInt(bits - len)) - 1n;
  if ((ip.value & hostMask) !== 0n) return { ok: false, problem: 'host-bits' };
  return { ok: true, range: { family: ip.family, first: ip.value, last: ip.value | hostMask } };
}

export function rangeContains(r: IpRange, ip: ParsedIp): boolean {
  return r.family === ip.family && ip.value >= r.first && ip.value <= r.last;
}

export function rangesOverlap(a: IpRange, b: IpRange): boolean {
  return a.family === b.family && a.first <= b.last && b.first <= a.last;
}
