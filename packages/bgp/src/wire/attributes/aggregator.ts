// AGGREGATOR (type 7, optional transitive): RFC 4271 §5.1.7, 2-octet AS + IPv4 address (6 octets),
// or 4-octet AS + address (8 octets) between RFC 6793 speakers. Errors: RFC 7606 §7.7 (wrong length
// → attribute discard), AS 0 per RFC 7607 §2 (discard as well).

import { AS_TRANS } from '../constants.ts';
import { BgpEncodeError } from '../errors.ts';
import { formatIpv4, parseIpv4Address } from '../nlri.ts';
import type { Aggregator } from '../types.ts';
import type { Writer } from '../writer.ts';
import { discard, isU32, readU32 } from './common.ts';
import type { AttrDecodeEnv, AttrFault } from './common.ts';

export function decodeAggregator(buf: Uint8Array, start: number, end: number, env: AttrDecodeEnv): Aggregator | AttrFault {
  const want = env.ctx.fourOctetAs ? 8 : 6;
  if (end - start !== want) return discard(`AGGREGATOR length ${end - start} != ${want}`);
  const asn = want === 8 ? readU32(buf, start) : (buf[start]! << 8) | buf[start + 1]!;
  if (asn === 0) return discard('AGGREGATOR AS 0 (RFC 7607)');
  return { asn, address: formatIpv4(buf, end - 4) };
}

export function writeAggregator(w: Writer, v: Aggregator, asnSize: 2 | 4): void {
  if (!isU32(v.asn)) throw new BgpEncodeError(`AGGREGATOR AS ${v.asn} out of range`);
  const addr = parseIpv4Address(v.address);
  if (addr === undefined) throw new BgpEncodeError(`AGGREGATOR address ${JSON.stringify(v.address)}`);
  if (asnSize === 4) w.u32(v.asn);
  else w.u16(v.asn > 0xffff ? AS_TRANS : v.asn); // RFC 6793 §4.2.2
  w.bytes(addr);
}
