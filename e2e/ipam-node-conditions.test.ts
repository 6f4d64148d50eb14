// Stale per-node Service conditions end to end: two `vipd ipam-controller` processes compete for the
// Lease on the test API server (real client-node, real REST/watch, ports 18991–18993). Services carry
// `<node>.node.vipd.io/Announced` conditions of nodes a, b, c (written as the daemons write them:
// strategic merge patches on the status subresource) next to the IPAM controller's own condition and a
// foreign one. A condition of a node deleted before the controllers started goes at once; deleting
// node c removes its conditions from every Service and nothing else, with exactly one PATCH per
// affected Service and no request at all for the others; after the leader is SIGKILLed, the new
// leader handles the deletion of node b the same way. Events and the leader's counter are checked.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as k8s from '@kubernetes/client-node';
import { TestApiServer } from './support/apiserver/test-api-server.ts';
import { kubeConfigFor, waitFor } from './support/apiserver/client-helpers.ts';
import { resourceId } from './support/apiserver/resources.ts';
import { REPO } from './support/chart.ts';
import { nodeConditionType } from '../packages/controller/src/daemon/feedback.ts';

const NS = 'shop';
const server = new TestApiServer({ port: 18991 });
const dir = mkdtempSync(join(tmpdir(), 'vipd-ipam-nc-e2e-'));
const procs = new Map<string, ChildProcess>();
const ports = new Map([['ctl-a', 18992], ['ctl-b', 18993]]);
const logs = new Map<string, string>();
let kubeconfig = '';

function startController(identity: string): void {
  const p = spawn(
    process.execPath,
    [
      join(REPO, 'packages/controller/src/cli.ts'), 'ipam-controller',
      `--kubeconfig=${kubeconfig}`, '--namespace=kube-system', `--identity=${identity}`,
      '--lease-duration=2s', '--renew-deadline=1500ms', '--retry-period=200ms',
      `--metrics-address=127.0.0.1:${ports.get(identity)}`, '--log-level=info',
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  logs.set(identity, '');
  p.stdout!.on('data', (d) => logs.set(identity, logs.get(identity) + String(d)));
  p.stderr!.on('data', (d) => logs.set(identity, logs.get(identity) + String(d)));
  procs.set(identity, p);
}

const announced = (node: string) => ({
  type: nodeConditionType(node), status: 'True', reason: 'Announced', message: `announced from node ${node}`, lastTransitionTime: new Date().toISOString(),
});

/** Services and the nodes whose daemons wrote a condition on them. */
const LAYOUT: Record<string, string[]> = {
  'web-abc': ['node-a', 'node-b', 'node-c'],
  'web-ab': ['node-a', 'node-b'],
  'web-c': ['node-c'],
  'web-bc-old': ['node-b', 'node-c', 'node-old'],
  'web-none': [],
};

function typesOf(name: string): string[] {
  const s = server.get('v1', 'services', name, NS) as { status?: { conditions?: { type: string }[] } } | undefined;
  return (s?.status?.conditions ?? []).map((c) => c.type);
}

function nodeTypesOf(name: string): string[] {
  return typesOf(name).filter((t) => t.endsWith('.node.vipd.io/Announced')).sort();
}

const expectTypes = (nodes: string[]) => nodes.map(nodeConditionType).sort();

function holder(): string {
  return ((server.get('coordination.k8s.io/v1', 'leases', 'vipd-ipam', 'kube-system') as { spec?: { holderIdentity?: string } } | undefined)?.spec?.holderIdentity) ?? '';
}

/** PATCH requests per Service name in NS since the log was cleared (any patch type). */
function servicePatches(): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const r of server.requests) {
    if (r.verb !== 'patch' || r.resource !== 'services' || r.namespace !== NS) continue;
    out.set(r.name, [...(out.get(r.name) ?? []), r.contentType.split(';')[0]!]);
  }
  return out;
}

function sweptEvents(): string[] {
  return (server.store.list(resourceId(server.resource('v1', 'events'))) as { reason?: string; involvedObject?: { name?: string; namespace?: string } }[])
    .filter((e) => e.reason === 'NodeConditionsRemoved' && e.involvedObject?.namespace === NS)
    .map((e) => e.involvedObject!.name!)
    .sort();
}

async function counter(identity: string): Promise<number> {
  const text = await (await fetch(`http://127.0.0.1:${ports.get(identity)}/metrics`)).text();
  const m = /^vipd_ipam_stale_node_conditions_removed_total (\S+)$/m.exec(text);
  assert.ok(m, 'the counter is exported');
  return Number(m[1]);
}

before(async () => {
  await server.start();
  kubeconfig = server.writeKubeconfig(join(dir, 'kubeconfig'));
  server.create('vipd.io/v1alpha1', 'vipdsettings', { metadata: { name: 'default' }, spec: { loadBalancerClass: 'vipd.io/bgp', isDefaultClass: true } });
  server.create('vipd.io/v1alpha1', 'ipaddresspools', { metadata: { name: 'v4' }, spec: { addresses: ['198.51.100.0/28'] } });
  server.create('v1', 'namespaces', { metadata: { name: NS } });
  for (const n of ['node-a', 'node-b', 'node-c']) server.create('v1', 'nodes', { metadata: { name: n, labels: { 'kubernetes.io/hostname': n } } });
  // The daemons' writes: one strategic merge patch per node and Service, plus a condition of another owner.
  const core = kubeConfigFor(server).makeApiClient(k8s.CoreV1Api);
  const smp = k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.StrategicMergePatch);
  for (const [name, nodes] of Object.entries(LAYOUT)) {
    server.create('v1', 'services', { metadata: { name, namespace: NS }, spec: { type: 'LoadBalancer', ports: [{ port: 80, protocol: 'TCP' }] } }, NS);
    for (const n of nodes) await core.patchNamespacedServiceStatus({ namespace: NS, name, body: { status: { conditions: [announced(n)] } } }, smp);
  }
  await core.patchNamespacedServiceStatus(
    { namespace: NS, name: 'web-abc', body: { status: { conditions: [{ type: 'example.com/Audited', status: 'True', reason: 'Audited', message: 'x', lastTransitionTime: new Date().toISOString() }] } } },
    smp,
  );
  startController('ctl-a');
  startController('ctl-b');
});

after(async () => {
  for (const p of procs.values()) p.kill('SIGKILL');
  await server.stop();
  server.dispose();
  rmSync(dir, { recursive: true, force: true });
});

test('conditions of deleted nodes leave every Service; others stay; one PATCH per affected Service; new leader continues', { timeout: 60_000 }, async (t) => {
  await t.test('on gaining the lease: the condition of a node deleted earlier is removed', async () => {
    await waitFor('a leader', () => holder() !== '', 10_000);
    await waitFor('every Service has an address', () => Object.keys(LAYOUT).every((n) => typesOf(n).includes('vipd.io/AddressAllocated')), 10_000);
    await waitFor('node-old swept', () => !typesOf('web-bc-old').includes(nodeConditionType('node-old')), 10_000);
    assert.deepEqual(nodeTypesOf('web-bc-old'), expectTypes(['node-b', 'node-c']));
    assert.deepEqual(nodeTypesOf('web-abc'), expectTypes(['node-a', 'node-b', 'node-c']));
    await waitFor('its Event', () => sweptEvents().includes('web-bc-old'), 5_000);
  });

  await t.test('node-c deleted: its conditions go from every Service, a/b and foreign conditions stay, no request for the rest', async () => {
    // Let the leader finish its own writes (pool status, conditions, Events) first: quiet for 1 s
    // (Lease renewals go on and are not counted).
    let last = -1;
    await waitFor('API writes settle', () => {
      const n = server.requests.filter((r) => ['create', 'update', 'patch'].includes(r.verb) && r.resource !== 'leases').length;
      const quiet = n === last;
      last = n;
      return quiet;
    }, 15_000, 1_000);
    const leader = holder();
    const before = await counter(leader);
    server.clearRequestLog();
    server.objects.delete(server.resource('v1', 'nodes'), '', 'node-c');
    await waitFor('node-c swept', () => ['web-abc', 'web-c', 'web-bc-old'].every((n) => !typesOf(n).includes(nodeConditionType('node-c'))), 10_000);
    assert.deepEqual(nodeTypesOf('web-abc'), expectTypes(['node-a', 'node-b']));
    assert.deepEqual(nodeTypesOf('web-ab'), expectTypes(['node-a', 'node-b']));
    assert.deepEqual(nodeTypesOf('web-c'), []);
    assert.deepEqual(nodeTypesOf('web-bc-old'), expectTypes(['node-b']));
    assert.ok(typesOf('web-abc').includes('example.com/Audited'), 'a foreign condition stays');
    for (const n of Object.keys(LAYOUT)) assert.ok(typesOf(n).includes('vipd.io/AddressAllocated'), `${n} keeps the IPAM condition`);
    // A moment for anything else that would be sent, then count.
    await new Promise((r) => setTimeout(r, 500));
    const patches = servicePatches();
    assert.deepEqual([...patches.keys()].sort(), ['web-abc', 'web-bc-old', 'web-c']);
    for (const [name, types] of patches) assert.deepEqual(types, ['application/json-patch+json'], `${name}: one JSON patch`);
    await waitFor('Events for each', () => ['web-abc', 'web-c'].every((n) => sweptEvents().includes(n)), 5_000);
    assert.equal((await counter(leader)) - before, 3);
  });

  await t.test('leader killed, node-b deleted: the new leader removes node-b\'s conditions', async () => {
    const leader = holder();
    procs.get(leader)!.kill('SIGKILL');
    server.objects.delete(server.resource('v1', 'nodes'), '', 'node-b');
    await waitFor('the other controller takes over', () => holder() !== leader && holder() !== '', 20_000);
    await waitFor('node-b swept', () => ['web-abc', 'web-ab', 'web-bc-old'].every((n) => !typesOf(n).includes(nodeConditionType('node-b'))), 10_000);
    assert.deepEqual(nodeTypesOf('web-abc'), expectTypes(['node-a']));
    assert.deepEqual(nodeTypesOf('web-ab'), expectTypes(['node-a']));
    assert.deepEqual(nodeTypesOf('web-bc-old'), []);
    assert.ok(typesOf('web-abc').includes('example.com/Audited'));
    assert.equal(await counter(holder()), 3, 'the new leader removed one condition from each of three Services');
    assert.match(logs.get(holder()) ?? '', /removed conditions of deleted nodes/);
  });
});
