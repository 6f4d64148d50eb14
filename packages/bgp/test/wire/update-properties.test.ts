// fast-check properties of the UPDATE codec: decode(encode(m)) = m for generated UPDATEs (every
// attribute, both families, add-path, 2- and 4-octet AS sessions); random and mutated bytes only ever
// give an UpdateMessage or a BgpNotificationError; packUpdates / packWithdraws carry exactly the input
// prefixes in messages no larger than the maximum, byte-identical to encodeUpdate of their content.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { ATTRIBUTE_BY_CODE } from '../../src/wire/attributes/table.ts';
import { BgpNotificationError } from '../../src/wire/errors.ts';
import { formatPrefix, maskHostBits } from '../../src/wire/nlri.ts';
import { packUpdates, packWithdraws, packUpdatesIter } from '../../src/wire/pack.ts';
import type { AsPathSegment, DecodeContext, EncodeContext, PathAttributes, Prefix, UpdateMessage } from '../../src/wire/types.ts';
import { decodeUpdate, encodeUpdate } from '../../src/wire/update.ts';
import { toHex } from '../support/wire-fixture.ts';

const RUNS = 300;
const NP = { noNullPrototype: true } as const;

function ctxs(fourOctetAs: boolean, addPath: boolean, extendedMessage = true): { d: DecodeContext; e: EncodeContext } {
  const fams = addPath ? ['1/1', '2/1'] : [];
  return {
    d: { fourOctetAs, extendedMessage, addPathReceive: new Set(fams), isIbgp: true },
    e: { fourOctetAs, extendedMessage, addPathSend: new Set(fams) },
  };
}

const u32 = fc.integer({ min: 0, max: 0xffffffff });
const asn = fc.integer({ min: 1, max: 0xffffffff });
const ipv4Text = fc.tuple(fc.integer({ min: 0, max: 255 }), fc.integer({ min: 0, max: 255 }), fc.integer({ min: 0, max: 255 }), fc.integer({ min: 0, max: 255 }))
  .map((o) => o.join('.'));
const unicastV4 = fc.tuple(fc.integer({ min: 1, max: 223 }).filter((a) => a !== 127), fc.integer({ min: 0, max: 255 }), fc.integer({ min: 0, max: 255 }), fc.integer({ min: 0, max: 255 }))
  .map((o) => o.join('.'));

function prefixArb(afi: 1 | 2, withPathId: boolean): fc.Arbitrary<Prefix> {
  const size = afi === 1 ? 4 : 16;
  return fc
    .tuple(fc.integer({ min: 0, max: size * 8 }), fc.uint8Array({ minLength: size, maxLength: size }), u32)
    .map(([length, addr, id]) => {
      maskHostBits(addr, length);
      return withPathId ? { afi, length, addr, pathId: id } : { afi, length, addr };
    });
}

function segmentsArb(fourOctetAs: boolean): fc.Arbitrary<AsPathSegment[]> {
  // Toward a 2-octet peer confederation members must fit 2 octets: RFC 6793 §4.2.2 leaves confed
  // segments out of AS4_PATH, so a larger member AS could not be carried at all.
  const seg = (types: readonly (1 | 2 | 3 | 4)[]) =>
    fc.record({
      type: fc.constantFrom(...types),
      asns: fc.array(types[0]! >= 3 && !fourOctetAs ? fc.integer({ min: 1, max: 0xffff }) : asn, { minLength: 1, maxLength: 12 }),
    }, NP) as fc.Arbitrary<AsPathSegment>;
  // RFC 5065: confederation segments lead the path; RFC 6793 §4.2.3 reconstruction relies on it.
  return fc.tuple(fc.array(seg([3, 4]), { maxLength: fourOctetAs ? 3 : 2 }), fc.array(seg([1, 2]), { maxLength: 4 })).map(([c, s]) => [...c, ...s]);
}

const unknownCodes = Array.from({ length: 256 }, (_, i) => i).filter((c) => ATTRIBUTE_BY_CODE[c] === undefined && c !== 0);

function attributesArb(fourOctetAs: boolean, addPath: boolean): fc.Arbitrary<PathAttributes> {
  const nh = fc.oneof(fc.uint8Array({ minLength: 16, maxLength: 16 }), fc.uint8Array({ minLength: 32, maxLength: 32 }));
  const mpReach = fc.oneof(
    fc.record({ afi: fc.constant(2), safi: fc.constant(1), nextHop: nh, nlri: fc.array(prefixArb(2, addPath), { maxLength: 20 }) }, NP),
    fc.record({
      afi: fc.constant(1),
      safi: fc.constant(1),
      nextHop: fc.oneof(nh, fc.uint8Array({ minLength: 4, maxLength: 4 })),
      nlri: fc.array(prefixArb(1, addPath), { maxLength: 20 }),
    }, NP),
  );
  const mpUnreach = fc.oneof(
    fc.record({ afi: fc.constant(2), safi: fc.constant(1), withdrawn: fc.array(prefixArb(2, addPath), { maxLength: 20 }) }, NP),
    fc.record({ afi: fc.constant(1), safi: fc.constant(1), withdrawn: fc.array(prefixArb(1, addPath), { maxLength: 20 }) }, NP),
  );
  const unknown = fc
    .uniqueArray(
      fc.record({
        flags: fc.constantFrom(0x80, 0xc0, 0xa0, 0xe0),
        code: fc.constantFrom(...unknownCodes),
        value: fc.uint8Array({ maxLength: 300 }),
      }, NP),
      { selector: (u) => u.code, minLength: 1, maxLength: 3 },
    )
    .map((list) => [...list].sort((a, b) => a.code - b.code));
  return fc.record(
    {
      origin: fc.constantFrom(0, 1, 2),
      asPath: segmentsArb(fourOctetAs),
      nextHop: unicastV4,
      med: u32,
      localPref: u32,
      atomicAggregate: fc.constant(true),
      aggregator: fc.record({ asn, address: ipv4Text }, NP),
      communities: fc.array(u32, { minLength: 1, maxLength: 80 }),
      originatorId: ipv4Text,
      clusterList: fc.array(ipv4Text, { minLength: 1, maxLength: 5 }),
      mpReach,
      mpUnreach,
      extendedCommunities: fc.array(fc.uint8Array({ minLength: 8, maxLength: 8 }), { minLength: 1, maxLength: 5 }),
      largeCommunities: fc.array(fc.tuple(u32, u32, u32), { minLength: 1, maxLength: 5 }),
      otc: u32,
      unknown,
    },
    { requiredKeys: ['origin', 'asPath', 'nextHop'], noNullPrototype: true },
  ) as fc.Arbitrary<PathAttributes>;
}

function updateArb(fourOctetAs: boolean, addPath: boolean): fc.Arbitrary<UpdateMessage> {
  return fc.record({
    type: fc.constant('update' as const),
    withdrawn: fc.array(prefixArb(1, addPath), { maxLength: 30 }),
    attributes: attributesArb(fourOctetAs, addPath),
    nlri: fc.array(prefixArb(1, addPath), { maxLength: 30 }),
    outcomes: fc.constant([]),
  }, NP);
}

function decodeWhole(bytes: Uint8Array, d: DecodeContext): UpdateMessage {
  return decodeUpdate(bytes, 19, bytes.length, d);
}

describe('decode(encode(m)) = m', () => {
  for (const [fourOctetAs, addPath] of [[true, false], [true, true], [false, false], [false, true]] as const) {
    test(`${fourOctetAs ? '4' : '2'}-octet AS session, add-path ${addPath ? 'on' : 'off'}`, () => {
      const { d, e } = ctxs(fourOctetAs, addPath);
      fc.assert(
        fc.property(updateArb(fourOctetAs, addPath), (m) => {
          const bytes = encodeUpdate(m, e);
          assert.deepStrictEqual(decodeWhole(bytes, d), m);
          assert.equal(toHex(encodeUpdate(decodeWhole(bytes, d), e)), toHex(bytes));
        }),
        { numRuns: RUNS },
      );
    });
  }
});

function onlyTypedOutcomes(bytes: Uint8Array, d: DecodeContext): void {
  try {
    const u = decodeUpdate(bytes, 19, bytes.length, d);
    assert.equal(u.type, 'update');
  } catch (err) {
    if (!(err instanceof BgpNotificationError)) throw err;
    assert.equal(err.notifCode, 3);
  }
}

describe('random and mutated bytes give only an UpdateMessage or a BgpNotificationError', () => {
  const sessions = fc.record({ fourOctetAs: fc.boolean(), addPath: fc.boolean(), ibgp: fc.boolean() });
  test('random bodies', () => {
    fc.assert(
      fc.property(sessions, fc.uint8Array({ maxLength: 600 }), (s, body) => {
        const { d } = ctxs(s.fourOctetAs, s.addPath);
        onlyTypedOutcomes(Uint8Array.from([...new Uint8Array(19), ...body]), { ...d, isIbgp: s.ibgp });
      }),
      { numRuns: 2000 },
    );
  });
  test('mutated valid UPDATEs (byte flips, truncation, insertion)', () => {
    const mutation = fc.record({
      flips: fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 6 }),
      cut: fc.option(fc.nat()),
      insert: fc.option(fc.tuple(fc.nat(), fc.uint8Array({ minLength: 1, maxLength: 8 }))),
    });
    fc.assert(
      fc.property(sessions, updateArb(true, false), mutation, (s, m, mu) => {
        const { d, e } = ctxs(true, false);
        let b = Array.from(encodeUpdate(m, e));
        for (const [at, v] of mu.flips) {
          const i = 19 + (at % Math.max(1, b.length - 19));
          if (i < b.length) b[i] = v;
        }
        if (mu.insert !== null) {
          const i = 19 + (mu.insert[0] % Math.max(1, b.length - 19));
          b = [...b.slice(0, i), ...mu.insert[1], ...b.slice(i)];
        }
        if (mu.cut !== null) b = b.slice(0, 19 + (mu.cut % Math.max(1, b.length - 18)));
        const ds = { ...ctxs(s.fourOctetAs, s.addPath).d, isIbgp: s.ibgp };
        onlyTypedOutcomes(Uint8Array.from(b), ds);
        onlyTypedOutcomes(Uint8Array.from(b), d);
      }),
      { numRuns: 1500 },
    );
  });
});

describe('packUpdates / packWithdraws', () => {
  const packCase = fc.record({
    fourOctetAs: fc.boolean(),
    addPath: fc.boolean(),
    extendedMessage: fc.boolean(),
    cap: fc.option(fc.integer({ min: 200, max: 5000 })),
    rfc8950: fc.boolean(),
    v4: fc.array(prefixArb(1, false), { maxLength: 1500 }),
    v6: fc.array(prefixArb(2, false), { maxLength: 600 }),
    communities: fc.array(u32, { maxLength: 60 }),
    ids: fc.array(u32, { minLength: 2100, maxLength: 2100 }),
  });

  test('decoding all packed messages yields exactly the input prefixes; each message ≤ the maximum', () => {
    fc.assert(
      fc.property(packCase, (c) => {
        const { d, e } = ctxs(c.fourOctetAs, c.addPath, c.extendedMessage);
        const withIds = (list: Prefix[], off: number) => (c.addPath ? list.map((p, i) => ({ ...p, pathId: c.ids[off + i]! })) : list);
        const prefixes = [...withIds(c.v4, 0), ...withIds(c.v6, 1500)];
        const attrs: PathAttributes = {
          origin: 0,
          asPath: [{ type: 2, asns: [4200000001] }],
          nextHop: '192.0.2.1',
          ...(c.communities.length > 0 ? { communities: c.communities } : {}),
        };
        const nh16 = Uint8Array.of(0x20, 1, 0xd, 0xb8, ...new Array<number>(11).fill(0), 1);
        const opts = { ipv6NextHop: nh16, ...(c.rfc8950 ? { ipv4NextHopV6: nh16 } : {}), ...(c.cap === null ? {} : { maxMessageLength: c.cap }) };
        const max = Math.min(c.extendedMessage ? 65535 : 4096, c.cap ?? 65535);
        const key = (p: Prefix) => `${formatPrefix(p)}#${p.pathId ?? '-'}`;
        const want = prefixes.map(key).sort();

        const msgs = packUpdates(prefixes, attrs, e, opts);
        const got: string[] = [];
        for (const m of msgs) {
          assert.ok(m.length <= max, `message of ${m.length} > ${max}`);
          const u = decodeWhole(m, d);
          assert.deepStrictEqual(u.outcomes, []);
          const inMp = u.attributes.mpReach?.nlri ?? [];
          assert.ok(u.nlri.length === 0 || inMp.length === 0, 'families never mixed');
          got.push(...u.nlri.map(key), ...inMp.map(key));
          assert.equal(toHex(encodeUpdate(u, e)), toHex(m), 'identical to encodeUpdate');
        }
        assert.deepStrictEqual(got.sort(), want);
        assert.deepStrictEqual([...packUpdatesIter(prefixes, attrs, e, opts)].map(toHex), msgs.map(toHex));

        const wd = packWithdraws(prefixes, e, opts);
        const gotW: string[] = [];
        for (const m of wd) {
          assert.ok(m.length <= max);
          const u = decodeWhole(m, d);
          gotW.push(...u.withdrawn.map(key), ...(u.attributes.mpUnreach?.withdrawn ?? []).map(key));
        }
        assert.deepStrictEqual(gotW.sort(), want);
      }),
      { numRuns: 60 },
    );
  });

  test('packing is tight: no message could have taken the next prefix', () => {
    const { d, e } = ctxs(true, false, false);
    const prefixes = Array.from({ length: 5000 }, (_, i) => ({ afi: 1 as const, length: 32, addr: Uint8Array.of(10, i >> 16, (i >> 8) & 255, i & 255) }));
    const msgs = packUpdates(prefixes, { origin: 0, asPath: [], nextHop: '192.0.2.1' }, e);
    // 4096 − 19 header − 4 length fields − 14 attributes = 4059 octets: 811 /32 prefixes of 5 octets.
    assert.deepStrictEqual(msgs.map((m) => decodeWhole(m, d).nlri.length), [811, 811, 811, 811, 811, 811, 134]);
    assert.equal(msgs[0]!.length, 4092);
  });
});
