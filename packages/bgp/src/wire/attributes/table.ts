// The path attribute table (BIRD proto/bgp/attrs.c style): one row per attribute with its code,
// name, the Optional/Transitive flags RFC 4271 §5 / its RFC specifies, the approach for wrong flags
// (RFC 7606 §3 (c): treat-as-withdraw unless the attribute's spec says otherwise), and its value
// decoder and encoder. block.ts runs the generic checks once and dispatches through this table.

import { AttrFlag, AttrType } from '../constants.ts';
import type { EncodeContext, PathAttributes } from '../types.ts';
import type { Writer } from '../writer.ts';
import { writeAggregator, decodeAggregator } from './aggregator.ts';
import { decodeAs4Aggregator, encodeAs4Aggregator } from './as4-aggregator.ts';
import { decodeAs4Path, encodeAs4Path } from './as4-path.ts';
import { decodeAsPath, encodeSegments } from './as-path.ts';
import { decodeAtomicAggregate, encodeAtomicAggregate } from './atomic-aggregate.ts';
import { decodeClusterList, encodeClusterList } from './cluster-list.ts';
import type { AttrDecodeEnv, AttrFault, FaultAction } from './common.ts';
import { decodeCommunities, encodeCommunities } from './communities.ts';
import { decodeExtendedCommunities, encodeExtendedCommunities } from './extended-communities.ts';
import { decodeLargeCommunities, encodeLargeCommunities } from './large-communities.ts';
import { decodeLocalPref, encodeLocalPref } from './local-pref.ts';
import { decodeMed, encodeMed } from './med.ts';
import { decodeMpReach, encodeMpReach } from './mp-reach.ts';
import { decodeMpUnreach, encodeMpUnreach } from './mp-unreach.ts';
import { decodeNextHop, encodeNextHop } from './next-hop.ts';
import { decodeOrigin, encodeOrigin } from './origin.ts';
import { decodeOriginatorId, encodeOriginatorId } from './originator-id.ts';
import { decodeOtc, encodeOtc } from './otc.ts';

type Key = Exclude<keyof PathAttributes, 'unknown'>;

export interface AttributeRow<K extends Key = Key> {
  readonly code: number;
  readonly name: string;
  /** The field of PathAttributes this attribute fills. */
  readonly key: K;
  /** Expected Optional | Transitive bits (the Partial and Extended Length bits are not checked). */
  readonly flags: number;
  /** RFC 7606 §3 (c), or the attribute's own rule, for conflicting Optional/Transitive bits. */
  readonly flagsFault: FaultAction;
  /** Returns the value, a fault (RFC 7606 outcome), or null to keep the attribute raw. May throw
   *  BgpNotificationError for the session-reset cases (MP_REACH / MP_UNREACH only). */
  decode(buf: Uint8Array, start: number, end: number, env: AttrDecodeEnv): NonNullable<PathAttributes[K]> | AttrFault | null;
  /** Writes the value octets (the header is written by block.ts). */
  encode(w: Writer, value: NonNullable<PathAttributes[K]>, ctx: EncodeContext): void;
}

const WELL_KNOWN = AttrFlag.TRANSITIVE;
const OPTIONAL = AttrFlag.OPTIONAL;
const OPTIONAL_TRANSITIVE = AttrFlag.OPTIONAL | AttrFlag.TRANSITIVE;

function row<K extends Key>(r: AttributeRow<K>): AttributeRow {
  return r as unknown as AttributeRow;
}

export const ATTRIBUTE_TABLE: readonly AttributeRow[] = [
  row({ code: AttrType.ORIGIN, name: 'ORIGIN', key: 'origin', flags: WELL_KNOWN, flagsFault: 'treat-as-withdraw',
    decode: decodeOrigin, encode: encodeOrigin }),
  row({ code: AttrType.AS_PATH, name: 'AS_PATH', key: 'asPath', flags: WELL_KNOWN, flagsFault: 'treat-as-withdraw',
    decode: (b, s, e, env) => decodeAsPath(b, s, e, env.ctx.fourOctetAs),
    encode: (w, v, ctx) => encodeSegments(w, v, ctx.fourOctetAs ? 4 : 2) }),
  row({ code: AttrType.NEXT_HOP, name: 'NEXT_HOP', key: 'nextHop', flags: WELL_KNOWN, flagsFault: 'treat-as-withdraw',
    decode: decodeNextHop, encode: encodeNextHop }),
  row({ code: AttrType.MULTI_EXIT_DISC, name: 'MULTI_EXIT_DISC', key: 'med', flags: OPTIONAL, flagsFault: 'treat-as-withdraw',
    decode: decodeMed, encode: encodeMed }),
  row({ code: AttrType.LOCAL_PREF, name: 'LOCAL_PREF', key: 'localPref', flags: WELL_KNOWN, flagsFault: 'treat-as-withdraw',
    decode: decodeLocalPref, encode: encodeLocalPref }),
  row({ code: AttrType.ATOMIC_AGGREGATE, name: 'ATOMIC_AGGREGATE', key: 'atomicAggregate', flags: WELL_KNOWN,
    flagsFault: 'treat-as-withdraw', decode: decodeAtomicAggregate, encode: encodeAtomicAggregate }),
  row({ code: AttrType.AGGREGATOR, name: 'AGGREGATOR', key: 'aggregator', flags: OPTIONAL_TRANSITIVE, flagsFault: 'treat-as-withdraw',
    decode: decodeAggregator, encode: (w, v, ctx) => writeAggregator(w, v, ctx.fourOctetAs ? 4 : 2) }),
  row({ code: AttrType.COMMUNITIES, name: 'COMMUNITIES', key: 'communities', flags: OPTIONAL_TRANSITIVE,
    flagsFault: 'treat-as-withdraw', decode: decodeCommunities, encode: encodeCommunities }),
  row({ code: AttrType.ORIGINATOR_ID, name: 'ORIGINATOR_ID', key: 'originatorId', flags: OPTIONAL, flagsFault: 'treat-as-withdraw',
    decode: decodeOriginatorId, encode: encodeOriginatorId }),
  row({ code: AttrType.CLUSTER_LIST, name: 'CLUSTER_LIST', key: 'clusterList', flags: OPTIONAL, flagsFault: 'treat-as-withdraw',
    decode: decodeClusterList, encode: encodeClusterList }),
  row({ code: AttrType.MP_REACH_NLRI, name: 'MP_REACH_NLRI', key: 'mpReach', flags: OPTIONAL, flagsFault: 'treat-as-withdraw',
    decode: decodeMpReach, encode: encodeMpReach }),
  row({ code: AttrType.MP_UNREACH_NLRI, name: 'MP_UNREACH_NLRI', key: 'mpUnreach', flags: OPTIONAL, flagsFault: 'treat-as-withdraw',
    decode: decodeMpUnreach, encode: encodeMpUnreach }),
  row({ code: AttrType.EXTENDED_COMMUNITIES, name: 'EXTENDED_COMMUNITIES', key: 'extendedCommunities', flags: OPTIONAL_TRANSITIVE,
    flagsFault: 'treat-as-withdraw', decode: decodeExtendedCommunities, encode: encodeExtendedCommunities }),
  // RFC 6793 §6: AS4_PATH / AS4_AGGREGATOR errors of any kind are handled by discarding the attribute.
  row({ code: AttrType.AS4_PATH, name: 'AS4_PATH', key: 'as4Path', flags: OPTIONAL_TRANSITIVE, flagsFault: 'attribute-discard',
    decode: decodeAs4Path, encode: encodeAs4Path }),
  row({ code: AttrType.AS4_AGGREGATOR, name: 'AS4_AGGREGATOR', key: 'as4Aggregator', flags: OPTIONAL_TRANSITIVE,
    flagsFault: 'attribute-discard', decode: decodeAs4Aggregator, encode: encodeAs4Aggregator }),
  row({ code: AttrType.LARGE_COMMUNITIES, name: 'LARGE_COMMUNITY', key: 'largeCommunities', flags: OPTIONAL_TRANSITIVE,
    flagsFault: 'treat-as-withdraw', decode: decodeLargeCommunities, encode: encodeLargeCommunities }),
  row({ code: AttrType.OTC, name: 'OTC', key: 'otc', flags: OPTIONAL_TRANSITIVE, flagsFault: 'treat-as-withdraw',
    decode: decodeOtc, encode: encodeOtc }),
];

/** Row by attribute type code (undefined for codes this codec does not interpret). */
export const ATTRIBUTE_BY_CODE: readonly (AttributeRow | undefined)[] = (() => {
  const t = new Array<AttributeRow | undefined>(256).fill(undefined);
  for (const r of ATTRIBUTE_TABLE) t[r.code] = r;
  return t;
})();

export function attributeName(code: number): string {
  return ATTRIBUTE_BY_CODE[code]?.name ?? `ATTR_${code}`;
}
