// Lab harness: BIRD 2 driver. Writes bird.conf from a RouterSpec, runs `bird -f` inside the namespace
// (socket, pid and log under the router's temp dir), and reads BIRD's own view through birdc.
import { writeFileSync, readFileSync } from 'node:fs';
import { run, waitFor, LabError, hardKill } from '../exec.ts';
import type { Topology } from '../netns.ts';
import { canonicalIp, canonicalPrefix, familyOf } from '../addr.ts';
import { RouterBase, makeRoute, normalizeOrigin, sameAddress } from './base.ts';
import { bfdParams, grTime, nameFromAddress, neighborFamilies } from './types.ts';
import type { BfdView, Family, NeighborSpec, NotificationView, OriginateSpec, PeerState, PeerView, RouteView, RouterSpec } from './types.ts';

export class BirdRouter extends RouterBase {
  readonly kind = 'bird' as const;
  private dynamic: OriginateSpec[] = [];

  constructor(topo: Topology, spec: RouterSpec) {
    super(topo, spec, 'bird');
    if (spec.aggregates?.length) throw new LabError('LAB_BAD_SPEC', 'aggregates: use FRR');
  }

  get ctl(): string {
    return this.file('bird.ctl');
  }

  /** Protocol name BIRD uses for a neighbor. */
  protoName(n: NeighborSpec | string): string {
    if (typeof n === 'string') {
      const found = this.spec.neighbors.find((x) => sameAddress(x.address, n) || x.name === n);
      return found ? this.protoName(found) : nameFromAddress(n);
    }
    return n.name ?? nameFromAddress(n.address);
  }

  async version(): Promise<string> {
    const r = await run('bird', ['--version'], { allowFail: true });
    return (r.stdout + r.stderr).trim().replace(/^BIRD version /, '');
  }

  /** The bird.conf text for the current spec (exposed for READMEs and debugging). */
  config(): string {
    const s = this.spec;
    const lines: string[] = [];
    lines.push(`router id ${s.routerId};`);
    lines.push(`log "${this.file('bird.log')}" all;`);
    lines.push('debug protocols { states, events };');
    lines.push('protocol device { scan time 10; }');
    lines.push('protocol direct { ipv4; ipv6; }');
    if (s.kernel) {
      const merge = s.ecmp ? 'merge paths on; ' : '';
      lines.push(`protocol kernel kernel4 { ${merge}ipv4 { import none; export where source = RTS_BGP; }; }`);
      lines.push(`protocol kernel kernel6 { ${merge}ipv6 { import none; export where source = RTS_BGP; }; }`);
    }
    const routes = [...(s.originate ?? []), ...this.dynamic];
    for (const fam of ['ipv4', 'ipv6'] as const) {
      lines.push(`protocol static static_${fam} {`, `  ${fam};`);
      for (const r of routes.filter((x) => familyOf(x.prefix) === fam)) lines.push(`  ${staticRoute(r)}`);
      lines.push('}');
    }
    const bfd = s.neighbors.map(bfdParams).find((b) => b !== undefined);
    if (bfd) {
      lines.push('protocol bfd {', '  interface "*" {');
      lines.push(`    min rx interval ${bfd.intervalMs} ms; min tx interval ${bfd.intervalMs} ms; multiplier ${bfd.multiplier};`);
      const auth = s.neighbors.map((n) => (typeof n.bfd === 'object' ? n.bfd.auth : undefined)).find((a) => a !== undefined);
      if (auth) {
        const kind = { simple: 'simple', 'keyed-sha1': 'keyed sha1', 'meticulous-keyed-sha1': 'meticulous keyed sha1' }[auth.type];
        lines.push(`    authentication ${kind};`, `    password "${auth.password.replace(/"/g, '\\"')}" { id ${auth.keyId}; };`);
      }
      lines.push('  };', '}');
    }
    for (const n of s.neighbors) lines.push(...this.bgpProtocol(n));
    return lines.join('\n') + '\n';
  }

  private bgpProtocol(n: NeighborSpec): string[] {
    const s = this.spec;
    const ibgp = n.remoteAs === s.localAs;
    const port = s.listen?.port;
    const out = [`protocol bgp ${this.protoName(n)} {`];
    const local = n.localAddress ? `${n.localAddress} ` : '';
    out.push(`  local ${local}${port ? `port ${port} ` : ''}as ${s.localAs};`);
    out.push(`  neighbor ${n.address}${n.port ? ` port ${n.port}` : ''} as ${n.remoteAs};`);
    if (n.interface) out.push(`  interface "${n.interface}";`);
    if (n.passive) out.push('  passive on;');
    if (n.holdTimeSec !== undefined) out.push(`  hold time ${n.holdTimeSec};`);
    // Quick reconnects keep tests fast (defaults are 5 s / 120 s).
    out.push('  connect delay time 1;', '  connect retry time 2;', '  error wait time 1, 10;');
    if (n.as4 === false) out.push('  enable as4 off;');
    if (n.routeRefresh === false) out.push('  enable route refresh off;');
    const gr = grTime(n);
    if (gr !== undefined) out.push('  graceful restart on;', `  graceful restart time ${gr};`);
    if (n.password !== undefined) out.push(`  password "${n.password.replace(/"/g, '\\"')}";`);
    if (n.bfd) out.push('  bfd on;');
    if (n.multihop !== undefined) out.push(`  multihop ${n.multihop};`);
    if (n.routeReflectorClient) out.push('  rr client;');
    if (n.routeReflectorClient && s.clusterId) out.push(`  rr cluster id ${s.clusterId};`);
    if (n.role) out.push(`  local role ${n.role.replace('-', '_')};`);
    for (const fam of neighborFamilies(n)) {
      const imp = s.honorGracefulShutdown ? 'import filter { if (65535, 0) ~ bgp_community then bgp_local_pref = 0; accept; };' : 'import all;';
      const opts: string[] = [imp, `export filter { ${this.exportFilter()} };`];
      if (n.extendedNextHop && fam === 'ipv4') opts.push('extended next hop on;');
      if (n.addPath) opts.push(`add paths ${n.addPath === 'send' ? 'tx' : n.addPath === 'receive' ? 'rx' : 'on'};`);
      if (n.nextHopSelf === true || (ibgp && n.nextHopSelf !== false)) opts.push('next hop self;');
      out.push(`  ${fam} { ${opts.join(' ')} };`);
    }
    out.push('}');
    return out;
  }

  /** BIRD drops MED set at origin when exporting to eBGP, so MED is set in the export filter. */
  private exportFilter(): string {
    const parts = ['if source != RTS_STATIC then reject;'];
    for (const r of [...(this.spec.originate ?? []), ...this.dynamic]) {
      if (r.med !== undefined) parts.push(`if net = ${r.prefix} then bgp_med = ${r.med};`);
    }
    parts.push('accept;');
    return parts.join(' ');
  }

  async start(): Promise<void> {
    if (this.isRunning()) return;
    writeFileSync(this.file('bird.conf'), this.config());
    const p = this.topo.spawnIn(this.spec.ns, ['bird', '-f', '-c', this.file('bird.conf'), '-s', this.ctl, '-P', this.file('bird.pid')], {
      logFile: this.file('bird.stdout.log'),
    });
    this.procs = [p];
    await waitFor(
      async () => {
        if (!p.isRunning()) throw new LabError('LAB_SPAWN_FAILED', `bird exited: ${p.readLog().slice(-500)}`);
        return (await this.birdc(['show', 'status'])).includes('Daemon is up');
      },
      { timeoutMs: 10_000, intervalMs: 50, what: 'bird control socket' },
    ).catch((err) => {
      throw new LabError('LAB_SPAWN_FAILED', `bird did not start in ${this.spec.ns}: ${p.readLog().slice(-800)}`, { err });
    });
  }

  async stop(): Promise<void> {
    await Promise.all(this.procs.map((p) => p.stop()));
  }

  /** SIGKILL: the router vanishes without NOTIFICATION (graceful-restart tests on the peer side). */
  async crash(): Promise<void> {
    await Promise.all(this.procs.map((p) => hardKill(p.pid)));
  }

  /** Runs a birdc command and returns its text (without the "BIRD x ready." banner). */
  async birdc(args: readonly string[], timeoutMs = 10_000): Promise<string> {
    const r = await run('birdc', ['-s', this.ctl, ...args], { timeoutMs });
    return r.stdout.replace(/^BIRD [^\n]* ready\.\n/, '');
  }

  /** Rewrites bird.conf from the (new) spec and runs `birdc configure` (sessions stay up where possible). */
  async reconfigure(): Promise<void> {
    writeFileSync(this.file('bird.conf'), this.config());
    const out = await this.birdc(['configure']);
    if (!/Reconfigur|Reconfiguration|ready/i.test(out)) throw new LabError('LAB_COMMAND_FAILED', `birdc configure: ${out}`);
  }

  async announce(route: OriginateSpec): Promise<void> {
    this.dynamic = this.dynamic.filter((r) => canonicalPrefix(r.prefix) !== canonicalPrefix(route.prefix));
    this.dynamic.push(route);
    await this.reconfigure();
  }

  async withdraw(prefix: string): Promise<void> {
    const p = canonicalPrefix(prefix);
    this.dynamic = this.dynamic.filter((r) => canonicalPrefix(r.prefix) !== p);
    const inSpec = (this.spec.originate ?? []).some((r) => canonicalPrefix(r.prefix) === p);
    if (inSpec) throw new LabError('LAB_BAD_SPEC', `${prefix} is in the static spec; build the router without it`);
    await this.reconfigure();
  }

  /** Admin shutdown of a session with an RFC 9003 message (`disable NAME "msg"`). */
  async disable(neighbor: string, message?: string): Promise<void> {
    const name = this.protoName(neighbor);
    await this.birdc([message ? `disable ${name} "${message.replace(/"/g, '')}"` : `disable ${name}`]);
  }

  async enable(neighbor: string): Promise<void> {
    await this.birdc(['enable', this.protoName(neighbor)]);
  }

  /** Asks the peer to re-send its routes: `reload in NAME` sends ROUTE-REFRESH (RFC 2918). */
  async routeRefresh(neighbor: string): Promise<void> {
    await this.birdc(['reload', 'in', this.protoName(neighbor)]);
  }

  /** BFD sessions (`show bfd sessions`); empty when no BFD protocol runs. */
  async bfdSessions(): Promise<BfdView[]> {
    const r = await run('birdc', ['-s', this.ctl, 'show', 'bfd', 'sessions'], { allowFail: true });
    return r.stdout
      .split('\n')
      // "10.0.1.2   eth0   Up   15:04:35.821    0.100    0.300": Interval and Timeout in seconds.
      .map((l) => /^(\S+:\S*|\d+\.\d+\.\d+\.\d+)\s+(\S+)\s+(Up|Down|Init|AdminDown)\b(?:.*\s(\d+\.\d+)\s+(\d+\.\d+)\s*$)?/.exec(l))
      .filter((m): m is RegExpExecArray => m !== null)
      .map((m) => ({
        peer: canonicalIp(m[1]), interface: m[2], state: m[3],
        ...(m[4] === undefined ? {} : { intervalMs: Math.round(Number(m[4]) * 1000), timeoutMs: Math.round(Number(m[5]) * 1000) }),
      }));
  }

  async peers(): Promise<PeerView[]> {
    return parseBirdProtocols(await this.birdc(['show', 'protocols', 'all'])).map((b) => b.peer);
  }

  /** What the session last received (BIRD: "Last error: Received: …" and "Message: …"). */
  async lastNotification(neighbor: string): Promise<NotificationView | undefined> {
    const name = this.protoName(neighbor);
    const blocks = parseBirdProtocols(await this.birdc(['show', 'protocols', 'all', name]));
    return blocks[0]?.notification ?? this.logNotification(name);
  }

  /** BIRD forgets the last error once the session is back up; its log keeps `<RMT> NAME: Received: …`. */
  private logNotification(name: string): NotificationView | undefined {
    const log = this.logText();
    const re = new RegExp(`<RMT> ${name}: Received: ([^\n"]*?)(?:: "([^\n]*)")?$`, 'gm');
    let last: RegExpExecArray | undefined;
    for (let m = re.exec(log); m; m = re.exec(log)) last = m;
    if (!last) return undefined;
    return { reason: last[1].trim(), message: last[2], raw: last[0] };
  }

  /**
   * How many times each protocol's session has come up, from BIRD's own log ("NAME: BGP session
   * established", `debug protocols { states, events }`). Use this, not `uptime`, to tell whether a
   * session was reset: BIRD renders the "since" column from a monotonic clock at query time, so its
   * milliseconds can differ by one between two queries of the same session.
   */
  sessionsEstablished(): Map<string, number> {
    const out = new Map<string, number>();
    for (const m of this.logText().matchAll(/> (\S+): BGP session established$/gm)) out.set(m[1], (out.get(m[1]) ?? 0) + 1);
    return out;
  }

  /** bird.log so far. */
  logText(): string {
    try {
      return readFileSync(this.file('bird.log'), 'utf8');
    } catch {
      return '';
    }
  }

  /** `show route count table masterN where source = RTS_BGP` (every path, best or not). */
  async routeCount(family: Family): Promise<number> {
    const out = await this.birdc(['show', 'route', 'count', 'table', family === 'ipv4' ? 'master4' : 'master6', 'where', 'source', '=', 'RTS_BGP']);
    const m = /(\d+) of \d+ routes/.exec(out);
    if (!m) throw new LabError('LAB_PARSE', `birdc route count: ${out.slice(0, 200)}`);
    return Number(m[1]);
  }

  /** Routes BIRD learned over BGP (Type: BGP) in master4/master6, with BIRD's attributes. */
  async routes(family: Family): Promise<RouteView[]> {
    const text = await this.birdc(['show', 'route', 'all', 'table', family === 'ipv4' ? 'master4' : 'master6']);
    const routes = parseBirdRoutes(text).filter((r) => r.isBgp);
    // BIRD 2.0 does not flag stale routes one by one; while a neighbor's graceful restart is active
    // (RFC 4724 §4.2, until its End-of-RIB) every route learned from it is reported as stale
    if (routes.length === 0) return [];
    const inGr = new Set(
      parseBirdProtocols(await this.birdc(['show', 'protocols', 'all']))
        .filter((b) => b.gracefulRestartActive)
        .map((b) => b.peer.name),
    );
    return routes.map((r) => (inGr.has(r.protocol) ? { ...r.route, stale: true } : r.route));
  }
}

function staticRoute(r: OriginateSpec): string {
  const set: string[] = [];
  for (const c of r.communities ?? []) set.push(`bgp_community.add((${c.split(':').join(',')}));`);
  for (const c of r.largeCommunities ?? []) set.push(`bgp_large_community.add((${c.split(':').join(',')}));`);
  for (const c of r.extCommunities ?? []) set.push(`bgp_ext_community.add((${c.split(':').join(',')}));`);
  if (r.localPref !== undefined) set.push(`bgp_local_pref = ${r.localPref};`);
  if (r.origin) set.push(`bgp_origin = ORIGIN_${r.origin.toUpperCase()};`);
  for (const as of [...(r.asPathPrepend ?? [])].reverse()) set.push(`bgp_path.prepend(${as});`);
  return `route ${r.prefix} blackhole${set.length ? ` { ${set.join(' ')} }` : ''};`;
}

interface BirdProtocolBlock {
  readonly peer: PeerView;
  readonly notification?: NotificationView;
  /** "Neighbor graceful restart active": BIRD keeps this neighbor's routes as stale. */
  readonly gracefulRestartActive: boolean;
}

const BIRD_STATES: readonly PeerState[] = ['Idle', 'Connect', 'Active', 'OpenSent', 'OpenConfirm', 'Established'];

/** Parses `show protocols all` into BGP protocol blocks. */
export function parseBirdProtocols(text: string): BirdProtocolBlock[] {
  const out: BirdProtocolBlock[] = [];
  const blocks = text.split(/\n(?=\S)/);
  for (const block of blocks) {
    const head = /^(\S+)\s+BGP\s+\S+\s+\S+\s+(\S+)\s*(.*)$/m.exec(block.split('\n')[0] ?? '');
    if (!head) continue;
    const name = head[1];
    const st = /BGP state:\s+(\S+)/.exec(block)?.[1] ?? 'Unknown';
    const state = (BIRD_STATES as readonly string[]).includes(st) ? (st as PeerState) : st === 'Passive' ? 'Active' : 'Unknown';
    const address = /Neighbor address:\s+(\S+)/.exec(block)?.[1] ?? '';
    const as = /Neighbor AS:\s+(\d+)/.exec(block)?.[1];
    const lastError = /Last error:\s+(.*)/.exec(block)?.[1]?.trim() ?? head[3]?.trim();
    const message = /^\s+Message:\s+(.*)$/m.exec(block)?.[1]?.trim();
    let notification: NotificationView | undefined;
    if (lastError && /^Received:/.test(lastError)) {
      notification = { reason: lastError.replace(/^Received:\s*/, ''), message, raw: lastError };
    }
    out.push({
      peer: { name, address: address.replace(/%.*$/, ''), remoteAs: as ? Number(as) : undefined, state, uptime: head[2] },
      notification,
      gracefulRestartActive: /Neighbor graceful restart active/.test(block),
    });
  }
  return out;
}

/** Parses `show route all` (BIRD 2 text, default timeformat). */
export function parseBirdRoutes(text: string): Array<{ route: RouteView; isBgp: boolean; protocol: string }> {
  const out: Array<{ route: RouteView; isBgp: boolean; protocol: string }> = [];
  let prefix = '';
  let cur: { protocol: string; best: boolean; lines: string[]; stale: boolean } | undefined;
  const flush = () => {
    if (!cur || !prefix) return;
    const attrs = new Map<string, string>();
    let isBgp = false;
    for (const l of cur.lines) {
      const m = /^\s*(BGP\.\w+|Type):\s*(.*)$/.exec(l);
      if (!m) continue;
      if (m[1] === 'Type') isBgp = /^BGP\b/.test(m[2]);
      else attrs.set(m[1].slice(4), m[2].trim());
    }
    const pairs = (s: string | undefined, n: number) =>
      [...(s ?? '').matchAll(/\(([^()]*)\)/g)].map((m) => m[1].split(',').map((x) => x.trim())).filter((p) => p.length === n);
    const ext = [...(attrs.get('ext_community') ?? '').matchAll(/\(([^()]*)\)/g)].map((m) =>
      m[1].split(',').map((x) => x.trim()).join(':'),
    );
    const path = (attrs.get('as_path') ?? '').replace(/[{}]/g, ' ').split(/\s+/).filter(Boolean).map(Number);
    const nh = (attrs.get('next_hop') ?? '').split(/\s+/).filter(Boolean).map(canonicalIp);
    out.push({
      isBgp,
      protocol: cur.protocol,
      route: makeRoute({
        prefix,
        nextHops: nh,
        asPath: path,
        communities: pairs(attrs.get('community'), 2).map((p) => p.join(':')),
        largeCommunities: pairs(attrs.get('large_community'), 3).map((p) => p.join(':')),
        extCommunities: ext,
        med: attrs.has('med') ? Number(attrs.get('med')) : undefined,
        localPref: attrs.has('local_pref') ? Number(attrs.get('local_pref')) : undefined,
        origin: normalizeOrigin(attrs.get('origin')),
        stale: cur.stale || undefined,
        fromPeer: cur.protocol,
        best: cur.best,
      }),
    });
  };
  for (const line of text.split('\n')) {
    const head = /^(\S+)?\s+(?:unicast|blackhole|unreachable|prohibited)\s+\[(\S+)\s[^\]]*\]\s*(\*)?(.*)$/.exec(line);
    if (head) {
      flush();
      if (head[1]) prefix = head[1];
      cur = { protocol: head[2], best: head[3] === '*', lines: [], stale: /stale/i.test(head[4] ?? '') };
      continue;
    }
    if (/^Table /.test(line)) {
      flush();
      cur = undefined;
      prefix = '';
      continue;
    }
    if (cur && /^\s/.test(line)) {
      cur.lines.push(line);
      if (/BGP\.stale|\(stale\)/.test(line)) cur.stale = true;
    }
  }
  flush();
  return out;
}
