// decide(): one table row per decision rule of docs/decision.md, each built from literal Service /
// EndpointSlice / Node objects and run through the snapshot conversion and decideAnnouncements.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { V1EndpointSlice, V1Node, V1Service } from '@kubernetes/client-node';
import { decideAnnouncements, type DecideConfig } from '../src/decide.ts';
import { REASONS, type Reason } from '../src/reasons.ts';
import { snapshotFromK8s } from '../src/snapshot.ts';
import { advertisement, config, node, NODE, OTHER, peer, pool, slice, svc } from './support/k8s-objects.ts';

interface Row {
  readonly name: string;
  readonly services?: readonly V1Service[];
  readonly slices?: readonly V1EndpointSlice[];
  readonly nodes?: readonly V1Node[];
  readonly cfg?: DecideConfig;
  /** Expected reason of Service "web" on node-a (announce = reason is 'announced'). */
  readonly expect: Reason;
}

const readyHere = [slice('web', 'IPv4', [{ ip: '10.1.0.1', node: NODE }])];
const readyThere = [slice('web', 'IPv4', [{ ip: '10.1.0.2', node: OTHER }])];
const bothNodes = [node(NODE), node(OTHER)];

export const ROWS: readonly Row[] = [
  // Service selection
  { name: 'LoadBalancer of our class with a ready endpoint is announced', slices: readyThere, expect: 'announced' },
  { name: 'ClusterIP Service is not ours', services: [svc('web', { type: 'ClusterIP' })], expect: 'not-loadbalancer' },
  { name: 'NodePort Service is not ours', services: [svc('web', { type: 'NodePort' })], expect: 'not-loadbalancer' },
  { name: 'another loadBalancerClass is not ours', services: [svc('web', { cls: 'metallb.io/metallb' })], expect: 'not-our-class' },
  { name: 'unset class is not ours when we are not the default', services: [svc('web', { cls: null })], expect: 'not-our-class' },
  {
    name: 'unset class is ours when isDefaultClass',
    services: [svc('web', { cls: null })],
    slices: readyThere,
    cfg: config({ settings: { isDefaultClass: true } }),
    expect: 'announced',
  },
  {
    name: 'our class is ours even when isDefaultClass',
    slices: readyThere,
    cfg: config({ settings: { isDefaultClass: true } }),
    expect: 'announced',
  },
  {
    name: 'a custom class name is honoured',
    services: [svc('web', { cls: 'example.com/lb' })],
    slices: readyThere,
    cfg: config({ settings: { loadBalancerClass: 'example.com/lb' } }),
    expect: 'announced',
  },
  // VIPs
  { name: 'no ingress IP and nothing requested: no VIPs', services: [svc('web', { ingress: [] })], slices: readyThere, expect: 'no-vips' },
  {
    name: 'requested IP by annotation is used while status is empty',
    services: [svc('web', { ingress: [], annotations: { 'vipd.io/loadBalancerIPs': '192.0.2.20' } })],
    slices: readyThere,
    expect: 'announced',
  },
  {
    name: 'spec.loadBalancerIP is used while status is empty',
    services: [svc('web', { ingress: [], loadBalancerIP: '192.0.2.21' })],
    slices: readyThere,
    expect: 'announced',
  },
  {
    name: 'a malformed requested IP is a configuration error',
    services: [svc('web', { ingress: [], annotations: { 'vipd.io/loadBalancerIPs': '192.0.2.20,not-an-ip' } })],
    slices: readyThere,
    expect: 'config-invalid',
  },
  {
    name: 'a malformed spec.loadBalancerIP is a configuration error',
    services: [svc('web', { ingress: [], loadBalancerIP: '300.1.1.1' })],
    slices: readyThere,
    expect: 'config-invalid',
  },
  // Node eligibility
  { name: 'node labelled exclude-from-external-load-balancers', slices: readyThere, nodes: [node(NODE, { labels: { 'node.kubernetes.io/exclude-from-external-load-balancers': '' } })], expect: 'node-excluded' },
  { name: 'exclude label with value "false" still excludes (presence)', slices: readyThere, nodes: [node(NODE, { labels: { 'node.kubernetes.io/exclude-from-external-load-balancers': 'false' } })], expect: 'node-excluded' },
  {
    name: 'exclude label ignored when excludeLabelHandling is ignore',
    slices: readyThere,
    nodes: [node(NODE, { labels: { 'node.kubernetes.io/exclude-from-external-load-balancers': '' } })],
    cfg: config({ settings: { excludeLabelHandling: 'ignore' } }),
    expect: 'announced',
  },
  { name: 'node Ready=False', slices: readyThere, nodes: [node(NODE, { ready: 'False' })], expect: 'node-not-ready' },
  { name: 'node Ready=Unknown (kubelet lost)', slices: readyThere, nodes: [node(NODE, { ready: 'Unknown' })], expect: 'node-not-ready' },
  { name: 'node without a Ready condition', slices: readyThere, nodes: [node(NODE, { ready: null })], expect: 'node-not-ready' },
  { name: 'node object missing', slices: readyThere, nodes: [node(OTHER)], expect: 'node-not-ready' },
  { name: 'node NetworkUnavailable=True', slices: readyThere, nodes: [node(NODE, { networkUnavailable: 'True' })], expect: 'node-network-unavailable' },
  { name: 'node NetworkUnavailable=False is fine', slices: readyThere, nodes: [node(NODE, { networkUnavailable: 'False' })], expect: 'announced' },
  { name: 'cordoned node drains', slices: readyThere, nodes: [node(NODE, { unschedulable: true })], expect: 'node-draining' },
  {
    name: 'cordon is not a drain signal when drainSignals.cordon is false',
    slices: readyThere,
    nodes: [node(NODE, { unschedulable: true })],
    cfg: config({ settings: { drainSignals: { cordon: false, taintKeys: [] } } }),
    expect: 'announced',
  },
  { name: 'ToBeDeletedByClusterAutoscaler taint drains', slices: readyThere, nodes: [node(NODE, { taints: [{ key: 'ToBeDeletedByClusterAutoscaler', value: '1700000000', effect: 'NoSchedule' }] })], expect: 'node-draining' },
  { name: 'out-of-service taint drains', slices: readyThere, nodes: [node(NODE, { taints: [{ key: 'node.kubernetes.io/out-of-service', value: 'nodeshutdown', effect: 'NoExecute' }] })], expect: 'node-draining' },
  { name: 'cloud provider shutdown taint drains', slices: readyThere, nodes: [node(NODE, { taints: [{ key: 'node.cloudprovider.kubernetes.io/shutdown', effect: 'NoSchedule' }] })], expect: 'node-draining' },
  { name: 'Karpenter disrupted taint drains', slices: readyThere, nodes: [node(NODE, { taints: [{ key: 'karpenter.sh/disrupted', effect: 'NoSchedule' }] })], expect: 'node-draining' },
  { name: 'Node being deleted drains', slices: readyThere, nodes: [node(NODE, { deleting: true })], expect: 'node-draining' },
  { name: 'an unrelated taint does not drain', slices: readyThere, nodes: [node(NODE, { taints: [{ key: 'dedicated', value: 'db', effect: 'NoSchedule' }] })], expect: 'announced' },
  {
    name: 'draining with drainBehaviour graceful-shutdown keeps announcing',
    slices: readyThere,
    nodes: [node(NODE, { unschedulable: true })],
    cfg: config({ settings: { drainBehaviour: 'graceful-shutdown' } }),
    expect: 'announced',
  },
  { name: 'NotReady wins over draining', slices: readyThere, nodes: [node(NODE, { ready: 'False', unschedulable: true })], expect: 'node-not-ready' },
  // Endpoints
  { name: 'Cluster: ready endpoint on another node is enough', slices: readyThere, expect: 'announced' },
  { name: 'Cluster: no EndpointSlice at all', slices: [], expect: 'no-endpoints' },
  { name: 'Cluster: an empty EndpointSlice', slices: [slice('web', 'IPv4', [])], expect: 'no-endpoints' },
  { name: 'Local: ready endpoint on this node', services: [svc('web', { etp: 'Local' })], slices: readyHere, expect: 'announced' },
  { name: 'Local: ready endpoint only elsewhere', services: [svc('web', { etp: 'Local' })], slices: readyThere, expect: 'no-local-endpoints' },
  { name: 'Local: no endpoints anywhere', services: [svc('web', { etp: 'Local' })], slices: [], expect: 'no-endpoints' },
  { name: 'Local: endpoint without nodeName is not local', services: [svc('web', { etp: 'Local' })], slices: [slice('web', 'IPv4', [{ ip: '10.1.0.9' }])], expect: 'no-local-endpoints' },
  { name: 'ready nil counts as ready', slices: [slice('web', 'IPv4', [{ ip: '10.1.0.1', node: OTHER, ready: null, serving: null, terminating: null }])], expect: 'announced' },
  { name: 'ready=false (not terminating) cannot serve', slices: [slice('web', 'IPv4', [{ ip: '10.1.0.1', node: OTHER, ready: false, serving: false }])], expect: 'no-endpoints' },
  {
    name: 'terminating+serving does not count by default (terminatingPolicy withdraw)',
    slices: [slice('web', 'IPv4', [{ ip: '10.1.0.1', node: OTHER, ready: false, serving: true, terminating: true }])],
    expect: 'no-endpoints',
  },
  {
    name: 'terminating+serving counts under terminatingPolicy keep-serving',
    slices: [slice('web', 'IPv4', [{ ip: '10.1.0.1', node: OTHER, ready: false, serving: true, terminating: true }])],
    cfg: config({ settings: { terminatingPolicy: 'keep-serving' } }),
    expect: 'announced',
  },
  {
    name: 'terminating and no longer serving never counts',
    slices: [slice('web', 'IPv4', [{ ip: '10.1.0.1', node: OTHER, ready: false, serving: false, terminating: true }])],
    cfg: config({ settings: { terminatingPolicy: 'keep-serving' } }),
    expect: 'no-endpoints',
  },
  { name: 'endpoints split over several slices are all seen', services: [svc('web', { etp: 'Local' })], slices: [slice('web', 'IPv4', [{ ip: '10.1.0.2', node: OTHER }], 'web-1'), slice('web', 'IPv4', [{ ip: '10.1.0.1', node: NODE }], 'web-2')], expect: 'announced' },
  { name: 'FQDN slices are ignored', slices: [slice('web', 'FQDN', [{ ip: 'db.example.com', node: OTHER }])], expect: 'no-endpoints' },
  { name: 'IPv4 VIP needs IPv4 endpoints (IPv6 slice does not count)', slices: [slice('web', 'IPv6', [{ ip: 'fd00::1', node: OTHER }])], expect: 'no-endpoints' },
  { name: 'slices of another Service do not count', slices: [slice('other', 'IPv4', [{ ip: '10.1.0.1', node: NODE }])], expect: 'no-endpoints' },
  // Advertisements and peers
  { name: 'no BGPAdvertisement at all', slices: readyThere, cfg: config({ advertisements: [] }), expect: 'no-advertisement' },
  { name: 'advertisement for a pool that holds the VIP', slices: readyThere, cfg: config({ pools: [pool('p1', ['192.0.2.0/24'])], advertisements: [advertisement('a', { ipAddressPools: ['p1'] })] }), expect: 'announced' },
  { name: 'advertisement for another pool', slices: readyThere, cfg: config({ pools: [pool('p1', ['192.0.2.0/24']), pool('p2', ['203.0.113.0/24'])], advertisements: [advertisement('a', { ipAddressPools: ['p2'] })] }), expect: 'no-advertisement' },
  { name: 'pool-restricted advertisement and a VIP outside every pool', slices: readyThere, cfg: config({ pools: [pool('p2', ['203.0.113.0/24'])], advertisements: [advertisement('a', { ipAddressPools: ['p2'] })] }), expect: 'no-advertisement' },
  { name: 'advertisement by pool selector', slices: readyThere, cfg: config({ pools: [pool('p1', ['192.0.2.1-192.0.2.99'], { tier: 'public' })], advertisements: [advertisement('a', { poolSelectors: [{ matchLabels: { tier: 'public' } }] })] }), expect: 'announced' },
  { name: 'advertisement whose service selector does not match', slices: readyThere, cfg: config({ advertisements: [advertisement('a', { serviceSelectors: [{ matchLabels: { expose: 'bgp' } }] })] }), expect: 'no-advertisement' },
  { name: 'advertisement whose service selector matches', services: [svc('web', { labels: { expose: 'bgp' } })], slices: readyThere, cfg: config({ advertisements: [advertisement('a', { serviceSelectors: [{ matchLabels: { expose: 'bgp' } }] })] }), expect: 'announced' },
  { name: 'advertisement whose node selector excludes this node', slices: readyThere, cfg: config({ advertisements: [advertisement('a', { nodeSelectors: [{ matchLabels: { 'kubernetes.io/hostname': OTHER } }] })] }), expect: 'no-advertisement' },
  { name: 'advertisement naming a peer this node does not have', slices: readyThere, cfg: config({ advertisements: [advertisement('a', { peers: ['tor-z'] })] }), expect: 'no-advertisement' },
  { name: 'no BGPPeer selects this node', slices: readyThere, cfg: config({ peers: [peer('tor-a', { nodeSelector: { matchLabels: { rack: 'r9' } } })] }), expect: 'no-advertisement' },
  { name: 'IPv6 VIP and only IPv4-configured peers', services: [svc('web', { ingress: ['2001:db8::10'], ipFamilies: ['IPv6'] })], slices: [slice('web', 'IPv6', [{ ip: 'fd00::1', node: OTHER }])], cfg: config({ peers: [peer('tor-a', { families: ['ipv4-unicast'] })] }), expect: 'family-not-negotiated' },
];

describe('decideAnnouncements: decision table', () => {
  it('has rows for every reason except the runtime-only family negotiation path', () => {
    assert.ok(ROWS.length > 50);
    const covered = new Set(ROWS.map((r) => r.expect));
    for (const reason of REASONS) assert.ok(covered.has(reason), `no row for ${reason}`);
  });
  for (const row of ROWS) {
    it(row.name, () => {
      const snapshot = snapshotFromK8s({
        services: row.services ?? [svc('web')],
        endpointSlices: row.slices ?? [],
        nodes: row.nodes ?? bothNodes,
      });
      const d = decideAnnouncements(snapshot, NODE, row.cfg ?? config());
      const web = d.services.find((s) => s.name === 'web');
      assert.ok(web);
      assert.equal(web.reason, row.expect);
      assert.equal(web.announce, row.expect === 'announced');
      assert.ok(web.detail.length > 0);
      const vips = d.vips.filter((v) => web.vips.some((w) => w.address === v.address));
      for (const v of vips) {
        assert.equal(v.announce, row.expect === 'announced');
        assert.equal(v.routes.length > 0, row.expect === 'announced');
      }
    });
  }
});
