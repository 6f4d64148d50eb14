// The malformed-attribute cases ExaBGP sends to FRR and BIRD for the RFC 7606 cross-check
// (e2e/tools/cross-check.ts). Each is one raw attribute, `attribute [ code flags hex ]`, added to an
// otherwise valid eBGP UPDATE from AS 65100 (4-octet AS session). `rfc7606` is what the RFC asks.
import type { RawAttribute } from '../support/routers/exabgp.ts';

export interface CrossCase {
  readonly name: string;
  readonly attribute: RawAttribute;
  readonly rfc7606: 'treat-as-withdraw' | 'attribute-discard' | 'session-reset' | 'accept';
  readonly clause: string;
}

export const EXA_AS = 65100;
const AS_HEX = EXA_AS.toString(16).padStart(8, '0');

export const CROSS_CASES: readonly CrossCase[] = [
  { name: 'origin-value-3', attribute: { code: 0x01, flags: 0x40, hex: '03' }, rfc7606: 'treat-as-withdraw', clause: 'RFC 7606 §7.1 (undefined ORIGIN value)' },
  { name: 'origin-length-2', attribute: { code: 0x01, flags: 0x40, hex: '0000' }, rfc7606: 'treat-as-withdraw', clause: 'RFC 7606 §7.1 (ORIGIN length ≠ 1)' },
  { name: 'origin-optional-flag', attribute: { code: 0x01, flags: 0xc0, hex: '00' }, rfc7606: 'treat-as-withdraw', clause: 'RFC 7606 §3 c (attribute flags error)' },
  { name: 'as-path-segment-type-5', attribute: { code: 0x02, flags: 0x40, hex: `0501${AS_HEX}` }, rfc7606: 'treat-as-withdraw', clause: 'RFC 7606 §7.2 (bad segment type)' },
  { name: 'as-path-segment-overrun', attribute: { code: 0x02, flags: 0x40, hex: `0203${AS_HEX}` }, rfc7606: 'treat-as-withdraw', clause: 'RFC 7606 §7.2 (segment overrun)' },
  { name: 'as-path-as0', attribute: { code: 0x02, flags: 0x40, hex: `0202${AS_HEX}00000000` }, rfc7606: 'treat-as-withdraw', clause: 'RFC 7607 §2 (AS 0 in AS_PATH)' },
  { name: 'next-hop-length-5', attribute: { code: 0x03, flags: 0x40, hex: '0a000001ff' }, rfc7606: 'treat-as-withdraw', clause: 'RFC 7606 §7.3 (NEXT_HOP length ≠ 4)' },
  { name: 'med-length-3', attribute: { code: 0x04, flags: 0x80, hex: '000001' }, rfc7606: 'treat-as-withdraw', clause: 'RFC 7606 §7.4 (MED length ≠ 4)' },
  { name: 'local-pref-from-ebgp', attribute: { code: 0x05, flags: 0x40, hex: '00000064' }, rfc7606: 'attribute-discard', clause: 'RFC 7606 §7.5 (LOCAL_PREF from an external peer)' },
  { name: 'atomic-aggregate-length-1', attribute: { code: 0x06, flags: 0x40, hex: '00' }, rfc7606: 'attribute-discard', clause: 'RFC 7606 §7.6 (ATOMIC_AGGREGATE length ≠ 0)' },
  { name: 'aggregator-length-5', attribute: { code: 0x07, flags: 0xc0, hex: `${AS_HEX}01` }, rfc7606: 'attribute-discard', clause: 'RFC 7606 §7.7 (AGGREGATOR length ≠ 8 on a 4-octet session)' },
  { name: 'communities-length-5', attribute: { code: 0x08, flags: 0xc0, hex: `${AS_HEX}01` }, rfc7606: 'treat-as-withdraw', clause: 'RFC 7606 §7.8 (COMMUNITIES length not a multiple of 4)' },
  { name: 'communities-length-0', attribute: { code: 0x08, flags: 0xc0, hex: '' }, rfc7606: 'treat-as-withdraw', clause: 'RFC 7606 §7.8 (COMMUNITIES length 0)' },
  { name: 'originator-id-from-ebgp', attribute: { code: 0x09, flags: 0x80, hex: '01020304' }, rfc7606: 'attribute-discard', clause: 'RFC 7606 §7.9 (ORIGINATOR_ID from an external peer)' },
  { name: 'ext-communities-length-7', attribute: { code: 0x10, flags: 0xc0, hex: `0002${AS_HEX.slice(4)}000001` }, rfc7606: 'treat-as-withdraw', clause: 'RFC 7606 §7.14 (EXTENDED_COMMUNITIES length not a multiple of 8)' },
  { name: 'as4-path-from-4byte-peer', attribute: { code: 0x11, flags: 0xc0, hex: `0201${AS_HEX}` }, rfc7606: 'attribute-discard', clause: 'RFC 6793 §9 / RFC 7606 §7.x (AS4_PATH from a 4-octet speaker is discarded)' },
  { name: 'large-communities-length-8', attribute: { code: 0x20, flags: 0xc0, hex: `${AS_HEX}00000001` }, rfc7606: 'treat-as-withdraw', clause: 'RFC 8092 §5 (LARGE_COMMUNITIES length not a multiple of 12)' },
  { name: 'unknown-optional-transitive', attribute: { code: 0xf1, flags: 0xc0, hex: 'cafe' }, rfc7606: 'accept', clause: 'RFC 4271 §5 (unrecognized optional transitive: keep, set Partial)' },
  { name: 'unknown-well-known', attribute: { code: 0xf2, flags: 0x40, hex: 'cafe' }, rfc7606: 'treat-as-withdraw', clause: 'RFC 7606 §3 (unrecognized attribute without the Optional bit)' },
  { name: 'mp-reach-truncated', attribute: { code: 0x0e, flags: 0x80, hex: '000201' }, rfc7606: 'session-reset', clause: 'RFC 7606 §7.11 / §5.3 (MP_REACH_NLRI cannot be parsed)' },
];
