// Data-path lab: a client, one ToR router (BIRD 2 or FRR 8, ECMP on, routes installed in its kernel FIB,
// forwarding on, L4 multipath hash) and N "nodes", each running `vipd run` (standalone) and a small
// UDP-echo + HTTP server bound to the VIP on the node's `lo`. Traffic from the client crosses the
// router to whichever node(s) announce the VIP. Used by e2e/datapath-*.test.ts and bench/datapath.bench.ts.
//
//   client 10.99.0.2 ── 10.99.0.1 router 10.99.i.1 ── 10.99.i.2 node i   (i = 1..N, VIP on lo)
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Topology } from '../netns.ts';
import type { LabProcess } from '../netns.ts';
import { waitFor, LabError } from '../exec.ts';
import { BirdRouter } from '../routers/bird.ts';
import { FrrRouter } from '../routers/frr.ts';
import type { NeighborSpec } from '../routers/types.ts';
import { VipdProcess } from '../vipd-process.ts';

export const TRAFFIC_CLI = fileURLToPath(new URL('../traffic/cli.ts', import.meta.url));
export const DEFAULT_VIP = '198.51.100.10';
export const UDP_PORT = 19010;
export const HTTP_PORT = 19011;
export const ROUTER_AS = 65001;
export const NODE_AS = 64600;
/** Source port of UDP flow 0 (flow f uses FLOW_BASE_PORT + f); inside the client namespace only. */
export const FLOW_BASE_PORT = 19020;
export const FLOW_HASH_SEED = 20261121;

export interface DatapathOptions {
  /** Namespace prefix, e.g. 'vdp-e-' (must be the caller's own). */
  readonly prefix: string;
  readonly router: 'bird' | 'frr';
  readonly nodes?: number;
  readonly vip?: string;
  /** Extra /32 VIPs each node announces (router-table size for restart measurements). */
  readonly extraVips?: readonly string[];
  /** Hold time on both sides (default 9). */
  readonly holdTimeSec?: number;
  /** BFD on both sides. */
  readonly bfd?: { readonly intervalMs: number; readonly multiplier: number };
  /** Graceful restart (RFC 4724) on both sides. */
  readonly gracefulRestartSec?: number;
  /** vipd's SIGTERM drain. */
  readonly drain?: { readonly mode: 'withdraw' | 'graceful-shutdown'; readonly periodSec: number };
  /** Which vipd the nodes run: `vipd run` (default, started by start()) or `vipd daemon` (see k8s.ts). */
  readonly daemon?: 'standalone' | 'kubernetes';
  /** Extra `vipd run` arguments (e.g. ['--graceful-restart-stop']). */
  readonly vipdArgs?: readonly string[];
  /** Router lowers LOCAL_PREF of GRACEFUL_SHUTDOWN routes (RFC 8326); default true. */
  readonly honorGracefulShutdown?: boolean;
}

export interface DatapathNode {
  readonly name: string;
  readonly ns: string;
  /** The node's address on its link to the router (the BGP next hop). */
  readonly address: string;
  readonly routerAddress: string;
  readonly ifname: string;
  readonly routerIfname: string;
  readonly vipd: VipdProcess;
  server: LabProcess | undefined;
}

export type Router = BirdRouter | FrrRouter;

/** The VIP's next hops (as node names) in the router's FIB from atMs on. */
export interface FibSample {
  readonly atMs: number;
  readonly nodes: readonly string[];
}

export class DatapathLab {
  readonly topo: Topology;
  readonly opts: DatapathOptions;
  readonly vip: string;
  readonly client: { readonly ns: string; readonly address: string };
  readonly routerNs: string;
  readonly router: Router;
  readonly nodes: readonly DatapathNode[];

  private constructor(topo: Topology, opts: DatapathOptions, client: { ns: string; address: string }, routerNs: string, router: Router, nodes: DatapathNode[]) {
    this.topo = topo;
    this.opts = opts;
    this.vip = opts.vip ?? DEFAULT_VIP;
    this.client = client;
    this.routerNs = routerNs;
    this.router = router;
    this.nodes = nodes;
  }

  /** Builds namespaces, links, routes and the router; nothing of vipd or the servers runs yet (see start()). */
  static async create(opts: DatapathOptions): Promise<DatapathLab> {
    const topo = await Topology.create(opts.prefix);
    try {
      const n = opts.nodes ?? 3;
      const rns = await topo.addNamespace('rtr', { forwarding: true });
      // L4 hash: flows differing only in source port spread over the next hops (default hashes L3 only).
      await topo.execIn(rns, 'sysctl', ['-q', '-w', 'net.ipv4.fib_multipath_hash_policy=1', 'net.ipv6.fib_multipath_hash_policy=1']);
      // A fixed hash seed (Linux ≥ 6.11) with fixed source ports makes the flow → node spread repeatable.
      await topo.execIn(rns, 'sysctl', ['-q', '-w', `net.ipv4.fib_multipath_hash_seed=${FLOW_HASH_SEED}`], { allowFail: true });
      const cns = await topo.addNamespace('client');
      const cl = await topo.addLink(rns, cns, { v4: '10.99.0.0/30' });
      await topo.execIn(cns, 'ip', ['route', 'add', 'default', 'via', cl.a.v4!]);
      const vip = opts.vip ?? DEFAULT_VIP;
      const nodes: DatapathNode[] = [];
      for (let i = 1; i <= n; i++) {
        const name = `n${i}`;
        const ns = await topo.addNamespace(name);
        const l = await topo.addLink(rns, ns, { v4: `10.99.${i}.0/30` });
        await topo.execIn(ns, 'ip', ['route', 'add', 'default', 'via', l.a.v4!]);
        await topo.addAddress(ns, `${vip}/32`);
        const vipd = new VipdProcess(topo, ns, vipdConfig(opts, l.b.v4!, l.a.v4!, vip), 'vipd');
        nodes.push({ name, ns, address: l.b.v4!, routerAddress: l.a.v4!, ifname: l.b.ifname, routerIfname: l.a.ifname, vipd, server: undefined });
      }
      const neighbors: NeighborSpec[] = nodes.map((nd) => ({
        address: nd.address,
        remoteAs: NODE_AS,
        passive: true,
        holdTimeSec: opts.holdTimeSec ?? 9,
        name: `node_${nd.name}`,
        ...(opts.bfd ? { bfd: opts.bfd } : {}),
        ...(opts.gracefulRestartSec ? { gracefulRestart: { restartTimeSec: opts.gracefulRestartSec } } : {}),
      }));
      const spec = { ns: rns, routerId: '10.99.0.1', localAs: ROUTER_AS, kernel: true, ecmp: true, honorGracefulShutdown: opts.honorGracefulShutdown ?? true, neighbors };
      const router = opts.router === 'bird' ? new BirdRouter(topo, spec) : new FrrRouter(topo, spec);
      return new DatapathLab(topo, opts, { ns: cns, address: cl.b.v4! }, rns, router, nodes);
    } catch (err) {
      await topo.destroy();
      throw err;
    }
  }

  /** Starts the router, every node's server and vipd, and waits until the router's FIB has every node. */
  async start(): Promise<void> {
    await this.router.start();
    await Promise.all(this.nodes.map((n) => this.startServer(n)));
    if (this.opts.daemon === 'kubernetes') return;
    await Promise.all(this.nodes.map((n) => this.startVipd(n)));
    await this.waitNextHops(this.nodes.length, 30_000);
  }

  /** Stops the node's server (SIGTERM): from then on the node answers nothing on the VIP's ports. */
  async stopServer(n: DatapathNode): Promise<void> {
    await n.server?.stop(2000);
  }

  /** (Re)starts vipd on a node with the lab's arguments; resolves when it logs that it runs. */
  startVipd(n: DatapathNode): Promise<void> {
    return n.vipd.start({ args: this.opts.vipdArgs ?? [] });
  }

  async startServer(n: DatapathNode): Promise<void> {
    const from = n.server?.readLog().length ?? 0;
    n.server = this.topo.spawnIn(n.ns, [process.execPath, TRAFFIC_CLI, 'serve', '--address', this.vip, '--udp-port', String(UDP_PORT), '--http-port', String(HTTP_PORT), '--node', n.name], {
      logFile: join(this.topo.dir, `${n.ns}-server.log`),
    });
    const p = n.server;
    await waitFor(() => {
      if (!p.isRunning()) throw new LabError('LAB_NOT_RUNNING', `server in ${n.ns} exited: ${p.readLog().slice(from)}`);
      return p.readLog().slice(from).includes('"serving"') ? true : undefined;
    }, { timeoutMs: 15_000, intervalMs: 30, what: `server in ${n.ns}` });
  }

  /** Gateways of the VIP's route in the router's kernel FIB (sorted; [] when there is none). */
  async fibNextHops(prefix = this.vip): Promise<string[]> {
    const r = await this.topo.execIn(this.routerNs, 'ip', ['-j', 'route', 'show', 'exact', `${prefix}/32`], { allowFail: true });
    const routes = JSON.parse(r.stdout.trim() || '[]') as Array<{ gateway?: string; nexthops?: Array<{ gateway?: string }> }>;
    const gw = new Set<string>();
    for (const x of routes) {
      if (x.gateway) gw.add(x.gateway);
      for (const h of x.nexthops ?? []) if (h.gateway) gw.add(h.gateway);
    }
    return [...gw].sort();
  }

  /** Node names behind the FIB's next hops. */
  async fibNodes(prefix = this.vip): Promise<string[]> {
    const gws = await this.fibNextHops(prefix);
    return this.nodes.filter((n) => gws.includes(n.address)).map((n) => n.name);
  }

  async waitNextHops(count: number, timeoutMs = 20_000, prefix = this.vip): Promise<string[]> {
    return waitFor(async () => {
      const g = await this.fibNextHops(prefix);
      return g.length === count ? g : undefined;
    }, { timeoutMs, intervalMs: 20, what: `${count} FIB next hops for ${prefix} in ${this.routerNs}` });
  }

  /** Number of the router's kernel routes installed by the routing daemon (BIRD: proto bird; FRR: proto bgp). */
  async fibRouteCount(): Promise<number> {
    const proto = this.opts.router === 'bird' ? 'bird' : 'bgp';
    const r = await this.topo.execIn(this.routerNs, 'ip', ['-4', 'route', 'show', 'proto', proto], { allowFail: true });
    return r.stdout.split('\n').filter((l) => /^\d/.test(l)).length;
  }

  /** Kernel routes of the routing daemon: prefixes and next hops in total (multipath routes count each hop). */
  async fibSummary(): Promise<{ prefixes: number; nextHops: number }> {
    const proto = this.opts.router === 'bird' ? 'bird' : 'bgp';
    const r = await this.topo.execIn(this.routerNs, 'ip', ['-4', 'route', 'show', 'proto', proto], { allowFail: true, timeoutMs: 20_000 });
    let prefixes = 0;
    let nextHops = 0;
    for (const l of r.stdout.split('\n')) {
      if (/^\d/.test(l)) {
        prefixes++;
        if (/ via /.test(l)) nextHops++;
      } else if (/^\s+nexthop via /.test(l)) nextHops++;
    }
    return { prefixes, nextHops };
  }

  /**
   * Samples the VIP's FIB next hops every intervalMs until stopped (bounded by maxMs); returns each
   * change with its time (epoch ms, same clock as the traffic records).
   */
  sampleFib(intervalMs = 20, maxMs = 120_000): { stop(): Promise<FibSample[]> } {
    const samples: FibSample[] = [];
    let stopped = false;
    const t0 = performance.now();
    const loop = (async () => {
      let last = '';
      while (!stopped && performance.now() - t0 < maxMs) {
        const atMs = performance.timeOrigin + performance.now();
        const nodes = await this.fibNodes();
        const key = nodes.join(',');
        if (key !== last) samples.push({ atMs, nodes });
        last = key;
        await new Promise((r) => setTimeout(r, intervalMs));
      }
    })();
    return {
      stop: async () => {
        stopped = true;
        await loop;
        return samples;
      },
    };
  }

  node(name: string): DatapathNode {
    const n = this.nodes.find((x) => x.name === name);
    if (!n) throw new LabError('LAB_BAD_SPEC', `no node ${name}`);
    return n;
  }

  destroy(): Promise<void> {
    return this.topo.destroy();
  }
}

function vipdConfig(o: DatapathOptions, self: string, router: string, vip: string): Record<string, unknown> {
  const peer: Record<string, unknown> = { address: router, asn: ROUTER_AS, holdTimeSec: o.holdTimeSec ?? 9, mode: 'active', families: ['ipv4-unicast'] };
  if (o.gracefulRestartSec) peer.gracefulRestart = { restartTimeSec: o.gracefulRestartSec };
  if (o.bfd) peer.bfd = { minTxMs: o.bfd.intervalMs, minRxMs: o.bfd.intervalMs, multiplier: o.bfd.multiplier };
  return {
    localAsn: NODE_AS,
    routerId: self,
    listen: { enabled: false },
    peers: [peer],
    vips: [`${vip}/32`, ...(o.extraVips ?? [])],
    ...(o.drain ? { drain: o.drain } : {}),
    logLevel: 'info',
  };
}
