// ORIGIN (type 1, well-known mandatory): RFC 4271 §4.3 / §5.1.1. Errors: RFC 7606 §7.1.

import type { OriginCode } from '../constants.ts';
import type { Writer } from '../writer.ts';
import { withdraw } from './common.ts';
import type { AttrFault } from './common.ts';

export function decodeOrigin(buf: Uint8Array, start: number, end: number): OriginCode | AttrFault {
  // RFC 7606 §7.1: length not 1 or an undefined value → treat-as-withdraw.
  if (end - start !== 1) return withdraw(`ORIGIN length ${end - start} != 1`);
  const v = buf[start]!;
  if (v > 2) return withdraw(`ORIGIN value ${v} undefined`);
  return v as OriginCode;
}

export function encodeOrigin(w: Writer, v: OriginCode): void {
  w.u8(v);
}
