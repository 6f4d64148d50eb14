// Data-path lab, Kubernetes mode: the same client / ToR / three-node topology (lab.ts), but each node
// runs `vipd daemon` driven by the in-process test API server (reached from the node namespaces through
// e2e/support/tcp-unix-relay.ts, TLS end to end). One LoadBalancer Service owns the VIP; its
// EndpointSlice, the Nodes (cordon, taints, readiness) and the API server itself are what tests change.
import { join } from 'node:path';
import type net from 'node:net';
import { TestApiServer } from '../apiserver/test-api-server.ts';
import { serveUnixToTcp } from '../tcp-unix-relay.ts';
import type { LabProcess } from '../netns.ts';
import { VIPD_CLI } from '../vipd-process.ts';
import { ROUTER_AS, NODE_AS, UDP_PORT, FLOW_BASE_PORT } from './lab.ts';
import { startUdpClient } from '../traffic/run.ts';
import type { UdpRecord } from '../traffic/udp-stream.ts';
import { nowMs } from '../traffic/udp-stream.ts';
import type { DatapathLab, DatapathNode } from './lab.ts';

const V = 'vipd.io/v1alpha1';
const DS = 'discovery.k8s.io/v1';
/** Test API server port on the test process's loopback (datapath's range). */
export const K8S_API_PORT = 19050;
const RELAY = new URL('../tcp-unix-relay.ts', import.meta.url).pathname;

export interface K8sOptions {
  readonly externalTrafficPolicy: 'Local' | 'Cluster';
  /** VipdSettings drainBehaviour (what cordon / drain taints do). */
  readonly drainBehaviour?: 'withdraw' | 'graceful-shutdown';
  readonly drainPeriodSec?: number;
  readonly holdTimeSec?: number;
}

type Obj = Record<string, any>;

export class K8sDatapath {
  readonly lab: DatapathLab;
  readonly api: TestApiServer;
  readonly daemons = new Map<string, LabProcess>();
  private unix: net.Server | undefined;
  private kubeconfig = '';

  private constructor(lab: DatapathLab, api: TestApiServer) {
    this.lab = lab;
    this.api = api;
  }

  /** Starts the API server, relays and objects, then `vipd daemon` on every node; waits for every FIB next hop. */
  static async start(lab: DatapathLab, o: K8sOptions): Promise<K8sDatapath> {
    const api = new TestApiServer({ port: K8S_API_PORT });
    const k = new K8sDatapath(lab, api);
    lab.topo.onDestroy(() => k.close());
    await api.start();
    k.kubeconfig = api.writeKubeconfig(join(lab.topo.dir, 'kubeconfig'));
    const sock = join(lab.topo.dir, 'api.sock');
    k.unix = await serveUnixToTcp(sock, '127.0.0.1', K8S_API_PORT);
    for (const n of lab.nodes) lab.topo.spawnIn(n.ns, [process.execPath, RELAY, '127.0.0.1', String(K8S_API_PORT), sock]);
    api.create('v1', 'namespaces', { metadata: { name: 'vipd-system' } });
    api.create(V, 'vipdsettings', { metadata: { name: 'default' }, spec: { drainBehaviour: o.drainBehaviour ?? 'withdraw', drainPeriodSec: o.drainPeriodSec ?? 0 } });
    api.create(V, 'bgpadvertisements', { metadata: { name: 'all' }, spec: {} });
    const hold = o.holdTimeSec ?? 9;
    for (const n of lab.nodes) {
      api.create('v1', 'nodes', { metadata: { name: n.name, labels: { 'kubernetes.io/hostname': n.name } } });
      const node = api.get('v1', 'nodes', n.name)!;
      api.objects.update(api.resource('v1', 'nodes'), '', n.name, {
        ...node, status: { conditions: [{ type: 'Ready', status: 'True' }], addresses: [{ type: 'InternalIP', address: n.address }] },
      } as never, 'status');
      api.create(V, 'bgppeers', {
        metadata: { name: `tor-${n.name}` },
        spec: { address: n.routerAddress, asn: ROUTER_AS, localAsn: NODE_AS, holdTimeSec: hold, keepaliveSec: Math.max(1, Math.floor(hold / 3)), connectRetrySec: 1,
          families: ['ipv4-unicast'], nodeSelector: { matchLabels: { 'kubernetes.io/hostname': n.name } } },
      });
    }
    const created = api.create('v1', 'services', {
      metadata: { name: 'web', namespace: 'default' },
      spec: { type: 'LoadBalancer', loadBalancerClass: 'vipd.io/bgp', externalTrafficPolicy: o.externalTrafficPolicy, ports: [{ port: 80, protocol: 'TCP' }] },
    }, 'default');
    api.objects.update(api.resource('v1', 'services'), 'default', 'web', { ...created, status: { loadBalancer: { ingress: [{ ip: lab.vip }] } } } as never, 'status');
    k.setEndpoints(lab.nodes.map((n) => ({ node: n.name, ready: true })));
    for (const n of lab.nodes) k.startDaemon(n);
    await lab.waitNextHops(lab.nodes.length, 30_000);
    return k;
  }

  startDaemon(n: DatapathNode): LabProcess {
    const p = this.lab.topo.spawnIn(n.ns, [process.execPath, VIPD_CLI, 'daemon', `--node-name=${n.name}`, '--namespace=vipd-system',
      `--kubeconfig=${this.kubeconfig}`, '--metrics-address=off', '--log-level=info'], { logFile: join(this.lab.topo.dir, `${n.ns}-daemon-${Date.now()}.log`) });
    this.daemons.set(n.name, p);
    return p;
  }

  /** Stop (SIGTERM, bounded) / start `vipd daemon` on a node, for runRollingRestart. */
  ops(): { stop(n: DatapathNode): Promise<number>; start(n: DatapathNode): Promise<void> } {
    return {
      stop: async (n) => {
        const p = this.daemons.get(n.name);
        if (p === undefined || !p.isRunning()) return 0;
        process.kill(p.pid, 'SIGTERM');
        const code = await Promise.race([p.exited, new Promise<number>((r) => setTimeout(() => r(-1), 20_000))]);
        if (code === -1) await p.stop(0);
        return code;
      },
      start: async (n) => {
        this.startDaemon(n);
      },
    };
  }

  /** Replaces the Service's EndpointSlice (one endpoint per entry, on that node). */
  setEndpoints(eps: ReadonlyArray<{ node: string; ready: boolean }>): void {
    const name = 'web-abc';
    const endpoints = eps.map((e, i) => ({ addresses: [`10.244.${i + 1}.10`], nodeName: e.node, conditions: { ready: e.ready, serving: e.ready, terminating: false } }));
    const cur = this.api.get(DS, 'endpointslices', name, 'default');
    if (cur === undefined) {
      this.api.create(DS, 'endpointslices', {
        metadata: { name, namespace: 'default', labels: { 'kubernetes.io/service-name': 'web' } },
        addressType: 'IPv4', endpoints, ports: [{ port: 8080, protocol: 'TCP' }],
      }, 'default');
    } else this.api.objects.update(this.api.resource(DS, 'endpointslices'), 'default', name, { ...cur, endpoints } as never, '');
  }

  patchNode(name: string, f: (n: Obj) => void): void {
    const cur = structuredClone(this.api.get('v1', 'nodes', name)!) as Obj;
    f(cur);
    this.api.objects.update(this.api.resource('v1', 'nodes'), '', name, cur as never, '');
  }

  /** `kubectl drain`'s first step: cordon plus the NoSchedule taint a node-lifecycle tool sets. */
  cordon(name: string, on: boolean): void {
    this.patchNode(name, (o) => {
      o.spec = { ...(o.spec ?? {}), unschedulable: on, taints: on ? [{ key: 'ToBeDeletedByClusterAutoscaler', value: '1', effect: 'NoSchedule' }] : [] };
    });
  }

  logs(): string {
    return [...this.daemons.entries()].map(([n, p]) => `--- ${n} ---\n${p.readLog().split('\n').slice(-12).join('\n')}`).join('\n');
  }

  async close(): Promise<void> {
    this.unix?.close();
    await Promise.race([this.api.stop(), new Promise((r) => setTimeout(r, 2000))]);
    this.api.dispose();
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function stream(lab: DatapathLab, maxDurationMs: number, ratePps = 600) {
  return startUdpClient(lab.topo, lab.client.ns, { target: lab.vip, port: UDP_PORT, flows: 24, ratePps, maxDurationMs, basePort: FLOW_BASE_PORT });
}

/**
 * n1's endpoint goes unready and its server stops at the same moment (a failing pod); returns the
 * traffic and when the router's FIB lost n1. Restores n1 (server, endpoint) afterwards.
 */
export async function runEndpointUnready(k: K8sDatapath): Promise<{ udp: UdpRecord; fibMs: number }> {
  const lab = k.lab;
  const n1 = lab.node('n1');
  const all = lab.nodes.map((n) => ({ node: n.name, ready: true }));
  const udp = await stream(lab, 20_000);
  await sleep(500);
  const t0 = nowMs();
  await lab.stopServer(n1);
  k.setEndpoints(all.map((e) => (e.node === 'n1' ? { ...e, ready: false } : e)));
  await lab.waitNextHops(lab.nodes.length - 1, 10_000);
  const fibMs = nowMs() - t0;
  await sleep(500);
  const rec = await udp.stop();
  await lab.startServer(n1);
  k.setEndpoints(all);
  await lab.waitNextHops(lab.nodes.length, 10_000);
  return { udp: rec, fibMs };
}

/**
 * `kubectl drain n1`: cordon + NoSchedule taint at t0; evictAfterMs later n1's endpoint goes unready and
 * its server stops. Returns the traffic, the FIB at the eviction, and when BIRD-like routers first showed
 * the GRACEFUL_SHUTDOWN community on n1's route (-1 if not within evictAfterMs). Restores n1 afterwards.
 */
export async function runNodeDrain(k: K8sDatapath, evictAfterMs = 1000): Promise<{ udp: UdpRecord; fibAtEviction: string[]; gshutMs: number }> {
  const lab = k.lab;
  const n1 = lab.node('n1');
  const all = lab.nodes.map((n) => ({ node: n.name, ready: true }));
  const udp = await stream(lab, 20_000);
  await sleep(500);
  const t0 = nowMs();
  k.cordon('n1', true);
  const prefix = `${lab.vip}/32`;
  const gshutMs = await lab.router
    .waitFor(async () => ((await lab.router.routes('ipv4')).some((r) => r.prefix === prefix && r.nextHop === n1.address && r.communities.includes('65535:0')) ? true : undefined), 'n1 route with GSHUT', evictAfterMs)
    .then(() => nowMs() - t0, () => -1);
  await sleep(Math.max(0, t0 + evictAfterMs - nowMs()));
  const fibAtEviction = await lab.fibNodes();
  k.setEndpoints(all.map((e) => (e.node === 'n1' ? { ...e, ready: false } : e)));
  await lab.stopServer(n1);
  await sleep(1000);
  const rec = await udp.stop();
  k.cordon('n1', false);
  await lab.startServer(n1);
  k.setEndpoints(all);
  await lab.waitNextHops(lab.nodes.length, 10_000);
  return { udp: rec, fibAtEviction, gshutMs };
}
