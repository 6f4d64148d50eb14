// ORIGINATOR_ID (type 9, optional non-transitive): RFC 4456 §8, a router ID. Errors: RFC 7606 §7.9
// — from an external peer it is discarded; length ≠ 4 → treat-as-withdraw.

import { BgpEncodeError } from '../errors.ts';
import { formatIpv4, parseIpv4Address } from '../nlri.ts';
import type { Writer } from '../writer.ts';
import { discard, withdraw } from './common.ts';
import type { AttrDecodeEnv, AttrFault } from './common.ts';

export function decodeOriginatorId(buf: Uint8Array, start: number, end: number, env: AttrDecodeEnv): string | AttrFault {
  if (!env.ctx.isIbgp) return discard('ORIGINATOR_ID from an external peer');
  if (end - start !== 4) return withdraw(`ORIGINATOR_ID length ${end - start} != 4`);
  return formatIpv4(buf, start);
}

export function encodeOriginatorId(w: Writer, v: string): void {
  const b = parseIpv4Address(v);
  if (b === undefined) throw new BgpEncodeError(`ORIGINATOR_ID ${JSON.stringify(v)}`);
  w.bytes(b);
}
