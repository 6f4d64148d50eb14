// Watch semantics of the test API server driven by the real @kubernetes/client-node 2.0.1 Watch and
// informer (ListWatch): add/update/delete delivery, label-selector transitions, bookmarks, 410 Expired
// for compacted resourceVersions, timeoutSeconds, streaming initial events, and informer recovery
// across an API server restart (resume from the last resourceVersion) and after 410 (relist).

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import * as k8s from '@kubernetes/client-node';
import { kubeConfigFor, waitFor } from './support/apiserver/client-helpers.ts';
import { TestApiServer } from './support/apiserver/test-api-server.ts';

const PORT = 18402;
const NS = 'vas-watch';

type WatchEvent = { type: string; obj: { metadata?: { name?: string; resourceVersion?: string; annotations?: Record<string, string> }; code?: number; reason?: string } };

/** A raw client-node Watch collecting its events; `done` resolves when the stream ends. */
async function rawWatch(kc: k8s.KubeConfig, path: string, query: Record<string, string | number | boolean | undefined>) {
  const events: WatchEvent[] = [];
  let resolveDone: (err: unknown) => void = () => {};
  const done = new Promise<unknown>((r) => { resolveDone = r; });
  const ctl = await new k8s.Watch(kc).watch(path, query, (type, obj) => events.push({ type, obj }), (err) => resolveDone(err));
  return { events, done, abort: () => ctl.abort() };
}

/** An informer that restarts itself after errors, as a controller must (client-node stops on errors). */
function resilientInformer<T extends k8s.KubernetesObject>(kc: k8s.KubeConfig, path: string, list: () => Promise<k8s.KubernetesListObject<T>>, labelSelector?: string) {
  const inf = k8s.makeInformer<T>(kc, path, list, labelSelector);
  const log: string[] = [];
  let stopped = false;
  let errors = 0;
  inf.on('add', (o) => log.push(`add ${o.metadata?.name}`));
  inf.on('update', (o) => log.push(`update ${o.metadata?.name}`));
  inf.on('delete', (o) => log.push(`delete ${o.metadata?.name}`));
  inf.on('error', () => {
    errors++;
    if (!stopped) setTimeout(() => { if (!stopped) void inf.start(); }, 50);
  });
  return {
    inf, log, errors: () => errors,
    stop: async () => { stopped = true; await inf.stop(); },
  };
}

describe('test API server: watch and informers through @kubernetes/client-node', () => {
  const server = new TestApiServer({ port: PORT, bookmarkIntervalMs: 100 });
  let kc: k8s.KubeConfig;
  let core: k8s.CoreV1Api;
  let disc: k8s.DiscoveryV1Api;
  const svcPath = `/api/v1/namespaces/${NS}/services`;
  const svc = (name: string, labels: Record<string, string> = {}): k8s.V1Service =>
    ({ metadata: { name, labels }, spec: { type: 'LoadBalancer', ports: [{ port: 80 }] } });

  before(async () => {
    await server.start();
    kc = kubeConfigFor(server);
    core = kc.makeApiClient(k8s.CoreV1Api);
    disc = kc.makeApiClient(k8s.DiscoveryV1Api);
    await core.createNamespace({ body: { metadata: { name: NS } } });
  });
  after(async () => {
    await server.stop();
    server.dispose();
  });

  it('an informer on Services sees add, update and delete, including objects written directly into the store', async () => {
    await core.createNamespacedService({ namespace: NS, body: svc('a') });
    const w = resilientInformer<k8s.V1Service>(kc, svcPath, () => core.listNamespacedService({ namespace: NS }));
    try {
      await w.inf.start();
      await waitFor('initial add', () => w.log.includes('add a'));
      server.create('v1', 'services', svc('b'), NS);
      await core.patchNamespacedService({ namespace: NS, name: 'a', body: { metadata: { labels: { x: '1' } } } },
        k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch));
      await core.deleteNamespacedService({ namespace: NS, name: 'b' });
      await waitFor('add b, update a, delete b', () => w.log.join() === 'add a,add b,update a,delete b');
      assert.equal(w.inf.get('a', NS)?.metadata?.labels?.x, '1');
      assert.equal(w.inf.get('b', NS), undefined);
      assert.equal((w.inf as k8s.ListWatch<k8s.V1Service>).latestResourceVersion(), String(server.store.currentRv()));
    } finally {
      await w.stop();
    }
  });

  it('an EndpointSlice informer with a kubernetes.io/service-name selector sees slices enter and leave the selector', async () => {
    const slice = (name: string, svcName: string): k8s.V1EndpointSlice => ({
      metadata: { name, labels: { 'kubernetes.io/service-name': svcName } }, addressType: 'IPv4',
      endpoints: [{ addresses: ['10.1.0.1'], conditions: { ready: true } }],
    });
    const sel = 'kubernetes.io/service-name=web';
    const w = resilientInformer<k8s.V1EndpointSlice>(kc, `/apis/discovery.k8s.io/v1/namespaces/${NS}/endpointslices`,
      () => disc.listNamespacedEndpointSlice({ namespace: NS, labelSelector: sel }), sel);
    try {
      await w.inf.start();
      await disc.createNamespacedEndpointSlice({ namespace: NS, body: slice('web-1', 'web') });
      await disc.createNamespacedEndpointSlice({ namespace: NS, body: slice('db-1', 'db') });
      const merge = k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch);
      await disc.patchNamespacedEndpointSlice({ namespace: NS, name: 'web-1', body: { endpoints: [{ addresses: ['10.1.0.1'], conditions: { ready: false } }] } }, merge);
      await disc.patchNamespacedEndpointSlice({ namespace: NS, name: 'db-1', body: { metadata: { labels: { 'kubernetes.io/service-name': 'web' } } } }, merge);
      await disc.patchNamespacedEndpointSlice({ namespace: NS, name: 'web-1', body: { metadata: { labels: { 'kubernetes.io/service-name': 'other' } } } }, merge);
      await waitFor('selector transitions', () => w.log.join() === 'add web-1,update web-1,add db-1,delete web-1');
      assert.equal(w.inf.get('db-1', NS)?.metadata?.labels?.['kubernetes.io/service-name'], 'web');
      assert.equal(w.inf.get('web-1', NS)?.endpoints, undefined);
    } finally {
      await w.stop();
    }
  });

  it('allowWatchBookmarks brings BOOKMARK events with the current resourceVersion; resuming from one replays only later changes', async () => {
    const w = await rawWatch(kc, svcPath, { allowWatchBookmarks: true, resourceVersion: String(server.store.currentRv()) });
    try {
      await waitFor('a bookmark', () => w.events.some((e) => e.type === 'BOOKMARK'));
      const bm = w.events.find((e) => e.type === 'BOOKMARK');
      assert.equal(bm?.obj.metadata?.resourceVersion, String(server.store.currentRv()));
    } finally {
      w.abort();
    }
    const from = String(server.store.currentRv());
    await core.createNamespacedService({ namespace: NS, body: svc('after-bookmark') });
    const resumed = await rawWatch(kc, svcPath, { resourceVersion: from });
    try {
      await waitFor('replayed add', () => resumed.events.length >= 1);
      assert.deepEqual(resumed.events.map((e) => `${e.type} ${e.obj.metadata?.name}`), ['ADDED after-bookmark']);
    } finally {
      resumed.abort();
    }
  });

  it('a watch from a compacted resourceVersion gets one ERROR event with Status 410 Expired and the stream ends', async () => {
    const old = String(server.store.currentRv());
    await core.createNamespacedService({ namespace: NS, body: svc('c') });
    server.compact();
    const w = await rawWatch(kc, svcPath, { resourceVersion: old });
    const err = await Promise.race([w.done, new Promise((r) => setTimeout(() => r('still open after 5 s'), 5_000).unref())]);
    assert.equal(err, null);
    assert.equal(w.events.length, 1);
    assert.equal(w.events[0].type, 'ERROR');
    assert.equal(w.events[0].obj.code, 410);
    assert.equal(w.events[0].obj.reason, 'Expired');
  });

  it('timeoutSeconds ends the watch cleanly; sendInitialEvents streams the state then a marked BOOKMARK', async () => {
    const started = Date.now();
    const w = await rawWatch(kc, svcPath, { timeoutSeconds: 1 });
    assert.equal(await Promise.race([w.done, new Promise((r) => setTimeout(() => r('still open after 5 s'), 5_000).unref())]), null);
    const took = Date.now() - started;
    assert.ok(took >= 900 && took < 4000, `took ${took} ms`);
    assert.ok(w.events.filter((e) => e.type === 'ADDED').length >= 2);
    const s = await rawWatch(kc, svcPath, { sendInitialEvents: true, resourceVersionMatch: 'NotOlderThan', allowWatchBookmarks: true });
    try {
      await waitFor('initial-events-end bookmark', () => s.events.some((e) => e.type === 'BOOKMARK'));
      const end = s.events.findIndex((e) => e.type === 'BOOKMARK');
      assert.equal(s.events[end].obj.metadata?.annotations?.['k8s.io/initial-events-end'], 'true');
      const names = (await core.listNamespacedService({ namespace: NS })).items.map((x) => x.metadata?.name).sort();
      assert.deepEqual(s.events.slice(0, end).map((e) => e.obj.metadata?.name).sort(), names);
    } finally {
      s.abort();
    }
  });

  it('an HTTP 410 answer to the watch request (injected) makes the informer relist', async () => {
    const w = resilientInformer<k8s.V1Service>(kc, svcPath, () => core.listNamespacedService({ namespace: NS }));
    try {
      await w.inf.start();
      await waitFor('initial list', () => w.log.includes('add a'));
      const lists = (): number => server.requests.filter((r) => r.verb === 'list' && r.resource === 'services').length;
      const before = lists();
      server.injectFault({ verb: 'watch', resource: 'services', httpCode: 410, reason: 'Gone' });
      // End the current watch from the server side (as a server-side timeout would); the informer re-watches.
      await server.restart({ graceful: true });
      await waitFor('relist after 410', () => lists() > before, 8_000);
      await core.createNamespacedService({ namespace: NS, body: svc('after-410') });
      await waitFor('watch after relist', () => w.log.includes('add after-410'));
    } finally {
      await w.stop();
    }
  });

  it('an informer survives an API server restart: it resumes its watch from the last resourceVersion without relisting', async () => {
    const w = resilientInformer<k8s.V1Service>(kc, svcPath, () => core.listNamespacedService({ namespace: NS }));
    try {
      await w.inf.start();
      await waitFor('initial list', () => w.log.includes('add a'));
      w.log.length = 0;
      await server.stop();
      server.create('v1', 'services', svc('while-down'), NS);
      server.objects.delete(server.resource('v1', 'services'), NS, 'c');
      const listsBefore = server.requests.filter((r) => r.verb === 'list' && r.resource === 'services').length;
      await server.start();
      await waitFor('missed events replayed', () => w.log.includes('add while-down') && w.log.includes('delete c'), 8_000);
      assert.ok(w.errors() >= 1);
      assert.equal(server.requests.filter((r) => r.verb === 'list' && r.resource === 'services').length, listsBefore);
    } finally {
      await w.stop();
    }
  });

  it('after 410 Gone (restart with a fresh watch cache) the informer relists and reports what it missed', async () => {
    const w = resilientInformer<k8s.V1Service>(kc, svcPath, () => core.listNamespacedService({ namespace: NS }));
    try {
      await w.inf.start();
      await waitFor('initial list', () => w.log.includes('add while-down'));
      w.log.length = 0;
      await server.stop();
      server.objects.delete(server.resource('v1', 'services'), NS, 'while-down');
      server.create('v1', 'services', svc('after-gone'), NS);
      const listsBefore = server.requests.filter((r) => r.verb === 'list' && r.resource === 'services').length;
      await server.restart({ dropHistory: true });
      await waitFor('relist', () => w.log.includes('add after-gone') && w.log.includes('delete while-down'), 8_000);
      assert.ok(server.requests.filter((r) => r.verb === 'list' && r.resource === 'services').length > listsBefore);
      assert.equal(w.inf.get('while-down', NS), undefined);
      // The watch after the relist works.
      await core.createNamespacedService({ namespace: NS, body: svc('post-relist') });
      await waitFor('post-relist add', () => w.log.includes('add post-relist'));
    } finally {
      await w.stop();
    }
  });
});
