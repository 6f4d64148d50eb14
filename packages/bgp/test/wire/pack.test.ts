// packUpdates / packWithdraws / End-of-RIB golden vectors and rules (field guide "What we send",
// RFC 4271 §4.3, RFC 4760 §3-4, RFC 8950, RFC 7911, RFC 8654). Properties live in
// update-properties.test.ts.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { BgpEncodeError } from '../../src/wire/errors.ts';
import { parsePrefix } from '../../src/wire/nlri.ts';
import { packUpdates, packUpdatesIter, packWithdraws } from '../../src/wire/pack.ts';
import type { EncodeContext, PathAttributes, Prefix } from '../../src/wire/types.ts';
import { decodeUpdate, encodeUpdate } from '../../src/wire/update.ts';
import { hex, MARKER, toHex } from '../support/wire-fixture.ts';

const ctx: EncodeContext = { fourOctetAs: true, extendedMessage: false, addPathSend: new Set() };
const dctx = { fourOctetAs: true, extendedMessage: false, addPathReceive: new Set<string>(), isIbgp: false };
const ATTRS: PathAttributes = { origin: 0, asPath: [{ type: 2, asns: [65000] }], nextHop: '192.0.2.1' };
const NH6 = parsePrefix('2001:db8::1').addr;
const p = parsePrefix;
const isEncodeError = (e: unknown) => e instanceof BgpEncodeError && e.code === 'ERR_BGP_ENCODE';

describe('packUpdates golden', () => {
  test('IPv4 in the classic NLRI field with NEXT_HOP; IPv6 in MP_REACH_NLRI without NEXT_HOP; never mixed', () => {
    const msgs = packUpdates([p('10.0.0.1/32'), p('2001:db8::64/128'), p('10.0.0.2/32')], ATTRS, ctx, { ipv6NextHop: NH6 });
    assert.deepStrictEqual(msgs.map(toHex), [
      toHex(hex(`${MARKER} 0035 02 | 0000 | 0014
        40 01 01 00 | 40 02 06 02 01 0000fde8 | 40 03 04 c0000201
        20 0a000001 | 20 0a000002`)),
      toHex(hex(`${MARKER} 004d 02 | 0000 | 0036
        80 0e 26 0002 01 10 20010db8000000000000000000000001 00 80 20010db8000000000000000000000064
        40 01 01 00 | 40 02 06 02 01 0000fde8`)),
    ]);
  });
  test('RFC 8950: IPv4 in MP_REACH_NLRI (AFI 1) with an IPv6 next hop when asked', () => {
    const [m] = packUpdates([p('10.0.0.1/32')], ATTRS, ctx, { ipv4NextHopV6: NH6 });
    assert.equal(toHex(m!), toHex(hex(`${MARKER} 0041 02 | 0000 | 002a
      80 0e 1a 0001 01 10 20010db8000000000000000000000001 00 20 0a000001
      40 01 01 00 | 40 02 06 02 01 0000fde8`)));
  });
  test('add-path: path identifiers are written when negotiated for the family', () => {
    const addCtx: EncodeContext = { ...ctx, addPathSend: new Set(['1/1']) };
    const [m] = packUpdates([{ ...p('10.0.0.1/32'), pathId: 9 }], ATTRS, addCtx);
    assert.ok(toHex(m!).endsWith('00000009200a000001'));
  });
  test('an MP_REACH_NLRI over 255 octets switches to Extended Length, byte-identical to encodeUpdate', () => {
    const many: Prefix[] = Array.from({ length: 20 }, (_, i) => ({ ...p('2001:db8::/128'), addr: Uint8Array.of(0x20, 1, 0xd, 0xb8, ...new Array<number>(11).fill(0), i) }));
    const [m] = packUpdates(many, ATTRS, ctx, { ipv6NextHop: NH6 });
    assert.equal(toHex(m!.subarray(23, 27)), '900e0169'); // flags 0x90, type 14, length 361
    const u = decodeUpdate(m!, 19, m!.length, dctx);
    assert.equal(u.attributes.mpReach?.nlri.length, 20);
    assert.equal(toHex(encodeUpdate(u, ctx)), toHex(m!));
  });
  test('extended messages (RFC 8654) allow 65535-octet UPDATEs', () => {
    const many = Array.from({ length: 20000 }, (_, i) => ({ afi: 1 as const, length: 32, addr: Uint8Array.of(10, i >> 16, (i >> 8) & 255, i & 255) }));
    const small = packUpdates(many, ATTRS, ctx);
    const big = packUpdates(many, ATTRS, { ...ctx, extendedMessage: true });
    assert.ok(small.every((m) => m.length <= 4096));
    assert.ok(big.every((m) => m.length <= 65535));
    assert.equal(big.length, 2);
    assert.equal(big[0]!.length, 65535 - ((65535 - 19 - 4 - 20) % 5));
  });
  test('the iterator yields the same messages one at a time', () => {
    const many = Array.from({ length: 3000 }, (_, i) => ({ afi: 1 as const, length: 32, addr: Uint8Array.of(10, 0, i >> 8, i & 255) }));
    const it = packUpdatesIter(many, ATTRS, ctx);
    const first = it.next();
    assert.equal(first.done, false);
    assert.deepStrictEqual([first.value!, ...it].map(toHex), packUpdates(many, ATTRS, ctx).map(toHex));
  });
  test('nothing to announce gives no messages', () => {
    assert.deepStrictEqual(packUpdates([], ATTRS, ctx), []);
    assert.deepStrictEqual(packWithdraws([], ctx), []);
  });
  test('errors: IPv4 without NEXT_HOP, IPv6 without next hop, a bad next-hop length, a bad prefix', () => {
    const { nextHop, ...noNh } = ATTRS;
    void nextHop;
    assert.throws(() => packUpdates([p('10.0.0.1/32')], noNh, ctx), isEncodeError);
    assert.throws(() => packUpdates([p('2001:db8::1/128')], ATTRS, ctx), isEncodeError);
    assert.throws(() => packUpdates([p('2001:db8::1/128')], ATTRS, ctx, { ipv6NextHop: new Uint8Array(4) }), isEncodeError);
    assert.throws(() => packUpdates([p('10.0.0.1/32')], ATTRS, ctx, { ipv4NextHopV6: new Uint8Array(4) }), isEncodeError);
    assert.throws(() => packUpdates([{ afi: 1, length: 33, addr: new Uint8Array(5) }], ATTRS, ctx), isEncodeError);
    assert.throws(() => packUpdates([p('10.0.0.1/32')], { ...ATTRS, communities: new Array<number>(1100).fill(1) }, ctx), isEncodeError);
  });
});

describe('packWithdraws golden', () => {
  test('IPv4 in Withdrawn Routes, IPv6 in MP_UNREACH_NLRI', () => {
    const msgs = packWithdraws([p('10.0.0.1/32'), p('2001:db8::64/128')], ctx);
    assert.deepStrictEqual(msgs.map(toHex), [
      toHex(hex(`${MARKER} 001c 02 | 0005 20 0a000001 | 0000`)),
      toHex(hex(`${MARKER} 002e 02 | 0000 | 0017 | 80 0f 14 0002 01 80 20010db8000000000000000000000064`)),
    ]);
  });
  test('RFC 8950 sessions withdraw IPv4 in MP_UNREACH_NLRI AFI 1', () => {
    const [m] = packWithdraws([p('10.0.0.1/32')], ctx, { ipv4NextHopV6: NH6 });
    assert.equal(toHex(m!), toHex(hex(`${MARKER} 0022 02 | 0000 | 000b | 80 0f 08 0001 01 20 0a000001`)));
  });
});
