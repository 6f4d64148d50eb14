// AS4_PATH (type 17, optional transitive): RFC 6793 §3 / §4.2. Always 4-octet ASNs, AS_SET and
// AS_SEQUENCE only. Errors: RFC 6793 §6 and RFC 7606 §7 — attribute discard when malformed; also
// discarded when received from a 4-octet-capable peer (RFC 6793 §4.1: NEW speakers do not send it to
// NEW speakers, and a NEW receiver ignores it).

import type { AsPathSegment } from '../types.ts';
import type { Writer } from '../writer.ts';
import { decodeSegments, encodeSegments } from './as-path.ts';
import { discard } from './common.ts';
import type { AttrDecodeEnv, AttrFault } from './common.ts';

export function decodeAs4Path(buf: Uint8Array, start: number, end: number, env: AttrDecodeEnv): AsPathSegment[] | AttrFault {
  if (env.ctx.fourOctetAs) return discard('AS4_PATH from a 4-octet AS peer (RFC 6793 §4.1)');
  // RFC 6793 §6: confed segments in AS4_PATH make it malformed.
  return decodeSegments(buf, start, end, 4, false, 'attribute-discard', 'AS4_PATH');
}

export function encodeAs4Path(w: Writer, segs: readonly AsPathSegment[]): void {
  encodeSegments(w, segs, 4);
}
