// The standalone test API server reached from other network namespaces, the way vipd node processes
// will reach it: main.ts runs inside namespace vas-api listening on a service address on its `lo`
// (10.250.255.1, like the `kubernetes` Service ClusterIP), each node namespace has a veth link to
// vas-api and a route to that address, and a client-node program in each node namespace lists,
// creates and watches through the one kubeconfig main.ts wrote (TLS verified against the
// certificate's IP subjectAltName). Needs root (network namespaces); skipped otherwise.

import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { waitFor } from './support/apiserver/client-helpers.ts';
import { Topology } from './support/netns.ts';

const PORT = 18405;
const API_ADDR = '10.250.255.1';
const NODES = ['n1', 'n2'];
const isRoot = process.getuid?.() === 0;

// Runs inside each node namespace with cwd e2e/ so '@kubernetes/client-node' resolves from e2e/node_modules.
const CLIENT = `
import * as k8s from '@kubernetes/client-node';
const kc = new k8s.KubeConfig();
kc.loadFromFile(process.env.KUBECONFIG);
const core = kc.makeApiClient(k8s.CoreV1Api);
const me = process.env.NODE_NAME;
await core.createNode({ body: { metadata: { name: me, labels: { 'vipd.io/test': me } } } });
const nodes = await core.listNode({ labelSelector: 'vipd.io/test=' + me });
const seen = [];
const ctl = await new k8s.Watch(kc).watch('/api/v1/nodes', { resourceVersion: nodes.metadata.resourceVersion },
  (type, obj) => { seen.push(type + ' ' + obj.metadata.name); }, () => {});
await core.patchNode({ name: me, body: { spec: { unschedulable: true } } },
  k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch));
for (let i = 0; i < 250 && !seen.includes('MODIFIED ' + me); i++) await new Promise((r) => setTimeout(r, 20));
ctl.abort();
console.log(JSON.stringify({ server: kc.getCurrentCluster().server, nodes: nodes.items.map((n) => n.metadata.name), seen }));
`;

describe('test API server reached from vipd node namespaces', { skip: isRoot ? false : 'needs root for network namespaces' }, () => {
  let topo: Topology;
  let kubeconfig = '';

  before(async () => {
    topo = await Topology.create('vas-');
    const api = await topo.addNamespace('api');
    await topo.addAddress(api, `${API_ADDR}/32`, 'lo');
    for (const [i, n] of NODES.entries()) {
      const ns = await topo.addNamespace(n);
      const link = await topo.addLink(api, ns, { v4: `10.250.${40 + i}.0/30`, aIf: `vas-api${i}`, bIf: `vas-${n}0` });
      await topo.execIn(ns, 'ip', ['route', 'add', `${API_ADDR}/32`, 'via', String(link.a.v4)]);
    }
    kubeconfig = join(topo.dir, 'kubeconfig');
    const proc = topo.spawnIn(api, [process.execPath, 'e2e/support/apiserver/main.ts', '--host', API_ADDR, '--port', String(PORT),
      '--kubeconfig', kubeconfig], { cwd: process.cwd() });
    await waitFor('the API server to write its kubeconfig', () => existsSync(kubeconfig) || !proc.isRunning(), 10_000, 25);
    assert.ok(proc.isRunning(), proc.readLog());
  });
  after(async () => {
    await topo?.destroy();
  });

  it('client-node programs in vas-n1 and vas-n2 list, write and watch through one kubeconfig with a verified certificate', async () => {
    assert.match(readFileSync(kubeconfig, 'utf8'), new RegExp(`server: https://${API_ADDR.replaceAll('.', '\\.')}:${PORT}`));
    const runs = await Promise.all(NODES.map((n) => topo.execIn(topo.nsName(n), process.execPath, ['--input-type=module', '-e', CLIENT],
      { cwd: join(process.cwd(), 'e2e'), env: { ...process.env, KUBECONFIG: kubeconfig, NODE_NAME: n }, timeoutMs: 20_000, allowFail: true })));
    for (const [i, r] of runs.entries()) {
      assert.equal(r.code, 0, r.stderr);
      const out = JSON.parse(r.stdout.trim().split('\n').at(-1) ?? '{}') as { server: string; nodes: string[]; seen: string[] };
      assert.equal(out.server, `https://${API_ADDR}:${PORT}`);
      assert.deepEqual(out.nodes, [NODES[i]]);
      assert.ok(out.seen.includes(`MODIFIED ${NODES[i]}`), JSON.stringify(out.seen));
    }
  });
});
