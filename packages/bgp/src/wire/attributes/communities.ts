// COMMUNITIES (type 8, optional transitive): RFC 1997, 32-bit values. Errors: RFC 7606 §7.8
// (length 0 or not a multiple of 4 → treat-as-withdraw).

import { BgpEncodeError } from '../errors.ts';
import type { Writer } from '../writer.ts';
import { isU32, readU32, withdraw } from './common.ts';
import type { AttrFault } from './common.ts';

export function decodeCommunities(buf: Uint8Array, start: number, end: number): number[] | AttrFault {
  const len = end - start;
  if (len === 0 || len % 4 !== 0) return withdraw(`COMMUNITIES length ${len} not a non-zero multiple of 4`);
  const out = new Array<number>(len / 4);
  for (let i = 0, p = start; p < end; i++, p += 4) out[i] = readU32(buf, p);
  return out;
}

export function encodeCommunities(w: Writer, v: readonly number[]): void {
  if (v.length === 0) throw new BgpEncodeError('empty COMMUNITIES (RFC 7606 §7.8 makes it malformed)');
  for (const c of v) {
    if (!isU32(c)) throw new BgpEncodeError(`community ${c} out of range`);
    w.u32(c);
  }
}
