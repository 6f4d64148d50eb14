// Removal of per-node Service conditions of deleted nodes (src/ipam/node-conditions.ts): the pure
// selection and patch, the patch against the test API server with the real client-node (a condition
// written after the read survives), the sweeper's Node read closing the cache-lag race, and the
// elected IpamController end to end in one process (initial sweep, Node deletion, no request for
// Services without stale conditions, Event and metric callback).

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import * as k8s from '@kubernetes/client-node';
import { noopLogger } from '@vipd/bgp/observe.ts';
import { TestApiServer } from '../../../../e2e/support/apiserver/test-api-server.ts';
import { resourceId } from '../../../../e2e/support/apiserver/resources.ts';
import { failure, kubeConfigFor, waitFor } from '../../../../e2e/support/apiserver/client-helpers.ts';
import { nodeConditionType } from '../../src/daemon/feedback.ts';
import { IpamController } from '../../src/ipam/controller.ts';
import {
  EVENT_REASON_REMOVED,
  StaleConditionSweeper,
  isNodeConditionType,
  liveConditionTypes,
  nodeOfConditionType,
  removalPatch,
  staleConditionsOf,
} from '../../src/ipam/node-conditions.ts';

const api = new TestApiServer({ port: 18990 });
let core: k8s.CoreV1Api;
const jsonPatch = k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.JsonPatch);

before(async () => {
  await api.start();
  core = kubeConfigFor(api).makeApiClient(k8s.CoreV1Api);
  api.create('v1', 'namespaces', { metadata: { name: 'nc' } });
  api.create('v1', 'namespaces', { metadata: { name: 'ctl' } });
});

after(async () => {
  await api.stop();
  api.dispose();
});

const cond = (type: string, status = 'True') => ({ type, status, reason: 'Announced', message: 'm', lastTransitionTime: '2026-11-21T00:00:00Z' });
const nodeCond = (node: string, status = 'True') => cond(nodeConditionType(node), status);

function node(name: string): k8s.V1Node {
  return { metadata: { name } };
}

/** A LoadBalancer Service with the given status conditions (written through /status). */
function service(name: string, conditions: object[], ns = 'nc'): void {
  const created = api.create('v1', 'services', { metadata: { name, namespace: ns }, spec: { type: 'LoadBalancer', ports: [{ port: 80, protocol: 'TCP' }] } }, ns);
  if (conditions.length > 0) api.objects.update(api.resource('v1', 'services'), ns, name, { ...created, status: { conditions } } as never, 'status');
}

function typesOf(name: string, ns = 'nc'): string[] {
  const s = api.get('v1', 'services', name, ns) as { status?: { conditions?: { type: string }[] } } | undefined;
  return (s?.status?.conditions ?? []).map((c) => c.type);
}

function read(name: string): k8s.V1Service {
  return structuredClone(api.get('v1', 'services', name, 'nc')) as unknown as k8s.V1Service;
}

/** JSON patches on services/status per Service name (in `ns`) since the log was cleared. */
function sweepPatches(ns = 'nc'): Map<string, number> {
  const out = new Map<string, number>();
  for (const r of api.requests) {
    if (r.namespace === ns && r.verb === 'patch' && r.resource === 'services' && r.subresource === 'status' && r.contentType.startsWith('application/json-patch+json')) {
      out.set(r.name, (out.get(r.name) ?? 0) + 1);
    }
  }
  return out;
}

test('condition types: ours recognised, node names recovered, other types ignored', () => {
  assert.equal(isNodeConditionType('worker-3.node.vipd.io/Announced'), true);
  assert.equal(isNodeConditionType('vipd.io/AddressAllocated'), false);
  assert.equal(isNodeConditionType('.node.vipd.io/Announced'), false);
  assert.equal(isNodeConditionType('worker-3.node.vipd.io/Other'), false);
  assert.equal(nodeOfConditionType(nodeConditionType('worker-3')), 'worker-3');
  assert.equal(nodeOfConditionType(nodeConditionType('a.b.example.com')), 'a.b.example.com');
  assert.equal(nodeOfConditionType('vipd.io/AddressAllocated'), undefined);
  // A name too long for a qualified name is shortened and hashed: still ours, still matched exactly.
  const long = `n${'x'.repeat(250)}`;
  const t = nodeConditionType(long);
  assert.equal(isNodeConditionType(t), true);
  assert.ok(liveConditionTypes([node(long)]).has(t));
});

test('staleConditionsOf picks only conditions of nodes not in the live set, in index order', () => {
  const svc: k8s.V1Service = {
    status: {
      conditions: [cond('vipd.io/AddressAllocated'), nodeCond('a'), nodeCond('c'), cond('example.com/Other'), nodeCond('b'), nodeCond('d', 'False')] as unknown as k8s.V1Condition[],
    },
  };
  const stale = staleConditionsOf(svc, liveConditionTypes([node('a'), node('b')]));
  assert.deepEqual(stale, [
    { index: 2, type: nodeConditionType('c'), node: 'c' },
    { index: 5, type: nodeConditionType('d'), node: 'd' },
  ]);
  assert.deepEqual(staleConditionsOf(svc, liveConditionTypes([node('a'), node('b'), node('c'), node('d')])), []);
  assert.deepEqual(staleConditionsOf({}, new Set()), []);
});

test('removalPatch: resourceVersion test first, then per condition a type test and a remove, highest index first', () => {
  const ops = removalPatch('42', [
    { index: 2, type: 'c.node.vipd.io/Announced', node: 'c' },
    { index: 5, type: 'd.node.vipd.io/Announced', node: 'd' },
  ]);
  assert.deepEqual(ops, [
    { op: 'test', path: '/metadata/resourceVersion', value: '42' },
    { op: 'test', path: '/status/conditions/5/type', value: 'd.node.vipd.io/Announced' },
    { op: 'remove', path: '/status/conditions/5' },
    { op: 'test', path: '/status/conditions/2/type', value: 'c.node.vipd.io/Announced' },
    { op: 'remove', path: '/status/conditions/2' },
  ]);
});

test('the patch removes exactly the stale conditions; after any other write it is refused whole (422)', async () => {
  service('p1', [cond('vipd.io/AddressAllocated'), nodeCond('a'), nodeCond('c'), nodeCond('d')]);
  const live = liveConditionTypes([node('a')]);
  const seen = read('p1');
  const body = removalPatch(seen.metadata!.resourceVersion!, staleConditionsOf(seen, live));
  await core.patchNamespacedServiceStatus({ namespace: 'nc', name: 'p1', body }, jsonPatch);
  assert.deepEqual(typesOf('p1'), ['vipd.io/AddressAllocated', nodeConditionType('a')]);

  // Node c comes back and its daemon writes its condition (strategic merge, as feedback.ts) after our read.
  service('p2', [nodeCond('a'), nodeCond('c')]);
  const stale = read('p2');
  await core.patchNamespacedServiceStatus(
    { namespace: 'nc', name: 'p2', body: { status: { conditions: [nodeCond('c', 'False')] } } },
    k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.StrategicMergePatch),
  );
  const refused = await failure(core.patchNamespacedServiceStatus({ namespace: 'nc', name: 'p2', body: removalPatch(stale.metadata!.resourceVersion!, staleConditionsOf(stale, live)) }, jsonPatch));
  assert.equal(refused.httpCode, 422);
  assert.deepEqual(typesOf('p2'), [nodeConditionType('a'), nodeConditionType('c')], 'the fresh condition survives');
});

test('sweeper: one patch per Service with stale conditions, none for the others; a node the cache lacks but the API has is kept', async () => {
  api.create('v1', 'nodes', { metadata: { name: 's-a' } });
  api.create('v1', 'nodes', { metadata: { name: 's-back' } }); // re-created; the cache has not seen it yet
  service('s1', [nodeCond('s-a'), nodeCond('s-gone'), nodeCond('s-back')]);
  service('s2', [nodeCond('s-a')]);
  service('s3', []);
  service('s4', [nodeCond('s-back')]);
  const cacheNodes = [node('s-a')];
  const events: { name: string; reason: string; message: string }[] = [];
  let removed = 0;
  const sweeper = new StaleConditionSweeper({
    core,
    services: () => ['s1', 's2', 's3', 's4'].map(read),
    nodes: () => cacheNodes,
    log: noopLogger,
    event: async (svc, _type, reason, message) => void events.push({ name: svc.metadata!.name!, reason, message }),
    onRemoved: (n) => (removed += n),
  });
  api.clearRequestLog();
  const r = await sweeper.sweep();
  assert.deepEqual(r, { services: 1, conditions: 1, conflicts: 0, nodesStillPresent: 1 });
  assert.deepEqual([...sweepPatches()], [['s1', 1]]);
  const nodeReads = api.requests.filter((q) => q.resource === 'nodes' && q.verb === 'get').map((q) => q.name).sort();
  assert.deepEqual(nodeReads, ['s-back', 's-gone'], 'each candidate node read once');
  assert.deepEqual(typesOf('s1'), [nodeConditionType('s-a'), nodeConditionType('s-back')]);
  assert.deepEqual(typesOf('s4'), [nodeConditionType('s-back')]);
  assert.deepEqual(events.map((e) => [e.name, e.reason]), [['s1', EVENT_REASON_REMOVED]]);
  assert.match(events[0]!.message, /s-gone/);
  assert.equal(removed, 1);

  // Nothing stale any more: no request at all.
  cacheNodes.push(node('s-back'));
  api.clearRequestLog();
  assert.deepEqual(await sweeper.sweep(), { services: 0, conditions: 0, conflicts: 0, nodesStillPresent: 0 });
  assert.equal(api.requests.length, 0);
});

test('sweeper: a Service changed since the snapshot is refused, left intact, and reported as a typed conflict', async () => {
  service('k1', [nodeCond('k-gone'), nodeCond('k-other')]);
  const snapshot = read('k1');
  api.objects.update(api.resource('v1', 'services'), 'nc', 'k1', { ...(api.get('v1', 'services', 'k1', 'nc') as object), status: { conditions: [nodeCond('k-gone'), nodeCond('k-other'), cond('x.example.com/New')] } } as never, 'status');
  const sweeper = new StaleConditionSweeper({ core, services: () => [snapshot], nodes: () => [], log: noopLogger, event: async () => {} });
  await assert.rejects(sweeper.sweep(), { code: 'ERR_STALE_SWEEP_CONFLICT' });
  assert.equal(typesOf('k1').length, 3);
  // Read again: the next pass succeeds.
  const retry = new StaleConditionSweeper({ core, services: () => [read('k1')], nodes: () => [], log: noopLogger, event: async () => {} });
  assert.equal((await retry.sweep()).conditions, 2);
  assert.deepEqual(typesOf('k1'), ['x.example.com/New']);
});

test('IpamController leader: initial sweep, then Node deletion removes that node\'s conditions only; untouched Services get no PATCH', { timeout: 20_000 }, async () => {
  for (const n of ['n-a', 'n-b', 'n-c']) api.create('v1', 'nodes', { metadata: { name: n } });
  // Not ours (no class, vipd not the default) so the IPAM reconcile itself writes nothing to them.
  service('c1', [nodeCond('n-a'), nodeCond('n-b'), nodeCond('n-c')], 'ctl');
  service('c2', [nodeCond('n-a'), nodeCond('n-b')], 'ctl');
  service('c3', [nodeCond('n-c'), cond('example.com/Keep')], 'ctl');
  service('c4', [], 'ctl');
  service('c5', [nodeCond('n-old'), nodeCond('n-a')], 'ctl'); // a node deleted before the controller started
  let metric = 0;
  const ctl = new IpamController({
    kc: kubeConfigFor(api), namespace: 'nc', identity: 'unit', leaseDurationSec: 3, renewDeadlineSec: 2, retryPeriodSec: 1,
    log: noopLogger, metrics: { setPoolUsage: () => {}, staleConditionsRemoved: (n) => (metric += n) },
  });
  try {
    api.clearRequestLog();
    await ctl.start();
    await waitFor('leadership', () => ctl.isLeader, 5_000);
    await waitFor('n-old swept at start', () => !typesOf('c5', 'ctl').includes(nodeConditionType('n-old')), 5_000);
    await ctl.idle();
    assert.deepEqual([...sweepPatches('ctl')], [['c5', 1]]);
    const metricAtStart = metric; // includes the earlier tests' leftovers in namespace nc
    assert.ok(metricAtStart >= 1);

    api.clearRequestLog();
    api.objects.delete(api.resource('v1', 'nodes'), '', 'n-c');
    await waitFor('n-c swept', () => !typesOf('c1', 'ctl').includes(nodeConditionType('n-c')) && !typesOf('c3', 'ctl').includes(nodeConditionType('n-c')), 5_000);
    await ctl.idle();
    assert.deepEqual([...sweepPatches('ctl')].sort(), [['c1', 1], ['c3', 1]]);
    assert.deepEqual(typesOf('c1', 'ctl'), [nodeConditionType('n-a'), nodeConditionType('n-b')]);
    assert.deepEqual(typesOf('c2', 'ctl'), [nodeConditionType('n-a'), nodeConditionType('n-b')]);
    assert.deepEqual(typesOf('c3', 'ctl'), ['example.com/Keep']);
    assert.deepEqual(typesOf('c5', 'ctl'), [nodeConditionType('n-a')]);
    assert.equal(metric - metricAtStart, 2, 'one condition each from c1 and c3');
    const events = api.store.list(resourceId(api.resource('v1', 'events'))) as { reason?: string; involvedObject?: { name?: string; namespace?: string } }[];
    const swept = events.filter((e) => e.reason === EVENT_REASON_REMOVED && e.involvedObject?.namespace === 'ctl').map((e) => e.involvedObject?.name).sort();
    assert.deepEqual(swept, ['c1', 'c3', 'c5']);

    // A daemon on the deleted node writes once more: the Service change alone triggers the removal.
    await core.patchNamespacedServiceStatus(
      { namespace: 'ctl', name: 'c2', body: { status: { conditions: [nodeCond('n-c')] } } },
      k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.StrategicMergePatch),
    );
    await waitFor('late write removed', () => typesOf('c2', 'ctl').length === 2 && !typesOf('c2', 'ctl').includes(nodeConditionType('n-c')), 5_000);
  } finally {
    await ctl.stop();
  }
});
