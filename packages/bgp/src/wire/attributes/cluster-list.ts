// CLUSTER_LIST (type 10, optional non-transitive): RFC 4456 §8, a list of cluster IDs. Errors:
// RFC 7606 §7.10 — from an external peer it is discarded; length 0 or not a multiple of 4 →
// treat-as-withdraw.

import { BgpEncodeError } from '../errors.ts';
import { formatIpv4, parseIpv4Address } from '../nlri.ts';
import type { Writer } from '../writer.ts';
import { discard, withdraw } from './common.ts';
import type { AttrDecodeEnv, AttrFault } from './common.ts';

export function decodeClusterList(buf: Uint8Array, start: number, end: number, env: AttrDecodeEnv): string[] | AttrFault {
  if (!env.ctx.isIbgp) return discard('CLUSTER_LIST from an external peer');
  const len = end - start;
  if (len === 0 || len % 4 !== 0) return withdraw(`CLUSTER_LIST length ${len} not a non-zero multiple of 4`);
  const out: string[] = [];
  for (let p = start; p < end; p += 4) out.push(formatIpv4(buf, p));
  return out;
}

export function encodeClusterList(w: Writer, v: readonly string[]): void {
  if (v.length === 0) throw new BgpEncodeError('empty CLUSTER_LIST');
  for (const id of v) {
    const b = parseIpv4Address(id);
    if (b === undefined) throw new BgpEncodeError(`cluster ID ${JSON.stringify(id)}`);
    w.bytes(b);
  }
}
