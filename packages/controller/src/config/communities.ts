// BGP community text forms used in BGPAdvertisement: standard communities "ASN:value" (RFC 1997 §3,
// two 16-bit halves), the well-known names of RFC 1997, RFC 3765, RFC 7611, RFC 7999 and RFC 8326
// (GRACEFUL_SHUTDOWN = 65535:0), and large communities "global:local1:local2" (RFC 8092 §3, three
// 32-bit numbers). Values are the 32-bit numbers / triples the bgp package's PathAttributes carry.

import { WellKnownCommunity } from '@vipd/bgp/wire/constants.ts';

export type LargeCommunity = readonly [number, number, number];

export const WELL_KNOWN_COMMUNITY_NAMES = Object.keys(WellKnownCommunity) as readonly (keyof typeof WellKnownCommunity)[];

export const GRACEFUL_SHUTDOWN_COMMUNITY: number = WellKnownCommunity.GRACEFUL_SHUTDOWN;

const U16_RE = /^(0|[1-9]\d{0,4})$/;
const U32_RE = /^(0|[1-9]\d{0,9})$/;

/** A standard community ("65000:100" or a well-known name) as its 32-bit value, or undefined. */
export function parseCommunity(text: string): number | undefined {
  if (Object.hasOwn(WellKnownCommunity, text)) return WellKnownCommunity[text as keyof typeof WellKnownCommunity];
  const parts = text.split(':');
  if (parts.length !== 2 || !parts.every((p) => U16_RE.test(p))) return undefined;
  const hi = Number(parts[0]);
  const lo = Number(parts[1]);
  if (hi > 0xffff || lo > 0xffff) return undefined;
  return hi * 0x10000 + lo;
}

/** A large community "global:local1:local2" (RFC 8092), or undefined. */
export function parseLargeCommunity(text: string): LargeCommunity | undefined {
  const parts = text.split(':');
  if (parts.length !== 3 || !parts.every((p) => U32_RE.test(p))) return undefined;
  const [a, b, c] = parts.map(Number) as [number, number, number];
  if (a > 0xffffffff || b > 0xffffffff || c > 0xffffffff) return undefined;
  return [a, b, c];
}

export function formatCommunity(value: number): string {
  return `${Math.floor(value / 0x10000)}:${value % 0x10000}`;
}

export function compareLarge(a: LargeCommunity, b: LargeCommunity): number {
  return a[0] - b[0] || a[1] - b[1] || a[2] - b[2];
}

/** Sorted, de-duplicated union of standard communities. */
export function unionCommunities(...lists: readonly (readonly number[])[]): number[] {
  // Inputs are usually already sorted and unique (parsed advertisements); skip the work for 0 or 1 list.
  const nonEmpty = lists.filter((l) => l.length > 0);
  if (nonEmpty.length === 0) return [];
  if (nonEmpty.length === 1 && isSortedUnique(nonEmpty[0]!)) return nonEmpty[0] as number[];
  return [...new Set(lists.flat())].sort((x, y) => x - y);
}

/** Sorted, de-duplicated union of large communities. */
export function unionLargeCommunities(...lists: readonly (readonly LargeCommunity[])[]): LargeCommunity[] {
  const nonEmpty = lists.filter((l) => l.length > 0);
  if (nonEmpty.length === 0) return [];
  const seen = new Map<string, LargeCommunity>();
  for (const c of lists.flat()) seen.set(c.join(':'), c);
  return [...seen.values()].sort(compareLarge);
}

function isSortedUnique(xs: readonly number[]): boolean {
  for (let i = 1; i < xs.length; i++) if (xs[i - 1]! >= xs[i]!) return false;
  return true;
}
