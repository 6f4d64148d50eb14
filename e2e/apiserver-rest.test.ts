// The test API server driven by the real @kubernetes/client-node 2.0.1: authentication, discovery,
// create/get/list (selectors, pagination, resourceVersion semantics), the four patch types, the
// /status subresource, optimistic concurrency (409), Lease races, finalizers, vipd.io custom objects.

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import * as k8s from '@kubernetes/client-node';
import { failure, kubeConfigFor } from './support/apiserver/client-helpers.ts';
import { TestApiServer } from './support/apiserver/test-api-server.ts';

const PORT = 18401;
const NS = 'vas-rest';
const merge = k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch);
const strategic = k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.StrategicMergePatch);
const jsonPatch = k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.JsonPatch);
const apply = k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.ServerSideApply);

describe('test API server: REST semantics through @kubernetes/client-node', () => {
  const server = new TestApiServer({ port: PORT });
  let kc: k8s.KubeConfig;
  let core: k8s.CoreV1Api;

  before(async () => {
    await server.start();
    kc = kubeConfigFor(server);
    core = kc.makeApiClient(k8s.CoreV1Api);
    await core.createNamespace({ body: { metadata: { name: NS } } });
  });
  after(async () => {
    await server.stop();
    server.dispose();
  });

  it('rejects a wrong bearer token with 401 Unauthorized and serves discovery to the right one', async () => {
    const bad = kubeConfigFor(server, 'not-the-token').makeApiClient(k8s.CoreV1Api);
    const f = await failure(bad.listNamespacedService({ namespace: NS }));
    assert.equal(f.httpCode, 401);
    assert.equal(server.requests.at(-1)?.code, 401);
    const fromFile = new k8s.KubeConfig();
    fromFile.loadFromFile(server.kubeconfig());
    assert.equal(fromFile.getCurrentCluster()?.server, `https://127.0.0.1:${PORT}`);
    assert.equal((await fromFile.makeApiClient(k8s.CoreV1Api).readNamespace({ name: NS })).metadata?.name, NS);
    const core = await kc.makeApiClient(k8s.CoreApi).getAPIVersions();
    assert.deepEqual(core.versions, ['v1']);
    const groups = await kc.makeApiClient(k8s.ApisApi).getAPIVersions();
    const names = (groups.groups ?? []).map((g) => g.name);
    for (const g of ['discovery.k8s.io', 'coordination.k8s.io', 'events.k8s.io', 'vipd.io']) assert.ok(names.includes(g), g);
    const res = await kc.makeApiClient(k8s.DiscoveryV1Api).getAPIResources();
    assert.ok(res.resources.some((r) => r.name === 'endpointslices' && r.namespaced));
    const v1 = await kc.makeApiClient(k8s.CoreV1Api).getAPIResources();
    assert.ok(v1.resources.some((r) => r.name === 'services/status'));
  });

  it('creates with uid/creationTimestamp/resourceVersion and Service defaults; a duplicate is 409 AlreadyExists', async () => {
    const body: k8s.V1Service = { metadata: { name: 'web', labels: { app: 'web' } }, spec: { type: 'LoadBalancer', ports: [{ port: 80 }] } };
    const s = await core.createNamespacedService({ namespace: NS, body });
    assert.match(s.metadata?.uid ?? '', /^[0-9a-f-]{36}$/);
    assert.ok(s.metadata?.creationTimestamp instanceof Date);
    assert.match(s.metadata?.resourceVersion ?? '', /^[0-9]+$/);
    assert.equal(s.spec?.externalTrafficPolicy, 'Cluster');
    assert.equal(s.spec?.ports?.[0].protocol, 'TCP');
    assert.ok(s.spec?.clusterIP !== undefined && s.spec.clusterIP !== '');
    const dup = await failure(core.createNamespacedService({ namespace: NS, body }));
    assert.equal(dup.httpCode, 409);
    assert.equal(dup.reason, 'AlreadyExists');
    const missing = await failure(core.readNamespacedService({ namespace: NS, name: 'nope' }));
    assert.equal(missing.httpCode, 404);
    assert.equal(missing.reason, 'NotFound');
    const noNs = await failure(core.createNamespacedService({ namespace: 'vas-absent', body: { metadata: { name: 'x' } } }));
    assert.equal(noNs.httpCode, 404);
  });

  it('lists by namespace and cluster-wide with label and field selectors; unsupported field labels are 400', async () => {
    await core.createNamespacedService({ namespace: NS, body: { metadata: { name: 'db', labels: { app: 'db', tier: 'back' } }, spec: { ports: [{ port: 5432 }] } } });
    await core.createNamespacedService({ namespace: 'default', body: { metadata: { name: 'db', labels: { app: 'db' } }, spec: { ports: [{ port: 5432 }] } } });
    const inNs = await core.listNamespacedService({ namespace: NS });
    assert.deepEqual(inNs.items.map((s) => s.metadata?.name), ['db', 'web']);
    assert.equal(inNs.metadata?.resourceVersion, String(server.store.currentRv()));
    const all = await core.listServiceForAllNamespaces({ labelSelector: 'app=db' });
    assert.deepEqual(all.items.map((s) => s.metadata?.namespace), ['default', NS]);
    const setBased = await core.listServiceForAllNamespaces({ labelSelector: 'app in (db,web),!tier' });
    assert.deepEqual(all.items.length, 2);
    assert.deepEqual(setBased.items.map((s) => `${s.metadata?.namespace}/${s.metadata?.name}`), ['default/db', `${NS}/web`]);
    const byName = await core.listServiceForAllNamespaces({ fieldSelector: `metadata.name=web,metadata.namespace=${NS}` });
    assert.deepEqual(byName.items.map((s) => s.metadata?.name), ['web']);
    const bad = await failure(core.listNamespacedService({ namespace: NS, fieldSelector: 'spec.type=LoadBalancer' }));
    assert.equal(bad.httpCode, 400);
    assert.equal(bad.reason, 'BadRequest');
  });

  it('paginates with limit/continue at one resourceVersion; an expired continue token or Exact RV is 410', async () => {
    for (const n of ['p1', 'p2', 'p3', 'p4', 'p5']) {
      await core.createNamespacedSecret({ namespace: NS, body: { metadata: { name: n }, stringData: { k: n } } });
    }
    const first = await core.listNamespacedSecret({ namespace: NS, limit: 2 });
    assert.equal(first.items.length, 2);
    assert.equal(first.metadata?.remainingItemCount, 3);
    // A write between pages does not show up: the pages are one consistent snapshot.
    await core.deleteNamespacedSecret({ namespace: NS, name: 'p5' });
    const second = await core.listNamespacedSecret({ namespace: NS, limit: 10, _continue: first.metadata?._continue });
    assert.deepEqual(second.items.map((s) => s.metadata?.name), ['p3', 'p4', 'p5']);
    assert.equal(second.metadata?._continue, undefined);
    assert.equal(second.metadata?.resourceVersion, first.metadata?.resourceVersion);
    const exact = await core.listNamespacedSecret({ namespace: NS, resourceVersion: first.metadata?.resourceVersion, resourceVersionMatch: 'Exact' });
    assert.equal(exact.items.length, 5);
    server.compact();
    const gone = await failure(core.listNamespacedSecret({ namespace: NS, limit: 2, _continue: first.metadata?._continue }));
    assert.equal(gone.httpCode, 410);
    assert.equal(gone.reason, 'Expired');
    const goneExact = await failure(core.listNamespacedSecret({ namespace: NS, resourceVersion: first.metadata?.resourceVersion, resourceVersionMatch: 'Exact' }));
    assert.equal(goneExact.httpCode, 410);
    const current = await core.listNamespacedSecret({ namespace: NS, resourceVersion: '0' });
    assert.equal(current.items.length, 4);
  });

  it('PUT with a stale resourceVersion is 409 Conflict; a no-op PUT writes nothing', async () => {
    const s = await core.readNamespacedService({ namespace: NS, name: 'web' });
    const fresh = await core.replaceNamespacedService({ namespace: NS, name: 'web', body: { ...s, metadata: { ...s.metadata, labels: { app: 'web', v: '2' } } } });
    assert.notEqual(fresh.metadata?.resourceVersion, s.metadata?.resourceVersion);
    const stale = await failure(core.replaceNamespacedService({ namespace: NS, name: 'web', body: s }));
    assert.equal(stale.httpCode, 409);
    assert.equal(stale.reason, 'Conflict');
    // A PUT carrying the uid of a deleted-and-recreated object is refused even without a resourceVersion.
    const db = await core.readNamespacedService({ namespace: 'default', name: 'db' });
    await core.deleteNamespacedService({ namespace: 'default', name: 'db' });
    await core.createNamespacedService({ namespace: 'default', body: { metadata: { name: 'db' }, spec: { ports: [{ port: 5432 }] } } });
    const oldUid = await failure(core.replaceNamespacedService({ namespace: 'default', name: 'db',
      body: { ...db, metadata: { ...db.metadata, resourceVersion: undefined } } }));
    assert.equal(oldUid.httpCode, 409);
    const rvBefore = server.store.currentRv();
    const same = await core.replaceNamespacedService({ namespace: NS, name: 'web', body: fresh });
    assert.equal(same.metadata?.resourceVersion, fresh.metadata?.resourceVersion);
    assert.equal(server.store.currentRv(), rvBefore);
  });

  it('status subresource: PUT/PATCH .../status change only status, the main endpoint ignores status', async () => {
    const s = await core.readNamespacedService({ namespace: NS, name: 'web' });
    const withStatus = await core.replaceNamespacedServiceStatus({
      namespace: NS, name: 'web',
      body: { ...s, spec: { ...s.spec, type: 'ClusterIP' }, status: { loadBalancer: { ingress: [{ ip: '192.0.2.10' }] } } },
    });
    assert.equal(withStatus.spec?.type, 'LoadBalancer');
    assert.equal(withStatus.status?.loadBalancer?.ingress?.[0].ip, '192.0.2.10');
    const ignored = await core.replaceNamespacedService({
      namespace: NS, name: 'web', body: { ...withStatus, status: { loadBalancer: { ingress: [{ ip: '198.51.100.1' }] } } },
    });
    assert.equal(ignored.status?.loadBalancer?.ingress?.[0].ip, '192.0.2.10');
    // Strategic merge on status.conditions merges by `type`.
    const cond = (type: string, status: string): k8s.V1Condition =>
      ({ type, status, reason: 'Test', message: '', lastTransitionTime: new Date('2026-01-01T00:00:00Z') });
    await core.patchNamespacedServiceStatus({ namespace: NS, name: 'web', body: { status: { conditions: [cond('Announced', 'True')] } } }, strategic);
    const two = await core.patchNamespacedServiceStatus({ namespace: NS, name: 'web', body: { status: { conditions: [cond('Ready', 'False')] } } }, strategic);
    assert.deepEqual(two.status?.conditions?.map((c) => `${c.type}=${c.status}`), ['Announced=True', 'Ready=False']);
    const flipped = await core.patchNamespacedServiceStatus({ namespace: NS, name: 'web', body: { status: { conditions: [cond('Announced', 'False')] } } }, strategic);
    assert.deepEqual(flipped.status?.conditions?.map((c) => `${c.type}=${c.status}`), ['Announced=False', 'Ready=False']);
    // Merge patch replaces the list (RFC 7386 has no list merge).
    const replaced = await core.patchNamespacedServiceStatus({ namespace: NS, name: 'web', body: { status: { conditions: [cond('Ready', 'True')] } } }, merge);
    assert.deepEqual(replaced.status?.conditions?.map((c) => c.type), ['Ready']);
    assert.deepEqual(server.writeCounts()['patch services/status'], 4);
  });

  it('merge, JSON and strategic patches on the main endpoint; a failed JSON patch test op is 422', async () => {
    const m = await core.patchNamespacedService({ namespace: NS, name: 'web', body: { metadata: { annotations: { a: '1' } } } }, merge);
    assert.equal(m.metadata?.annotations?.a, '1');
    const removed = await core.patchNamespacedService({ namespace: NS, name: 'web', body: { metadata: { annotations: { a: null } } } }, merge);
    assert.equal(removed.metadata?.annotations?.a, undefined);
    const j = await core.patchNamespacedService({
      namespace: NS, name: 'web',
      body: [{ op: 'test', path: '/spec/type', value: 'LoadBalancer' }, { op: 'replace', path: '/spec/externalTrafficPolicy', value: 'Local' }],
    }, jsonPatch);
    assert.equal(j.spec?.externalTrafficPolicy, 'Local');
    const failed = await failure(core.patchNamespacedService({ namespace: NS, name: 'web', body: [{ op: 'test', path: '/spec/type', value: 'NodePort' }] }, jsonPatch));
    assert.equal(failed.httpCode, 422);
    // Strategic merge of spec.ports by `port`: adding 443 keeps 80 (a merge patch would replace the list).
    const sp = await core.patchNamespacedService({ namespace: NS, name: 'web', body: { spec: { ports: [{ port: 443, name: 'https' }] } } }, strategic);
    assert.deepEqual(sp.spec?.ports?.map((p) => p.port), [80, 443]);
    const stale = await failure(core.patchNamespacedService({ namespace: NS, name: 'web', body: { metadata: { resourceVersion: '1' } } }, merge));
    assert.equal(stale.httpCode, 409);
  });

  it('server-side apply creates, merges, removes fields the manager dropped, and reports conflicts between managers', async () => {
    const cfg = (labels: Record<string, string>): k8s.V1ConfigMap & k8s.V1Secret =>
      ({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 'applied', namespace: NS, labels }, stringData: { x: 'y' } });
    const created = await core.patchNamespacedSecret({ namespace: NS, name: 'applied', body: cfg({ a: '1', b: '2' }), fieldManager: 'vipd' }, apply);
    assert.deepEqual(created.metadata?.labels, { a: '1', b: '2' });
    assert.equal(created.metadata?.managedFields?.[0].manager, 'vipd');
    const dropped = await core.patchNamespacedSecret({ namespace: NS, name: 'applied', body: cfg({ a: '1' }), fieldManager: 'vipd' }, apply);
    assert.deepEqual(dropped.metadata?.labels, { a: '1' });
    const clash = await failure(core.patchNamespacedSecret({ namespace: NS, name: 'applied', body: cfg({ a: 'other' }), fieldManager: 'someone-else' }, apply));
    assert.equal(clash.httpCode, 409);
    assert.equal(clash.reason, 'Conflict');
    const forced = await core.patchNamespacedSecret({ namespace: NS, name: 'applied', body: cfg({ a: 'other' }), fieldManager: 'someone-else', force: true }, apply);
    assert.equal(forced.metadata?.labels?.a, 'other');
    const noManager = await failure(core.patchNamespacedSecret({ namespace: NS, name: 'applied', body: cfg({}) }, apply));
    assert.equal(noManager.httpCode, 400);
  });

  it('Lease optimistic concurrency: of several clients renewing from the same resourceVersion exactly one wins', async () => {
    const coord = kc.makeApiClient(k8s.CoordinationV1Api);
    await coord.createNamespacedLease({ namespace: NS, body: { metadata: { name: 'vipd-leader' }, spec: { holderIdentity: 'none', leaseDurationSeconds: 15 } } });
    for (let round = 0; round < 3; round++) {
      const seen = await coord.readNamespacedLease({ namespace: NS, name: 'vipd-leader' });
      const clients = [0, 1, 2, 3].map(() => kubeConfigFor(server).makeApiClient(k8s.CoordinationV1Api));
      const results = await Promise.allSettled(clients.map((c, i) => c.replaceNamespacedLease({
        namespace: NS, name: 'vipd-leader',
        body: { ...seen, spec: { ...seen.spec, holderIdentity: `node-${round}-${i}`, renewTime: new k8s.V1MicroTime() } },
      })));
      const won = results.filter((r) => r.status === 'fulfilled');
      assert.equal(won.length, 1, `round ${round}`);
      for (const r of results) {
        if (r.status === 'rejected') assert.equal((r.reason as k8s.ApiException<unknown>).code, 409);
      }
      const now = await coord.readNamespacedLease({ namespace: NS, name: 'vipd-leader' });
      assert.equal(now.spec?.holderIdentity, (won[0] as PromiseFulfilledResult<k8s.V1Lease>).value.spec?.holderIdentity);
    }
  });

  it('injected faults fail exactly the matching requests with the given Status', async () => {
    server.injectFault({ verb: 'patch', resource: 'services/status', httpCode: 503, reason: 'ServiceUnavailable', retryAfterSeconds: 1 });
    const body = { status: { loadBalancer: { ingress: [{ ip: '192.0.2.11' }] } } };
    const read = await core.readNamespacedService({ namespace: NS, name: 'web' });
    assert.equal(read.metadata?.name, 'web');
    const f = await failure(core.patchNamespacedServiceStatus({ namespace: NS, name: 'web', body }, merge));
    assert.equal(f.httpCode, 503);
    assert.equal(f.reason, 'ServiceUnavailable');
    const ok = await core.patchNamespacedServiceStatus({ namespace: NS, name: 'web', body }, merge);
    assert.equal(ok.status?.loadBalancer?.ingress?.[0].ip, '192.0.2.11');
  });

  it('delete answers with a Status or the object (per resource); finalizers hold it (202, deletionTimestamp) until removed', async () => {
    await core.createNamespacedSecret({ namespace: NS, body: { metadata: { name: 'held', finalizers: ['vipd.io/test'] } } });
    await core.deleteNamespacedSecret({ namespace: NS, name: 'held' });
    assert.equal(server.requests.at(-1)?.code, 202);
    assert.ok((await core.readNamespacedSecret({ namespace: NS, name: 'held' })).metadata?.deletionTimestamp);
    await core.patchNamespacedSecret({ namespace: NS, name: 'held', body: { metadata: { finalizers: null } } }, merge);
    const gone = await failure(core.readNamespacedSecret({ namespace: NS, name: 'held' }));
    assert.equal(gone.httpCode, 404);
    const pre = await failure(core.deleteNamespacedSecret({ namespace: NS, name: 'p1', body: { preconditions: { resourceVersion: '1' } } }));
    assert.equal(pre.httpCode, 409);
    const deleted = await core.deleteNamespacedSecret({ namespace: NS, name: 'p1' });
    assert.equal(deleted.status, 'Success');
    assert.equal(deleted.details?.name, 'p1');
    await core.createNamespacedService({ namespace: NS, body: { metadata: { name: 'tmp' }, spec: { ports: [{ port: 1 }] } } });
    const svc = await core.deleteNamespacedService({ namespace: NS, name: 'tmp' });
    assert.equal(svc.metadata?.name, 'tmp');
  });

  it('EndpointSlices by kubernetes.io/service-name, Nodes, and both Event APIs', async () => {
    const disc = kc.makeApiClient(k8s.DiscoveryV1Api);
    const slice = (name: string, svc: string): k8s.V1EndpointSlice => ({
      metadata: { name, labels: { 'kubernetes.io/service-name': svc } }, addressType: 'IPv4',
      endpoints: [{ addresses: ['10.0.0.1'], conditions: { ready: true }, nodeName: 'n1' }], ports: [{ port: 80 }],
    });
    await disc.createNamespacedEndpointSlice({ namespace: NS, body: slice('web-abc', 'web') });
    await disc.createNamespacedEndpointSlice({ namespace: NS, body: slice('web-def', 'web') });
    await disc.createNamespacedEndpointSlice({ namespace: NS, body: slice('db-abc', 'db') });
    const web = await disc.listNamespacedEndpointSlice({ namespace: NS, labelSelector: 'kubernetes.io/service-name=web' });
    assert.deepEqual(web.items.map((s) => s.metadata?.name), ['web-abc', 'web-def']);
    assert.equal(web.items[0].metadata?.generation, 1);
    assert.equal(web.items[0].ports?.[0].protocol, 'TCP');
    const node = await core.createNode({ body: { metadata: { name: 'n1' }, status: { conditions: [{ type: 'Ready', status: 'True' }] } } });
    assert.equal(node.status?.conditions?.[0].type, 'Ready');
    const cordoned = await core.patchNode({ name: 'n1', body: { spec: { unschedulable: true } } }, strategic);
    assert.equal(cordoned.spec?.unschedulable, true);
    const cordonedList = await core.listNode({ fieldSelector: 'spec.unschedulable=true' });
    assert.equal(cordonedList.items.length, 1);
    await core.createNamespacedEvent({ namespace: NS, body: {
      metadata: { name: 'web.1' }, involvedObject: { kind: 'Service', namespace: NS, name: 'web' }, reason: 'Announced', message: 'm', type: 'Normal',
    } });
    const byObject = await core.listNamespacedEvent({ namespace: NS, fieldSelector: 'involvedObject.name=web,reason=Announced' });
    assert.equal(byObject.items.length, 1);
    const ev = kc.makeApiClient(k8s.EventsV1Api);
    await ev.createNamespacedEvent({ namespace: NS, body: {
      metadata: { name: 'web.2' }, eventTime: new k8s.V1MicroTime(), reportingController: 'vipd.io/speaker', reportingInstance: 'n1',
      action: 'Announce', reason: 'Announced', regarding: { kind: 'Service', namespace: NS, name: 'web' }, type: 'Normal',
    } });
    assert.equal((await ev.listNamespacedEvent({ namespace: NS })).items.length, 1);
  });

  it('vipd.io custom objects: generation on spec change only, status subresource, 422 on unconditional PUT, 415 on strategic', async () => {
    const co = kc.makeApiClient(k8s.CustomObjectsApi);
    const g = { group: 'vipd.io', version: 'v1alpha1', plural: 'bgppeers' };
    const peer = await co.createClusterCustomObject({ ...g, body: {
      apiVersion: 'vipd.io/v1alpha1', kind: 'BGPPeer', metadata: { name: 'tor1' }, spec: { address: '192.0.2.1', asn: 65001, localAsn: 65000 },
      status: { conditions: [] },
    } }) as { metadata: { generation: number; resourceVersion: string }; status?: unknown };
    assert.equal(peer.metadata.generation, 1);
    assert.equal(peer.status, undefined);
    const accepted = { type: 'Accepted', status: 'True', reason: 'Valid', message: '', lastTransitionTime: '2026-01-01T00:00:00Z' };
    const st = await co.patchClusterCustomObjectStatus({ ...g, name: 'tor1', body: { status: { conditions: [accepted] } } }, merge) as
      { metadata: { generation: number } };
    assert.equal(st.metadata.generation, 1);
    const sp = await co.patchClusterCustomObject({ ...g, name: 'tor1', body: { spec: { holdTimeSec: 9 }, status: { conditions: [] } } }, merge) as
      { metadata: { generation: number }; status: { conditions: unknown[] } };
    assert.equal(sp.metadata.generation, 2);
    assert.equal(sp.status.conditions.length, 1);
    const unconditional = await failure(co.replaceClusterCustomObject({ ...g, name: 'tor1', body: {
      apiVersion: 'vipd.io/v1alpha1', kind: 'BGPPeer', metadata: { name: 'tor1' }, spec: {},
    } }));
    assert.equal(unconditional.httpCode, 422);
    assert.equal(unconditional.reason, 'Invalid');
    const smp = await failure(co.patchClusterCustomObject({ ...g, name: 'tor1', body: { spec: { asn: 1 } } }, strategic));
    assert.equal(smp.httpCode, 415);
    const list = await co.listClusterCustomObject({ ...g }) as { items: Array<{ kind: string }> };
    assert.equal(list.items[0].kind, 'BGPPeer');
    for (const plural of ['bgpadvertisements', 'ipaddresspools', 'vipdsettings', 'bgpsessionstates']) {
      const l = await co.listClusterCustomObject({ ...g, plural }) as { items: unknown[] };
      assert.deepEqual(l.items, [], plural);
    }
  });
});
