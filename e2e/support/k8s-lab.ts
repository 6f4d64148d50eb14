// Lab harness for the Kubernetes-mode e2e tests (k8s-bird, k8s-frr): the in-process test API server, a
// router namespace `r`, one namespace per node joined to `r` by a veth link, a loopback→Unix relay in
// each node namespace so `vipd daemon` reaches the API server (TLS end to end, see tcp-unix-relay.ts),
// the cluster objects every row starts from (vipd-system namespace, VIPDSettings, one BGPAdvertisement,
// Nodes with InternalIP, one BGPPeer per node selected by hostname) and helpers that mutate Services,
// EndpointSlices and Nodes the way the real controllers would. The router itself is the test's choice.

import type net from 'node:net';
import { join } from 'node:path';
import { TestApiServer } from './apiserver/test-api-server.ts';
import { Topology, type LabProcess } from './netns.ts';
import { serveUnixToTcp } from './tcp-unix-relay.ts';
import { VIPD_CLI } from './vipd-process.ts';

export const V = 'vipd.io/v1alpha1';
export const DS = 'discovery.k8s.io/v1';
export const EXCLUDE_LABEL = 'node.kubernetes.io/exclude-from-external-load-balancers';

export interface K8sLabOptions<N extends string> {
  /** Namespace-name prefix of the topology (e.g. 'vkd-'). */
  readonly prefix: string;
  /** Loopback port of the test API server. */
  readonly apiPort: number;
  readonly nodes: readonly N[];
  /** First two octets of the per-node /30 links: node i gets `${v4Base}.${i + 1}.0/30`. */
  readonly v4Base: string;
  /** Optional IPv6 /64 on some nodes' links. */
  readonly v6?: Partial<Record<N, string>>;
  readonly routerAs: number;
  readonly nodeAs: number;
}

export interface NodeLink {
  /** Router side of the node's link. */
  readonly router4: string;
  readonly node4: string;
  readonly router6?: string;
  readonly node6?: string;
}

export type Endpoint<N extends string> = { readonly node: N; readonly ready?: boolean };
export type Condition = { type: string; status: string; reason: string };

export class K8sLab<N extends string> {
  readonly opts: K8sLabOptions<N>;
  readonly topo: Topology;
  readonly api: TestApiServer;
  /** Full name of the router's namespace. */
  readonly routerNs: string;
  readonly links = new Map<N, NodeLink>();
  readonly vipd = new Map<N, LabProcess>();
  readonly kubeconfig: string;
  private unixServer: net.Server | undefined;

  private constructor(opts: K8sLabOptions<N>, topo: Topology, api: TestApiServer, routerNs: string) {
    this.opts = opts;
    this.topo = topo;
    this.api = api;
    this.routerNs = routerNs;
    this.kubeconfig = api.writeKubeconfig(join(topo.dir, 'kubeconfig'));
  }

  /** Namespaces, links, API server and relays; no router, no cluster objects, no daemons yet. */
  static async create<N extends string>(opts: K8sLabOptions<N>): Promise<K8sLab<N>> {
    const topo = await Topology.create(opts.prefix);
    const api = new TestApiServer({ port: opts.apiPort });
    let lab: K8sLab<N> | undefined;
    try {
      const r = await topo.addNamespace('r');
      await api.start();
      lab = new K8sLab(opts, topo, api, r);
      const sock = join(topo.dir, 'api.sock');
      lab.unixServer = await serveUnixToTcp(sock, '127.0.0.1', opts.apiPort);
      for (const [i, n] of opts.nodes.entries()) {
        const ns = await topo.addNamespace(n);
        const link = await topo.addLink(r, ns, { v4: `${opts.v4Base}.${i + 1}.0/30`, v6: opts.v6?.[n], aIf: `r-${n}`, bIf: 'eth0' });
        lab.links.set(n, { router4: link.a.v4!, node4: link.b.v4!, router6: link.a.v6, node6: link.b.v6 });
        topo.spawnIn(ns, [process.execPath, join(import.meta.dirname, 'tcp-unix-relay.ts'), '127.0.0.1', String(opts.apiPort), sock]);
      }
      return lab;
    } catch (err) {
      await (lab?.destroy() ?? Promise.all([topo.destroy(), api.stop().catch(() => undefined)]).then(() => api.dispose()));
      throw err;
    }
  }

  link(n: N): NodeLink {
    return this.links.get(n)!;
  }

  /** The node whose link address is `addr` (FRR names a path's peer by address). */
  nodeOf(addr: string): N | undefined {
    return [...this.links].find(([, l]) => l.node4 === addr || l.node6 === addr)?.[0];
  }

  /** The objects every row starts from: settings, one advertisement, Ready nodes, one BGPPeer per node. */
  seedCluster(): void {
    const { api } = this;
    api.create('v1', 'namespaces', { metadata: { name: 'vipd-system' } });
    api.create(V, 'vipdsettings', { metadata: { name: 'default' }, spec: { drainPeriodSec: 0 } });
    api.create(V, 'bgpadvertisements', { metadata: { name: 'all' }, spec: {} });
    for (const n of this.opts.nodes) {
      api.create('v1', 'nodes', { metadata: { name: n, labels: { 'kubernetes.io/hostname': n } } });
      const node = api.get('v1', 'nodes', n)!;
      api.objects.update(api.resource('v1', 'nodes'), '', n, { ...node, status: { conditions: [{ type: 'Ready', status: 'True' }],
        addresses: [{ type: 'InternalIP', address: this.link(n).node4 }] } } as never, 'status');
      api.create(V, 'bgppeers', {
        metadata: { name: `tor-${n}` },
        spec: { address: this.link(n).router4, asn: this.opts.routerAs, localAsn: this.opts.nodeAs, holdTimeSec: 6, keepaliveSec: 2, connectRetrySec: 1,
          families: ['ipv4-unicast'], nodeSelector: { matchLabels: { 'kubernetes.io/hostname': n } } },
      });
    }
  }

  /** One `vipd daemon` per node namespace; `extraArgs` (e.g. --listen, --bfd-profiles) replace same-named defaults. */
  startDaemons(extraArgs: (n: N) => readonly string[] = () => []): void {
    for (const n of this.opts.nodes) {
      const extra = extraArgs(n);
      const defaults = ['--metrics-address=off', '--log-level=info'].filter((d) => !extra.some((e) => e.split('=')[0] === d.split('=')[0]));
      this.vipd.set(n, this.topo.spawnIn(this.topo.nsName(n), [process.execPath, VIPD_CLI, 'daemon', `--node-name=${n}`, '--namespace=vipd-system',
        `--kubeconfig=${this.kubeconfig}`, ...defaults, ...extra]));
    }
  }

  /** The last lines of every daemon's log, for failure messages. */
  logs(lines = 15): string {
    return [...this.vipd.entries()].map(([n, p]) => `--- ${n} ---\n${p.readLog().split('\n').slice(-lines).join('\n')}`).join('\n');
  }

  /** A LoadBalancer Service of our class; the IP goes through the status subresource, as IPAM writes it. */
  createService(name: string, ip: string, etp: 'Local' | 'Cluster'): void {
    const { api } = this;
    const created = api.create('v1', 'services', {
      metadata: { name, namespace: 'default' },
      spec: { type: 'LoadBalancer', loadBalancerClass: 'vipd.io/bgp', externalTrafficPolicy: etp, ports: [{ port: 80, protocol: 'TCP' }] },
    }, 'default');
    api.objects.update(api.resource('v1', 'services'), 'default', name,
      { ...created, status: { loadBalancer: { ingress: [{ ip: ip.replace(/\/\d+$/, '') }] } } } as never, 'status');
  }

  /** Replaces the endpoints of the Service's single EndpointSlice (creating it the first time). */
  setEndpoints(service: string, eps: readonly Endpoint<N>[]): void {
    const { api } = this;
    const name = `${service}-abc`;
    const nodes = this.opts.nodes;
    const body = {
      metadata: { name, namespace: 'default', labels: { 'kubernetes.io/service-name': service } },
      addressType: 'IPv4',
      endpoints: eps.map((e, i) => ({ addresses: [`10.244.${nodes.indexOf(e.node) + 1}.${i + 10}`], nodeName: e.node, conditions: { ready: e.ready ?? true } })),
      ports: [{ port: 8080, protocol: 'TCP' }],
    };
    const cur = api.get(DS, 'endpointslices', name, 'default');
    if (cur === undefined) api.create(DS, 'endpointslices', body, 'default');
    else api.objects.update(api.resource(DS, 'endpointslices'), 'default', name, { ...cur, endpoints: body.endpoints } as never, '');
  }

  patchNode(name: N, f: (n: Record<string, any>) => void): void {
    const cur = structuredClone(this.api.get('v1', 'nodes', name)!) as Record<string, any>;
    f(cur);
    this.api.objects.update(this.api.resource('v1', 'nodes'), '', name, cur as never, '');
  }

  setNodeReady(name: N, status: 'True' | 'False'): void {
    const cur = this.api.get('v1', 'nodes', name)! as Record<string, any>;
    this.api.objects.update(this.api.resource('v1', 'nodes'), '', name,
      { ...cur, status: { ...cur.status, conditions: [{ type: 'Ready', status }] } } as never, 'status');
  }

  /** Replaces the spec of a cluster-scoped vipd object. */
  updateSpec(plural: string, name: string, spec: Record<string, unknown>): void {
    const cur = this.api.get(V, plural, name)!;
    this.api.objects.update(this.api.resource(V, plural), '', name, { ...cur, spec } as never, '');
  }

  conditionsOf(plural: string, name: string): Condition[] {
    return ((this.api.get(V, plural, name) as { status?: { conditions?: Condition[] } } | undefined)?.status?.conditions) ?? [];
  }

  async destroy(): Promise<void> {
    this.unixServer?.close();
    await this.topo.destroy();
    await Promise.race([this.api.stop(), new Promise((r) => setTimeout(r, 2000))]);
    this.api.dispose();
  }
}
