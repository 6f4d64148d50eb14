// AS_PATH (type 2, well-known mandatory): RFC 4271 §4.3 / §5.1.2, segments AS_SET (1), AS_SEQUENCE
// (2), and RFC 5065 §3 AS_CONFED_SEQUENCE (3) / AS_CONFED_SET (4); 2-octet ASNs, or 4-octet when both
// sides have the RFC 6793 capability. Errors: RFC 7606 §7.2, AS 0 per RFC 7607 §2. The same segment
// codec serves AS4_PATH (as4-path.ts), which is always 4-octet.

import { AS_TRANS, AsPathSegmentType } from '../constants.ts';
import type { AsPathSegmentTypeCode } from '../constants.ts';
import { BgpEncodeError } from '../errors.ts';
import type { AsPathSegment } from '../types.ts';
import type { Writer } from '../writer.ts';
import { isU32, readU32, withdraw, discard } from './common.ts';
import type { AttrFault, FaultAction } from './common.ts';

/** RFC 4271 §5.1.2 / RFC 6793: the segment length octet caps a segment at 255 ASNs. */
export const MAX_SEGMENT_ASNS = 255;

/**
 * Decodes AS path segments with `asnSize` (2 or 4) octets per ASN. Malformed (RFC 7606 §7.2):
 * unknown segment type, zero segment length, a segment overrunning the attribute, fewer than two
 * octets left for a segment header; AS 0 (RFC 7607 §2). `action` is the approach for this attribute
 * (treat-as-withdraw for AS_PATH, attribute discard for AS4_PATH per RFC 6793 §6).
 */
export function decodeSegments(
  buf: Uint8Array,
  start: number,
  end: number,
  asnSize: 2 | 4,
  allowConfed: boolean,
  action: FaultAction,
  name: string,
): AsPathSegment[] | AttrFault {
  const fault = (why: string): AttrFault => (action === 'treat-as-withdraw' ? withdraw(`${name}: ${why}`) : discard(`${name}: ${why}`));
  const segs: AsPathSegment[] = [];
  let pos = start;
  while (pos < end) {
    if (end - pos < 2) return fault('truncated segment header');
    const type = buf[pos]!;
    const count = buf[pos + 1]!;
    pos += 2;
    if (type < 1 || type > 4 || (!allowConfed && type > 2)) return fault(`segment type ${type}`);
    if (count === 0) return fault('segment length 0');
    if (pos + count * asnSize > end) return fault('segment overruns the attribute');
    const asns: number[] = new Array<number>(count);
    for (let i = 0; i < count; i++) {
      const asn = asnSize === 4 ? readU32(buf, pos) : (buf[pos]! << 8) | buf[pos + 1]!;
      if (asn === 0) return fault('AS 0 (RFC 7607)');
      asns[i] = asn;
      pos += asnSize;
    }
    segs.push({ type: type as AsPathSegmentTypeCode, asns });
  }
  return segs;
}

/**
 * Writes segments with `asnSize` octets per ASN. 2-octet encoding maps ASNs above 65535 to AS_TRANS
 * (RFC 6793 §4.2.2). Segments longer than 255 ASNs are split into consecutive segments of the same
 * type (an AS_SET split in two stays a valid, if longer-counted, path; RFC 4271 §5.1.2 allows only
 * 255 per segment).
 */
export function encodeSegments(w: Writer, segs: readonly AsPathSegment[], asnSize: 2 | 4): void {
  for (const seg of segs) {
    if (seg.type < 1 || seg.type > 4) throw new BgpEncodeError(`AS path segment type ${seg.type}`);
    if (seg.asns.length === 0) throw new BgpEncodeError('empty AS path segment');
    for (let i = 0; i < seg.asns.length; i += MAX_SEGMENT_ASNS) {
      const n = Math.min(MAX_SEGMENT_ASNS, seg.asns.length - i);
      w.u8(seg.type).u8(n);
      for (let k = i; k < i + n; k++) {
        const asn = seg.asns[k]!;
        if (!isU32(asn)) throw new BgpEncodeError(`ASN ${asn} out of range`);
        if (asnSize === 4) w.u32(asn);
        else w.u16(asn > 0xffff ? AS_TRANS : asn);
      }
    }
  }
}

export function decodeAsPath(
  buf: Uint8Array,
  start: number,
  end: number,
  fourOctet: boolean,
): AsPathSegment[] | AttrFault {
  return decodeSegments(buf, start, end, fourOctet ? 4 : 2, true, 'treat-as-withdraw', 'AS_PATH');
}

/** Some ASN in a non-confederation segment does not fit 2 octets (RFC 6793 §4.2.2: AS4_PATH needed). */
export function needsAs4Path(segs: readonly AsPathSegment[]): boolean {
  for (const s of segs) {
    if (s.type === AsPathSegmentType.AS_CONFED_SEQUENCE || s.type === AsPathSegmentType.AS_CONFED_SET) continue;
    for (const a of s.asns) if (a > 0xffff) return true;
  }
  return false;
}

/**
 * RFC 6793 §4.2.3: the number of ASNs in a path for the merge rule: an AS_SET counts 1, confed
 * segments count 0.
 */
export function pathCount(segs: readonly AsPathSegment[]): number {
  let n = 0;
  for (const s of segs) {
    if (s.type === AsPathSegmentType.AS_SEQUENCE) n += s.asns.length;
    else if (s.type === AsPathSegmentType.AS_SET) n += 1;
  }
  return n;
}

/**
 * RFC 6793 §4.2.3: rebuilds the 4-octet path from a 2-octet AS_PATH and an AS4_PATH: keep the
 * leading (count(AS_PATH) − count(AS4_PATH)) ASNs of AS_PATH (with any confed segments among them),
 * then append AS4_PATH. The caller has checked count(AS_PATH) ≥ count(AS4_PATH).
 */
export function mergeAs4Path(asPath: readonly AsPathSegment[], as4Path: readonly AsPathSegment[]): AsPathSegment[] {
  let keep = pathCount(asPath) - pathCount(as4Path);
  const out: AsPathSegment[] = [];
  for (const s of asPath) {
    if (s.type === AsPathSegmentType.AS_CONFED_SEQUENCE || s.type === AsPathSegmentType.AS_CONFED_SET) {
      out.push(s); // confed segments of the leading part are kept (RFC 6793 §4.2.3)
      continue;
    }
    if (keep <= 0) break;
    if (s.type === AsPathSegmentType.AS_SET) {
      out.push(s);
      keep -= 1;
    } else if (s.asns.length <= keep) {
      out.push(s);
      keep -= s.asns.length;
    } else {
      out.push({ type: s.type, asns: s.asns.slice(0, keep) });
      keep = 0;
    }
  }
  // Adjacent AS_SEQUENCEs from the cut and from AS4_PATH stay separate segments, as on the wire.
  return out.concat(as4Path);
}
