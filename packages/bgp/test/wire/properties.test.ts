// fast-check properties of the non-UPDATE codec: decode(encode(m)) = m for generated OPEN (with generated
// capability lists, both parameter layouts, classic and RFC 9072 extended lengths), NOTIFICATION and
// ROUTE-REFRESH; and random or mutated bytes through framer + decodeMessage yield only messages or
// BgpNotificationError, in bounded time.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { BgpNotificationError } from '../../src/wire/errors.ts';
import { Framer } from '../../src/wire/framer.ts';
import { decodeMessage, encodeMessage } from '../../src/wire/message.ts';
import { makeNotification, encodeNotification, decodeNotification } from '../../src/wire/notification.ts';
import { decodeOpen, encodeOpen } from '../../src/wire/open.ts';
import { decodeRouteRefresh, encodeRouteRefresh } from '../../src/wire/route-refresh.ts';
import type { Capability, DecodeContext, NotificationMessage, OpenMessage } from '../../src/wire/types.ts';
import { encodeKeepalive } from '../../src/wire/keepalive.ts';

/** Plain-prototype records, so deepStrictEqual compares them with the decoder's object literals. */
function rec<T>(model: { [K in keyof T]: fc.Arbitrary<T[K]> }): fc.Arbitrary<T> {
  return fc.record(model, { noNullPrototype: true }) as fc.Arbitrary<T>;
}

const KNOWN = new Set([1, 2, 5, 6, 9, 64, 65, 69, 70, 71, 73]);
const u8 = fc.integer({ min: 0, max: 255 });
const u16 = fc.integer({ min: 0, max: 0xffff });
const short = <T>(a: fc.Arbitrary<T>) => fc.array(a, { maxLength: 4 });
const text = fc.string({ unit: 'grapheme', maxLength: 20 }).filter((s) => new TextEncoder().encode(s).length <= 255);

const capability: fc.Arbitrary<Capability> = fc.oneof(
  rec({ kind: fc.constant('multiprotocol' as const), afi: u16, safi: u8 }),
  fc.constant({ kind: 'route-refresh' as const }),
  fc.constant({ kind: 'enhanced-route-refresh' as const }),
  fc.constant({ kind: 'extended-message' as const }),
  rec({ kind: fc.constant('extended-next-hop' as const), entries: short(rec({ afi: u16, safi: u16, nextHopAfi: u16 })) }),
  rec({ kind: fc.constant('role' as const), role: u8 }),
  rec({
    kind: fc.constant('graceful-restart' as const),
    restartState: fc.boolean(),
    notification: fc.boolean(),
    restartTimeSec: fc.integer({ min: 0, max: 4095 }),
    families: short(rec({ afi: u16, safi: u8, forwardingPreserved: fc.boolean() })),
  }),
  rec({ kind: fc.constant('four-octet-as' as const), asn: fc.integer({ min: 0, max: 0xffffffff }) }),
  rec({ kind: fc.constant('add-path' as const), entries: short(rec({ afi: u16, safi: u8, sendReceive: u8 })) }),
  rec({
    kind: fc.constant('llgr' as const),
    entries: short(rec({ afi: u16, safi: u8, forwardingPreserved: fc.boolean(), staleTimeSec: fc.integer({ min: 0, max: 0xffffff }) })),
  }),
  rec({ kind: fc.constant('fqdn' as const), hostname: text, domain: text }),
  rec({
    kind: fc.constant('unknown' as const),
    code: u8.filter((c) => !KNOWN.has(c)),
    value: fc.uint8Array({ maxLength: 40 }),
  }),
);

/** Large unknown capabilities push the parameters past 255 bytes (RFC 9072 extended encoding). */
const bigUnknown: fc.Arbitrary<Capability> = rec({
  kind: fc.constant('unknown' as const),
  code: fc.integer({ min: 200, max: 255 }),
  value: fc.uint8Array({ minLength: 100, maxLength: 253 }),
});

const ipv4 = fc.tuple(u8, u8, u8, u8).map((t) => t.join('.'));

const open: fc.Arbitrary<OpenMessage> = rec({
  type: fc.constant('open' as const),
  version: fc.constant(4),
  myAs: u16,
  holdTimeSec: u16,
  bgpId: ipv4,
  capabilities: fc.array(fc.oneof({ arbitrary: capability, weight: 6 }, { arbitrary: bigUnknown, weight: 1 }), { maxLength: 14 }),
  otherParams: fc.array(rec({ type: u8.filter((t) => t !== 2 && t !== 255), value: fc.uint8Array({ maxLength: 30 }) }), { maxLength: 3 }),
});

const notification: fc.Arbitrary<NotificationMessage> = fc.oneof(
  fc
    .record({ code: u8, subcode: u8, data: fc.uint8Array({ maxLength: 64 }) })
    .filter((m) => !(m.code === 6 && (m.subcode === 2 || m.subcode === 4)))
    .map((m) => ({ type: 'notification' as const, ...m })),
  rec({ subcode: fc.constantFrom(2, 4), message: text.filter((s) => s.length > 0) }).map((m) => makeNotification(6, m.subcode, undefined, m.message)),
);

const NUM_RUNS = 400;

describe('round-trip properties', () => {
  for (const layout of ['one', 'each'] as const) {
    test(`OPEN decode(encode(m)) = m, capabilities ${layout === 'one' ? 'in one parameter' : 'one per parameter'}`, () => {
      let extended = 0;
      fc.assert(
        fc.property(open, (m) => {
          const bytes = encodeOpen(m, { capabilityParams: layout });
          if (bytes[28] === 255 && bytes[29] === 255) extended++;
          assert.deepStrictEqual(decodeOpen(bytes, 19, bytes.length), m);
        }),
        { numRuns: NUM_RUNS },
      );
      assert.ok(extended > 0, 'some generated OPENs needed RFC 9072 extended parameters');
    });
  }

  test('NOTIFICATION decode(encode(m)) = m', () => {
    fc.assert(
      fc.property(notification, (m) => {
        const bytes = encodeNotification(m);
        assert.deepStrictEqual(decodeNotification(bytes, 19, bytes.length), m);
      }),
      { numRuns: NUM_RUNS },
    );
  });

  test('ROUTE-REFRESH decode(encode(m)) = m', () => {
    fc.assert(
      fc.property(rec({ type: fc.constant('route-refresh' as const), afi: u16, subtype: u8, safi: u8 }), (m) => {
        assert.deepStrictEqual(decodeRouteRefresh(encodeRouteRefresh(m)), m);
      }),
      { numRuns: NUM_RUNS },
    );
  });
});

// ---------------------------------------------------------------------------------------------------
// Robustness: only messages or BgpNotificationError, in bounded time.

const contexts: DecodeContext[] = [
  { fourOctetAs: true, extendedMessage: false, addPathReceive: new Set(), isIbgp: false },
  { fourOctetAs: false, extendedMessage: true, addPathReceive: new Set(['1/1', '2/1']), isIbgp: true },
];

/** Runs bytes through a framer and decodeMessage; returns how many messages decoded. */
function consume(bytes: Uint8Array, ctx: DecodeContext, chunk: number): number {
  const framer = new Framer({ extendedMessage: ctx.extendedMessage });
  let decoded = 0;
  try {
    for (let i = 0; i < bytes.length; i += chunk) {
      framer.push(bytes.subarray(i, i + chunk));
      for (let f = framer.next(); f !== undefined; f = framer.next()) {
        decodeMessage(f, ctx);
        decoded++;
      }
    }
  } catch (err) {
    if (!(err instanceof BgpNotificationError)) throw err;
    assert.equal(err.code, 'ERR_BGP_NOTIFICATION');
    assert.ok(Number.isInteger(err.notifCode) && err.notifCode >= 1 && err.notifCode <= 8);
  }
  return decoded;
}

/** A header (valid marker, given type and length) followed by random body bytes. */
const framedRandom = fc
  .record({ type: fc.integer({ min: 1, max: 5 }), body: fc.uint8Array({ maxLength: 120 }) })
  .map(({ type, body }) => {
    const b = new Uint8Array(19 + body.length);
    b.fill(0xff, 0, 16);
    b[16] = b.length >>> 8;
    b[17] = b.length & 0xff;
    b[18] = type;
    b.set(body, 19);
    return b;
  });

const validStream = fc
  .tuple(open, notification, rec({ afi: u16, subtype: u8, safi: u8 }))
  .map(([o, n, r]) => {
    const parts = [encodeOpen(o), encodeKeepalive(), encodeMessage({ type: 'update', withdrawn: [], attributes: {}, nlri: [], outcomes: [] }), encodeRouteRefresh(r), encodeNotification(n)];
    const out = new Uint8Array(parts.reduce((s, p) => s + p.length, 0));
    let off = 0;
    for (const p of parts) {
      out.set(p, off);
      off += p.length;
    }
    return out;
  });

const mutated = fc
  .tuple(validStream, fc.array(fc.tuple(fc.nat(), u8), { minLength: 1, maxLength: 6 }))
  .map(([bytes, edits]) => {
    const b = bytes.slice();
    // Mutations skip the markers often enough that the decoders, not just the framer, see them.
    for (const [at, v] of edits) b[at % b.length] = v;
    return b;
  });

describe('robustness properties', () => {
  test('random bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), fc.constantFrom(...contexts), fc.integer({ min: 1, max: 64 }), (b, ctx, chunk) => {
        consume(b, ctx, chunk);
      }),
      { numRuns: NUM_RUNS },
    );
  });

  test('valid headers with random bodies reach every decoder', () => {
    let decodedSome = 0;
    fc.assert(
      fc.property(framedRandom, fc.constantFrom(...contexts), (b, ctx) => {
        decodedSome += consume(b, ctx, 1000);
      }),
      { numRuns: NUM_RUNS * 2 },
    );
    assert.ok(decodedSome > 0);
  });

  test('mutated valid streams', () => {
    fc.assert(
      fc.property(mutated, fc.constantFrom(...contexts), fc.integer({ min: 1, max: 97 }), (b, ctx, chunk) => {
        consume(b, ctx, chunk);
      }),
      { numRuns: NUM_RUNS },
    );
  });
});

describe('framer split property', () => {
  test('any chunking of a generated stream yields the same frames as one chunk', () => {
    fc.assert(
      fc.property(validStream, fc.array(fc.nat(), { maxLength: 12 }), (bytes, cutsRaw) => {
        const cuts = [...new Set(cutsRaw.map((c) => c % (bytes.length + 1)))].sort((a, b) => a - b);
        const whole = new Framer();
        whole.push(bytes);
        const expected = whole.drain().map((f) => Array.from(f.message).join(','));
        const split = new Framer();
        const got: string[] = [];
        let prev = 0;
        for (const c of [...cuts, bytes.length]) {
          split.push(bytes.subarray(prev, c));
          prev = c;
          for (const f of split.drain()) got.push(Array.from(f.message).join(','));
        }
        assert.deepStrictEqual(got, expected);
        assert.equal(split.bufferedBytes, 0);
      }),
      { numRuns: 300 },
    );
  });
});
