// Inputs shared by bench/codec.bench.ts and its allocation probe (support/codec-alloc.ts): N host
// prefixes (/32 or /128), the attribute set a VIP speaker sends, and the session contexts.

import type { DecodeContext, EncodeContext, PathAttributes, Prefix } from '../../packages/bgp/src/wire/types.ts';
import type { PackOptions } from '../../packages/bgp/src/wire/pack.ts';

export const SIZES = [1_000, 10_000, 100_000] as const;
export const FAMILIES = ['ipv4', 'ipv6'] as const;
export type Family = (typeof FAMILIES)[number];

export function hostPrefixes(family: Family, n: number): Prefix[] {
  const out: Prefix[] = [];
  for (let i = 0; i < n; i++) {
    if (family === 'ipv4') {
      out.push({ afi: 1, length: 32, addr: Uint8Array.of(10, (i >>> 16) & 0xff, (i >>> 8) & 0xff, i & 0xff) });
    } else {
      const a = new Uint8Array(16);
      a.set([0x20, 0x01, 0x0d, 0xb8]);
      a[13] = (i >>> 16) & 0xff;
      a[14] = (i >>> 8) & 0xff;
      a[15] = i & 0xff;
      out.push({ afi: 2, length: 128, addr: a });
    }
  }
  return out;
}

/** eBGP announcement of a VIP: ORIGIN IGP, AS_PATH [our AS], NEXT_HOP, one community. */
export const ATTRIBUTES: PathAttributes = {
  origin: 0,
  asPath: [{ type: 2, asns: [4200000001] }],
  nextHop: '192.0.2.1',
  communities: [0xfde80064],
};

export const PACK_OPTIONS: PackOptions = {
  ipv6NextHop: Uint8Array.of(0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1),
};

export const ENCODE_CTX: EncodeContext = { fourOctetAs: true, extendedMessage: false, addPathSend: new Set() };
export const DECODE_CTX: DecodeContext = { fourOctetAs: true, extendedMessage: false, addPathReceive: new Set(), isIbgp: false };
