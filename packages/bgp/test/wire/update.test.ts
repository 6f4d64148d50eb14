// Golden vectors for whole UPDATE messages (RFC 4271 §4.3): IPv4 NLRI with NEXT_HOP, withdrawals,
// MP_REACH_NLRI IPv6 with 16- and 32-octet next hops (RFC 4760, RFC 2545), IPv4 with an IPv6 next hop
// (RFC 8950), MP_UNREACH_NLRI, End-of-RIB for both families (RFC 4724 §2), add-path (RFC 7911),
// a 2-octet AS session (RFC 6793). Each: decode, encode, round-trip.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { BgpEncodeError } from '../../src/wire/errors.ts';
import { parsePrefix } from '../../src/wire/nlri.ts';
import type { DecodeContext, EncodeContext, PathAttributes, Prefix, UpdateMessage } from '../../src/wire/types.ts';
import { decodeUpdate, encodeEndOfRib, encodeUpdate, endOfRibFamily, isEndOfRib } from '../../src/wire/update.ts';
import { defineWireCases, frameOne, hex, MARKER, toHex } from '../support/wire-fixture.ts';
import type { WireCase } from '../support/wire-fixture.ts';

interface Session {
  readonly fourOctetAs?: boolean;
  readonly addPath?: readonly string[];
  readonly extendedMessage?: boolean;
}

export function updateCodec(s: Session = {}) {
  const d: DecodeContext = {
    fourOctetAs: s.fourOctetAs ?? true,
    extendedMessage: s.extendedMessage ?? false,
    addPathReceive: new Set(s.addPath ?? []),
    isIbgp: false,
  };
  const e: EncodeContext = { fourOctetAs: d.fourOctetAs, extendedMessage: d.extendedMessage, addPathSend: new Set(s.addPath ?? []) };
  return {
    decode(bytes: Uint8Array): UpdateMessage {
      const f = frameOne(bytes, d.extendedMessage);
      return decodeUpdate(f.message, 19, f.message.length, d);
    },
    encode(m: UpdateMessage): Uint8Array {
      return encodeUpdate(m, e);
    },
  };
}

const p = parsePrefix;
const update = (withdrawn: Prefix[], attributes: PathAttributes, nlri: Prefix[]): UpdateMessage => ({
  type: 'update',
  withdrawn,
  attributes,
  nlri,
  outcomes: [],
});
const EBGP: PathAttributes = { origin: 0, asPath: [{ type: 2, asns: [65000] }] };
const NH16 = p('2001:db8::1').addr;
const NH32 = Uint8Array.from([...NH16, ...p('fe80::1').addr]);

const plain: WireCase<UpdateMessage>[] = [
  {
    name: 'IPv4 NLRI with NEXT_HOP',
    hex: `${MARKER} 0035 02        # marker, length 53, UPDATE
          0000                   # withdrawn routes length 0
          0014                   # total path attribute length 20
          40 01 01 00            # ORIGIN IGP
          40 02 06 02 01 0000fde8  # AS_PATH AS_SEQUENCE 65000
          40 03 04 c0000201      # NEXT_HOP 192.0.2.1
          20 0a000001            # 10.0.0.1/32
          18 c63364              # 198.51.100.0/24
          00                     # 0.0.0.0/0`,
    message: update([], { ...EBGP, nextHop: '192.0.2.1' }, [p('10.0.0.1/32'), p('198.51.100.0/24'), p('0.0.0.0/0')]),
  },
  {
    name: 'IPv4 withdrawals only',
    hex: `${MARKER} 0023 02
          000c                   # withdrawn routes length 12
          20 0a000001            # 10.0.0.1/32
          11 0a0180              # 10.1.128.0/17
          09 0a80                # 10.128.0.0/9
          0000                   # no attributes`,
    message: update([p('10.0.0.1/32'), p('10.1.128.0/17'), p('10.128.0.0/9')], {}, []),
  },
  {
    name: 'IPv6 in MP_REACH_NLRI, 16-octet next hop',
    hex: `${MARKER} 004d 02 | 0000
          0036                   # attributes 54
          80 0e 26 | 0002 01 | 10 20010db8000000000000000000000001 | 00
          80 20010db8000000000000000000000064   # 2001:db8::64/128
          40 01 01 00 | 40 02 06 02 01 0000fde8`,
    message: update([], { mpReach: { afi: 2, safi: 1, nextHop: NH16, nlri: [p('2001:db8::64/128')] }, ...EBGP }, []),
  },
  {
    name: 'IPv6 in MP_REACH_NLRI, 32-octet next hop (global + link-local)',
    hex: `${MARKER} 006e 02 | 0000
          0057                   # attributes 87
          80 0e 47 | 0002 01 | 20 20010db8000000000000000000000001 fe800000000000000000000000000001 | 00
          80 20010db8000000000000000000000064   # 2001:db8::64/128
          80 20010db8000000000000000000000065   # 2001:db8::65/128
          40 01 01 00 | 40 02 06 02 01 0000fde8`,
    message: update([], { mpReach: { afi: 2, safi: 1, nextHop: NH32, nlri: [p('2001:db8::64/128'), p('2001:db8::65/128')] }, ...EBGP }, []),
  },
  {
    name: 'IPv4 in MP_REACH_NLRI with an IPv6 next hop (RFC 8950)',
    hex: `${MARKER} 003b 02 | 0000
          0024                   # attributes 36
          80 0e 1a | 0001 01 | 10 20010db8000000000000000000000001 | 00
          20 0a000001            # 10.0.0.1/32
          40 01 01 00 | 40 02 00 # ORIGIN IGP, empty AS_PATH`,
    message: update([], { mpReach: { afi: 1, safi: 1, nextHop: NH16, nlri: [p('10.0.0.1/32')] }, origin: 0, asPath: [] }, []),
  },
  {
    name: 'IPv6 withdrawals in MP_UNREACH_NLRI',
    hex: `${MARKER} 0035 02 | 0000
          001e                   # attributes 30
          80 0f 1b | 0002 01
          80 20010db8000000000000000000000064   # 2001:db8::64/128
          30 20010db80001        # 2001:db8:1::/48`,
    message: update([], { mpUnreach: { afi: 2, safi: 1, withdrawn: [p('2001:db8::64/128'), p('2001:db8:1::/48')] } }, []),
  },
  {
    name: 'End-of-RIB IPv4 unicast: an empty UPDATE',
    hex: `${MARKER} 0017 02 | 0000 | 0000`,
    message: update([], {}, []),
  },
  {
    name: 'End-of-RIB IPv6 unicast: MP_UNREACH_NLRI with no routes',
    hex: `${MARKER} 001d 02 | 0000 | 0006 | 80 0f 03 0002 01`,
    message: update([], { mpUnreach: { afi: 2, safi: 1, withdrawn: [] } }, []),
  },
];

const addPath: WireCase<UpdateMessage>[] = [
  {
    name: 'add-path IPv4: path identifiers before each withdrawn route and NLRI (RFC 7911 §3)',
    hex: `${MARKER} 0046 02
          0009 | 00000007 20 0a000009          # path 7, 10.0.0.9/32
          0014
          40 01 01 00 | 40 02 06 02 01 0000fde8 | 40 03 04 c0000201
          00000001 20 0a000001                # path 1, 10.0.0.1/32
          00000002 20 0a000001                # path 2, 10.0.0.1/32`,
    message: update(
      [{ ...p('10.0.0.9/32'), pathId: 7 }],
      { ...EBGP, nextHop: '192.0.2.1' },
      [{ ...p('10.0.0.1/32'), pathId: 1 }, { ...p('10.0.0.1/32'), pathId: 2 }],
    ),
  },
  {
    name: 'add-path IPv6 in MP_REACH_NLRI',
    hex: `${MARKER} 0051 02 | 0000
          003a
          80 0e 2a | 0002 01 | 10 20010db8000000000000000000000001 | 00
          00000003 80 20010db8000000000000000000000064   # path 3, 2001:db8::64/128
          40 01 01 00 | 40 02 06 02 01 0000fde8`,
    message: update([], { mpReach: { afi: 2, safi: 1, nextHop: NH16, nlri: [{ ...p('2001:db8::64/128'), pathId: 3 }] }, ...EBGP }, []),
  },
];

const twoOctet: WireCase<UpdateMessage>[] = [
  {
    name: '2-octet AS session: AS_PATH with AS_TRANS + AS4_PATH, AGGREGATOR + AS4_AGGREGATOR',
    hex: `${MARKER} 0051 02 | 0000
          0035                               # attributes 53
          40 01 01 00
          40 02 06 02 02 5ba0 fde8           # AS_SEQUENCE AS_TRANS 65000
          40 03 04 c0000201
          c0 07 06 5ba0 c0000201             # AGGREGATOR AS_TRANS 192.0.2.1
          c0 11 0a 02 02 fa56ea01 0000fde8   # AS4_PATH 4200000001 65000
          c0 12 08 fa56ea01 c0000201         # AS4_AGGREGATOR 4200000001 192.0.2.1
          20 0a000001`,
    message: update(
      [],
      { origin: 0, asPath: [{ type: 2, asns: [4200000001, 65000] }], nextHop: '192.0.2.1', aggregator: { asn: 4200000001, address: '192.0.2.1' } },
      [p('10.0.0.1/32')],
    ),
  },
];

describe('UPDATE golden vectors', () => {
  const n = defineWireCases(updateCodec(), plain);
  test('cases exist', () => assert.ok(n >= 8));
});
describe('UPDATE golden vectors with add-path for 1/1 and 2/1', () => {
  defineWireCases(updateCodec({ addPath: ['1/1', '2/1'] }), addPath);
});
describe('UPDATE golden vectors, 2-octet AS session', () => {
  defineWireCases(updateCodec({ fourOctetAs: false }), twoOctet);
});

describe('End-of-RIB', () => {
  const c = updateCodec();
  test('encodeEndOfRib matches the golden markers', () => {
    assert.equal(toHex(encodeEndOfRib(1, 1)), toHex(hex(plain[6]!.hex)));
    assert.equal(toHex(encodeEndOfRib(2, 1)), toHex(hex(plain[7]!.hex)));
  });
  test('isEndOfRib / endOfRibFamily recognise both markers and nothing else', () => {
    assert.deepStrictEqual(endOfRibFamily(c.decode(encodeEndOfRib(1, 1))), { afi: 1, safi: 1 });
    assert.deepStrictEqual(endOfRibFamily(c.decode(encodeEndOfRib(2, 1))), { afi: 2, safi: 1 });
    for (const cse of plain.slice(0, 6)) assert.equal(isEndOfRib(c.decode(hex(cse.hex))), false, cse.name);
  });
  test('unsupported family is an encode error', () => {
    assert.throws(() => encodeEndOfRib(25, 70), (e: unknown) => e instanceof BgpEncodeError && e.code === 'ERR_BGP_ENCODE');
  });
});

describe('encodeUpdate errors', () => {
  const ctx: EncodeContext = { fourOctetAs: true, extendedMessage: false, addPathSend: new Set() };
  const isEncodeError = (e: unknown) => e instanceof BgpEncodeError && e.code === 'ERR_BGP_ENCODE';
  test('an UPDATE over 4096 octets without extended messages', () => {
    const nlri = Array.from({ length: 1000 }, (_, i) => ({ afi: 1 as const, length: 32, addr: Uint8Array.of(10, 0, i >> 8, i & 255) }));
    assert.throws(() => encodeUpdate({ withdrawn: [], attributes: { ...EBGP, nextHop: '192.0.2.1' }, nlri }, ctx), isEncodeError);
    const big = encodeUpdate({ withdrawn: [], attributes: { ...EBGP, nextHop: '192.0.2.1' }, nlri }, { ...ctx, extendedMessage: true });
    assert.equal(big.length, 19 + 4 + 20 + 5000);
  });
  test('IPv6 prefix in the classic NLRI field', () => {
    assert.throws(() => encodeUpdate({ withdrawn: [], attributes: EBGP, nlri: [p('2001:db8::1/128')] }, ctx), isEncodeError);
  });
  test('MP_REACH_NLRI next hop of a length RFC 4760 / 2545 / 8950 do not allow', () => {
    const mpReach = { afi: 2, safi: 1, nextHop: new Uint8Array(4), nlri: [] };
    assert.throws(() => encodeUpdate({ withdrawn: [], attributes: { mpReach }, nlri: [] }, ctx), isEncodeError);
  });
  test('bad NEXT_HOP text, ASN out of range, duplicate raw attribute', () => {
    assert.throws(() => encodeUpdate({ withdrawn: [], attributes: { nextHop: '300.1.1.1' }, nlri: [] }, ctx), isEncodeError);
    assert.throws(() => encodeUpdate({ withdrawn: [], attributes: { asPath: [{ type: 2, asns: [2 ** 32] }] }, nlri: [] }, ctx), isEncodeError);
    const raw = { flags: 0xc0, code: 8, value: new Uint8Array(4) };
    assert.throws(() => encodeUpdate({ withdrawn: [], attributes: { communities: [1], unknown: [raw] }, nlri: [] }, ctx), isEncodeError);
  });
});
