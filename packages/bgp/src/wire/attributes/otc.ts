// OTC, Only to Customer (type 35, optional transitive): RFC 9234 §5, a 4-octet AS number. Errors:
// RFC 9234 §5 (length ≠ 4 → treat-as-withdraw).

import { BgpEncodeError } from '../errors.ts';
import type { Writer } from '../writer.ts';
import { isU32, readU32, withdraw } from './common.ts';
import type { AttrFault } from './common.ts';

export function decodeOtc(buf: Uint8Array, start: number, end: number): number | AttrFault {
  if (end - start !== 4) return withdraw(`OTC length ${end - start} != 4`);
  return readU32(buf, start);
}

export function encodeOtc(w: Writer, v: number): void {
  if (!isU32(v)) throw new BgpEncodeError(`OTC AS ${v} out of range`);
  w.u32(v);
}
