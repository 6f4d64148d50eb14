// One regression test per competitor bug in the field guide (shared/field-guide/KUBERNETES.md), each
// replaying the bug's situation with literal Kubernetes objects and asserting vipd's decision.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { V1EndpointSlice, V1Node, V1Service } from '@kubernetes/client-node';
import { decideAnnouncements, type DecideConfig } from '../src/decide.ts';
import { snapshotFromK8s } from '../src/snapshot.ts';
import { config, node, NODE, OTHER, slice, svc } from './support/k8s-objects.ts';

function on(nodeName: string, services: V1Service[], slices: V1EndpointSlice[], nodes: V1Node[] = [node(NODE), node(OTHER)], cfg: DecideConfig = config()) {
  return decideAnnouncements(snapshotFromK8s({ services, endpointSlices: slices, nodes }), nodeName, cfg);
}

describe('competitor regressions', () => {
  it('MetalLB #312: Cluster policy with zero endpoints withdraws from every node', () => {
    const s = [svc('web', { etp: 'Cluster' })];
    for (const n of [NODE, OTHER]) {
      assert.equal(on(n, s, []).vips[0]!.reason, 'no-endpoints');
      assert.equal(on(n, s, [slice('web', 'IPv4', [])]).vips[0]!.announce, false);
    }
    // ...and comes back on every node as soon as one endpoint anywhere is ready.
    const one = [slice('web', 'IPv4', [{ ip: '10.1.0.1', node: OTHER }])];
    assert.equal(on(NODE, s, one).vips[0]!.announce, true);
    assert.equal(on(OTHER, s, one).vips[0]!.announce, true);
  });

  it('MetalLB #295: shared IP with Local policy is announced only from nodes where a sharing Service has a local endpoint', () => {
    const s = [svc('http', { etp: 'Local', ingress: ['192.0.2.80'], ports: [80] }), svc('https', { etp: 'Local', ingress: ['192.0.2.80'], ports: [443] })];
    const sl = [slice('http', 'IPv4', [{ ip: '10.1.0.1', node: OTHER }]), slice('https', 'IPv4', [{ ip: '10.1.0.2', node: OTHER }])];
    const here = on(NODE, s, sl).vips[0]!;
    assert.equal(here.announce, false);
    assert.equal(here.reason, 'no-local-endpoints');
    assert.equal(on(OTHER, s, sl).vips[0]!.announce, true);
  });

  it('MetalLB #1292: a node that becomes NotReady withdraws', () => {
    const s = [svc('web', { etp: 'Cluster' })];
    const sl = [slice('web', 'IPv4', [{ ip: '10.1.0.1', node: OTHER }])];
    assert.equal(on(NODE, s, sl).vips[0]!.announce, true);
    for (const status of ['False', 'Unknown'] as const) {
      const v = on(NODE, s, sl, [node(NODE, { ready: status }), node(OTHER)]).vips[0]!;
      assert.equal(v.announce, false);
      assert.equal(v.reason, 'node-not-ready');
    }
  });

  it('Cilium #32487: the last local endpoint turning terminating withdraws at once, not after terminationGracePeriod', () => {
    const s = [svc('ingress', { etp: 'Local' })];
    // The pod got SIGTERM: terminating, and (as ingress-nginx does) still serving during its grace period.
    const sl = [slice('ingress', 'IPv4', [{ ip: '10.1.0.1', node: NODE, ready: false, serving: true, terminating: true }])];
    const d = on(NODE, s, sl).services[0]!;
    assert.equal(d.announce, false);
    assert.equal(d.reason, 'no-endpoints');
  });

  it('Cilium #45276: endpoints that are all terminating (ready=false) do not keep or bring back the route', () => {
    const s = [svc('web', { etp: 'Cluster' })];
    const terminating = [
      slice('web', 'IPv4', [
        { ip: '10.1.0.1', node: NODE, ready: false, serving: false, terminating: true },
        { ip: '10.1.0.2', node: OTHER, ready: false, serving: false, terminating: true },
      ]),
    ];
    for (const policy of ['withdraw', 'keep-serving'] as const) {
      const cfg = config({ settings: { terminatingPolicy: policy } });
      assert.equal(on(NODE, s, terminating, undefined, cfg).vips[0]!.announce, false);
      assert.equal(on(OTHER, s, terminating, undefined, cfg).vips[0]!.announce, false);
    }
  });

  it('Cilium #38924: deleting one of several EndpointSlices is seen (decision reads the whole current set)', () => {
    const s = [svc('web', { etp: 'Local' })];
    const local = slice('web', 'IPv4', [{ ip: '10.1.0.1', node: NODE }], 'web-abc');
    const remote = slice('web', 'IPv4', [{ ip: '10.1.0.2', node: OTHER }], 'web-def');
    assert.equal(on(NODE, s, [local, remote]).vips[0]!.announce, true);
    const after = on(NODE, s, [remote]).vips[0]!;
    assert.equal(after.announce, false);
    assert.equal(after.reason, 'no-local-endpoints');
    assert.equal(on(NODE, s, []).vips[0]!.reason, 'no-endpoints');
  });

  it('kube-vip #1397: during a rolling update the route stays wherever a ready endpoint exists', () => {
    // Old pod terminating on node-a while the new one is ready on node-a (same node) and on node-b.
    const sl = [
      slice('web', 'IPv4', [
        { ip: '10.1.0.1', node: NODE, ready: false, serving: true, terminating: true },
        { ip: '10.1.0.3', node: NODE },
        { ip: '10.1.0.4', node: OTHER },
      ]),
    ];
    assert.equal(on(NODE, [svc('web', { etp: 'Local' })], sl).vips[0]!.announce, true);
    assert.equal(on(OTHER, [svc('web', { etp: 'Local' })], sl).vips[0]!.announce, true);
    // Cluster policy: the node that only has the terminating pod keeps announcing while others are ready.
    const onlyOld = [
      slice('web', 'IPv4', [
        { ip: '10.1.0.1', node: NODE, ready: false, serving: true, terminating: true },
        { ip: '10.1.0.4', node: OTHER },
      ]),
    ];
    assert.equal(on(NODE, [svc('web', { etp: 'Cluster' })], onlyOld).vips[0]!.announce, true);
  });

  it('kube-router: a Cluster VIP with zero endpoints is not advertised', () => {
    const d = on(NODE, [svc('web', { etp: 'Cluster' })], []);
    assert.equal(d.vips[0]!.announce, false);
    assert.equal(d.vips[0]!.reason, 'no-endpoints');
  });

  it('kube-router: readiness is honoured (not-ready endpoints do not count)', () => {
    const sl = [slice('web', 'IPv4', [{ ip: '10.1.0.1', node: NODE, ready: false, serving: false }, { ip: '10.1.0.2', node: OTHER, ready: false, serving: false }])];
    assert.equal(on(NODE, [svc('web', { etp: 'Cluster' })], sl).vips[0]!.announce, false);
    assert.equal(on(NODE, [svc('web', { etp: 'Local' })], sl).vips[0]!.announce, false);
  });
});
