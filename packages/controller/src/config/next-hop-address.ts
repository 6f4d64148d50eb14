// Which addresses may be sent as a BGP next hop for a VIP (RFC 4271 §5.1.3, RFC 2545 §3, RFC 4760 §3):
// a unicast address of the route's family that a router can reach and forward to. Used for the Node
// addresses the Kubernetes daemon takes as the other family's next hop and for BGPPeer
// spec.nextHopIpv4 / spec.nextHopIpv6. Pure; no dependencies beyond config/ip.ts.

import { issue } from './issues.ts';
import { formatIp, parseIp, type Family } from './ip.ts';
import { at, type Ctx, type Obj } from './read.ts';

/** Why an address is refused as a next hop (closed set: status and tests use these). */
export const NEXT_HOP_REFUSALS = [
  'not-an-address', 'wrong-family', 'unspecified', 'loopback', 'multicast', 'link-local', 'ipv4-mapped', 'reserved',
] as const;
export type NextHopRefusal = (typeof NEXT_HOP_REFUSALS)[number];

export type NextHopCheck =
  | { readonly ok: true; readonly address: string }
  | { readonly ok: false; readonly refusal: NextHopRefusal };

function refusalOf(family: Family, v: bigint): NextHopRefusal | undefined {
  if (family === 'ipv4') {
    const a = Number(v >> 24n);
    if (v === 0n || a === 0) return 'unspecified'; // 0.0.0.0/8: "this network" (RFC 1122 §3.2.1.3)
    if (a === 127) return 'loopback';
    if (a >= 224 && a <= 239) return 'multicast';
    if (a >= 240) return 'reserved'; // 240/4 and 255.255.255.255
    if (v >> 16n === 0xa9fen) return 'link-local'; // 169.254/16, RFC 3927 §2.7: never forwarded
    return undefined;
  }
  if (v === 0n) return 'unspecified';
  if (v === 1n) return 'loopback';
  if (v >> 120n === 0xffn) return 'multicast';
  // RFC 2545 §3: the first (or only) next hop is a global address; a link-local one goes only in the
  // second 16 bytes of a 32-byte next hop, never alone.
  if (v >> 118n === 0x3fan) return 'link-local';
  // RFC 4291 §2.5.5.2: an IPv4-mapped address stands for an IPv4 node; it is not an IPv6 next hop
  // (RFC 8950 carries IPv4 routes with a real IPv6 next hop instead).
  if (v >> 32n === 0xffffn) return 'ipv4-mapped';
  if (v >> 32n === 0n) return 'reserved'; // ::/96 (deprecated IPv4-compatible, RFC 4291 §2.5.5.1)
  return undefined;
}

/** Checks `text` as a next hop of `family`; on success returns its canonical text (RFC 5952 §4). */
export function checkNextHop(text: string, family: Family): NextHopCheck {
  const p = parseIp(text);
  if (p === undefined) return { ok: false, refusal: 'not-an-address' };
  if (p.family !== family) return { ok: false, refusal: 'wrong-family' };
  const r = refusalOf(p.family, p.value);
  return r === undefined ? { ok: true, address: formatIp(p) } : { ok: false, refusal: r };
}

/** Reads BGPPeer spec.nextHopIpv4 / spec.nextHopIpv6: a usable next hop of that family, canonical. */
export function readNextHop(ctx: Ctx, spec: Obj, family: Family): string | undefined {
  const key = family === 'ipv4' ? 'nextHopIpv4' : 'nextHopIpv6';
  const v = spec[key];
  if (v === undefined) return undefined;
  const c = typeof v === 'string' ? checkNextHop(v, family) : ({ ok: false, refusal: 'not-an-address' } as const);
  if (c.ok) return c.address;
  const what = family === 'ipv4' ? 'an IPv4' : 'a global or unique-local IPv6';
  ctx.errors.push(issue(at('spec', key), `must be ${what} unicast address a router can forward to (${c.refusal})`, 'InvalidAddress'));
  return undefined;
}
