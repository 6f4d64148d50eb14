// AS4_AGGREGATOR (type 18, optional transitive): RFC 6793 §3, 4-octet AS + IPv4 address. Errors:
// RFC 6793 §6 / RFC 7606 §7 — attribute discard when malformed (length ≠ 8, AS 0 per RFC 7607) or
// when received from a 4-octet-capable peer (RFC 6793 §4.1).

import type { Aggregator } from '../types.ts';
import type { Writer } from '../writer.ts';
import { writeAggregator } from './aggregator.ts';
import { discard, readU32 } from './common.ts';
import type { AttrDecodeEnv, AttrFault } from './common.ts';
import { formatIpv4 } from '../nlri.ts';

export function decodeAs4Aggregator(buf: Uint8Array, start: number, end: number, env: AttrDecodeEnv): Aggregator | AttrFault {
  if (env.ctx.fourOctetAs) return discard('AS4_AGGREGATOR from a 4-octet AS peer (RFC 6793 §4.1)');
  if (end - start !== 8) return discard(`AS4_AGGREGATOR length ${end - start} != 8`);
  const asn = readU32(buf, start);
  if (asn === 0) return discard('AS4_AGGREGATOR AS 0 (RFC 7607)');
  return { asn, address: formatIpv4(buf, start + 4) };
}

export function encodeAs4Aggregator(w: Writer, v: Aggregator): void {
  writeAggregator(w, v, 4);
}
