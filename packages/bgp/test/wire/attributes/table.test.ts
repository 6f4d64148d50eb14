// Golden vectors for every path attribute in the table (RFC 4271 §4.3 / §5, RFC 1997, 4360, 4456,
// 4760, 2545, 6793, 8092, 8950, 9234): commented hex of the attribute block, decoded model, encode
// and round-trip through defineWireCases. Plus the table's own invariants.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { decodeAttributes, encodeAttributes } from '../../../src/wire/attributes/block.ts';
import { ATTRIBUTE_BY_CODE, ATTRIBUTE_TABLE } from '../../../src/wire/attributes/table.ts';
import { AttrType } from '../../../src/wire/constants.ts';
import { parsePrefix } from '../../../src/wire/nlri.ts';
import type { DecodeContext, EncodeContext, PathAttributes } from '../../../src/wire/types.ts';
import { Writer } from '../../../src/wire/writer.ts';
import { defineWireCases, hex, toHex } from '../../support/wire-fixture.ts';
import type { WireCase } from '../../support/wire-fixture.ts';

interface Session {
  readonly fourOctetAs: boolean;
  readonly isIbgp: boolean;
}

function codec(s: Session) {
  const d: DecodeContext = { fourOctetAs: s.fourOctetAs, extendedMessage: false, addPathReceive: new Set(), isIbgp: s.isIbgp };
  const e: EncodeContext = { fourOctetAs: s.fourOctetAs, extendedMessage: false, addPathSend: new Set() };
  return {
    decode(bytes: Uint8Array): PathAttributes {
      const r = decodeAttributes(bytes, 0, bytes.length, d, false);
      assert.deepStrictEqual(r.outcomes, []);
      return r.attributes;
    },
    encode(a: PathAttributes): Uint8Array {
      const w = new Writer();
      encodeAttributes(w, a, e);
      return w.finish();
    },
  };
}

const NH16 = parsePrefix('2001:db8::1').addr;
const LL = parsePrefix('fe80::1').addr;
const NH32 = Uint8Array.from([...NH16, ...LL]);
const bytes300 = Uint8Array.from({ length: 300 }, (_, i) => i & 0xff);
/** ORIGIN IGP and AS_PATH 65000: with MP_REACH_NLRI they are mandatory (RFC 7606 §3 (d)). The MP
 *  attribute is written first (RFC 7606 §5.1), so these two follow it on the wire. */
const BASE: PathAttributes = { origin: 0, asPath: [{ type: 2, asns: [65000] }] };
const AFTER_MP = '40 01 01 00 | 40 02 06 02 01 0000fde8';
const comms70 = Array.from({ length: 70 }, (_, i) => 0xfde80000 + i);

const ebgp4: WireCase<PathAttributes>[] = [
  { name: 'ORIGIN IGP', hex: '40 01 01 00 # well-known transitive, type 1, len 1, IGP', message: { origin: 0 } },
  { name: 'ORIGIN INCOMPLETE', hex: '40 01 01 | 02', message: { origin: 2 } },
  {
    name: 'AS_PATH 4-octet AS_SEQUENCE',
    hex: `40 02 0e   # AS_PATH, len 14
          02 03      # AS_SEQUENCE of 3
          0000fde8 0000fde9 fa56ea01  # 65000 65001 4200000001`,
    message: { asPath: [{ type: 2, asns: [65000, 65001, 4200000001] }] },
  },
  {
    name: 'AS_PATH with AS_SET and confederation segments',
    hex: `40 02 1c   # AS_PATH, len 28
          03 01 0000fc00            # AS_CONFED_SEQUENCE 64512
          04 01 0000fc01            # AS_CONFED_SET {64513}
          02 01 0000fde8            # AS_SEQUENCE 65000
          01 02 00000001 00000002   # AS_SET {1 2}`,
    message: {
      asPath: [
        { type: 3, asns: [64512] },
        { type: 4, asns: [64513] },
        { type: 2, asns: [65000] },
        { type: 1, asns: [1, 2] },
      ],
    },
  },
  { name: 'NEXT_HOP', hex: '40 03 04 c0000201 # NEXT_HOP 192.0.2.1', message: { nextHop: '192.0.2.1' } },
  { name: 'MULTI_EXIT_DISC', hex: '80 04 04 00000064 # optional non-transitive, MED 100', message: { med: 100 } },
  { name: 'ATOMIC_AGGREGATE', hex: '40 06 00 # no value', message: { atomicAggregate: true } },
  {
    name: 'AGGREGATOR 8 octets',
    hex: 'c0 07 08 0000fde8 c0000201 # AS 65000, 192.0.2.1',
    message: { aggregator: { asn: 65000, address: '192.0.2.1' } },
  },
  {
    name: 'COMMUNITIES',
    hex: 'c0 08 08 fde80064 ffff0000 # 65000:100, GRACEFUL_SHUTDOWN',
    message: { communities: [0xfde80064, 0xffff0000] },
  },
  {
    name: 'COMMUNITIES over 255 octets use Extended Length',
    hex: `d0 08 0118 ${comms70.map((c) => c.toString(16).padStart(8, '0')).join(' ')}`,
    message: { communities: comms70 },
  },
  {
    name: 'MP_REACH_NLRI IPv6, 16-octet next hop',
    hex: `          80 0e 26       # optional non-transitive, type 14, len 38
          0002 01        # AFI IPv6, SAFI unicast
          10 20010db8000000000000000000000001  # next hop len 16, 2001:db8::1
          00             # reserved
          80 20010db8000000000000000000000064  # 2001:db8::64/128
          ${AFTER_MP}`,
    message: { ...BASE, mpReach: { afi: 2, safi: 1, nextHop: NH16, nlri: [parsePrefix('2001:db8::64/128')] } },
  },
  {
    name: 'MP_REACH_NLRI IPv6, 32-octet next hop (global + link-local, RFC 2545)',
    hex: `          80 0e 2e | 0002 01
          20 20010db8000000000000000000000001 fe800000000000000000000000000001
          00
          40 20010db800000001  # 2001:db8:0:1::/64
          ${AFTER_MP}`,
    message: { ...BASE, mpReach: { afi: 2, safi: 1, nextHop: NH32, nlri: [parsePrefix('2001:db8:0:1::/64')] } },
  },
  {
    name: 'MP_REACH_NLRI IPv4 NLRI with an IPv6 next hop (RFC 8950)',
    hex: `          80 0e 1e | 0001 01   # AFI IPv4, SAFI unicast
          10 20010db8000000000000000000000001
          00
          20 0a000001          # 10.0.0.1/32
          18 0a0001            # 10.0.1.0/24
          ${AFTER_MP}`,
    message: { ...BASE, mpReach: { afi: 1, safi: 1, nextHop: NH16, nlri: [parsePrefix('10.0.0.1/32'), parsePrefix('10.0.1.0/24')] } },
  },
  {
    name: 'MP_UNREACH_NLRI IPv6',
    hex: `80 0f 14 | 0002 01 | 80 20010db8000000000000000000000064`,
    message: { mpUnreach: { afi: 2, safi: 1, withdrawn: [parsePrefix('2001:db8::64/128')] } },
  },
  {
    name: 'EXTENDED_COMMUNITIES',
    hex: 'c0 10 08 0002fde800000064 # transitive two-octet AS route target 65000:100',
    message: { extendedCommunities: [hex('0002fde800000064')] },
  },
  {
    name: 'LARGE_COMMUNITY',
    hex: 'c0 20 0c fa56ea01 00000001 00000002 # 4200000001:1:2',
    message: { largeCommunities: [[4200000001, 1, 2]] },
  },
  { name: 'OTC', hex: 'c0 23 04 0000fde8 # RFC 9234 only-to-customer, AS 65000', message: { otc: 65000 } },
  {
    name: 'unknown optional transitive attribute kept raw',
    hex: 'c0 63 03 010203 # type 99',
    message: { unknown: [{ flags: 0xc0, code: 99, value: hex('010203') }] },
  },
  {
    name: 'unknown attribute keeps its Partial bit',
    hex: 'e0 64 01 ff # optional transitive partial, type 100',
    message: { unknown: [{ flags: 0xe0, code: 100, value: hex('ff') }] },
  },
  {
    name: 'unknown attribute over 255 octets uses Extended Length',
    hex: `d0 63 012c ${toHex(bytes300)}`,
    message: { unknown: [{ flags: 0xc0, code: 99, value: bytes300 }] },
  },
  {
    name: 'attributes in order: MP first (RFC 7606 §5.1), then by type code',
    hex: `80 0f 03 | 0002 01   # MP_UNREACH IPv6, no routes
          40 01 01 | 00
          40 02 06 | 02 01 0000fde8
          c0 08 04 | fde80064`,
    message: { mpUnreach: { afi: 2, safi: 1, withdrawn: [] }, origin: 0, asPath: [{ type: 2, asns: [65000] }], communities: [0xfde80064] },
  },
];

const ibgp: WireCase<PathAttributes>[] = [
  { name: 'LOCAL_PREF (iBGP)', hex: '40 05 04 | 00000064', message: { localPref: 100 } },
  { name: 'AS_PATH empty (iBGP origination)', hex: '40 02 00', message: { asPath: [] } },
  { name: 'ORIGINATOR_ID (iBGP)', hex: '80 09 04 | 0a000001', message: { originatorId: '10.0.0.1' } },
  { name: 'CLUSTER_LIST (iBGP)', hex: '80 0a 08 | 0a000001 0a000002', message: { clusterList: ['10.0.0.1', '10.0.0.2'] } },
];

const twoOctet: WireCase<PathAttributes>[] = [
  { name: 'AS_PATH 2-octet', hex: '40 02 06 02 02 fde8 fde9 # AS_SEQUENCE 65000 65001', message: { asPath: [{ type: 2, asns: [65000, 65001] }] } },
  { name: 'AGGREGATOR 6 octets', hex: 'c0 07 06 | fde8 c0000201', message: { aggregator: { asn: 65000, address: '192.0.2.1' } } },
  {
    name: 'AS4_PATH toward a 2-octet peer (RFC 6793 §4.2.2), merged back on receipt (§4.2.3)',
    hex: `40 02 06 | 02 02 5ba0 fde8                # AS_SEQUENCE AS_TRANS 65000
          c0 11 0a | 02 02 fa56ea01 0000fde8        # AS4_PATH 4200000001 65000`,
    message: { asPath: [{ type: 2, asns: [4200000001, 65000] }] },
  },
  {
    name: 'AS4_AGGREGATOR toward a 2-octet peer',
    hex: `c0 07 06 | 5ba0 c0000201                  # AGGREGATOR AS_TRANS 192.0.2.1
          c0 12 08 | fa56ea01 c0000201              # AS4_AGGREGATOR 4200000001 192.0.2.1`,
    message: { aggregator: { asn: 4200000001, address: '192.0.2.1' } },
  },
];

describe('attribute golden vectors, eBGP 4-octet session', () => {
  const n = defineWireCases(codec({ fourOctetAs: true, isIbgp: false }), ebgp4);
  test('cases exist', () => assert.ok(n > 15));
});
describe('attribute golden vectors, iBGP session', () => {
  const n = defineWireCases(codec({ fourOctetAs: true, isIbgp: true }), ibgp);
  test('cases exist', () => assert.ok(n > 0));
});
describe('attribute golden vectors, 2-octet AS session', () => {
  const n = defineWireCases(codec({ fourOctetAs: false, isIbgp: false }), twoOctet);
  test('cases exist', () => assert.ok(n > 0));
});

describe('attribute table', () => {
  test('one row per attribute code the codec interprets, indexed by code', () => {
    const codes = ATTRIBUTE_TABLE.map((r) => r.code);
    assert.equal(new Set(codes).size, codes.length);
    assert.deepStrictEqual([...codes].sort((a, b) => a - b), codes, 'rows in type-code order');
    for (const code of Object.values(AttrType)) assert.equal(ATTRIBUTE_BY_CODE[code]?.code, code);
  });

  test('an AS_SEQUENCE of 300 ASNs is split into segments of 255 and 45', () => {
    const asns = Array.from({ length: 300 }, (_, i) => 64512 + i);
    const c = codec({ fourOctetAs: true, isIbgp: false });
    const bytes = c.encode({ asPath: [{ type: 2, asns }] });
    // flags 0x50 (extended length), type 2, length 2+255*4 + 2+45*4 = 1204
    assert.equal(toHex(bytes.subarray(0, 6)), '500204b402ff');
    assert.equal(bytes[4 + 2 + 255 * 4], 2);
    assert.equal(bytes[4 + 2 + 255 * 4 + 1], 45);
    const back = c.decode(bytes).asPath!;
    assert.deepStrictEqual(back.map((s) => s.asns.length), [255, 45]);
    assert.deepStrictEqual(back.flatMap((s) => s.asns), asns);
  });

  test('toward a 4-octet peer AS4_PATH / AS4_AGGREGATOR are never sent', () => {
    const c = codec({ fourOctetAs: true, isIbgp: false });
    const bytes = c.encode({
      asPath: [{ type: 2, asns: [4200000001] }],
      as4Path: [{ type: 2, asns: [4200000001] }],
      aggregator: { asn: 4200000001, address: '192.0.2.1' },
      as4Aggregator: { asn: 4200000001, address: '192.0.2.1' },
    });
    assert.equal(toHex(bytes), '40020602' + '01fa56ea01' + 'c00708fa56ea01c0000201');
  });

  test('toward a 2-octet peer AS4_PATH leaves out confederation segments and is not sent when every AS fits', () => {
    const c = codec({ fourOctetAs: false, isIbgp: false });
    assert.equal(toHex(c.encode({ asPath: [{ type: 2, asns: [65000] }] })), '4002040201fde8');
    const bytes = c.encode({ asPath: [{ type: 3, asns: [70000] }, { type: 2, asns: [4200000001] }] });
    assert.equal(toHex(bytes), '400208' + '03015ba0' + '02015ba0' + 'c01106' + '0201fa56ea01');
  });
});
