// Next-hop address checks (config/next-hop-address.ts): which Node addresses and BGPPeer
// spec.nextHopIpv4 / spec.nextHopIpv6 values may be sent as a next hop, with a typed refusal otherwise.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { checkNextHop, readNextHop, NEXT_HOP_REFUSALS, type NextHopRefusal } from '../../src/config/next-hop-address.ts';
import { newCtx } from '../../src/config/read.ts';
import { parseBgpPeer } from '../../src/config/bgp-peer.ts';

const CASES: readonly (readonly [string, 'ipv4' | 'ipv6', string | NextHopRefusal])[] = [
  ['192.0.2.10', 'ipv4', '192.0.2.10'],
  ['10.0.0.1', 'ipv4', '10.0.0.1'],
  ['0.0.0.0', 'ipv4', 'unspecified'],
  ['0.1.2.3', 'ipv4', 'unspecified'],
  ['127.0.0.1', 'ipv4', 'loopback'],
  ['169.254.1.1', 'ipv4', 'link-local'],
  ['224.0.0.5', 'ipv4', 'multicast'],
  ['255.255.255.255', 'ipv4', 'reserved'],
  ['240.0.0.1', 'ipv4', 'reserved'],
  ['2001:DB8:0:0::10', 'ipv6', '2001:db8::10'],
  ['fd00::1', 'ipv6', 'fd00::1'],
  ['::', 'ipv6', 'unspecified'],
  ['::1', 'ipv6', 'loopback'],
  ['fe80::1', 'ipv6', 'link-local'],
  ['febf::1', 'ipv6', 'link-local'],
  ['fec0::1', 'ipv6', 'fec0::1'],
  ['ff02::1', 'ipv6', 'multicast'],
  ['::ffff:192.0.2.10', 'ipv6', 'ipv4-mapped'],
  ['::192.0.2.10', 'ipv6', 'reserved'],
  ['192.0.2.10', 'ipv6', 'wrong-family'],
  ['2001:db8::1', 'ipv4', 'wrong-family'],
  ['fe80::1%eth0', 'ipv6', 'not-an-address'],
  ['192.0.2.300', 'ipv4', 'not-an-address'],
  ['', 'ipv4', 'not-an-address'],
];

describe('checkNextHop', () => {
  it('has cases for every refusal', () => {
    const seen = new Set(CASES.map((c) => c[2]));
    for (const r of NEXT_HOP_REFUSALS) assert.ok(seen.has(r), r);
  });
  for (const [text, family, want] of CASES) {
    it(`${text || '(empty)'} as ${family}: ${want}`, () => {
      const c = checkNextHop(text, family);
      if ((NEXT_HOP_REFUSALS as readonly string[]).includes(want)) assert.deepEqual(c, { ok: false, refusal: want });
      else assert.deepEqual(c, { ok: true, address: want });
    });
  }
});

describe('readNextHop / BGPPeer spec.nextHopIpv4, spec.nextHopIpv6', () => {
  it('absent is undefined without an issue; a non-string is InvalidAddress', () => {
    const ctx = newCtx();
    assert.equal(readNextHop(ctx, {}, 'ipv6'), undefined);
    assert.equal(ctx.errors.length, 0);
    assert.equal(readNextHop(ctx, { nextHopIpv6: 7 }, 'ipv6'), undefined);
    assert.deepEqual(ctx.errors.map((e) => [e.path, e.reason]), [['spec.nextHopIpv6', 'InvalidAddress']]);
  });
  const peer = (extra: Record<string, unknown>) => parseBgpPeer({
    apiVersion: 'vipd.io/v1alpha1', kind: 'BGPPeer', metadata: { name: 'tor' },
    spec: { address: '192.0.2.1', asn: 65001, localAsn: 64512, ...extra },
  });
  it('the parser keeps canonical overrides', () => {
    const r = peer({ nextHopIpv6: '2001:DB8:1:0::10', nextHopIpv4: '192.0.2.10' });
    assert.ok(r.ok, JSON.stringify(!r.ok && r.errors));
    assert.equal(r.value.spec.nextHopIpv6, '2001:db8:1::10');
    assert.equal(r.value.spec.nextHopIpv4, '192.0.2.10');
    const none = peer({});
    assert.ok(none.ok);
    assert.equal('nextHopIpv6' in none.value.spec, false);
  });
  it('the parser rejects a link-local IPv6 next hop with a typed reason', () => {
    const r = peer({ nextHopIpv6: 'fe80::1' });
    assert.equal(r.ok, false);
    assert.ok(!r.ok && r.errors.some((e) => e.path === 'spec.nextHopIpv6' && e.reason === 'InvalidAddress'));
  });
});
