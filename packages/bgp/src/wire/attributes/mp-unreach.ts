// MP_UNREACH_NLRI (type 15, optional non-transitive): RFC 4760 §4 — AFI, SAFI, withdrawn routes.
// With no routes it is the End-of-RIB marker of a non-IPv4-unicast family (RFC 4724 §2).
// Errors: RFC 7606 §7.12 — truncated → session reset (3/1); NLRI syntax → RFC 7606 §5.3 (3/10).

import type { EncodeContext, MpUnreach, Prefix } from '../types.ts';
import { BgpEncodeError } from '../errors.ts';
import { decodePrefixes, familyKey } from '../nlri.ts';
import type { Writer } from '../writer.ts';
import { readU16 } from './common.ts';
import type { AttrDecodeEnv } from './common.ts';
import { isIpFamily, malformedMp, writePrefixList } from './mp-reach.ts';

export function decodeMpUnreach(buf: Uint8Array, start: number, end: number, env: AttrDecodeEnv): MpUnreach | null {
  if (end - start < 3) throw malformedMp(`MP_UNREACH_NLRI length ${end - start} < 3`);
  const afi = readU16(buf, start);
  const safi = buf[start + 2]!;
  if (!isIpFamily(afi, safi)) return null;
  const withdrawn: Prefix[] = [];
  decodePrefixes(buf, start + 3, end, afi, env.ctx.addPathReceive.has(familyKey(afi, safi)), withdrawn);
  return { afi, safi, withdrawn };
}

export function encodeMpUnreach(w: Writer, v: MpUnreach, ctx: EncodeContext): void {
  if (!isIpFamily(v.afi, v.safi)) throw new BgpEncodeError(`MP_UNREACH_NLRI for unsupported AFI/SAFI ${v.afi}/${v.safi}`);
  w.u16(v.afi).u8(v.safi);
  writePrefixList(w, v.withdrawn, v.afi, ctx.addPathSend.has(familyKey(v.afi, v.safi)));
}
