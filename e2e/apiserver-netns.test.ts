// The standalone test API server reached from another network namespace, the way vipd node processes
// will reach it: main.ts runs inside namespace vas-api listening on its veth address, and a client-node
// program inside vas-n1 lists, creates and watches through the kubeconfig main.ts wrote (TLS verified
// against the certificate's IP subjectAltName). Needs root (network namespaces); skipped otherwise.

import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { waitFor } from './support/apiserver/client-helpers.ts';
import { Topology } from './support/netns.ts';

const PORT = 18405;
const isRoot = process.getuid?.() === 0;

// Runs inside vas-n1 with cwd e2e/ so '@kubernetes/client-node' resolves from e2e/node_modules.
const CLIENT = `
import * as k8s from '@kubernetes/client-node';
const kc = new k8s.KubeConfig();
kc.loadFromFile(process.env.KUBECONFIG);
const core = kc.makeApiClient(k8s.CoreV1Api);
await core.createNode({ body: { metadata: { name: 'n1', labels: { 'vipd.io/test': 'yes' } } } });
const nodes = await core.listNode({ labelSelector: 'vipd.io/test=yes' });
const seen = [];
const ctl = await new k8s.Watch(kc).watch('/api/v1/nodes', { resourceVersion: nodes.metadata.resourceVersion },
  (type, obj) => { seen.push(type + ' ' + obj.metadata.name); }, () => {});
await core.patchNode({ name: 'n1', body: { spec: { unschedulable: true } } },
  k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch));
for (let i = 0; i < 100 && seen.length === 0; i++) await new Promise((r) => setTimeout(r, 20));
ctl.abort();
console.log(JSON.stringify({ server: kc.getCurrentCluster().server, nodes: nodes.items.map((n) => n.metadata.name), seen }));
`;

describe('test API server reached from a vipd node namespace', { skip: isRoot ? false : 'needs root for network namespaces' }, () => {
  let topo: Topology;
  let kubeconfig = '';

  before(async () => {
    topo = await Topology.create('vas-');
    const api = await topo.addNamespace('api');
    const n1 = await topo.addNamespace('n1');
    await topo.addLink(api, n1, { v4: '10.250.40.0/30', aIf: 'vas-api0', bIf: 'vas-n10' });
    kubeconfig = join(topo.dir, 'kubeconfig');
    const proc = topo.spawnIn(api, [process.execPath, 'e2e/support/apiserver/main.ts', '--host', '10.250.40.1', '--port', String(PORT),
      '--kubeconfig', kubeconfig], { cwd: process.cwd() });
    await waitFor('the API server to write its kubeconfig', () => existsSync(kubeconfig) || !proc.isRunning(), 10_000, 25);
    assert.ok(proc.isRunning(), proc.readLog());
  });
  after(async () => {
    await topo?.destroy();
  });

  it('a client-node program in vas-n1 lists, writes and watches through the veth address with a verified certificate', async () => {
    assert.match(readFileSync(kubeconfig, 'utf8'), /server: https:\/\/10\.250\.40\.1:18405/);
    const r = await topo.execIn(topo.nsName('n1'), process.execPath, ['--input-type=module', '-e', CLIENT],
      { cwd: join(process.cwd(), 'e2e'), env: { ...process.env, KUBECONFIG: kubeconfig }, timeoutMs: 15_000, allowFail: true });
    assert.equal(r.code, 0, r.stderr);
    const out = JSON.parse(r.stdout.trim().split('\n').at(-1) ?? '{}') as { server: string; nodes: string[]; seen: string[] };
    assert.equal(out.server, `https://10.250.40.1:${PORT}`);
    assert.deepEqual(out.nodes, ['n1']);
    assert.deepEqual(out.seen, ['MODIFIED n1']);
  });
});
