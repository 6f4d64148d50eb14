// Lab harness: FRR 8 driver. Runs zebra (+ bfdd when asked) and bgpd in the foreground as frr:frr with
// vty sockets, pid files and zserv.api in the router's temp dir; queries through vtysh JSON.
import { writeFileSync, chownSync, rmSync, existsSync } from 'node:fs';
import { run, waitFor, LabError, hardKill } from '../exec.ts';
import type { Topology, LabProcess } from '../netns.ts';
import { canonicalIp, canonicalPrefix, familyOf } from '../addr.ts';
import { RouterBase, sameAddress } from './base.ts';
import { frrGid, frrRoute, frrState, frrUid, routeMap, splitJsonStream } from './frr-views.ts';
import type { FrrNeighbor, FrrPath } from './frr-views.ts';
import { bfdParams, grTime, neighborFamilies } from './types.ts';
import type { BfdView, Family, NotificationView, OriginateSpec, PeerView, RouteView, RouterSpec } from './types.ts';

const FRR_LIB = '/usr/lib/frr';

export class FrrRouter extends RouterBase {
  readonly kind = 'frr' as const;
  private dynamic: OriginateSpec[] = [];
  /** Every daemon pid this driver started (restarts included), for crash-dir cleanup. */
  private readonly startedPids: Array<{ daemon: string; pid: number }> = [];

  constructor(topo: Topology, spec: RouterSpec) {
    super(topo, spec, 'frr');
    for (const n of spec.neighbors) {
      if (n.as4 === false) throw new LabError('LAB_BAD_SPEC', 'FRR cannot turn off the 4-octet AS capability');
    }
    topo.onDestroy(() => this.removeCrashDirs());
  }

  async version(): Promise<string> {
    const r = await run(`${FRR_LIB}/bgpd`, ['--version'], { allowFail: true });
    return /version\s+(\S+)/.exec(r.stdout + r.stderr)?.[1] ?? 'unknown';
  }

  private usesBfd(): boolean {
    return this.spec.neighbors.some((n) => n.bfd);
  }

  /** bgpd.conf text for the current spec. */
  config(): string {
    const s = this.spec;
    const L: string[] = ['frr defaults traditional', `hostname ${s.ns}`, `log file ${this.file('bgpd.log')} debugging`, '!'];
    const routes = [...(s.originate ?? []), ...this.dynamic];
    routes.forEach((r, i) => L.push(...routeMap(`ORIG${i}`, r)));
    if (s.honorGracefulShutdown) {
      // RFC 8326 §4: lower the preference of routes tagged GRACEFUL_SHUTDOWN so traffic moves before the withdraw.
      L.push('bgp community-list standard GSHUT permit graceful-shutdown', 'route-map GSHUT-IN permit 10', ' match community GSHUT', ' set local-preference 0');
      L.push('route-map GSHUT-IN permit 20', '!');
    }
    L.push(`router bgp ${s.localAs}`, ` bgp router-id ${s.routerId}`, ' no bgp ebgp-requires-policy', ' no bgp default ipv4-unicast');
    L.push(' no bgp network import-check', ' bgp log-neighbor-changes');
    if (s.clusterId) L.push(` bgp cluster-id ${s.clusterId}`);
    if (s.ecmp) L.push(' bgp bestpath as-path multipath-relax');
    if (s.neighbors.some((n) => n.gracefulRestart)) {
      L.push(' bgp graceful-restart');
      const t = s.neighbors.map(grTime).find((x) => x !== undefined);
      if (t !== undefined) L.push(` bgp graceful-restart restart-time ${t}`);
    }
    for (const n of s.neighbors) {
      const a = n.address;
      L.push(` neighbor ${a} remote-as ${n.remoteAs}`);
      if (n.port) L.push(` neighbor ${a} port ${n.port}`);
      if (n.passive) L.push(` neighbor ${a} passive`);
      const hold = n.holdTimeSec;
      if (hold !== undefined) L.push(` neighbor ${a} timers ${hold === 0 ? 0 : Math.max(1, Math.floor(hold / 3))} ${hold}`);
      L.push(` neighbor ${a} timers connect 1`);
      if (n.localAddress) L.push(` neighbor ${a} update-source ${n.localAddress}`);
      if (n.password !== undefined) L.push(` neighbor ${a} password ${n.password}`);
      if (n.bfd) L.push(` neighbor ${a} bfd profile lab`);
      if (n.multihop !== undefined) L.push(` neighbor ${a} ebgp-multihop ${n.multihop}`);
      if (n.ttlSecurityHops !== undefined) L.push(` neighbor ${a} ttl-security hops ${n.ttlSecurityHops}`);
      if (n.extendedNextHop) L.push(` neighbor ${a} capability extended-nexthop`);
      if (n.interface && a.startsWith('fe80')) L.push(` neighbor ${a} interface ${n.interface}`);
      if (n.role) L.push(` neighbor ${a} local-role ${n.role}`);
    }
    for (const fam of ['ipv4', 'ipv6'] as const) {
      L.push(` address-family ${fam} unicast`);
      routes.forEach((r, i) => {
        if (familyOf(r.prefix) === fam) L.push(`  network ${r.prefix} route-map ORIG${i}`);
      });
      for (const ag of (s.aggregates ?? []).filter((x) => familyOf(x.prefix) === fam)) {
        L.push(`  aggregate-address ${ag.prefix}${ag.asSet ? ' as-set' : ''}${ag.summaryOnly ? ' summary-only' : ''}`);
      }
      if (s.ecmp) L.push('  maximum-paths 16');
      for (const n of s.neighbors) {
        if (!neighborFamilies(n).includes(fam)) continue;
        L.push(`  neighbor ${n.address} activate`);
        if (s.honorGracefulShutdown) L.push(`  neighbor ${n.address} route-map GSHUT-IN in`);
        if (n.nextHopSelf === true) L.push(`  neighbor ${n.address} next-hop-self`);
        if (n.routeReflectorClient) L.push(`  neighbor ${n.address} route-reflector-client`);
        if (n.addPath === 'send' || n.addPath === 'both') L.push(`  neighbor ${n.address} addpath-tx-all-paths`);
      }
      L.push(' exit-address-family');
    }
    L.push('!', 'line vty', '!');
    return L.join('\n') + '\n';
  }

  private bfddConfig(): string {
    const b = this.spec.neighbors.map(bfdParams).find((x) => x !== undefined) ?? { intervalMs: 300, multiplier: 3 };
    return [
      `log file ${this.file('bfdd.log')} debugging`,
      'bfd',
      ' profile lab',
      `  receive-interval ${b.intervalMs}`,
      `  transmit-interval ${b.intervalMs}`,
      `  detect-multiplier ${b.multiplier}`,
      ' exit',
      'exit',
      '',
    ].join('\n');
  }

  async start(): Promise<void> {
    if (this.isRunning()) return;
    chownSync(this.dir, frrUid(), frrGid());
    writeFileSync(this.file('vtysh.conf'), '');
    writeFileSync(this.file('zebra.conf'), `hostname ${this.spec.ns}\nlog file ${this.file('zebra.log')}\n`);
    writeFileSync(this.file('bgpd.conf'), this.config());
    if (this.usesBfd()) writeFileSync(this.file('bfdd.conf'), this.bfddConfig());
    for (const f of ['vtysh.conf', 'zebra.conf', 'bgpd.conf', ...(this.usesBfd() ? ['bfdd.conf'] : [])]) {
      chownSync(this.file(f), frrUid(), frrGid());
    }
    const common = (d: string) => ['-u', 'frr', '-g', 'frr', '--vty_socket', this.dir, '-f', this.file(`${d}.conf`), '-i', this.file(`${d}.pid`), '-z', this.file('zserv.api'), '-P', '0'];
    this.procs = [];
    const zebra = this.spawn('zebra', common('zebra'));
    await waitFor(() => existsSync(this.file('zserv.api')) || (zebra.isRunning() ? undefined : Promise.reject(new Error('zebra exited'))), {
      timeoutMs: 10_000,
      intervalMs: 25,
      what: 'zebra zserv socket',
    }).catch((err) => {
      throw new LabError('LAB_SPAWN_FAILED', `zebra did not start: ${zebra.readLog().slice(-800)}`, { err });
    });
    if (this.usesBfd()) this.spawn('bfdd', common('bfdd'));
    const bgpArgs = [...common('bgpd')];
    if (!this.spec.kernel) bgpArgs.push('-n');
    if (this.spec.listen?.port) bgpArgs.push('-p', String(this.spec.listen.port));
    for (const a of this.spec.listen?.addresses ?? []) bgpArgs.push('-l', a);
    const bgpd = this.spawn('bgpd', bgpArgs);
    await waitFor(
      async () => {
        if (!bgpd.isRunning()) throw new LabError('LAB_SPAWN_FAILED', 'bgpd exited');
        const j = await this.vtyshJson<Record<string, unknown>>('show bgp summary json');
        return Object.keys(j).length > 0;
      },
      { timeoutMs: 15_000, intervalMs: 100, what: 'bgpd vty' },
    ).catch((err) => {
      throw new LabError('LAB_SPAWN_FAILED', `bgpd did not start: ${bgpd.readLog().slice(-800)}`, { err });
    });
  }

  private spawn(daemon: string, args: string[]): LabProcess {
    const p = this.topo.spawnIn(this.spec.ns, [`${FRR_LIB}/${daemon}`, ...args], { logFile: this.file(`${daemon}.stdout.log`) });
    this.procs.push(p);
    this.startedPids.push({ daemon, pid: p.pid });
    return p;
  }

  async stop(): Promise<void> {
    const ps = [...this.procs].reverse();
    for (const p of ps) await p.stop();
    this.removeCrashDirs();
  }

  /** SIGKILL bgpd only (peer sees TCP reset / hold expiry; GR helpers keep routes stale). */
  async crash(): Promise<void> {
    const bgpd = this.procs.find((p) => p.argv[0].endsWith('/bgpd'));
    if (bgpd) await hardKill(bgpd.pid);
  }

  /** FRR leaves /var/tmp/frr/<daemon>.<pid> behind; remove the ones of our pids. */
  private removeCrashDirs(): void {
    for (const { daemon, pid } of this.startedPids) rmSync(`/var/tmp/frr/${daemon}.${pid}`, { recursive: true, force: true });
  }

  /** Runs vtysh commands (each -c) against this instance. */
  async vtysh(cmds: readonly string[], timeoutMs = 15_000): Promise<string> {
    const args = ['--vty_socket', this.dir, '--config_dir', this.dir];
    for (const c of cmds) args.push('-c', c);
    const r = await run('vtysh', args, { timeoutMs });
    return r.stdout;
  }

  async vtyshJson<T>(cmd: string): Promise<T> {
    const out = await this.vtysh([cmd]);
    try {
      return JSON.parse(out) as T;
    } catch (err) {
      throw new LabError('LAB_PARSE', `vtysh ${cmd}: not JSON`, { out: out.slice(0, 500), err });
    }
  }

  private async configure(lines: readonly string[]): Promise<void> {
    await this.vtysh(['configure terminal', ...lines, 'end']);
  }

  async announce(route: OriginateSpec): Promise<void> {
    this.dynamic = this.dynamic.filter((r) => canonicalPrefix(r.prefix) !== canonicalPrefix(route.prefix));
    this.dynamic.push(route);
    const name = `DYN${this.dynamic.length}_${route.prefix.replace(/[^0-9a-f]/gi, '_')}`;
    await this.configure([
      ...routeMap(name, route).filter((l) => l !== '!'),
      'exit',
      `router bgp ${this.spec.localAs}`,
      `address-family ${familyOf(route.prefix)} unicast`,
      `network ${route.prefix} route-map ${name}`,
    ]);
  }

  async withdraw(prefix: string): Promise<void> {
    this.dynamic = this.dynamic.filter((r) => canonicalPrefix(r.prefix) !== canonicalPrefix(prefix));
    await this.configure([`router bgp ${this.spec.localAs}`, `address-family ${familyOf(prefix)} unicast`, `no network ${prefix}`]);
  }

  /** Admin shutdown of one neighbor with an RFC 9003 message. */
  async disable(neighbor: string, message?: string): Promise<void> {
    await this.configure([`router bgp ${this.spec.localAs}`, `neighbor ${neighbor} shutdown${message ? ` message ${message}` : ''}`]);
  }

  async enable(neighbor: string): Promise<void> {
    await this.configure([`router bgp ${this.spec.localAs}`, `no neighbor ${neighbor} shutdown`]);
  }

  /** Sends ROUTE-REFRESH to the neighbor (`clear bgp <addr> soft in`). */
  async routeRefresh(neighbor: string, family?: Family): Promise<void> {
    const fam = family ?? familyOf(neighbor);
    await this.vtysh([`clear bgp ${fam} unicast ${neighbor} soft in`]);
  }

  /** BFD peers from bfdd (`show bfd peers json`); empty when bfdd is not running. */
  async bfdSessions(): Promise<BfdView[]> {
    if (!this.usesBfd()) return [];
    const j = await this.vtyshJson<Array<{ peer: string; status: string; interface?: string }>>('show bfd peers json');
    const cap = (s: string) => (s === 'up' ? 'Up' : s === 'down' ? 'Down' : s === 'init' ? 'Init' : s === 'shutdown' ? 'AdminDown' : s);
    return j.map((p) => ({ peer: canonicalIp(p.peer), state: cap(p.status), interface: p.interface }));
  }

  async peers(): Promise<PeerView[]> {
    const j = await this.vtyshJson<Record<string, FrrNeighbor>>('show bgp neighbors json');
    return Object.entries(j).map(([address, n]) => ({
      address,
      remoteAs: n.remoteAs,
      state: frrState(n.bgpState),
      uptime: n.bgpTimerUpString,
    }));
  }

  /** Raw `show bgp neighbors <addr> json` entry (capabilities, timers, notifications). */
  async neighborJson(address: string): Promise<FrrNeighbor | undefined> {
    const j = await this.vtyshJson<Record<string, FrrNeighbor>>(`show bgp neighbors ${address} json`);
    return Object.entries(j).find(([a]) => sameAddress(a, address))?.[1];
  }

  /** Last NOTIFICATION received from the neighbor: lastNotificationReason / lastShutdownDescription. */
  async lastNotification(neighbor: string): Promise<NotificationView | undefined> {
    const n = await this.neighborJson(neighbor);
    if (!n) return undefined;
    const reason = n.lastNotificationReason;
    const received = n.lastResetDueTo === 'Notification received' || /received/i.test(n.lastResetDueTo ?? '');
    if (!reason && !n.lastShutdownDescription) return undefined;
    if (!received && !n.lastShutdownDescription) return undefined;
    const m = /^([^/]+)\/(.+)$/.exec(reason ?? '');
    return {
      reason: m ? m[2].trim() : reason,
      message: n.lastShutdownDescription,
      code: n.lastErrorCodeSubcode ? Number.parseInt(n.lastErrorCodeSubcode.slice(0, 2), 16) : undefined,
      subcode: n.lastErrorCodeSubcode ? Number.parseInt(n.lastErrorCodeSubcode.slice(2, 4), 16) : undefined,
      raw: JSON.stringify({ reason, lastResetDueTo: n.lastResetDueTo, lastShutdownDescription: n.lastShutdownDescription }),
    };
  }

  /** Sum of the prefixes received from every peer (`show bgp <fam> unicast summary json`, pfxRcd). */
  async routeCount(family: Family): Promise<number> {
    const j = await this.vtyshJson<{ peers?: Record<string, { pfxRcd?: number }> }>(`show bgp ${family} unicast summary json`);
    return Object.values(j.peers ?? {}).reduce((n, p) => n + (p.pfxRcd ?? 0), 0);
  }

  /**
   * FRR's BGP table for the family, learned paths only. FRR 8.4's table JSON has no communities, so for up
   * to `detailLimit` prefixes each prefix is read again (`show bgp <fam> unicast <prefix> json`, batched
   * in one vtysh call) for the full attribute set; above that, communities are left empty.
   */
  async routes(family: Family, detailLimit = 64): Promise<RouteView[]> {
    const j = await this.vtyshJson<{ routes?: Record<string, FrrPath[]> }>(`show bgp ${family} unicast json`);
    const prefixes = Object.keys(j.routes ?? {});
    const detailed = new Map<string, FrrPath[]>();
    if (prefixes.length > 0 && prefixes.length <= detailLimit) {
      const out = await this.vtysh(prefixes.map((p) => `show bgp ${family} unicast ${p} json`));
      for (const obj of splitJsonStream(out) as Array<{ prefix?: string; paths?: FrrPath[] }>) {
        if (obj.prefix && obj.paths) detailed.set(canonicalPrefix(obj.prefix), obj.paths);
      }
    }
    const out: RouteView[] = [];
    for (const [prefix, summary] of Object.entries(j.routes ?? {})) {
      const paths = detailed.get(canonicalPrefix(prefix)) ?? summary;
      for (const p of paths) {
        const peerId = p.peer?.peerId ?? p.peerId;
        if (p.sourced || p.local || peerId === '0.0.0.0' || peerId === '(unspec)') continue;
        out.push(frrRoute(prefix, p));
      }
    }
    return out;
  }
}
