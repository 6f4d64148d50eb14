// LARGE_COMMUNITY (type 32, optional transitive): RFC 8092 §3, (global admin, local 1, local 2)
// 32-bit triples. Errors: RFC 8092 §6 (length 0 or not a multiple of 12 → treat-as-withdraw, the
// RFC 7606 approach).

import { BgpEncodeError } from '../errors.ts';
import type { Writer } from '../writer.ts';
import { isU32, readU32, withdraw } from './common.ts';
import type { AttrFault } from './common.ts';

type Large = readonly [number, number, number];

export function decodeLargeCommunities(buf: Uint8Array, start: number, end: number): Large[] | AttrFault {
  const len = end - start;
  if (len === 0 || len % 12 !== 0) return withdraw(`LARGE_COMMUNITY length ${len} not a non-zero multiple of 12`);
  const out: Large[] = [];
  for (let p = start; p < end; p += 12) out.push([readU32(buf, p), readU32(buf, p + 4), readU32(buf, p + 8)]);
  return out;
}

export function encodeLargeCommunities(w: Writer, v: readonly Large[]): void {
  if (v.length === 0) throw new BgpEncodeError('empty LARGE_COMMUNITY');
  for (const t of v) {
    if (t.length !== 3 || !isU32(t[0]) || !isU32(t[1]) || !isU32(t[2])) throw new BgpEncodeError('large community out of range');
    w.u32(t[0]).u32(t[1]).u32(t[2]);
  }
}
