// decide(): per-peer routes and attributes, GRACEFUL_SHUTDOWN on drain, dual-stack Services, shared
// VIPs (route lives while any Service qualifies; deterministic attribute merge), negotiated families,
// the per-Service entry point and the Service summaries.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { WellKnownCommunity } from '@vipd/bgp/wire/constants.ts';
import {
  applyNegotiatedFamilies, decideAnnouncements, decideService, evaluateNode, mergeVipDecisions, type DecideConfig,
} from '../src/decide.ts';
import { conditionReason, summarizeService } from '../src/decision-summary.ts';
import { REASONS } from '../src/reasons.ts';
import { endpointSliceFromK8s, nodeFromK8s, serviceFromK8s, snapshotFromK8s } from '../src/snapshot.ts';
import { advertisement, config, node, NODE, OTHER, peer, slice, svc } from './support/k8s-objects.ts';

const GSHUT = WellKnownCommunity.GRACEFUL_SHUTDOWN;
const nodes = [node(NODE), node(OTHER)];

function decide(services = [svc('web')], slices = [slice('web', 'IPv4', [{ ip: '10.1.0.1', node: NODE }])], cfg: DecideConfig = config(), nodeList = nodes) {
  return decideAnnouncements(snapshotFromK8s({ services, endpointSlices: slices, nodes: nodeList }), NODE, cfg);
}

describe('routes and attributes', () => {
  it('sends to every peer of the node, with the advertisement attributes', () => {
    const cfg = config({
      peers: [peer('tor-b', { address: '198.51.100.2' }), peer('tor-a')],
      advertisements: [advertisement('a', { communities: ['65000:100', 'NO_EXPORT'], largeCommunities: ['65000:1:2'], localPref: 200, med: 10, asPathPrepend: 2 })],
    });
    const [vip] = decide(undefined, undefined, cfg).vips;
    assert.equal(vip!.prefix, '192.0.2.10/32');
    assert.deepEqual(vip!.routes.map((r) => r.peer), ['tor-a', 'tor-b']);
    assert.deepEqual(vip!.routes[0], {
      peer: 'tor-a',
      peerAddress: '198.51.100.1',
      communities: [65000 * 65536 + 100, WellKnownCommunity.NO_EXPORT],
      largeCommunities: [[65000, 1, 2]],
      localPref: 200,
      med: 10,
      asPathPrepend: 2,
    });
  });

  it('an advertisement restricted to one peer reaches only that peer', () => {
    const cfg = config({ peers: [peer('tor-a'), peer('tor-b', { address: '198.51.100.2' })], advertisements: [advertisement('a', { peers: ['tor-b'] })] });
    assert.deepEqual(decide(undefined, undefined, cfg).vips[0]!.routes.map((r) => r.peer), ['tor-b']);
  });

  it('two BGPPeers with one address and port are one session: the first by name is used', () => {
    const cfg = config({ peers: [peer('tor-b', { address: '198.51.100.1' }), peer('tor-a', { address: '198.51.100.1' })] });
    assert.deepEqual(decide(undefined, undefined, cfg).vips[0]!.routes.map((r) => r.peer), ['tor-a']);
  });

  it('two advertisements to one peer merge: communities union, highest LOCAL_PREF, lowest MED, fewest prepends', () => {
    const cfg = config({
      advertisements: [
        advertisement('a', { communities: ['65000:1'], localPref: 100, med: 50, asPathPrepend: 3 }),
        advertisement('b', { communities: ['65000:2', '65000:1'], localPref: 300, med: 20, asPathPrepend: 1 }),
      ],
    });
    const r = decide(undefined, undefined, cfg).vips[0]!.routes[0]!;
    assert.deepEqual(r.communities, [65000 * 65536 + 1, 65000 * 65536 + 2]);
    assert.equal(r.localPref, 300);
    assert.equal(r.med, 20);
    assert.equal(r.asPathPrepend, 1);
  });

  it('draining with graceful-shutdown tags every route with GRACEFUL_SHUTDOWN (RFC 8326)', () => {
    const cfg = config({ settings: { drainBehaviour: 'graceful-shutdown' }, advertisements: [advertisement('a', { communities: ['65000:7'] })] });
    const d = decide(undefined, undefined, cfg, [node(NODE, { unschedulable: true })]);
    assert.equal(d.node.draining, true);
    const vip = d.vips[0]!;
    assert.equal(vip.announce, true);
    assert.equal(vip.gracefulShutdown, true);
    assert.deepEqual(vip.routes[0]!.communities, [65000 * 65536 + 7, GSHUT]);
    assert.match(summarizeService(d.services[0]!).message, /GRACEFUL_SHUTDOWN/);
  });

  it('no GRACEFUL_SHUTDOWN on a healthy node', () => {
    const vip = decide().vips[0]!;
    assert.equal(vip.gracefulShutdown, false);
    assert.ok(!vip.routes[0]!.communities.includes(GSHUT));
  });
});

describe('dual-stack', () => {
  const dual = svc('web', { ingress: ['192.0.2.10', '2001:DB8:0::10'], ipFamilies: ['IPv4', 'IPv6'] });
  it('announces each family when that family has endpoints, as /32 and /128 with canonical text', () => {
    const d = decide([dual], [slice('web', 'IPv4', [{ ip: '10.1.0.1', node: OTHER }]), slice('web', 'IPv6', [{ ip: 'fd00::1', node: OTHER }])]);
    assert.deepEqual(d.vips.map((v) => [v.prefix, v.announce]), [['192.0.2.10/32', true], ['2001:db8::10/128', true]]);
  });
  it('withdraws only the family without endpoints', () => {
    const d = decide([dual], [slice('web', 'IPv4', [{ ip: '10.1.0.1', node: OTHER }])]);
    assert.deepEqual(d.vips.map((v) => [v.address, v.reason]), [['192.0.2.10', 'announced'], ['2001:db8::10', 'no-endpoints']]);
    assert.equal(d.services[0]!.announce, true);
    assert.match(summarizeService(d.services[0]!).message, /not announced: 2001:db8::10/);
  });
  it('an IPv4-only peer gets only the IPv4 VIP', () => {
    const cfg = config({ peers: [peer('v4', { families: ['ipv4-unicast'] }), peer('v6', { address: '2001:db8:ff::1', families: ['ipv6-unicast'] })] });
    const d = decide([dual], [slice('web', 'IPv4', [{ ip: '10.1.0.1', node: OTHER }]), slice('web', 'IPv6', [{ ip: 'fd00::1', node: OTHER }])], cfg);
    assert.deepEqual(d.vips.map((v) => v.routes.map((r) => r.peer)), [['v4'], ['v6']]);
  });
});

describe('shared VIPs', () => {
  const a = svc('a', { etp: 'Local', ingress: ['192.0.2.50'], ports: [80] });
  const b = svc('b', { etp: 'Local', ingress: ['192.0.2.50'], ports: [443] });
  it('the route lives while any Service on the VIP qualifies', () => {
    const d = decide([a, b], [slice('a', 'IPv4', [{ ip: '10.1.0.1', node: OTHER }]), slice('b', 'IPv4', [{ ip: '10.1.0.2', node: NODE }])]);
    assert.equal(d.vips.length, 1);
    const v = d.vips[0]!;
    assert.equal(v.announce, true);
    assert.deepEqual(v.services, ['default/a', 'default/b']);
    assert.deepEqual(v.announcedBy, ['default/b']);
  });
  it('withdrawn when none qualifies, with the first Service reason', () => {
    const d = decide([a, b], [slice('a', 'IPv4', [{ ip: '10.1.0.1', node: OTHER }])]);
    assert.equal(d.vips[0]!.announce, false);
    assert.equal(d.vips[0]!.reason, 'no-local-endpoints');
  });
  it('attributes of several qualifying Services merge deterministically, whatever the input order', () => {
    const cfg = config({
      advertisements: [
        advertisement('for-a', { serviceSelectors: [{ matchLabels: { app: 'a' } }], communities: ['65000:1'], localPref: 100, med: 5 }),
        advertisement('for-b', { serviceSelectors: [{ matchLabels: { app: 'b' } }], communities: ['65000:2'], localPref: 150, med: 9 }),
      ],
    });
    const sa = svc('a', { ingress: ['192.0.2.50'], labels: { app: 'a' } });
    const sb = svc('b', { ingress: ['192.0.2.50'], labels: { app: 'b' } });
    const slices = [slice('a', 'IPv4', [{ ip: '10.1.0.1', node: OTHER }]), slice('b', 'IPv4', [{ ip: '10.1.0.2', node: OTHER }])];
    const one = decide([sa, sb], slices, cfg).vips;
    const two = decide([sb, sa], [...slices].reverse(), cfg).vips;
    assert.deepEqual(one, two);
    assert.deepEqual(one[0]!.routes[0]!.communities, [65000 * 65536 + 1, 65000 * 65536 + 2]);
    assert.equal(one[0]!.routes[0]!.localPref, 150);
    assert.equal(one[0]!.routes[0]!.med, 5);
  });
  it('a foreign Service on the same IP never keeps our route alive', () => {
    const foreign = svc('x', { cls: 'other.io/lb', ingress: ['192.0.2.50'] });
    const d = decide([a, foreign], [slice('x', 'IPv4', [{ ip: '10.1.0.9', node: NODE }])]);
    assert.equal(d.vips.length, 1);
    assert.equal(d.vips[0]!.announce, false);
    assert.deepEqual(d.vips[0]!.services, ['default/a']);
  });
});

describe('negotiated families (decided per peer at runtime)', () => {
  const dual = svc('web', { ingress: ['192.0.2.10', '2001:db8::10'], ipFamilies: ['IPv4', 'IPv6'] });
  const slices = [slice('web', 'IPv4', [{ ip: '10.1.0.1', node: OTHER }]), slice('web', 'IPv6', [{ ip: 'fd00::1', node: OTHER }])];
  it('drops routes to peers that did not negotiate the family; VIP without peers is family-not-negotiated', () => {
    const cfg = config({ peers: [peer('tor-a'), peer('tor-b', { address: '198.51.100.2' })] });
    const vips = decide([dual], slices, cfg).vips;
    const out = applyNegotiatedFamilies(vips, new Map([['tor-a', new Set(['ipv4-unicast'] as const)], ['tor-b', new Set(['ipv4-unicast'] as const)]]));
    assert.deepEqual(out.map((v) => [v.address, v.reason, v.routes.length]), [['192.0.2.10', 'announced', 2], ['2001:db8::10', 'family-not-negotiated', 0]]);
  });
  it('keeps routes for peers whose session is not up yet', () => {
    const vips = decide([dual], slices).vips;
    assert.deepEqual(applyNegotiatedFamilies(vips, new Map()), vips);
  });
});

describe('per-Service entry point', () => {
  it('decideService on plain data equals the Service entry of decideAnnouncements', () => {
    const s = svc('web', { etp: 'Local' });
    const sl = [slice('web', 'IPv4', [{ ip: '10.1.0.1', node: NODE }])];
    const cfg = config();
    const ctx = evaluateNode(NODE, nodeFromK8s(node(NODE)), cfg.settings, cfg.peers);
    const one = decideService(serviceFromK8s(s), sl.map(endpointSliceFromK8s), ctx, cfg);
    assert.deepEqual(one, decide([s], sl).services[0]);
    assert.deepEqual(mergeVipDecisions([one]), decide([s], sl).vips);
  });
});

describe('summaries for Events and conditions', () => {
  it('announced: VIPs, node and peers', () => {
    const s = summarizeService(decide().services[0]!);
    assert.equal(s.eventReason, 'Announced');
    assert.equal(s.message, `announced 192.0.2.10 from node ${NODE} to peers tor-a`);
  });
  it('withdrawn: the reason in words', () => {
    const s = summarizeService(decide([svc('web', { etp: 'Local' })], [slice('web', 'IPv4', [{ ip: '10.1.0.1', node: OTHER }])]).services[0]!);
    assert.equal(s.eventReason, 'Withdrawn');
    assert.equal(s.reason, 'no-local-endpoints');
    assert.match(s.message, /^withdrawn from node node-a: no local endpoints/);
  });
  it('foreign Services are not relevant (no Event, no condition)', () => {
    assert.equal(summarizeService(decide([svc('web', { type: 'ClusterIP' })]).services[0]!).relevant, false);
  });
  it('every reason has a CamelCase condition reason', () => {
    for (const r of REASONS) assert.match(conditionReason(r), /^[A-Za-z]([A-Za-z0-9_,:]*[A-Za-z0-9_])?$/);
    assert.equal(conditionReason('no-local-endpoints'), 'NoLocalEndpoints');
  });
});
