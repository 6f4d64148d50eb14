// Lab harness: GoBGP 3 driver. gobgpd runs inside the namespace with its gRPC API on 127.0.0.1 of that
// namespace; views come from `gobgp -j`. GoBGP is RIB-only here (its zebra client and FRR 8.4 disagree).
import { writeFileSync } from 'node:fs';
import { run, waitFor, LabError, hardKill } from '../exec.ts';
import type { Topology } from '../netns.ts';
import { canonicalIp, canonicalPrefix, familyOf } from '../addr.ts';
import { RouterBase, makeRoute, normalizeOrigin, sameAddress } from './base.ts';
import { grTime, neighborFamilies } from './types.ts';
import type { Family, NotificationView, OriginateSpec, PeerState, PeerView, RouteView, RouterSpec } from './types.ts';

export interface GobgpSpec extends RouterSpec {
  /** gRPC API port on the namespace's 127.0.0.1 (default 50051). */
  readonly apiPort?: number;
}

export class GobgpRouter extends RouterBase {
  readonly kind = 'gobgp' as const;
  readonly apiPort: number;

  constructor(topo: Topology, spec: GobgpSpec) {
    super(topo, spec, 'gobgp');
    this.apiPort = spec.apiPort ?? 50051;
    if (spec.kernel) throw new LabError('LAB_BAD_SPEC', 'GoBGP is RIB-only in this lab (kernel: true unsupported)');
    if (spec.aggregates?.length) throw new LabError('LAB_BAD_SPEC', 'aggregates: use FRR');
    for (const n of spec.neighbors) {
      if (n.as4 === false) throw new LabError('LAB_BAD_SPEC', 'GoBGP cannot turn off the 4-octet AS capability');
      if (n.bfd) throw new LabError('LAB_BAD_SPEC', 'GoBGP has no BFD');
      if (n.role || n.addPath || n.routeReflectorClient) throw new LabError('LAB_BAD_SPEC', 'role/addPath/RR client: use BIRD or FRR');
    }
  }

  async version(): Promise<string> {
    const r = await run('gobgpd', ['--version'], { allowFail: true });
    return /version\s+(\S+)/.exec(r.stdout)?.[1] ?? 'unknown';
  }

  /** gobgpd.toml text for the spec. */
  config(): string {
    const s = this.spec;
    const L: string[] = ['[global.config]', `  as = ${s.localAs}`, `  router-id = "${s.routerId}"`];
    L.push(`  port = ${s.listen?.port ?? 179}`);
    if (s.listen?.addresses?.length) L.push(`  local-address-list = [${s.listen.addresses.map((a) => `"${a}"`).join(', ')}]`);
    for (const n of s.neighbors) {
      L.push('', '[[neighbors]]', '  [neighbors.config]', `    neighbor-address = "${n.address}"`, `    peer-as = ${n.remoteAs}`);
      if (n.password !== undefined) L.push(`    auth-password = "${n.password}"`);
      const hold = n.holdTimeSec ?? 90;
      L.push('  [neighbors.timers.config]', `    hold-time = ${hold}`, `    keepalive-interval = ${Math.max(1, Math.floor(hold / 3))}`, '    connect-retry = 1');
      L.push('  [neighbors.transport.config]', `    passive-mode = ${n.passive ? 'true' : 'false'}`);
      if (n.localAddress) L.push(`    local-address = "${n.localAddress}"`);
      if (n.port) L.push(`    remote-port = ${n.port}`);
      if (n.multihop !== undefined) L.push('  [neighbors.ebgp-multihop.config]', '    enabled = true', `    multihop-ttl = ${n.multihop}`);
      const gr = grTime(n);
      if (gr !== undefined) L.push('  [neighbors.graceful-restart.config]', '    enabled = true', `    restart-time = ${gr}`);
      for (const fam of neighborFamilies(n)) {
        L.push('  [[neighbors.afi-safis]]', '    [neighbors.afi-safis.config]', `      afi-safi-name = "${fam}-unicast"`);
        if (gr !== undefined) L.push('    [neighbors.afi-safis.mp-graceful-restart.config]', '      enabled = true');
      }
    }
    return L.join('\n') + '\n';
  }

  async start(): Promise<void> {
    if (this.isRunning()) return;
    writeFileSync(this.file('gobgpd.toml'), this.config());
    const p = this.topo.spawnIn(
      this.spec.ns,
      ['gobgpd', '-f', this.file('gobgpd.toml'), '-t', 'toml', '-p', '--api-hosts', `127.0.0.1:${this.apiPort}`, '--pprof-disable'],
      { logFile: this.file('gobgpd.log') },
    );
    this.procs = [p];
    await waitFor(
      async () => {
        if (!p.isRunning()) throw new LabError('LAB_SPAWN_FAILED', 'gobgpd exited');
        await this.gobgp(['global']);
        return true;
      },
      { timeoutMs: 15_000, intervalMs: 100, what: 'gobgpd API' },
    ).catch((err) => {
      throw new LabError('LAB_SPAWN_FAILED', `gobgpd did not start: ${p.readLog().slice(-800)}`, { err });
    });
    for (const r of this.spec.originate ?? []) await this.announce(r);
  }

  async stop(): Promise<void> {
    await Promise.all(this.procs.map((p) => p.stop()));
  }

  async crash(): Promise<void> {
    await Promise.all(this.procs.map((p) => hardKill(p.pid)));
  }

  /** Runs the gobgp CLI inside the namespace against this instance. */
  async gobgp(args: readonly string[], allowFail = false): Promise<string> {
    const r = await this.topo.execIn(this.spec.ns, 'gobgp', ['-u', '127.0.0.1', '-p', String(this.apiPort), ...args], {
      allowFail,
      timeoutMs: 15_000,
    });
    return r.stdout;
  }

  async announce(route: OriginateSpec): Promise<void> {
    const fam = familyOf(route.prefix);
    const args = ['global', 'rib', 'add', '-a', fam, route.prefix];
    if (route.origin) args.push('origin', route.origin);
    if (route.asPathPrepend?.length) args.push('aspath', route.asPathPrepend.join(' '));
    if (route.med !== undefined) args.push('med', String(route.med));
    if (route.localPref !== undefined) args.push('local-pref', String(route.localPref));
    if (route.communities?.length) args.push('community', route.communities.join(','));
    if (route.largeCommunities?.length) args.push('large-community', route.largeCommunities.join(','));
    for (const e of route.extCommunities ?? []) {
      const [t, ...rest] = e.split(':');
      args.push(t, rest.join(':'));
    }
    if (!route.origin) args.push('origin', 'igp');
    args.push('nexthop', fam === 'ipv4' ? '0.0.0.0' : '::');
    await this.gobgp(args);
  }

  async withdraw(prefix: string): Promise<void> {
    await this.gobgp(['global', 'rib', 'del', '-a', familyOf(prefix), prefix]);
  }

  async disable(neighbor: string, message?: string): Promise<void> {
    // `shutdown` sends Cease/Administrative Shutdown with the RFC 9003 message and keeps the peer down
    await this.gobgp(['neighbor', neighbor, 'shutdown', ...(message ? ['--reason', message] : [])]);
  }

  async enable(neighbor: string): Promise<void> {
    await this.gobgp(['neighbor', neighbor, 'enable']);
  }

  /**
   * `gobgp neighbor <addr> softresetin`: GoBGP keeps its Adj-RIB-In and re-applies import policy locally;
   * in our captures it put no ROUTE-REFRESH on the wire. Use BIRD, FRR or ExaBGP to send one.
   */
  async routeRefresh(neighbor: string, family?: Family): Promise<void> {
    await this.gobgp(['neighbor', neighbor, 'softresetin', '-a', family ?? familyOf(neighbor)]);
  }

  async neighborsJson(): Promise<GobgpNeighbor[]> {
    const out = await this.gobgp(['neighbor', '-j']);
    return JSON.parse(out || '[]') as GobgpNeighbor[];
  }

  async peers(): Promise<PeerView[]> {
    return (await this.neighborsJson()).map((n) => ({
      address: n.conf?.neighbor_address ?? n.state?.neighbor_address ?? '',
      remoteAs: n.conf?.peer_asn ?? n.state?.peer_asn,
      state: gobgpState(n.state?.session_state),
    }));
  }

  /** GoBGP exposes no received NOTIFICATION text; returns undefined (the `LAB_BAD_SPEC`-free way to say so). */
  async lastNotification(_neighbor: string): Promise<NotificationView | undefined> {
    return undefined;
  }

  /** Sum of the paths received from every neighbor for the family (`gobgp neighbor -j`, afi_safis received). */
  async routeCount(family: Family): Promise<number> {
    const afi = family === 'ipv4' ? 1 : 2;
    let n = 0;
    for (const nb of await this.neighborsJson()) {
      for (const a of nb.afi_safis ?? []) if (a.state?.family?.afi === afi && (a.state.family.safi ?? 1) === 1) n += a.state.received ?? 0;
    }
    return n;
  }

  /** The global RIB for the family, learned paths only (locally added ones have no neighbor-ip). */
  async routes(family: Family): Promise<RouteView[]> {
    const r = await this.gobgp(['-j', 'global', 'rib', '-a', family], true);
    const trimmed = r.trim();
    if (!trimmed || trimmed === 'null') return [];
    const j = JSON.parse(trimmed) as Record<string, GobgpPath[]>;
    const out: RouteView[] = [];
    for (const [prefix, paths] of Object.entries(j)) {
      for (const p of paths) {
        const from = p['neighbor-ip'];
        if (!from || from === '<nil>' || p['source-id'] === '<nil>') continue;
        out.push(gobgpRoute(prefix, p));
      }
    }
    return out;
  }
}

interface GobgpNeighbor {
  afi_safis?: Array<{ state?: { family?: { afi?: number; safi?: number }; received?: number; accepted?: number } }>;
  conf?: { neighbor_address?: string; peer_asn?: number };
  state?: { neighbor_address?: string; peer_asn?: number; session_state?: number | string };
}

interface GobgpAttr {
  type: number;
  value?: unknown;
  as_paths?: Array<{ segment_type: number; num?: number; asns: number[] }>;
  nexthop?: string;
  metric?: number;
  communities?: number[];
  linklocal_nexthop?: string;
  [k: string]: unknown;
}

interface GobgpPath {
  nlri?: { prefix?: string };
  attrs?: GobgpAttr[];
  best?: boolean;
  stale?: boolean;
  'neighbor-ip'?: string;
  'source-id'?: string;
  [k: string]: unknown;
}

export function gobgpRoute(prefix: string, p: GobgpPath): RouteView {
  const asPath: number[] = [];
  const nextHops: string[] = [];
  let communities: string[] = [];
  let large: string[] = [];
  let ext: string[] = [];
  let med: number | undefined;
  let localPref: number | undefined;
  let origin: RouteView['origin'];
  for (const a of p.attrs ?? []) {
    switch (a.type) {
      case 1:
        origin = normalizeOrigin(a.value as number);
        break;
      case 2:
        for (const seg of a.as_paths ?? []) asPath.push(...seg.asns);
        break;
      case 3:
        if (a.nexthop) nextHops.push(canonicalIp(a.nexthop));
        break;
      case 4:
        med = a.metric;
        break;
      case 5:
        localPref = a.value as number;
        break;
      case 8:
        communities = (a.communities ?? []).map((c) => `${c >>> 16}:${c & 0xffff}`);
        break;
      case 14:
        if (a.nexthop) nextHops.push(canonicalIp(a.nexthop));
        if (a.linklocal_nexthop) nextHops.push(canonicalIp(a.linklocal_nexthop));
        break;
      case 16:
        ext = ((a.value as Array<Record<string, unknown>>) ?? []).map(extText);
        break;
      case 32:
        large = ((a.value as Array<{ ASN?: number; LocalData1?: number; LocalData2?: number }>) ?? []).map(
          (l) => `${l.ASN}:${l.LocalData1}:${l.LocalData2}`,
        );
        break;
      default:
        break;
    }
  }
  return makeRoute({
    prefix: canonicalPrefix(prefix),
    nextHops,
    asPath,
    communities,
    largeCommunities: large,
    extCommunities: ext,
    med,
    localPref,
    origin,
    stale: p.stale || undefined,
    fromPeer: p['neighbor-ip'],
    best: !!p.best,
  });
}

function extText(e: Record<string, unknown>): string {
  const sub = e.subtype === 2 ? 'rt' : e.subtype === 3 ? 'soo' : `x${String(e.subtype)}`;
  if (typeof e.value === 'string') return `${sub}:${e.value}`;
  return `${sub}:${JSON.stringify(e)}`;
}

function gobgpState(s: number | string | undefined): PeerState {
  if (typeof s === 'number') return (['Unknown', 'Idle', 'Connect', 'Active', 'OpenSent', 'OpenConfirm', 'Established'] as const)[s] ?? 'Unknown';
  const t = (s ?? '').toLowerCase().replace(/^session_state_/, '');
  const map: Record<string, PeerState> = { idle: 'Idle', connect: 'Connect', active: 'Active', opensent: 'OpenSent', openconfirm: 'OpenConfirm', established: 'Established' };
  return map[t] ?? 'Unknown';
}

export function isSameNeighbor(a: string, b: string): boolean {
  return sameAddress(a, b);
}
