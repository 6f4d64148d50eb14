// ReceivedRoutes: per-family counts across classic and MP (RFC 4760) announce/withdraw, RFC 7606
// treat-as-withdraw, the bounded Adj-RIB-In, and the RFC 4486 max-prefix NOTIFICATION data.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ReceivedRoutes } from '../src/received.ts';
import type { Prefix, UpdateMessage } from '../src/wire/types.ts';

const v4 = (a: number, b: number, c: number, d: number, length = 32): Prefix => ({ afi: 1, length, addr: Uint8Array.of(a, b, c, d) });
const v6 = (last: number): Prefix => {
  const addr = new Uint8Array(16);
  addr[0] = 0x20; addr[1] = 0x01; addr[15] = last;
  return { afi: 2, length: 128, addr };
};
const upd = (u: Partial<UpdateMessage>): UpdateMessage => ({ type: 'update', withdrawn: [], attributes: {}, nlri: [], outcomes: [], ...u });

test('counts per family across classic NLRI and MP_REACH / MP_UNREACH', () => {
  const r = new ReceivedRoutes();
  r.apply(upd({ nlri: [v4(10, 0, 0, 1), v4(10, 0, 0, 2)], attributes: { origin: 0 } }));
  r.apply(upd({ attributes: { mpReach: { afi: 2, safi: 1, nextHop: new Uint8Array(16), nlri: [v6(1), v6(2), v6(3)] } } }));
  assert.equal(r.count('ipv4-unicast'), 2);
  assert.equal(r.count('ipv6-unicast'), 3);
  // Re-announcing is not double counted; a /24 differs from a /32 with the same address.
  r.apply(upd({ nlri: [v4(10, 0, 0, 1), v4(10, 0, 0, 0, 24)] }));
  assert.equal(r.count('ipv4-unicast'), 3);
  r.apply(upd({ withdrawn: [v4(10, 0, 0, 1)], attributes: { mpUnreach: { afi: 2, safi: 1, withdrawn: [v6(2)] } } }));
  assert.equal(r.count('ipv4-unicast'), 2);
  assert.equal(r.count('ipv6-unicast'), 2);
  // Other SAFIs are not counted.
  r.apply(upd({ attributes: { mpReach: { afi: 1, safi: 2, nextHop: new Uint8Array(4), nlri: [v4(1, 1, 1, 1)] } } }));
  assert.equal(r.count('ipv4-unicast'), 2);
  r.clear();
  assert.equal(r.count('ipv6-unicast'), 0);
});

test('RFC 7606 treat-as-withdraw withdraws every NLRI of the UPDATE, classic and MP', () => {
  const r = new ReceivedRoutes();
  r.apply(upd({ nlri: [v4(10, 0, 0, 1)], attributes: { mpReach: { afi: 2, safi: 1, nextHop: new Uint8Array(16), nlri: [v6(1)] } } }));
  r.apply(upd({
    nlri: [v4(10, 0, 0, 1)],
    attributes: { mpReach: { afi: 2, safi: 1, nextHop: new Uint8Array(16), nlri: [v6(1)] } },
    outcomes: [{ action: 'treat-as-withdraw', attrCode: 1, reason: 'bad ORIGIN' }],
  }));
  assert.equal(r.count('ipv4-unicast'), 0);
  assert.equal(r.count('ipv6-unicast'), 0);
  assert.equal(r.treatAsWithdrawCount, 1);
  // attribute-discard alone keeps the routes.
  r.apply(upd({ nlri: [v4(10, 0, 0, 1)], outcomes: [{ action: 'attribute-discard', attrCode: 6, reason: 'x' }] }));
  assert.equal(r.count('ipv4-unicast'), 1);
});

test('the Adj-RIB-In keeps at most adjRibInLimit routes; counts stay exact', () => {
  const r = new ReceivedRoutes({ adjRibInLimit: 2 });
  r.apply(upd({ nlri: [v4(10, 0, 0, 1), v4(10, 0, 0, 2), v4(10, 0, 0, 3)], attributes: { med: 5 } }));
  assert.equal(r.count('ipv4-unicast'), 3);
  assert.equal(r.routes().length, 2);
  assert.equal(r.routes()[0]!.attributes.med, 5);
  r.apply(upd({ nlri: [v4(10, 0, 0, 1)], attributes: { med: 7 } }));
  assert.equal(r.routes().find((x) => x.prefix.addr[3] === 1)?.attributes.med, 7, 'a retained route is updated');
});

test('max-prefix: Cease 6/1 with AFI, SAFI and the limit (RFC 4486 §4), per family', () => {
  const r = new ReceivedRoutes({ maxPrefixes: { 'ipv6-unicast': 2 } });
  assert.equal(r.apply(upd({ nlri: [v4(1, 0, 0, 1), v4(1, 0, 0, 2), v4(1, 0, 0, 3)] })), undefined, 'no IPv4 limit');
  assert.equal(r.apply(upd({ attributes: { mpReach: { afi: 2, safi: 1, nextHop: new Uint8Array(16), nlri: [v6(1), v6(2)] } } })), undefined);
  const n = r.apply(upd({ attributes: { mpReach: { afi: 2, safi: 1, nextHop: new Uint8Array(16), nlri: [v6(3)] } } }));
  assert.ok(n !== undefined);
  assert.equal(n.code, 6);
  assert.equal(n.subcode, 1);
  assert.equal(Buffer.from(n.data).toString('hex'), '00020100000002');
});
