// RouteTable: incremental merge of per-Service decisions into per-VIP routes (shared VIPs), built from
// literal Kubernetes objects through the real decide path.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { V1EndpointSlice, V1Node, V1Service } from '@kubernetes/client-node';
import { decideService, evaluateNode } from '../../src/decide.ts';
import { DEFAULT_SETTINGS } from '../../src/config/settings.ts';
import { parseBgpAdvertisement } from '../../src/config/bgp-advertisement.ts';
import { parseBgpPeer } from '../../src/config/bgp-peer.ts';
import { endpointSliceFromK8s, nodeFromK8s, serviceFromK8s } from '../../src/snapshot.ts';
import { RouteTable } from '../../src/daemon/route-table.ts';
import { FOREIGN_REASONS } from '../../src/reasons.ts';

const peer = parseBgpPeer({ apiVersion: 'vipd.io/v1alpha1', kind: 'BGPPeer', metadata: { name: 'tor' }, spec: { address: '10.0.0.1', asn: 65000, localAsn: 65100 } });
const ad = parseBgpAdvertisement({ apiVersion: 'vipd.io/v1alpha1', kind: 'BGPAdvertisement', metadata: { name: 'all' }, spec: { communities: ['65000:1'] } });
assert.ok(peer.ok && ad.ok);
const config = { settings: DEFAULT_SETTINGS, peers: [peer.value], advertisements: [ad.value], pools: [] };
const nodeObj: V1Node = { metadata: { name: 'n1' }, status: { conditions: [{ type: 'Ready', status: 'True' }] } };
const node = evaluateNode('n1', nodeFromK8s(nodeObj), DEFAULT_SETTINGS, config.peers);

const svc = (name: string, ip: string): V1Service => ({
  metadata: { name, namespace: 'default' },
  spec: { type: 'LoadBalancer', loadBalancerClass: 'vipd.io/bgp', externalTrafficPolicy: 'Local' },
  status: { loadBalancer: { ingress: [{ ip }] } },
});
const slice = (service: string, nodes: string[]): V1EndpointSlice => ({
  metadata: { name: `${service}-x`, namespace: 'default', labels: { 'kubernetes.io/service-name': service } },
  addressType: 'IPv4',
  endpoints: nodes.map((n, i) => ({ addresses: [`10.9.0.${i + 1}`], nodeName: n, conditions: { ready: true } })),
});
const decide = (s: V1Service, sl: V1EndpointSlice) => decideService(serviceFromK8s(s), [endpointSliceFromK8s(sl)], node, config);

test('a shared VIP stays announced while any of its Services qualifies', () => {
  const t = new RouteTable();
  assert.deepEqual(t.setService('default/a', decide(svc('a', '192.0.2.1'), slice('a', ['n1']))), ['192.0.2.1']);
  t.setService('default/b', decide(svc('b', '192.0.2.1'), slice('b', ['n2'])));
  assert.equal(t.vips.get('192.0.2.1')?.announce, true);
  assert.deepEqual(t.vips.get('192.0.2.1')?.services, ['default/a', 'default/b']);
  assert.deepEqual(t.setService('default/a', decide(svc('a', '192.0.2.1'), slice('a', ['n2']))), ['192.0.2.1']);
  assert.equal(t.vips.get('192.0.2.1')?.announce, false, 'neither has a local endpoint now');
  assert.equal(t.routesOf('192.0.2.1', false).size, 0);
  t.setService('default/b', decide(svc('b', '192.0.2.1'), slice('b', ['n1'])));
  const routes = t.routesOf('192.0.2.1', false);
  assert.deepEqual([...routes.keys()], ['tor']);
  assert.deepEqual(routes.get('tor')?.communities, [65000 * 65536 + 1]);
});

test('moving a Service to another VIP touches both VIPs; deleting it removes the VIP', () => {
  const t = new RouteTable();
  t.setService('default/a', decide(svc('a', '192.0.2.1'), slice('a', ['n1'])));
  assert.deepEqual(t.setService('default/a', decide(svc('a', '192.0.2.2'), slice('a', ['n1']))).sort(), ['192.0.2.1', '192.0.2.2']);
  assert.equal(t.vips.has('192.0.2.1'), false);
  assert.deepEqual(t.setService('default/a', undefined), ['192.0.2.2']);
  assert.equal(t.vips.size, 0);
  assert.equal(t.decisions.size, 0);
});

test('attributes are interned; forced GRACEFUL_SHUTDOWN is a distinct class', () => {
  const t = new RouteTable();
  t.setService('default/a', decide(svc('a', '192.0.2.1'), slice('a', ['n1'])));
  t.setService('default/b', decide(svc('b', '192.0.2.2'), slice('b', ['n1'])));
  assert.equal(t.routesOf('192.0.2.1', false).get('tor'), t.routesOf('192.0.2.2', false).get('tor'));
  const g = t.routesOf('192.0.2.1', true).get('tor');
  assert.equal(g?.gracefulShutdown, true);
  assert.deepEqual(t.reasonCounts(FOREIGN_REASONS), { announced: 2 });
});

test('a dual-stack Service: each VIP keeps its own decision (the IPv6 VIP goes to the IPv6 peer)', () => {
  const p4 = parseBgpPeer({ apiVersion: 'vipd.io/v1alpha1', kind: 'BGPPeer', metadata: { name: 'tor4' }, spec: { address: '10.0.0.1', asn: 65000, localAsn: 65100, families: ['ipv4-unicast'] } });
  const p6 = parseBgpPeer({ apiVersion: 'vipd.io/v1alpha1', kind: 'BGPPeer', metadata: { name: 'tor6' }, spec: { address: 'fd00::1', asn: 65000, localAsn: 65100, families: ['ipv6-unicast'] } });
  assert.ok(p4.ok && p6.ok);
  const cfg = { ...config, peers: [p4.value, p6.value] };
  const n = evaluateNode('n1', nodeFromK8s(nodeObj), DEFAULT_SETTINGS, cfg.peers);
  const dual: V1Service = { ...svc('d', '192.0.2.9'), status: { loadBalancer: { ingress: [{ ip: '192.0.2.9' }, { ip: '2001:db8::9' }] } } };
  const slices = [slice('d', ['n1']), { ...slice('d', ['n1']), addressType: 'IPv6', endpoints: [{ addresses: ['fd00:9::1'], nodeName: 'n1', conditions: { ready: true } }] }];
  const t = new RouteTable();
  const changed = t.setService('default/d', decideService(serviceFromK8s(dual), slices.map(endpointSliceFromK8s), n, cfg));
  assert.deepEqual(changed.sort(), ['192.0.2.9', '2001:db8::9']);
  assert.equal(t.vips.get('2001:db8::9')?.prefix, '2001:db8::9/128');
  assert.deepEqual([...t.routesOf('192.0.2.9', false).keys()], ['tor4']);
  assert.deepEqual([...t.routesOf('2001:db8::9', false).keys()], ['tor6']);
});
