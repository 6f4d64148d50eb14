// MULTI_EXIT_DISC (type 4, optional non-transitive): RFC 4271 §5.1.4. Errors: RFC 7606 §7.4
// (length ≠ 4 → treat-as-withdraw).

import { BgpEncodeError } from '../errors.ts';
import type { Writer } from '../writer.ts';
import { isU32, readU32, withdraw } from './common.ts';
import type { AttrFault } from './common.ts';

export function decodeMed(buf: Uint8Array, start: number, end: number): number | AttrFault {
  if (end - start !== 4) return withdraw(`MULTI_EXIT_DISC length ${end - start} != 4`);
  return readU32(buf, start);
}

export function encodeMed(w: Writer, v: number): void {
  if (!isU32(v)) throw new BgpEncodeError(`MED ${v} out of range`);
  w.u32(v);
}
