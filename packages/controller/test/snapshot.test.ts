// snapshot.ts: conversion of literal API objects to plain data, with the API's nil semantics.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DECISION_REASONS } from '@vipd/metrics/labels.ts';
import { REASONS } from '../src/reasons.ts';
import { endpointSliceFromK8s, nodeFromK8s, serviceFromK8s, snapshotFromK8s } from '../src/snapshot.ts';
import { node, slice, svc } from './support/k8s-objects.ts';

describe('serviceFromK8s', () => {
  it('reads type, class, policy, families, ports, ingress IPs, requested IPs, sharing key, labels', () => {
    const s = svc('web', {
      etp: 'Local',
      ingress: ['192.0.2.1', '2001:db8::1'],
      ipFamilies: ['IPv4', 'IPv6'],
      annotations: { 'vipd.io/loadBalancerIPs': '192.0.2.1,2001:db8::1', 'vipd.io/sharing-key': 'k1' },
      labels: { app: 'web' },
      loadBalancerIP: '192.0.2.1',
      ports: [80, 443],
    });
    s.status!.loadBalancer!.ingress!.push({ hostname: 'lb.example.com' });
    const d = serviceFromK8s(s);
    assert.deepEqual(
      { ...d, annotations: undefined },
      {
        namespace: 'default', name: 'web', uid: 'uid-web', type: 'LoadBalancer', loadBalancerClass: 'vipd.io/bgp',
        externalTrafficPolicy: 'Local', ipFamilies: ['IPv4', 'IPv6'],
        ports: [{ name: 'p80', protocol: 'TCP', port: 80 }, { name: 'p443', protocol: 'TCP', port: 443 }],
        ingressIps: ['192.0.2.1', '2001:db8::1'], specLoadBalancerIp: '192.0.2.1',
        requestedIpsAnnotation: '192.0.2.1,2001:db8::1', sharingKey: 'k1', labels: { app: 'web' }, annotations: undefined,
      },
    );
  });
  it('defaults: externalTrafficPolicy Cluster, empty class is no class, type ClusterIP', () => {
    const d = serviceFromK8s({ metadata: { name: 'x', namespace: 'n' }, spec: { loadBalancerClass: '' } });
    assert.equal(d.externalTrafficPolicy, 'Cluster');
    assert.equal(d.loadBalancerClass, undefined);
    assert.equal(d.type, 'ClusterIP');
    assert.deepEqual(d.ingressIps, []);
  });
});

describe('endpointSliceFromK8s', () => {
  it('nil ready/serving are true, nil terminating is false (discovery.k8s.io/v1)', () => {
    const d = endpointSliceFromK8s(slice('web', 'IPv4', [{ ip: '10.0.0.1', node: 'n', ready: null, serving: null, terminating: null }]));
    assert.deepEqual(d.endpoints, [{ addresses: ['10.0.0.1'], ready: true, serving: true, terminating: false, nodeName: 'n' }]);
    assert.equal(d.serviceName, 'web');
  });
  it('explicit conditions are kept', () => {
    const d = endpointSliceFromK8s(slice('web', 'IPv6', [{ ip: 'fd00::1', ready: false, serving: true, terminating: true }]));
    assert.deepEqual(d.endpoints[0], { addresses: ['fd00::1'], ready: false, serving: true, terminating: true, nodeName: undefined });
    assert.equal(d.addressType, 'IPv6');
  });
});

describe('nodeFromK8s', () => {
  it('reads conditions, cordon, taints, deletion', () => {
    const d = nodeFromK8s(node('n1', { ready: 'Unknown', networkUnavailable: 'True', unschedulable: true, deleting: true, taints: [{ key: 'k', effect: 'NoSchedule' }] }));
    assert.equal(d.ready, 'Unknown');
    assert.equal(d.networkUnavailable, 'True');
    assert.equal(d.unschedulable, true);
    assert.equal(d.isDeleting, true);
    assert.deepEqual(d.taints, [{ key: 'k', value: undefined, effect: 'NoSchedule' }]);
  });
  it('a node without conditions has undefined Ready', () => {
    assert.equal(nodeFromK8s({ metadata: { name: 'n' } }).ready, undefined);
  });
});

describe('snapshotFromK8s', () => {
  it('groups slices by Service key and drops unlabelled slices', () => {
    const orphan = slice('web', 'IPv4', []);
    orphan.metadata!.labels = {};
    const s = snapshotFromK8s({
      services: [svc('web')],
      endpointSlices: [slice('web', 'IPv4', [], 'a'), slice('web', 'IPv6', [], 'b'), orphan],
      nodes: [node('n1')],
    });
    assert.deepEqual(s.endpointSlices.get('default/web')!.map((x) => x.name), ['a', 'b']);
    assert.equal(s.endpointSlices.size, 1);
    assert.ok(s.nodes.has('n1'));
  });
});

describe('reasons', () => {
  it('the closed reason set equals the metrics catalogue label set', () => {
    assert.deepEqual([...REASONS], [...DECISION_REASONS]);
  });
});
