// LOCAL_PREF (type 5, well-known, iBGP only): RFC 4271 §5.1.5. Errors: RFC 7606 §7.5 — from an
// external peer it is discarded whatever its length; on iBGP, length ≠ 4 → treat-as-withdraw.

import { BgpEncodeError } from '../errors.ts';
import type { Writer } from '../writer.ts';
import { discard, isU32, readU32, withdraw } from './common.ts';
import type { AttrDecodeEnv, AttrFault } from './common.ts';

export function decodeLocalPref(buf: Uint8Array, start: number, end: number, env: AttrDecodeEnv): number | AttrFault {
  if (!env.ctx.isIbgp) return discard('LOCAL_PREF from an external peer');
  if (end - start !== 4) return withdraw(`LOCAL_PREF length ${end - start} != 4`);
  return readU32(buf, start);
}

export function encodeLocalPref(w: Writer, v: number): void {
  if (!isU32(v)) throw new BgpEncodeError(`LOCAL_PREF ${v} out of range`);
  w.u32(v);
}
