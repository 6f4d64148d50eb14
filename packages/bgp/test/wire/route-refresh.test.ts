// ROUTE-REFRESH golden vectors (RFC 2918 §3, RFC 7313 §3 subtypes) and the RFC 7313 §5 length rule.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { decodeRouteRefresh, encodeRouteRefresh } from '../../src/wire/route-refresh.ts';
import type { RouteRefreshMessage } from '../../src/wire/types.ts';
import { assertNotification, defineWireCases, expectNotification, frameOne, hex } from '../support/wire-fixture.ts';

const codec = {
  decode(bytes: Uint8Array): RouteRefreshMessage {
    const f = frameOne(bytes);
    assert.equal(f.type, 5);
    return decodeRouteRefresh(f.message);
  },
  encode: encodeRouteRefresh,
};

const cases = [
  {
    name: 'normal request IPv4 unicast',
    hex: `ffffffffffffffffffffffffffffffff 0017 05 # length 23, ROUTE-REFRESH
          0001 00 01                              # AFI 1, subtype 0 (request), SAFI 1`,
    message: { type: 'route-refresh', afi: 1, subtype: 0, safi: 1 },
  },
  {
    name: 'BoRR IPv6 unicast',
    hex: `ffffffffffffffffffffffffffffffff 0017 05 | 0002 01 01 # subtype 1 = BoRR`,
    message: { type: 'route-refresh', afi: 2, subtype: 1, safi: 1 },
  },
  {
    name: 'EoRR IPv6 unicast',
    hex: `ffffffffffffffffffffffffffffffff 0017 05 | 0002 02 01 # subtype 2 = EoRR`,
    message: { type: 'route-refresh', afi: 2, subtype: 2, safi: 1 },
  },
  {
    name: 'unknown subtype kept for the session to ignore (RFC 7313 §4)',
    hex: `ffffffffffffffffffffffffffffffff 0017 05 | 0001 07 01`,
    message: { type: 'route-refresh', afi: 1, subtype: 7, safi: 1 },
  },
] as const satisfies readonly { name: string; hex: string; message: RouteRefreshMessage }[];

const tolerated = [
  {
    name: 'normal request with ORF entries (never negotiated): the entries are ignored',
    hex: `ffffffffffffffffffffffffffffffff 001b 05 # length 27
          0001 00 01                              # AFI 1, subtype 0, SAFI 1
          01 40 0000                              # ORF-looking tail (RFC 5291), ignored`,
    message: { type: 'route-refresh', afi: 1, subtype: 0, safi: 1 },
    decodeOnly: true,
  },
] as const;

describe('ROUTE-REFRESH golden vectors', () => {
  defineWireCases(codec, tolerated);
  const n = defineWireCases(codec, cases);
  test('count', () => assert.ok(n > 0));
});

describe('ROUTE-REFRESH length (RFC 7313 §5)', () => {
  test('a longer BoRR is 7/1 with the complete message as data', () => {
    const msg = hex('ffffffffffffffffffffffffffffffff 0018 05 | 0001 01 01 | 00');
    assertNotification(expectNotification(() => decodeRouteRefresh(msg)), { code: 7, subcode: 1, data: 'ffffffffffffffffffffffffffffffff0018050001010100' });
  });
});
