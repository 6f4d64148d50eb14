// The OPEN validation table (RFC 4271 §6.2 in BIRD's order, RFC 5492, 6286, 6793, 9234): each row an
// OPEN and the NOTIFICATION it must draw, plus capability negotiation outcomes.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { checkOpen } from '../../src/fsm/open-check.ts';
import { buildLocalOpen, negotiate } from '../../src/fsm/negotiate.ts';
import { resolveFsmConfig, type FsmConfig } from '../../src/fsm/types.ts';
import { AS_TRANS, BgpRole } from '../../src/wire/constants.ts';
import type { Capability, OpenMessage } from '../../src/wire/types.ts';
import { cfg, peerOpen } from './fixtures.ts';

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');

interface Row {
  readonly name: string;
  readonly open: OpenMessage;
  readonly cfg?: Partial<FsmConfig>;
  /** "code/subcode/datahex" or "ok". */
  readonly expect: string;
}

const rows: readonly Row[] = [
  { name: 'valid', open: peerOpen(), expect: 'ok' },
  { name: 'version 3 → 2/1 data 0004', open: peerOpen({ version: 3 }), expect: '2/1/0004' },
  // Version is checked first even when everything else is wrong too (BIRD's order).
  { name: 'version beats everything', open: peerOpen({ version: 5, holdTimeSec: 1, bgpId: '0.0.0.0' }), expect: '2/1/0004' },
  // Data: the offending parameter as on the wire (type, length, value), as BIRD sends.
  { name: 'unknown optional parameter → 2/4', open: peerOpen({ otherParams: [{ type: 1, value: new Uint8Array([1]) }] }), expect: '2/4/010101' },
  { name: 'parameter beats hold', open: peerOpen({ holdTimeSec: 2, otherParams: [{ type: 3, value: new Uint8Array() }] }), expect: '2/4/0300' },
  { name: 'hold 1 → 2/6', open: peerOpen({ holdTimeSec: 1 }), expect: '2/6/0001' },
  { name: 'hold 2 → 2/6', open: peerOpen({ holdTimeSec: 2 }), expect: '2/6/0002' },
  { name: 'hold 0 accepted', open: peerOpen({ holdTimeSec: 0 }), expect: 'ok' },
  { name: 'hold 3 accepted', open: peerOpen({ holdTimeSec: 3 }), expect: 'ok' },
  { name: 'hold below minimum → 2/6', open: peerOpen({ holdTimeSec: 5 }), cfg: { minHoldTimeSec: 9 }, expect: '2/6/0005' },
  // RFC 4271 §4.2: 0 (no keepalives) is always a valid hold time; the minimum applies to the others.
  { name: 'hold 0 with a minimum is still accepted', open: peerOpen({ holdTimeSec: 0 }), cfg: { minHoldTimeSec: 9 }, expect: 'ok' },
  { name: 'hold beats BGP id', open: peerOpen({ holdTimeSec: 1, bgpId: '0.0.0.0' }), expect: '2/6/0001' },
  { name: 'BGP id 0 → 2/3', open: peerOpen({ bgpId: '0.0.0.0' }), expect: '2/3/00000000' },
  {
    name: 'iBGP with our BGP id → 2/3',
    open: peerOpen({ myAs: 65000, bgpId: '10.0.0.1', capabilities: [{ kind: 'four-octet-as', asn: 65000 }] }),
    cfg: { peerAs: 65000 },
    expect: '2/3/0a000001',
  },
  {
    name: 'eBGP with our BGP id is allowed (RFC 6286 §2.2)',
    open: peerOpen({ bgpId: '10.0.0.1' }),
    expect: 'ok',
  },
  {
    name: 'required 4-octet AS missing → 2/7 with our capability',
    open: peerOpen({ capabilities: [{ kind: 'multiprotocol', afi: 1, safi: 1 }] }),
    cfg: { requiredCapabilities: [65] },
    // code 65, length 4, AS 65000 = 0000fde8
    expect: '2/7/41040000fde8',
  },
  {
    name: 'required MP: the missing family is listed',
    open: peerOpen({ capabilities: [{ kind: 'multiprotocol', afi: 1, safi: 1 }, { kind: 'four-octet-as', asn: 65001 }] }),
    cfg: { requiredCapabilities: [1] },
    // code 1, length 4, AFI 2, reserved, SAFI 1
    expect: '2/7/010400020001',
  },
  {
    name: 'required capability beats peer AS',
    open: peerOpen({ myAs: 1, capabilities: [] }),
    cfg: { requiredCapabilities: [2] },
    expect: '2/7/0200',
  },
  { name: 'wrong peer AS → 2/2 (My AS in data)', open: peerOpen({ myAs: 65002, capabilities: [] }), expect: '2/2/fdea' },
  {
    name: '4-octet capability value decides the AS',
    open: peerOpen({ myAs: AS_TRANS, capabilities: [{ kind: 'four-octet-as', asn: 4200000001 }] }),
    cfg: { peerAs: 4200000001 },
    expect: 'ok',
  },
  {
    name: '4-octet capability value mismatching the configured AS → 2/2',
    open: peerOpen({ myAs: AS_TRANS, capabilities: [{ kind: 'four-octet-as', asn: 4200000002 }] }),
    cfg: { peerAs: 4200000001 },
    expect: '2/2/fa56ea02' /* the 4-octet capability's AS, not AS_TRANS */,
  },
  { name: 'any AS accepts', open: peerOpen({ myAs: 64999, capabilities: [] }), cfg: { peerAs: 'any' }, expect: 'ok' },
  { name: 'external refuses our AS', open: peerOpen({ myAs: 65000, capabilities: [] }), cfg: { peerAs: 'external' }, expect: '2/2/fde8' },
  { name: 'internal refuses another AS', open: peerOpen(), cfg: { peerAs: 'internal' }, expect: '2/2/0000fde9' /* 4 octets: the peer sent the four-octet AS capability */ },
  {
    name: 'role customer ↔ provider ok',
    open: peerOpen({ capabilities: [...peerOpen().capabilities, { kind: 'role', role: BgpRole.PROVIDER }] }),
    cfg: { role: BgpRole.CUSTOMER },
    expect: 'ok',
  },
  {
    name: 'role customer ↔ customer → 2/11',
    open: peerOpen({ capabilities: [...peerOpen().capabilities, { kind: 'role', role: BgpRole.CUSTOMER }] }),
    cfg: { role: BgpRole.CUSTOMER },
    expect: '2/11/',
  },
  {
    name: 'two different roles → 2/11',
    open: peerOpen({ capabilities: [{ kind: 'role', role: BgpRole.PEER }, { kind: 'role', role: BgpRole.PROVIDER }] }),
    cfg: { role: BgpRole.PEER },
    expect: '2/11/',
  },
  { name: 'no role, not strict: ok', open: peerOpen(), cfg: { role: BgpRole.PEER }, expect: 'ok' },
  { name: 'no role, strict → 2/11', open: peerOpen(), cfg: { role: BgpRole.PEER, strictRole: true }, expect: '2/11/' },
  { name: 'peer AS beats role', open: peerOpen({ myAs: 7, capabilities: [] }), cfg: { role: BgpRole.PEER, strictRole: true }, expect: '2/2/0007' },
];

test('OPEN validation table', () => {
  assert.ok(rows.length > 20);
  for (const row of rows) {
    const r = checkOpen(row.open, { ...cfg, ...row.cfg }, false);
    const got = r.ok ? 'ok' : `${r.notification.code}/${r.notification.subcode}/${hex(r.notification.data)}`;
    assert.equal(got, row.expect, row.name);
  }
});

function neg(caps: Capability[], over: Partial<FsmConfig> = {}, peerOver: Partial<OpenMessage> = {}) {
  return negotiate({ ...cfg, ...over }, peerOpen({ capabilities: caps, ...peerOver }), false);
}

test('negotiation: no MP capability means implicit IPv4 unicast', () => {
  const n = neg([]);
  assert.deepEqual(n.families, [{ afi: 1, safi: 1 }]);
  assert.equal(n.fourOctetAs, false);
  assert.equal(n.decode.fourOctetAs, false);
  assert.equal(n.encode.fourOctetAs, false);
  assert.equal(n.routeRefresh, false);
});

test('negotiation: families intersect; capabilities both sides', () => {
  const n = neg([{ kind: 'multiprotocol', afi: 2, safi: 1 }, { kind: 'four-octet-as', asn: 65001 }, { kind: 'route-refresh' }]);
  assert.deepEqual(n.families, [{ afi: 2, safi: 1 }]);
  assert.equal(n.fourOctetAs, true);
  assert.equal(n.routeRefresh, true);
  assert.equal(n.enhancedRouteRefresh, false, 'we did not offer it');
  const n2 = neg([{ kind: 'enhanced-route-refresh' }, { kind: 'extended-message' }], { enhancedRouteRefresh: true, extendedMessage: true });
  assert.equal(n2.enhancedRouteRefresh, true);
  assert.equal(n2.extendedMessage, true);
  assert.equal(n2.decode.extendedMessage, true);
});

test('negotiation: extended next hop per family, add-path directions, GR and hard reset, hostname, hold', () => {
  const n = neg(
    [
      { kind: 'multiprotocol', afi: 1, safi: 1 },
      { kind: 'extended-next-hop', entries: [{ afi: 1, safi: 1, nextHopAfi: 2 }, { afi: 1, safi: 2, nextHopAfi: 2 }] },
      { kind: 'add-path', entries: [{ afi: 1, safi: 1, sendReceive: 1 }, { afi: 2, safi: 1, sendReceive: 3 }] },
      { kind: 'graceful-restart', restartState: true, notification: true, restartTimeSec: 120, families: [{ afi: 1, safi: 1, forwardingPreserved: true }] },
      { kind: 'fqdn', hostname: 'tor1', domain: 'dc' },
    ],
    {
      extendedNextHop: [{ afi: 1, safi: 1, nextHopAfi: 2 }],
      addPath: [{ afi: 1, safi: 1, sendReceive: 3 }, { afi: 2, safi: 1, sendReceive: 1 }],
      gracefulRestart: { restartTimeSec: 30, notification: true, forwardingPreserved: false, restarting: false },
    },
    { holdTimeSec: 9 },
  );
  assert.deepEqual(n.extendedNextHop, [{ afi: 1, safi: 1, nextHopAfi: 2 }]);
  assert.deepEqual([...n.addPathSend], ['1/1']);
  assert.deepEqual([...n.addPathReceive], ['2/1']);
  assert.equal(n.peerGracefulRestart?.restartTimeSec, 120);
  assert.equal(n.hardReset, true);
  assert.deepEqual(n.peerHostname, { hostname: 'tor1', domain: 'dc' });
  assert.equal(n.holdTimeSec, 9);
  assert.equal(n.keepaliveSec, 3);
  const noN = neg([{ kind: 'graceful-restart', restartState: false, notification: false, restartTimeSec: 120, families: [] }], {
    gracefulRestart: { restartTimeSec: 30, notification: true, forwardingPreserved: false, restarting: false },
  });
  assert.equal(noN.hardReset, false);
});

test('hold negotiation: min of both, keepalive hold/3 capped by the configured keepalive', () => {
  assert.equal(neg([], {}, { holdTimeSec: 180 }).holdTimeSec, 90);
  assert.equal(neg([], {}, { holdTimeSec: 180 }).keepaliveSec, 30);
  assert.equal(neg([], { keepaliveSec: 5 }, { holdTimeSec: 180 }).keepaliveSec, 5);
  assert.equal(neg([], {}, { holdTimeSec: 3 }).keepaliveSec, 1);
  assert.equal(neg([], {}, { holdTimeSec: 0 }).keepaliveSec, 0);
});

test('our OPEN: AS_TRANS for a 4-byte AS, the real AS in the capability; minimal OPEN has no capabilities', () => {
  const big = resolveFsmConfig({ localAs: 4200000000, localBgpId: '10.0.0.1', peerAs: 65001 });
  const open = buildLocalOpen(big, false);
  assert.equal(open.myAs, AS_TRANS);
  assert.deepEqual(open.capabilities.find((c) => c.kind === 'four-octet-as'), { kind: 'four-octet-as', asn: 4200000000 });
  assert.deepEqual(buildLocalOpen(big, true).capabilities, []);
  const n = negotiate(big, peerOpen(), true);
  assert.equal(n.fourOctetAs, false, 'minimal OPEN negotiates no 4-octet AS');
  assert.deepEqual(n.families, [{ afi: 1, safi: 1 }]);
});

test('property: any OPEN yields either a Negotiated object or an OPEN Message Error, never a throw', async () => {
  const fc = (await import('fast-check')).default;
  const cap = fc.oneof(
    fc.record({ kind: fc.constant('multiprotocol' as const), afi: fc.integer({ min: 0, max: 65535 }), safi: fc.integer({ min: 0, max: 255 }) }),
    fc.constant({ kind: 'route-refresh' as const }),
    fc.record({ kind: fc.constant('four-octet-as' as const), asn: fc.integer({ min: 0, max: 2 ** 32 - 1 }) }),
    fc.record({ kind: fc.constant('role' as const), role: fc.integer({ min: 0, max: 255 }) }),
    fc.record({ kind: fc.constant('unknown' as const), code: fc.integer({ min: 128, max: 255 }), value: fc.uint8Array({ maxLength: 8 }) }),
  );
  const ip = fc.tuple(fc.nat(255), fc.nat(255), fc.nat(255), fc.nat(255)).map((t) => t.join('.'));
  fc.assert(
    fc.property(
      fc.record({
        version: fc.integer({ min: 0, max: 255 }),
        myAs: fc.integer({ min: 0, max: 65535 }),
        holdTimeSec: fc.integer({ min: 0, max: 65535 }),
        bgpId: ip,
        capabilities: fc.array(cap, { maxLength: 6 }),
        otherParams: fc.array(fc.record({ type: fc.integer({ min: 0, max: 254 }), value: fc.uint8Array({ maxLength: 4 }) }), { maxLength: 1 }),
      }),
      fc.constantFrom<Partial<FsmConfig>>({}, { peerAs: 'any' }, { role: BgpRole.PEER, strictRole: true }, { requiredCapabilities: [1, 65] }, { minHoldTimeSec: 9 }),
      (o, over) => {
        const r = checkOpen({ type: 'open', ...o } as OpenMessage, { ...cfg, ...over }, false);
        if (r.ok) {
          assert.ok(r.negotiated.holdTimeSec === 0 || r.negotiated.holdTimeSec >= 3);
          assert.ok(r.negotiated.keepaliveSec * 3 <= r.negotiated.holdTimeSec);
        } else {
          assert.equal(r.notification.code, 2);
        }
      },
    ),
    { numRuns: 2000 },
  );
});
