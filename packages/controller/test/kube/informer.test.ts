// reuseConnections: client-node builds a dispatcher (undici Agent: a new TCP + TLS connection) per
// request; with the wrapper every request of one KubeConfig shares one keep-alive dispatcher.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as k8s from '@kubernetes/client-node';
import { reuseConnections } from '../../src/kube/informer.ts';

const KUBECONFIG = `apiVersion: v1
kind: Config
clusters: [{ name: c, cluster: { server: 'https://127.0.0.1:6443', certificate-authority-data: '${Buffer.from('not a real CA').toString('base64')}' } }]
users: [{ name: u, user: { token: t } }]
contexts: [{ name: x, context: { cluster: c, user: u } }]
current-context: x
`;

type WithFactory = { createDispatcher(cluster: k8s.Cluster | null, opts: object): unknown };

test('one dispatcher per cluster and context instead of one per request; idempotent', () => {
  const plain = new k8s.KubeConfig();
  plain.loadFromString(KUBECONFIG);
  const cluster = plain.getCurrentCluster();
  const p = plain as unknown as WithFactory;
  assert.notEqual(p.createDispatcher(cluster, { ca: 'x' }), p.createDispatcher(cluster, { ca: 'x' }), 'client-node makes a new one each time');

  const kc = new k8s.KubeConfig();
  kc.loadFromString(KUBECONFIG);
  assert.equal(reuseConnections(reuseConnections(kc)), kc);
  const r = kc as unknown as WithFactory;
  const first = r.createDispatcher(kc.getCurrentCluster(), { ca: 'x' });
  assert.ok(first !== undefined);
  assert.equal(r.createDispatcher(kc.getCurrentCluster(), { ca: 'x' }), first);
});
