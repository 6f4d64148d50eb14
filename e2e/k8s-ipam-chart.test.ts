// The Helm chart, the IPAM controller and the speaker end to end, against a real BIRD 2 router.
// The lab takes everything it runs from the RENDERED chart (issue 7: "the objects the chart renders
// are the same ones the e2e lab uses"): the test writes a values file, renders charts/vipd with the
// Helm-engine renderer (e2e/tools/helm-render), serves the rendered CRDs from the test API server,
// creates the rendered VipdSettings / BGPPeer / IPAddressPool / BGPAdvertisement objects as they are
// (a schema rejection fails the test) and starts `vipd ipam-controller` and `vipd daemon` with the
// arguments of the rendered Deployment and DaemonSet. Then (issue 5) a RequireDualStack LoadBalancer
// Service gets one IPv4 and one IPv6 address from a dual-stack pool, and BIRD's own table
// (`birdc show route all`) holds the /32 over each node's IPv4 session and the /128 over each node's
// IPv6 session, each with that node's address as next hop (RFC 4271 §5.1.3; RFC 4760 §3 / RFC 2545
// §3 for the IPv6 next hop in MP_REACH_NLRI). Deleting the Service withdraws both and frees both
// addresses in the pool's status.
// Why one IPv6 session per node: in Kubernetes mode a BGPPeer has no next-hop setting (the CRD has
// no nextHop field), and an IPv6 route over an IPv4 session needs a configured IPv6 next hop
// (docs/standalone.md `nextHop.ipv6`), so IPv6 VIPs go over an IPv6 session, as in the chart's
// dual-stack values (charts/vipd/ci/dual-stack-md5-values.yaml).
// Topology: vir-r (BIRD, AS 65000) ── vir-n1, vir-n2 (one `vipd daemon` each, AS 65100), one veth per
// node with IPv4 and IPv6; the daemons reach the API server through e2e/support/tcp-unix-relay.ts.

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { spawn, type ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import type net from 'node:net';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { TestApiServer } from './support/apiserver/test-api-server.ts';
import { ApiError } from './support/apiserver/errors.ts';
import { renderChart, parseObjects, newValuesValidator, type K8sObject } from './support/chart.ts';
import { Topology, type LabProcess } from './support/netns.ts';
import { BirdRouter } from './support/routers/bird.ts';
import { waitFor } from './support/exec.ts';
import { serveUnixToTcp } from './support/tcp-unix-relay.ts';
import { VIPD_CLI } from './support/vipd-process.ts';

const isRoot = process.getuid?.() === 0;
const API_PORT = 19300;
const CONTROLLER_METRICS = '127.0.0.1:19301';
const NS = 'vipd-system';
const DS = 'discovery.k8s.io/v1';
const NODES = ['n1', 'n2'] as const;
type NodeName = (typeof NODES)[number];
const ROUTER_AS = 65000;
const NODE_AS = 65100;
const POOL_V4 = '203.0.113.8/29';
const POOL_V6 = '2001:db8:93::/125';
const CONFIG_KINDS = ['VipdSettings', 'BGPPeer', 'IPAddressPool', 'BGPAdvertisement'] as const;

let topo: Topology;
let api: TestApiServer;
let bird: BirdRouter;
let unixServer: net.Server | undefined;
let controller: ChildProcess | undefined;
let controllerLog = '';
let rendered: K8sObject[] = [];
const created: { kind: string; name: string; error?: string }[] = [];
const daemons = new Map<NodeName, LabProcess>();
const addr = new Map<NodeName, { v4: string; v6: string }>();

const opts = { skip: isRoot ? false : 'needs root for network namespaces', timeout: 90_000 };

/** The values file a user would write: a v4 and a v6 session per node, a dual-stack pool, one advertisement. */
function valuesFor(routers: Map<NodeName, { v4: string; v6: string }>): Record<string, unknown> {
  const peer = (n: NodeName, fam: 'v4' | 'v6') => ({
    name: `tor-${n}-${fam}`,
    address: routers.get(n)![fam],
    asn: ROUTER_AS,
    localAsn: NODE_AS,
    holdTimeSec: 6,
    keepaliveSec: 2,
    connectRetrySec: 1,
    families: [fam === 'v4' ? 'ipv4-unicast' : 'ipv6-unicast'],
    nodeSelector: { matchLabels: { 'kubernetes.io/hostname': n } },
  });
  return {
    loadBalancerClass: 'vipd.io/bgp',
    settings: { drainPeriodSec: 0 },
    config: {
      peers: NODES.flatMap((n) => [peer(n, 'v4'), peer(n, 'v6')]),
      pools: [{ name: 'dual', addresses: [POOL_V4, POOL_V6], autoAssign: true }],
      advertisements: [{ name: 'dual', ipAddressPools: ['dual'] }],
    },
  };
}

/** A container's args from the rendered workload, with Kubernetes `$(VAR)` references expanded. */
function renderedArgs(kind: string, name: string, env: Record<string, string>, override: Record<string, string>): string[] {
  const w = rendered.find((o) => o.kind === kind && o.metadata.name === name);
  assert.ok(w !== undefined, `the chart renders ${kind}/${name}`);
  const c = (w.spec as { template: { spec: { containers: { args?: string[] }[] } } }).template.spec.containers[0]!;
  return (c.args ?? []).map((a) => {
    const flag = /^--([a-z-]+)=/.exec(a)?.[1];
    if (flag !== undefined && override[flag] !== undefined) return `--${flag}=${override[flag]}`;
    const out = a.replace(/\$\(([A-Z_]+)\)/g, (_, v: string) => {
      assert.ok(env[v] !== undefined, `no value for $(${v}) in ${kind}/${name} args`);
      return env[v]!;
    });
    return out;
  });
}

function logs(): string {
  const d = [...daemons.entries()].map(([n, p]) => `--- ${n} ---\n${p.readLog().split('\n').slice(-12).join('\n')}`);
  return [...d, `--- ipam-controller ---\n${controllerLog.split('\n').slice(-12).join('\n')}`].join('\n');
}

/** "session@next-hop" of every BGP path for `prefix` in BIRD's table (sessions are named after nodes). */
async function paths(prefix: string): Promise<string[]> {
  const rs = await bird.routes(prefix.includes(':') ? 'ipv6' : 'ipv4');
  return rs.filter((r) => r.prefix === prefix).map((r) => `${r.fromPeer ?? '?'}@${r.nextHops[0] ?? '?'}`).sort();
}

async function expectPaths(prefix: string, want: readonly string[], what: string): Promise<void> {
  const w = [...want].sort().join(',');
  await waitFor(async () => (await paths(prefix)).join(',') === w, { timeoutMs: 15_000, intervalMs: 100, what: `${what}: ${prefix} [${w}]` })
    .catch(async (err: unknown) => {
      const table = prefix.includes(':') ? 'master6' : 'master4';
      const raw = await bird.birdc(['show', 'route', 'all', 'table', table]).catch((e: Error) => e.message);
      const protos = await bird.birdc(['show', 'protocols', 'all']).catch((e: Error) => e.message);
      const states = NODES.map((n) => JSON.stringify((api.get('vipd.io/v1alpha1', 'bgpsessionstates', n) as { status?: unknown } | undefined)?.status));
      throw new Error(`${(err as Error).message}; BIRD has [${(await paths(prefix)).join(',')}]\n${table}:\n${raw}\n${protos}\n${states.join('\n')}\n${logs()}`);
    });
}

function ingress(name: string): { ip: string; ipMode?: string }[] {
  return ((api.get('v1', 'services', name, 'default') as { status?: { loadBalancer?: { ingress?: { ip: string; ipMode?: string }[] } } } | undefined)
    ?.status?.loadBalancer?.ingress) ?? [];
}

function poolStatus(): Record<string, unknown> {
  return ((api.get('vipd.io/v1alpha1', 'ipaddresspools', 'dual') as { status?: Record<string, unknown> } | undefined)?.status) ?? {};
}

function inV4Pool(ip: string): boolean {
  const m = /^203\.0\.113\.(\d+)$/.exec(ip);
  return m !== null && Number(m[1]) >= 8 && Number(m[1]) <= 15;
}

function inV6Pool(ip: string): boolean {
  return /^2001:db8:93::[0-7]?$/.test(ip);
}

before(async () => {
  if (!isRoot) return;
  topo = await Topology.create('vir-');
  const r = await topo.addNamespace('r');
  const neighbors = [];
  const nodeAddr = new Map<NodeName, { v4: string; v6: string }>();
  const nodeNs = new Map<NodeName, string>();
  for (const [i, n] of NODES.entries()) {
    const ns = await topo.addNamespace(n);
    nodeNs.set(n, ns);
    const link = await topo.addLink(r, ns, { v4: `10.93.${i + 1}.0/30`, v6: `fd00:93:${i + 1}::/64`, aIf: `r-${n}`, bIf: 'eth0' });
    addr.set(n, { v4: link.a.v4!, v6: link.a.v6! });
    nodeAddr.set(n, { v4: link.b.v4!, v6: link.b.v6! });
    neighbors.push({ name: n, address: link.b.v4!, remoteAs: NODE_AS, families: ['ipv4' as const], passive: true, holdTimeSec: 6 });
    neighbors.push({ name: `${n}v6`, address: link.b.v6!, remoteAs: NODE_AS, families: ['ipv6' as const], passive: true, holdTimeSec: 6 });
  }
  bird = new BirdRouter(topo, { ns: r, routerId: '10.93.0.1', localAs: ROUTER_AS, neighbors });
  await bird.start();

  // Render the chart from the values file, as `helm template` would.
  const values = valuesFor(addr);
  const validateValues = newValuesValidator();
  assert.ok(validateValues(values), `values.schema.json accepts the test's values: ${JSON.stringify(validateValues.errors)}`);
  const valuesFile = join(topo.dir, 'values.yaml');
  writeFileSync(valuesFile, stringify(values));
  const out = renderChart([valuesFile]);
  assert.ok(out.ok, `chart renders: ${out.stderr}`);
  rendered = parseObjects(out.stdout);
  const crds = rendered.filter((o) => o.kind === 'CustomResourceDefinition');
  assert.equal(crds.length, 5, 'the chart renders its five CRDs');
  const crdFile = join(topo.dir, 'rendered-crds.yaml');
  writeFileSync(crdFile, crds.map((c) => stringify(c)).join('---\n'));

  // The API server serves exactly the rendered CRDs (schema pruning, defaulting, validation).
  api = new TestApiServer({ port: API_PORT, crdManifests: [crdFile] });
  await api.start();
  const kubeconfig = api.writeKubeconfig(join(topo.dir, 'kubeconfig'));
  const sock = join(topo.dir, 'api.sock');
  unixServer = await serveUnixToTcp(sock, '127.0.0.1', API_PORT);
  api.create('v1', 'namespaces', { metadata: { name: NS } });
  for (const n of NODES) {
    api.create('v1', 'nodes', { metadata: { name: n, labels: { 'kubernetes.io/hostname': n } } });
    const node = api.get('v1', 'nodes', n)!;
    api.objects.update(api.resource('v1', 'nodes'), '', n, { ...node, status: { conditions: [{ type: 'Ready', status: 'True' }],
      addresses: [{ type: 'InternalIP', address: nodeAddr.get(n)!.v4 }, { type: 'InternalIP', address: nodeAddr.get(n)!.v6 }] } } as never, 'status');
  }
  // The configuration objects exactly as rendered; a rejection is recorded and fails the test.
  const plural = new Map(crds.map((c) => {
    const s = c.spec as { names: { kind: string; plural: string } };
    return [s.names.kind, s.names.plural] as const;
  }));
  for (const o of rendered.filter((x) => (CONFIG_KINDS as readonly string[]).includes(x.kind))) {
    try {
      api.create(o.apiVersion, plural.get(o.kind)!, o);
      created.push({ kind: o.kind, name: o.metadata.name });
    } catch (err) {
      created.push({ kind: o.kind, name: o.metadata.name, error: err instanceof ApiError ? `${err.code}: ${err.message}` : String(err) });
    }
  }

  // The IPAM controller and the speakers run with the rendered workloads' arguments.
  const ctlArgs = renderedArgs('Deployment', 'vipd-controller', { POD_NAMESPACE: NS, POD_NAME: 'vir-controller-0' },
    { 'metrics-address': CONTROLLER_METRICS });
  controller = spawn(process.execPath, [VIPD_CLI, ...ctlArgs, `--kubeconfig=${kubeconfig}`], { stdio: ['ignore', 'pipe', 'pipe'] });
  controller.stdout!.on('data', (d) => (controllerLog += String(d)));
  controller.stderr!.on('data', (d) => (controllerLog += String(d)));
  for (const n of NODES) {
    const ns = nodeNs.get(n)!;
    topo.spawnIn(ns, [process.execPath, join(import.meta.dirname, 'support/tcp-unix-relay.ts'), '127.0.0.1', String(API_PORT), sock]);
    const args = renderedArgs('DaemonSet', 'vipd-speaker', { NODE_NAME: n, POD_NAMESPACE: NS, POD_IP: nodeAddr.get(n)!.v4 }, { 'metrics-address': 'off' });
    daemons.set(n, topo.spawnIn(ns, [process.execPath, VIPD_CLI, ...args, `--kubeconfig=${kubeconfig}`]));
  }
});

after(async () => {
  if (controller !== undefined && controller.exitCode === null && controller.pid !== undefined) {
    const exited = new Promise((r) => controller!.once('exit', r));
    controller.kill('SIGKILL');
    await Promise.race([exited, new Promise((r) => setTimeout(r, 2000))]);
  }
  unixServer?.close();
  await topo?.destroy();
  if (api !== undefined) {
    await Promise.race([api.stop(), new Promise((r) => setTimeout(r, 2000))]);
    api.dispose();
  }
});

test('chart-rendered config: dual-stack Service gets a v4 and a v6 VIP, both routed at BIRD, both withdrawn on delete', opts, async (t) => {
  await t.test('the rendered configuration objects are accepted by the rendered CRD schemas', () => {
    assert.deepEqual(created.filter((c) => c.error !== undefined), [], 'no rendered object rejected');
    const kinds = created.map((c) => c.kind).sort();
    assert.deepEqual(kinds, ['BGPAdvertisement', 'BGPPeer', 'BGPPeer', 'BGPPeer', 'BGPPeer', 'IPAddressPool', 'VipdSettings']);
    // The schemas are live: the same rendered peer with a family the CRD does not allow is refused.
    const peer = structuredClone(rendered.find((o) => o.kind === 'BGPPeer')!);
    (peer.spec as { families: string[] }).families = ['ipv4-multicast'];
    peer.metadata.name = 'vir-invalid';
    assert.throws(() => api.create(peer.apiVersion, 'bgppeers', peer), (e: { code?: unknown }) => e.code === 'Invalid');
    const stored = api.get('vipd.io/v1alpha1', 'ipaddresspools', 'dual') as { spec: { addresses: string[] } };
    assert.deepEqual(stored.spec.addresses, [POOL_V4, POOL_V6], 'the pool is stored as rendered');
  });

  await t.test('IPv4 and IPv6 sessions Established at BIRD', async () => {
    for (const n of NODES) {
      for (const fam of ['v4', 'v6'] as const) {
        await bird.waitEstablished(fam === 'v4' ? `10.93.${NODES.indexOf(n) + 1}.2` : `fd00:93:${NODES.indexOf(n) + 1}::2`, 25_000)
          .catch((e: Error) => assert.fail(`${e.message}\n${logs()}`));
      }
    }
  });

  let v4 = '';
  let v6 = '';
  await t.test('RequireDualStack Service: one IPv4 and one IPv6 address from the dual pool', async () => {
    api.create('v1', 'services', {
      metadata: { name: 'web', namespace: 'default' },
      spec: { type: 'LoadBalancer', loadBalancerClass: 'vipd.io/bgp', externalTrafficPolicy: 'Cluster', ipFamilyPolicy: 'RequireDualStack',
        ipFamilies: ['IPv4', 'IPv6'], selector: { app: 'web' }, ports: [{ port: 80, protocol: 'TCP' }] },
    }, 'default');
    for (const [fam, type] of [['v4', 'IPv4'], ['v6', 'IPv6']] as const) {
      api.create(DS, 'endpointslices', {
        metadata: { name: `web-${fam}`, namespace: 'default', labels: { 'kubernetes.io/service-name': 'web' } },
        addressType: type,
        endpoints: NODES.map((n, i) => ({ addresses: [fam === 'v4' ? `10.244.${i + 1}.10` : `fd00:244:${i + 1}::10`], nodeName: n, conditions: { ready: true } })),
        ports: [{ port: 8080, protocol: 'TCP' }],
      }, 'default');
    }
    await waitFor(() => ingress('web').length === 2, { timeoutMs: 15_000, intervalMs: 50, what: 'two ingress addresses on web' })
      .catch((e: Error) => assert.fail(`${e.message}; status ${JSON.stringify(ingress('web'))}\n${logs()}`));
    const ips = ingress('web');
    v4 = ips.find((i) => !i.ip.includes(':'))?.ip ?? '';
    v6 = ips.find((i) => i.ip.includes(':'))?.ip ?? '';
    assert.ok(inV4Pool(v4), `IPv4 address ${v4} from ${POOL_V4}`);
    assert.ok(inV6Pool(v6), `IPv6 address ${v6} from ${POOL_V6}`);
    assert.ok(ips.every((i) => i.ipMode === 'VIP'), 'ipMode VIP');
    await waitFor(() => poolStatus().assignedIPv4 === 1 && poolStatus().assignedIPv6 === 1,
      { timeoutMs: 10_000, intervalMs: 50, what: 'pool status: one address of each family in use' })
      .catch((e: Error) => assert.fail(`${e.message}; status ${JSON.stringify(poolStatus())}`));
  });

  await t.test('BIRD holds the /32 and the /128 from every node, each node its own next hop', async () => {
    assert.ok(v4 !== '' && v6 !== '', 'addresses assigned');
    await expectPaths(`${v4}/32`, NODES.map((n, i) => `${n}@10.93.${i + 1}.2`), 'IPv4 VIP over the IPv4 sessions');
    await expectPaths(`${v6}/128`, NODES.map((n, i) => `${n}v6@fd00:93:${i + 1}::2`), 'IPv6 VIP over the IPv6 sessions');
  });

  await t.test('Service deleted: both routes withdrawn, both addresses released', async () => {
    api.objects.delete(api.resource('v1', 'services'), 'default', 'web');
    await expectPaths(`${v4}/32`, [], 'IPv4 VIP withdrawn');
    await expectPaths(`${v6}/128`, [], 'IPv6 VIP withdrawn');
    await waitFor(() => poolStatus().assignedIPv4 === 0 && poolStatus().assignedIPv6 === 0,
      { timeoutMs: 10_000, intervalMs: 50, what: 'pool status: nothing in use' })
      .catch((e: Error) => assert.fail(`${e.message}; status ${JSON.stringify(poolStatus())}`));
    assert.equal((await bird.peers()).filter((p) => p.state === 'Established').length, 4, 'sessions stayed up');
  });
});
