// The path attribute block of an UPDATE (RFC 4271 §4.3): the generic RFC 7606 checks that run once
// before any per-attribute decoder (attribute framing §4, duplicates §3 (g), Optional/Transitive
// flags §3 (c), unrecognized well-known attributes), dispatch through table.ts, then the checks on
// the whole set (RFC 6793 §4.2.3 AS4 reconstruction, missing mandatory attributes §3 (d), no
// reachable NLRI §5.2). Encoding writes MP_REACH / MP_UNREACH first (RFC 7606 §5.1), then the
// others in type-code order, with the Extended Length bit only when a value exceeds 255 octets.

import { AS_TRANS, AttrFlag, AttrType, NotificationCode, UpdateErrorSubcode } from '../constants.ts';
import { BgpEncodeError, BgpNotificationError } from '../errors.ts';
import type { AttributeOutcome, EncodeContext, DecodeContext, PathAttributes, RawAttribute, AsPathSegment, Aggregator } from '../types.ts';
import type { Writer } from '../writer.ts';
import { mergeAs4Path, needsAs4Path, pathCount } from './as-path.ts';
import { isFault } from './common.ts';
import type { AttrDecodeEnv } from './common.ts';
import { ATTRIBUTE_BY_CODE, ATTRIBUTE_TABLE } from './table.ts';
import type { AttributeRow } from './table.ts';

export interface DecodedAttributes {
  readonly attributes: PathAttributes;
  readonly outcomes: AttributeOutcome[];
}

const OPT_TRANS = AttrFlag.OPTIONAL | AttrFlag.TRANSITIVE;

/**
 * Decodes buf[start, end). Returns attributes and RFC 7606 outcomes; throws BgpNotificationError
 * only for the session-reset cases (MP attribute malformed or duplicated, §5.2 no reachable NLRI).
 */
export function decodeAttributes(
  buf: Uint8Array,
  start: number,
  end: number,
  ctx: DecodeContext,
  hasClassicNlri: boolean,
): DecodedAttributes {
  const env: AttrDecodeEnv = { ctx, hasClassicNlri };
  const out: Record<string, unknown> = {};
  const outcomes: AttributeOutcome[] = [];
  const seen = new Uint8Array(256);
  let unknown: RawAttribute[] | undefined;
  let pos = start;
  while (pos < end) {
    // RFC 7606 §4 (second case): fewer than 3 octets (4 with Extended Length) left for a header,
    // or (first case) a length overrunning the Total Attribute Length: treat-as-withdraw; the
    // Total Attribute Length still locates the NLRI field.
    const left = end - pos;
    const flags = buf[pos]!;
    const code = left >= 2 ? buf[pos + 1]! : 0;
    const hdr = (flags & AttrFlag.EXTENDED_LENGTH) !== 0 ? 4 : 3;
    if (left < hdr) {
      outcomes.push({ action: 'treat-as-withdraw', attrCode: code, reason: 'attribute header truncated (RFC 7606 §4)' });
      break;
    }
    const len = hdr === 4 ? (buf[pos + 2]! << 8) | buf[pos + 3]! : buf[pos + 2]!;
    const vStart = pos + hdr;
    const vEnd = vStart + len;
    if (vEnd > end) {
      outcomes.push({ action: 'treat-as-withdraw', attrCode: code, reason: 'attribute length overruns the attribute block (RFC 7606 §4)' });
      break;
    }
    pos = vEnd;
    // RFC 7606 §3 (g): a second MP_REACH_NLRI or MP_UNREACH_NLRI resets the session (Malformed
    // Attribute List); any other repeated attribute is discarded, keeping the first.
    if (seen[code] !== 0) {
      if (code === AttrType.MP_REACH_NLRI || code === AttrType.MP_UNREACH_NLRI) {
        throw new BgpNotificationError(
          NotificationCode.UPDATE_MESSAGE_ERROR,
          UpdateErrorSubcode.MALFORMED_ATTRIBUTE_LIST,
          new Uint8Array(0),
          `duplicate attribute ${code}`,
        );
      }
      outcomes.push({ action: 'attribute-discard', attrCode: code, reason: 'duplicate attribute (RFC 7606 §3 (g))' });
      continue;
    }
    seen[code] = 1;
    const row = ATTRIBUTE_BY_CODE[code];
    if (row === undefined) {
      if ((flags & AttrFlag.OPTIONAL) === 0) {
        // RFC 4271 §6.3 would send 3/2 (Unrecognized Well-known Attribute); the field guide applies
        // the RFC 7606 §2 principle (no reset when the NLRI can be located): treat-as-withdraw, as
        // BIRD 2 does (e2e/update-errors-routers.test.ts).
        outcomes.push({ action: 'treat-as-withdraw', attrCode: code, reason: 'unrecognized well-known attribute' });
        continue;
      }
      (unknown ??= []).push({ flags: flags & ~AttrFlag.EXTENDED_LENGTH, code, value: buf.slice(vStart, vEnd) });
      continue;
    }
    let flagsBad = false;
    if (((flags ^ row.flags) & OPT_TRANS) !== 0) {
      // RFC 7606 §3 (c): Optional/Transitive bits in conflict with the attribute's definition.
      outcomes.push({ action: row.flagsFault, attrCode: code, reason: `${row.name} flags 0x${flags.toString(16)} (RFC 7606 §3 (c))` });
      flagsBad = true;
      // MP attributes are still parsed: their NLRI must be located to be treated as withdrawn.
      if (code !== AttrType.MP_REACH_NLRI && code !== AttrType.MP_UNREACH_NLRI) continue;
    }
    const v = row.decode(buf, vStart, vEnd, env);
    if (v === null) {
      (unknown ??= []).push({ flags: flags & ~AttrFlag.EXTENDED_LENGTH, code, value: buf.slice(vStart, vEnd) });
    } else if (isFault(v)) {
      outcomes.push({ action: v.fault, attrCode: code, reason: v.reason });
    } else if (!flagsBad || code === AttrType.MP_REACH_NLRI || code === AttrType.MP_UNREACH_NLRI) {
      out[row.key] = v;
    }
  }
  if (unknown !== undefined) out['unknown'] = unknown;
  if (!ctx.fourOctetAs) reconstructAs4(out, outcomes);

  // RFC 7606 §3 (d): missing well-known mandatory attributes with NLRI present → treat-as-withdraw.
  // NEXT_HOP is mandatory only with classic NLRI (RFC 4760 §3 makes it discretionary otherwise).
  const reach = hasClassicNlri || seen[AttrType.MP_REACH_NLRI] !== 0;
  if (reach) {
    for (const code of [AttrType.ORIGIN, AttrType.AS_PATH, AttrType.NEXT_HOP]) {
      if (code === AttrType.NEXT_HOP && !hasClassicNlri) continue;
      if (seen[code] === 0) outcomes.push({ action: 'treat-as-withdraw', attrCode: code, reason: `missing ${ATTRIBUTE_BY_CODE[code]!.name}` });
    }
  }
  // RFC 7606 §5.2: a treat-as-withdraw error in an UPDATE with no reachable NLRI (neither the NLRI
  // field nor a located MP_REACH_NLRI) cannot be handled as a withdrawal: session reset.
  if (!reach && outcomes.some((o) => o.action === 'treat-as-withdraw')) {
    throw new BgpNotificationError(
      NotificationCode.UPDATE_MESSAGE_ERROR,
      UpdateErrorSubcode.MALFORMED_ATTRIBUTE_LIST,
      new Uint8Array(0),
      'treat-as-withdraw error in an UPDATE with no reachable NLRI (RFC 7606 §5.2)',
    );
  }
  return { attributes: out as PathAttributes, outcomes };
}

/**
 * RFC 6793 §4.2.3, from a 2-octet peer: AS4_AGGREGATOR replaces an AGGREGATOR carrying AS_TRANS;
 * if AGGREGATOR carries another AS, AS4_AGGREGATOR and AS4_PATH are ignored. AS4_PATH replaces the
 * tail of AS_PATH unless it is longer (then it is ignored). Ignored attributes are recorded as
 * attribute-discard outcomes; the result carries only the reconstructed asPath / aggregator.
 */
function reconstructAs4(out: Record<string, unknown>, outcomes: AttributeOutcome[]): void {
  const agg = out['aggregator'] as Aggregator | undefined;
  const as4Agg = out['as4Aggregator'] as Aggregator | undefined;
  const asPath = out['asPath'] as AsPathSegment[] | undefined;
  const as4Path = out['as4Path'] as AsPathSegment[] | undefined;
  delete out['as4Aggregator'];
  delete out['as4Path'];
  let ignorePath = false;
  if (as4Agg !== undefined) {
    if (agg !== undefined && agg.asn === AS_TRANS) {
      out['aggregator'] = as4Agg;
    } else {
      outcomes.push({ action: 'attribute-discard', attrCode: AttrType.AS4_AGGREGATOR, reason: 'AGGREGATOR is not AS_TRANS (RFC 6793 §4.2.3)' });
      ignorePath = agg !== undefined;
    }
  }
  if (as4Path === undefined) return;
  if (ignorePath) {
    outcomes.push({ action: 'attribute-discard', attrCode: AttrType.AS4_PATH, reason: 'AGGREGATOR is not AS_TRANS (RFC 6793 §4.2.3)' });
  } else if (asPath === undefined || pathCount(asPath) < pathCount(as4Path)) {
    outcomes.push({ action: 'attribute-discard', attrCode: AttrType.AS4_PATH, reason: 'AS4_PATH longer than AS_PATH (RFC 6793 §4.2.3)' });
  } else {
    out['asPath'] = mergeAs4Path(asPath, as4Path);
  }
}

// ---------------------------------------------------------------------------------------------
// Encoding

/** Writes one attribute: header, value via `body`, Extended Length only when the value needs it. */
export function writeAttribute(w: Writer, flags: number, code: number, body: () => void): void {
  const at = w.pos;
  w.u8(flags & ~AttrFlag.EXTENDED_LENGTH).u8(code).u8(0);
  const vs = w.pos;
  body();
  const len = w.pos - vs;
  if (len <= 255) {
    w.patchU8(at + 2, len);
    return;
  }
  if (len > 0xffff) throw new BgpEncodeError(`attribute ${code} value of ${len} octets`);
  w.u8(0); // room for the second length octet
  w.buf.copyWithin(vs + 1, vs, vs + len);
  w.patchU8(at, flags | AttrFlag.EXTENDED_LENGTH);
  w.patchU16(at + 2, len);
}

/**
 * Writes the attribute block (without its length field). Toward a peer without 4-octet AS
 * (ctx.fourOctetAs false) AS_PATH / AGGREGATOR go out as 2-octet with AS_TRANS and AS4_PATH /
 * AS4_AGGREGATOR are derived from them (RFC 6793 §4.2.2); `as4Path` / `as4Aggregator` given in the
 * model are never sent as such (a NEW speaker does not send them to a NEW peer, RFC 6793 §4.1, and
 * toward an OLD peer they are derived).
 */
export function encodeAttributes(w: Writer, a: PathAttributes, ctx: EncodeContext): void {
  const unknown = a.unknown === undefined ? [] : [...a.unknown].sort((x, y) => x.code - y.code);
  let ui = 0;
  const present = new Uint8Array(256);
  const write = (r: AttributeRow, v: unknown): void => {
    present[r.code] = 1;
    writeAttribute(w, r.flags, r.code, () => r.encode(w, v as never, ctx));
  };
  const reach = ATTRIBUTE_BY_CODE[AttrType.MP_REACH_NLRI]!;
  const unreach = ATTRIBUTE_BY_CODE[AttrType.MP_UNREACH_NLRI]!;
  if (a.mpReach !== undefined) write(reach, a.mpReach);
  if (a.mpUnreach !== undefined) write(unreach, a.mpUnreach);
  for (const r of ATTRIBUTE_TABLE) {
    while (ui < unknown.length && unknown[ui]!.code < r.code) writeRaw(w, unknown[ui++]!, present);
    if (r.code === AttrType.MP_REACH_NLRI || r.code === AttrType.MP_UNREACH_NLRI) continue;
    if (r.code === AttrType.AS4_PATH) {
      if (!ctx.fourOctetAs && a.asPath !== undefined && needsAs4Path(a.asPath)) {
        write(r, a.asPath.filter((s) => s.type === 1 || s.type === 2));
      }
      continue;
    }
    if (r.code === AttrType.AS4_AGGREGATOR) {
      if (!ctx.fourOctetAs && a.aggregator !== undefined && a.aggregator.asn > 0xffff) write(r, a.aggregator);
      continue;
    }
    const v = a[r.key];
    if (v === undefined || v === false) continue;
    write(r, v);
  }
  while (ui < unknown.length) writeRaw(w, unknown[ui++]!, present);
}

function writeRaw(w: Writer, u: RawAttribute, present: Uint8Array): void {
  if (!Number.isInteger(u.code) || u.code < 0 || u.code > 255) throw new BgpEncodeError(`attribute code ${u.code}`);
  if (present[u.code] !== 0) throw new BgpEncodeError(`attribute ${u.code} given twice`);
  present[u.code] = 1;
  writeAttribute(w, u.flags & 0xff, u.code, () => w.bytes(u.value));
}
