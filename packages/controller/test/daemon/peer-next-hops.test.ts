// The other family's next hop in Kubernetes mode (daemon/peer-next-hops.ts): Node addresses
// (InternalIP first, then ExternalIP; link-local, mapped, loopback refused), per-peer export next hops
// for IPv4 and IPv6 sessions, BGPPeer overrides, the status report, the warning once per family, and
// agreement with the speaker's own export decision (packages/bgp export-policy.ts exportRoute).

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { V1Node } from '@kubernetes/client-node';
import { exportRoute, type PeerLinkInfo } from '@vipd/bgp/export-policy.ts';
import { formatIp } from '@vipd/bgp/ip.ts';
import type { FamilyName, Logger } from '@vipd/bgp/observe.ts';
import { nodeNextHopsOf, PeerNextHops, sessionStateNextHops } from '../../src/daemon/peer-next-hops.ts';
import type { AddressFamily, BgpPeer } from '../../src/config/types.ts';

function node(addresses: { type: string; address: string }[]): V1Node {
  return { metadata: { name: 'n1' }, status: { addresses } };
}

function peer(address: string, extra: Partial<BgpPeer['spec']> = {}, families: AddressFamily[] = ['ipv4-unicast', 'ipv6-unicast']): BgpPeer {
  return {
    metadata: { name: 'tor', generation: 1, labels: {} },
    spec: {
      address, asn: 65000, learnAsnFromOpen: false, localAsn: 65101, routerId: undefined, port: 179, passwordSecretRef: undefined,
      holdTimeSec: 9, keepaliveSec: 3, connectRetrySec: 1, families, sourceAddress: undefined, ebgpMultihopTtl: undefined,
      passive: false, gracefulRestart: { enabled: false, restartTimeSec: 120 }, nodeSelector: { matchLabels: {}, matchExpressions: [] }, bfdProfile: undefined,
      bfdAuth: undefined, description: undefined, ...extra,
    },
  };
}

function captureLog(): Logger & { warns: Record<string, unknown>[]; infos: Record<string, unknown>[] } {
  const warns: Record<string, unknown>[] = [];
  const infos: Record<string, unknown>[] = [];
  const l = {
    warns, infos,
    trace() {}, debug() {}, error() {},
    info(o: object) { infos.push(o as Record<string, unknown>); },
    warn(o: object) { warns.push(o as Record<string, unknown>); },
    child() { return l; },
  };
  return l;
}

const DUAL = node([
  { type: 'Hostname', address: 'n1' },
  { type: 'ExternalIP', address: '2001:db8:ff::1' },
  { type: 'InternalIP', address: '10.0.0.1' },
  { type: 'InternalIP', address: 'fe80::1' },
  { type: 'InternalIP', address: '2001:DB8:1::1' },
  { type: 'ExternalIP', address: '198.51.100.1' },
]);

describe('nodeNextHopsOf', () => {
  it('takes the first usable InternalIP per family, canonical, and lists the refused ones', () => {
    assert.deepEqual(nodeNextHopsOf('n1', DUAL), { nodeName: 'n1', ipv4: '10.0.0.1', ipv6: '2001:db8:1::1', refused: ['fe80::1 (link-local)'] });
  });
  it('falls back to ExternalIP; none at all is undefined', () => {
    const n = node([{ type: 'InternalIP', address: '10.0.0.1' }, { type: 'InternalIP', address: '::ffff:10.0.0.1' }, { type: 'ExternalIP', address: 'fd00::7' }]);
    assert.deepEqual(nodeNextHopsOf('n1', n), { nodeName: 'n1', ipv4: '10.0.0.1', ipv6: 'fd00::7', refused: ['::ffff:10.0.0.1 (ipv4-mapped)'] });
    assert.deepEqual(nodeNextHopsOf('n1', undefined), { nodeName: 'n1', ipv4: undefined, ipv6: undefined, refused: [] });
    assert.deepEqual(nodeNextHopsOf('n1', node([{ type: 'InternalIP', address: 'not-an-ip' }])).ipv4, undefined);
  });
});

function link(localAddress: string, families: FamilyName[] = ['ipv4-unicast', 'ipv6-unicast']): PeerLinkInfo {
  return { families: new Set(families), fourOctetAs: true, extendedMessage: false, routeRefresh: true, enhancedRouteRefresh: false, extendedNextHopIpv4: false, localAddress };
}

/** The next hop the speaker would really send (or undefined: refused for want of one). */
function sent(nh: PeerNextHops, family: FamilyName, localAddress: string): string | undefined {
  const r = exportRoute(family, {}, { localAs: 65101, peerAs: 65000, ...nh.exportFields() }, link(localAddress));
  if ('reason' in r) {
    assert.equal(r.reason, 'no-next-hop');
    return undefined;
  }
  assert.equal(r.mp, family === 'ipv6-unicast', 'IPv6 in MP_REACH_NLRI, IPv4 in the classic NLRI field');
  return formatIp(r.nextHop);
}

describe('PeerNextHops', () => {
  it('IPv4 session: IPv6 VIPs get the Node IPv6 address, IPv4 keeps the session address', () => {
    const nh = new PeerNextHops({ peer: peer('192.0.2.1'), log: captureLog() });
    assert.deepEqual(nh.exportFields(), {});
    assert.equal(nh.setNode(nodeNextHopsOf('n1', DUAL)), true);
    assert.deepEqual(nh.exportFields(), { nextHopIpv6: '2001:db8:1::1' });
    assert.equal(nh.setNode(nodeNextHopsOf('n1', DUAL)), false, 'unchanged addresses change nothing');
    assert.equal(sent(nh, 'ipv4-unicast', '192.0.2.10'), '192.0.2.10');
    assert.equal(sent(nh, 'ipv6-unicast', '192.0.2.10'), '2001:db8:1::1');
    assert.deepEqual(nh.report('192.0.2.10'), [
      { family: 'ipv4-unicast', address: '192.0.2.10', source: 'session', problem: null, withheld: 0 },
      { family: 'ipv6-unicast', address: '2001:db8:1::1', source: 'node', problem: null, withheld: 0 },
    ]);
  });

  it('a configured family the session did not negotiate is reported withheld with the reason, not with a next hop', () => {
    const nh = new PeerNextHops({ peer: peer('192.0.2.1'), log: captureLog() });
    nh.setNode(nodeNextHopsOf('n1', DUAL));
    nh.noteRoute('2001:db8:5::1/128', false, true);
    const [v4, v6] = nh.report('192.0.2.10', ['ipv6-unicast']);
    assert.equal(v4!.address, '192.0.2.10');
    assert.equal(v6!.address, null);
    assert.equal(v6!.source, null);
    assert.equal(v6!.withheld, 1);
    assert.match(v6!.problem ?? '', /not negotiated/);
  });

  it('IPv6 session: IPv4 VIPs get the Node IPv4 address in the classic NEXT_HOP', () => {
    const nh = new PeerNextHops({ peer: peer('2001:db8::1'), log: captureLog() });
    nh.setNode(nodeNextHopsOf('n1', DUAL));
    assert.deepEqual(nh.exportFields(), { nextHopIpv4: '10.0.0.1' });
    assert.equal(sent(nh, 'ipv4-unicast', '2001:db8::10'), '10.0.0.1');
    assert.equal(sent(nh, 'ipv6-unicast', '2001:db8::10'), '2001:db8::10');
    assert.equal(nh.lacks('ipv4-unicast'), false);
  });

  it('no Node address of the other family: withheld (the speaker agrees), reported, warned once while withheld', () => {
    const log = captureLog();
    const nh = new PeerNextHops({ peer: peer('192.0.2.1'), log });
    nh.setNode(nodeNextHopsOf('n1', DUAL));
    nh.noteRoute('2001:db8:5::1/128', false, true);
    nh.noteRoute('192.0.2.50/32', false, true);
    assert.equal(log.warns.length, 0);
    const v4only = node([{ type: 'InternalIP', address: '10.0.0.1' }, { type: 'InternalIP', address: 'fe80::1' }]);
    assert.equal(nh.setNode(nodeNextHopsOf('n1', v4only)), true);
    assert.equal(nh.lacks('ipv6-unicast'), true);
    assert.equal(nh.lacks('ipv4-unicast'), false);
    assert.equal(sent(nh, 'ipv6-unicast', '192.0.2.10'), undefined, 'the speaker refuses it too (no-next-hop)');
    assert.equal(log.warns.length, 1);
    assert.equal(log.warns[0]!['family'], 'ipv6-unicast');
    assert.equal(log.warns[0]!['withheld'], 1);
    nh.noteRoute('2001:db8:5::2/128', false, true);
    nh.setNode(nodeNextHopsOf('n1', v4only));
    assert.equal(log.warns.length, 1, 'once per family while it lasts');
    const [, v6] = nh.report('192.0.2.10');
    assert.equal(v6!.address, null);
    assert.equal(v6!.withheld, 2);
    assert.match(v6!.problem ?? '', /fe80::1 \(link-local\)/);
    assert.deepEqual(sessionStateNextHops([v6!]).map((x) => Object.keys(x).sort()), [['family', 'problem', 'withheld']]);
    nh.setNode(nodeNextHopsOf('n1', DUAL));
    assert.equal(nh.report('192.0.2.10')[1]!.withheld, 0);
    nh.setNode(nodeNextHopsOf('n1', v4only));
    assert.equal(log.warns.length, 2, 'a new episode warns again');
  });

  it('no warning while no VIP of the family is wanted (single-stack clusters)', () => {
    const log = captureLog();
    const nh = new PeerNextHops({ peer: peer('192.0.2.1'), log });
    nh.setNode(nodeNextHopsOf('n1', node([{ type: 'InternalIP', address: '10.0.0.1' }])));
    nh.noteRoute('192.0.2.50/32', false, true);
    assert.equal(log.warns.length, 0);
    assert.equal(nh.report(undefined)[1]!.problem !== null, true, 'the status still says it');
    nh.noteRoute('2001:db8:5::1/128', false, true);
    assert.equal(log.warns.length, 1);
    nh.clearRoutes();
    assert.equal(nh.report(undefined)[1]!.withheld, 0);
  });

  it('a family the peer is not configured for is neither reported nor warned about', () => {
    const log = captureLog();
    const nh = new PeerNextHops({ peer: peer('192.0.2.1', {}, ['ipv4-unicast']), log });
    nh.setNode(nodeNextHopsOf('n1', undefined));
    nh.noteRoute('2001:db8:5::1/128', false, true);
    assert.deepEqual(nh.report(undefined).map((r) => r.family), ['ipv4-unicast']);
    assert.equal(log.warns.length, 0);
  });

  it('BGPPeer overrides win over the Node address and the session address, and may change without a restart', () => {
    const nh = new PeerNextHops({ peer: peer('192.0.2.1', { nextHopIpv6: '2001:db8:9::9' }), log: captureLog() });
    nh.setNode(nodeNextHopsOf('n1', DUAL), { nextHopIpv6: '2001:db8:9::9' });
    assert.deepEqual(nh.exportFields(), { nextHopIpv6: '2001:db8:9::9' });
    assert.equal(nh.report('192.0.2.10')[1]!.source, 'bgppeer');
    assert.equal(nh.setNode(nodeNextHopsOf('n1', DUAL), { nextHopIpv4: '192.0.2.99' }), true);
    assert.deepEqual(nh.exportFields(), { nextHopIpv4: '192.0.2.99', nextHopIpv6: '2001:db8:1::1' });
    assert.equal(sent(nh, 'ipv4-unicast', '192.0.2.10'), '192.0.2.99');
    assert.deepEqual(nh.report('192.0.2.10').map((r) => r.source), ['bgppeer', 'node']);
  });
});
