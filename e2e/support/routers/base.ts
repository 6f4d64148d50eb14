// Lab harness: shared parts of the router drivers (directories, waiting on peers and routes, FIB view).
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Topology, LabProcess } from '../netns.ts';
import { waitFor } from '../exec.ts';
import { canonicalPrefix } from '../addr.ts';
import type { Family, FibRoute, OriginateSpec, PeerView, RouteView, RouterSpec } from './types.ts';

export abstract class RouterBase {
  abstract readonly kind: 'bird' | 'frr' | 'gobgp' | 'exabgp';
  readonly topo: Topology;
  readonly spec: RouterSpec;
  /** This router's temp directory (configs, sockets, logs). */
  readonly dir: string;
  protected procs: LabProcess[] = [];

  constructor(topo: Topology, spec: RouterSpec, kind: string) {
    this.topo = topo;
    this.spec = spec;
    this.dir = join(topo.dir, `${spec.ns}-${spec.instance ?? kind}`);
    mkdirSync(this.dir, { recursive: true, mode: 0o755 });
    topo.onDestroy(() => this.stop());
  }

  abstract start(): Promise<void>;
  abstract stop(): Promise<void>;
  abstract peers(): Promise<PeerView[]>;
  abstract routes(family: Family): Promise<RouteView[]>;
  /** How many routes (paths) the router learned over BGP for the family; cheap enough for 100k routes. */
  abstract routeCount(family: Family): Promise<number>;
  abstract announce(route: OriginateSpec): Promise<void>;
  abstract withdraw(prefix: string): Promise<void>;
  abstract version(): Promise<string>;
  /** The router's main config file text for the current spec. */
  abstract config(): string;

  isRunning(): boolean {
    return this.procs.length > 0 && this.procs.every((p) => p.isRunning());
  }

  processes(): readonly LabProcess[] {
    return [...this.procs];
  }

  /** Waits until the peer with this address (or every configured peer) is Established. */
  async waitEstablished(address?: string, timeoutMs = 20_000): Promise<PeerView> {
    return waitFor(
      async () => {
        const peers = await this.peers();
        const wanted = address ? peers.filter((p) => sameAddress(p.address, address)) : peers;
        if (wanted.length === 0) return undefined;
        return wanted.every((p) => p.state === 'Established') ? wanted[0] : undefined;
      },
      { timeoutMs, intervalMs: 100, what: `${this.kind} in ${this.spec.ns}: peer ${address ?? '(all)'} Established` },
    );
  }

  /** Polls routes(family) until predicate(routes) holds; returns those routes. */
  async waitForRoutes(family: Family, predicate: (routes: RouteView[]) => boolean, timeoutMs = 20_000): Promise<RouteView[]> {
    return waitFor(
      async () => {
        const r = await this.routes(family);
        return predicate(r) ? r : undefined;
      },
      { timeoutMs, intervalMs: 100, what: `${this.kind} in ${this.spec.ns}: ${family} routes` },
    );
  }

  /** Polls any probe against this router with a deadline (robust replacement for sleeps). */
  waitFor<T>(probe: () => Promise<T | undefined | null | false>, what: string, timeoutMs = 20_000): Promise<T> {
    return waitFor(probe, { timeoutMs, intervalMs: 100, what: `${this.kind} in ${this.spec.ns}: ${what}` });
  }

  /** Polls routeCount(family) until predicate(count) holds (e.g. `(n) => n === 100_000`). */
  async waitForRouteCount(family: Family, predicate: (count: number) => boolean, timeoutMs = 60_000, intervalMs = 50): Promise<number> {
    return waitFor(
      async () => {
        const n = await this.routeCount(family);
        return predicate(n) ? { n } : undefined;
      },
      { timeoutMs, intervalMs, what: `${this.kind} in ${this.spec.ns}: ${family} route count` },
    ).then((r) => r.n);
  }

  /** Waits until `prefix` is present (or absent when present=false). */
  async waitForPrefix(prefix: string, present = true, timeoutMs = 20_000): Promise<RouteView[]> {
    const p = canonicalPrefix(prefix);
    const fam: Family = p.includes(':') ? 'ipv6' : 'ipv4';
    return this.waitForRoutes(fam, (rs) => rs.some((r) => r.prefix === p) === present, timeoutMs);
  }

  /** Kernel routes in the router's namespace installed by a routing daemon (`ip -j route show`). */
  async fibRoutes(family: Family, protocol?: string): Promise<FibRoute[]> {
    const args = ['-j', family === 'ipv6' ? '-6' : '-4', 'route', 'show'];
    if (protocol) args.push('proto', protocol);
    const r = await this.topo.execIn(this.spec.ns, 'ip', args);
    const rows = JSON.parse(r.stdout || '[]') as Array<{
      dst: string;
      gateway?: string;
      dev?: string;
      protocol?: string;
      nexthops?: Array<{ gateway?: string; dev?: string }>;
    }>;
    return rows
      .filter((x) => x.dst !== 'default')
      .map((x) => ({
        prefix: canonicalPrefix(x.dst),
        gateway: x.gateway ?? x.nexthops?.[0]?.gateway,
        dev: x.dev ?? x.nexthops?.[0]?.dev,
        protocol: x.protocol ?? protocol,
      }));
  }

  protected file(name: string): string {
    return join(this.dir, name);
  }
}

export function sameAddress(a: string, b: string): boolean {
  return a.toLowerCase().replace(/%.*$/, '') === b.toLowerCase().replace(/%.*$/, '');
}

/** 'igp'|'egp'|'incomplete' from the many spellings routers use (i, IGP, "igp", 0…). */
export function normalizeOrigin(s: string | number | undefined): RouteView['origin'] {
  if (s === undefined) return undefined;
  const t = String(s).toLowerCase();
  if (t === 'i' || t === 'igp' || t === '0') return 'igp';
  if (t === 'e' || t === 'egp' || t === '1') return 'egp';
  if (t === '?' || t === 'incomplete' || t === '2') return 'incomplete';
  return undefined;
}

/** Builds a RouteView with defaults. */
export function makeRoute(r: Partial<RouteView> & { prefix: string }): RouteView {
  const nextHops = r.nextHops ?? [];
  return {
    prefix: canonicalPrefix(r.prefix),
    nextHops,
    nextHop: nextHops[0],
    asPath: r.asPath ?? [],
    communities: r.communities ?? [],
    largeCommunities: r.largeCommunities ?? [],
    extCommunities: r.extCommunities ?? [],
    med: r.med,
    localPref: r.localPref,
    origin: r.origin,
    stale: r.stale,
    fromPeer: r.fromPeer,
    best: r.best,
  };
}
