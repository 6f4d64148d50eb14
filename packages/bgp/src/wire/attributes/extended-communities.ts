// EXTENDED_COMMUNITIES (type 16, optional transitive): RFC 4360 §2, 8-octet values kept as bytes.
// Errors: RFC 7606 §7.14 (length 0 or not a multiple of 8 → treat-as-withdraw).

import { BgpEncodeError } from '../errors.ts';
import type { Writer } from '../writer.ts';
import { withdraw } from './common.ts';
import type { AttrFault } from './common.ts';

export function decodeExtendedCommunities(buf: Uint8Array, start: number, end: number): Uint8Array[] | AttrFault {
  const len = end - start;
  if (len === 0 || len % 8 !== 0) return withdraw(`EXTENDED_COMMUNITIES length ${len} not a non-zero multiple of 8`);
  const out: Uint8Array[] = [];
  for (let p = start; p < end; p += 8) out.push(buf.slice(p, p + 8));
  return out;
}

export function encodeExtendedCommunities(w: Writer, v: readonly Uint8Array[]): void {
  if (v.length === 0) throw new BgpEncodeError('empty EXTENDED_COMMUNITIES');
  for (const c of v) {
    if (c.length !== 8) throw new BgpEncodeError(`extended community of ${c.length} octets`);
    w.bytes(c);
  }
}
