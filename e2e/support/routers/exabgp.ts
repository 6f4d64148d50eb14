// Lab harness: ExaBGP 4.2 driver. Configured through environment variables (no daemonizing, no CLI pipes)
// plus a config file; an API helper process appends every JSON message ExaBGP emits to a file (read
// unbuffered so withdraws are never stuck) and forwards commands from a FIFO. Views are rebuilt by
// replaying that JSON. `attribute [ code flags hex ]` lets tests send raw, even malformed, attributes.
import { writeFileSync, existsSync, readFileSync, statSync, openSync, readSync, closeSync } from 'node:fs';
import { open as openFile, write as writeFd, close as closeFd, constants as fsc } from 'node:fs';
import { run, waitFor, LabError, hardKill } from '../exec.ts';
import type { Topology } from '../netns.ts';
import { canonicalIp, canonicalPrefix, familyOf } from '../addr.ts';
import { RouterBase, makeRoute } from './base.ts';
import { grTime, neighborFamilies } from './types.ts';
import type { Family, NotificationView, OriginateSpec, PeerState, PeerView, RouteView, RouterSpec } from './types.ts';

/** A raw path attribute sent verbatim: ExaBGP `attribute [ 0xCODE 0xFLAGS 0xHEX ]`. */
export interface RawAttribute {
  readonly code: number;
  readonly flags: number;
  /** Value bytes as hex ('' for none). */
  readonly hex: string;
}

export interface ExabgpOriginate extends OriginateSpec {
  /** Next hop text ('self' by default). */
  readonly nextHop?: string;
  readonly raw?: readonly RawAttribute[];
}

export interface ExabgpSpec extends RouterSpec {
  readonly originate?: readonly ExabgpOriginate[];
}

const API_SCRIPT = `import sys, os, threading
out = open(sys.argv[1], 'a', buffering=1)
fifo = sys.argv[2]
def commands():
    while True:
        with open(fifo, 'r') as f:
            for line in f:
                sys.stdout.write(line)
                sys.stdout.flush()
threading.Thread(target=commands, daemon=True).start()
while True:
    line = sys.stdin.readline()
    if not line:
        break
    out.write(line)
    out.flush()
`;

export class ExabgpRouter extends RouterBase {
  readonly kind = 'exabgp' as const;
  declare readonly spec: ExabgpSpec;
  private feed: ExaFeed = { offset: 0, carry: '', states: new Map(), ribs: { ipv4: new Map(), ipv6: new Map() }, notifications: new Map() };

  constructor(topo: Topology, spec: ExabgpSpec) {
    super(topo, spec, 'exabgp');
    if (spec.kernel) throw new LabError('LAB_BAD_SPEC', 'ExaBGP does not install routes');
    for (const n of spec.neighbors) {
      if (n.bfd) throw new LabError('LAB_BAD_SPEC', 'ExaBGP has no BFD');
      if (n.role || n.addPath || n.routeReflectorClient) throw new LabError('LAB_BAD_SPEC', 'role/addPath/RR client: use BIRD or FRR');
    }
    if (spec.aggregates?.length) throw new LabError('LAB_BAD_SPEC', 'aggregates: use FRR');
  }

  get jsonFile(): string {
    return this.file('received.jsonl');
  }

  async version(): Promise<string> {
    const r = await run('exabgp', ['--version'], { allowFail: true });
    return /ExaBGP\s*:\s*(\S+)/.exec(r.stdout + r.stderr)?.[1] ?? 'unknown';
  }

  config(): string {
    const s = this.spec;
    const L: string[] = [
      'process vlapi {',
      `  run /usr/bin/python3 -u ${this.file('api.py')} ${this.jsonFile} ${this.file('commands.fifo')};`,
      '  encoder json;',
      '}',
    ];
    for (const n of s.neighbors) {
      L.push(`neighbor ${n.address} {`);
      L.push(`  router-id ${s.routerId};`);
      if (n.localAddress) L.push(`  local-address ${n.localAddress};`);
      else throw new LabError('LAB_BAD_SPEC', 'ExaBGP needs neighbor.localAddress');
      L.push(`  local-as ${s.localAs};`, `  peer-as ${n.remoteAs};`);
      L.push(`  hold-time ${n.holdTimeSec ?? 90};`);
      L.push('  group-updates false;');
      if (n.passive) L.push('  passive true;');
      if (n.port) L.push(`  connect ${n.port};`);
      if (n.password !== undefined) L.push(`  md5-password "${n.password}";`);
      if (n.multihop !== undefined) L.push(`  outgoing-ttl ${n.multihop};`);
      const caps: string[] = [];
      if (n.as4 === false) caps.push('asn4 disable;');
      caps.push(`route-refresh ${n.routeRefresh === false ? 'disable' : 'enable'};`);
      const gr = grTime(n);
      if (gr !== undefined) caps.push(`graceful-restart ${gr};`);
      if (n.extendedNextHop) caps.push('nexthop enable;');
      L.push(`  capability { ${caps.join(' ')} }`);
      const fams = neighborFamilies(n);
      L.push(`  family { ${fams.map((f) => `${f} unicast;`).join(' ')} }`);
      if (n.extendedNextHop && fams.includes('ipv4')) L.push('  nexthop { ipv4 unicast ipv6; }');
      L.push('  api {', '    processes [ vlapi ];', '    neighbor-changes;');
      L.push('    receive { parsed; update; notification; open; refresh; }', '  }');
      const routes = (s.originate ?? []).filter((r) => fams.includes(familyOf(r.prefix)));
      if (routes.length) {
        L.push('  static {');
        for (const r of routes) L.push(`    ${routeText(r)};`);
        L.push('  }');
      }
      L.push('}');
    }
    return L.join('\n') + '\n';
  }

  private env(): NodeJS.ProcessEnv {
    const binds = this.spec.listen?.addresses ?? this.spec.neighbors.filter((n) => n.passive).map((n) => n.localAddress!);
    return {
      ...process.env,
      'exabgp.daemon.user': 'root',
      'exabgp.daemon.daemonize': 'false',
      'exabgp.daemon.pid': this.file('exabgp.pid'),
      'exabgp.api.cli': 'false',
      'exabgp.api.ack': 'false',
      'exabgp.tcp.bind': [...new Set(binds)].join(' '),
      'exabgp.tcp.port': String(this.spec.listen?.port ?? 179),
      'exabgp.log.destination': this.file('exabgp.log'),
      'exabgp.log.level': 'DEBUG',
      'exabgp.log.packets': 'true',
      'exabgp.log.message': 'true',
    };
  }

  async start(): Promise<void> {
    if (this.isRunning()) return;
    writeFileSync(this.file('api.py'), API_SCRIPT);
    if (!existsSync(this.file('commands.fifo'))) await run('mkfifo', [this.file('commands.fifo')]);
    writeFileSync(this.jsonFile, '');
    this.resetFeed();
    writeFileSync(this.file('exabgp.conf'), this.config());
    const p = this.topo.spawnIn(this.spec.ns, ['exabgp', this.file('exabgp.conf')], {
      logFile: this.file('exabgp.stdout.log'),
      env: this.env(),
    });
    this.procs = [p];
    // ready once the API helper has the FIFO open for reading (so commands can be sent)
    await waitFor(
      async () => {
        if (!p.isRunning()) throw new LabError('LAB_SPAWN_FAILED', 'exabgp exited');
        return (await this.tryWriteFifo('')) ? true : undefined;
      },
      { timeoutMs: 15_000, intervalMs: 100, what: 'exabgp API process' },
    ).catch((err) => {
      throw new LabError('LAB_SPAWN_FAILED', `exabgp did not start: ${p.readLog().slice(-800)}`, { err });
    });
  }

  async stop(): Promise<void> {
    await Promise.all(this.procs.map((p) => p.stop()));
  }

  async crash(): Promise<void> {
    await Promise.all(this.procs.map((p) => hardKill(p.pid)));
  }

  /** Writes one line to the FIFO without blocking; false when the API helper is not reading yet. */
  private tryWriteFifo(line: string): Promise<boolean> {
    return new Promise((resolve) => {
      openFile(this.file('commands.fifo'), fsc.O_WRONLY | fsc.O_NONBLOCK, (err, fd) => {
        if (err) return resolve(false);
        const buf = Buffer.from(line);
        const done = (ok: boolean) => closeFd(fd, () => resolve(ok));
        if (buf.length === 0) return done(true);
        writeFd(fd, buf, (werr) => done(!werr));
      });
    });
  }

  /** Sends an ExaBGP API command ('announce route …', 'neighbor 10.0.0.1 teardown 2', …). */
  async command(cmd: string): Promise<void> {
    await waitFor(() => this.tryWriteFifo(cmd.replace(/\n/g, ' ') + '\n'), { timeoutMs: 5000, intervalMs: 50, what: 'exabgp command FIFO' });
  }

  async announce(route: ExabgpOriginate, neighbor?: string): Promise<void> {
    await this.command(`${neighbor ? `neighbor ${neighbor} ` : ''}announce ${routeText(route)}`);
  }

  async withdraw(prefix: string, neighbor?: string): Promise<void> {
    await this.command(`${neighbor ? `neighbor ${neighbor} ` : ''}withdraw route ${prefix} next-hop self`);
  }

  /** Cease with subcode (default 2, Administrative Shutdown). ExaBGP 4.2 sends no message text. */
  async disable(neighbor: string, subcode = 2): Promise<void> {
    await this.command(`neighbor ${neighbor} teardown ${subcode}`);
  }

  /** Sends ROUTE-REFRESH for the family to the neighbor. */
  async routeRefresh(neighbor: string, family?: Family): Promise<void> {
    await this.command(`neighbor ${neighbor} announce route-refresh ${family ?? familyOf(neighbor)} unicast`);
  }

  /** Every JSON message ExaBGP emitted so far (non-JSON lines skipped). */
  messages(): ExabgpMessage[] {
    if (!existsSync(this.jsonFile)) return [];
    const out: ExabgpMessage[] = [];
    for (const line of readFileSync(this.jsonFile, 'utf8').split('\n')) {
      if (!line.startsWith('{')) continue;
      try {
        out.push(JSON.parse(line) as ExabgpMessage);
      } catch {
        // a line cut mid-write: ignore, the next read has it whole
      }
    }
    return out;
  }

  /** Reads the JSON lines written since the last call and applies them to the views (incremental). */
  private sync(): void {
    const f = this.feed;
    let size: number;
    try {
      size = statSync(this.jsonFile).size;
    } catch {
      return;
    }
    if (size < f.offset) this.resetFeed(); // file recreated by a restart
    if (size === f.offset) return;
    const fd = openSync(this.jsonFile, 'r');
    const buf = Buffer.alloc(size - f.offset);
    try {
      readSync(fd, buf, 0, buf.length, f.offset);
    } finally {
      closeSync(fd);
    }
    f.offset = size;
    const text = f.carry + buf.toString('utf8');
    const lines = text.split('\n');
    f.carry = lines.pop() ?? ''; // an unfinished last line waits for the next read
    for (const line of lines) {
      if (!line.startsWith('{')) continue;
      try {
        this.apply(JSON.parse(line) as ExabgpMessage);
      } catch {
        // not JSON (ExaBGP's "done" acks or noise)
      }
    }
  }

  private resetFeed(): void {
    this.feed = { offset: 0, carry: '', states: new Map(), ribs: { ipv4: new Map(), ipv6: new Map() }, notifications: new Map() };
  }

  private apply(m: ExabgpMessage): void {
    const f = this.feed;
    const peer = m.neighbor?.address?.peer ? canonicalIp(m.neighbor.address.peer) : '';
    if (m.type === 'state' && peer) {
      const st = m.neighbor?.state;
      f.states.set(peer, st === 'up' ? 'Established' : st === 'connected' ? 'OpenSent' : 'Idle');
      if (st === 'down') {
        for (const rib of Object.values(f.ribs)) for (const k of [...rib.keys()]) if (k.startsWith(peer + '|')) rib.delete(k);
      }
      return;
    }
    if (m.type === 'notification' && peer && m.neighbor?.notification) {
      f.notifications.set(peer, m.neighbor.notification);
      return;
    }
    const u = m.neighbor?.message?.update;
    if (m.type !== 'update' || !u || m.neighbor?.direction === 'send') return;
    for (const [fam, list] of Object.entries(u.withdraw ?? {})) {
      const rib = f.ribs[fam.startsWith('ipv6') ? 'ipv6' : 'ipv4'];
      for (const w of list) rib.delete(`${peer}|${canonicalPrefix(w.nlri)}`);
    }
    for (const [fam, byNh] of Object.entries(u.announce ?? {})) {
      const rib = f.ribs[fam.startsWith('ipv6') ? 'ipv6' : 'ipv4'];
      // a 32-byte next hop is listed twice in one message (global, then link-local): merge them
      const nextHops = new Map<string, string[]>();
      for (const [nh, list] of Object.entries(byNh)) {
        for (const a of list) nextHops.set(a.nlri, [...(nextHops.get(a.nlri) ?? []), canonicalIp(nh)]);
      }
      for (const [nlri, nhs] of nextHops) rib.set(`${peer}|${canonicalPrefix(nlri)}`, exaRoute(nlri, [...new Set(nhs)], u.attribute ?? {}, peer));
    }
  }

  async peers(): Promise<PeerView[]> {
    this.sync();
    return this.spec.neighbors.map((n) => {
      const address = canonicalIp(n.address);
      return { address, state: this.feed.states.get(address) ?? 'Idle', remoteAs: n.remoteAs };
    });
  }

  async lastNotification(neighbor: string): Promise<NotificationView | undefined> {
    this.sync();
    const no = this.feed.notifications.get(canonicalIp(neighbor));
    if (!no) return undefined;
    return { code: no.code, subcode: no.subcode, reason: no.message, message: decodeShutdownData(no.data), raw: JSON.stringify(no) };
  }

  /** Adj-RIB-In rebuilt from the UPDATE stream (a session going down clears that peer's routes). */
  async routes(family: Family): Promise<RouteView[]> {
    this.sync();
    return [...this.feed.ribs[family].values()];
  }

  async routeCount(family: Family): Promise<number> {
    this.sync();
    return this.feed.ribs[family].size;
  }
}

interface ExaFeed {
  offset: number;
  carry: string;
  states: Map<string, PeerState>;
  ribs: Record<Family, Map<string, RouteView>>;
  notifications: Map<string, { code?: number; subcode?: number; data?: string; message?: string }>;
}

export interface ExabgpMessage {
  type?: string;
  neighbor?: {
    address?: { local?: string; peer?: string };
    asn?: { local?: number; peer?: number };
    state?: string;
    direction?: string;
    notification?: { code?: number; subcode?: number; data?: string; message?: string };
    message?: {
      update?: {
        attribute?: ExaAttrs;
        announce?: Record<string, Record<string, Array<{ nlri: string }>>>;
        withdraw?: Record<string, Array<{ nlri: string }>>;
      };
      eor?: { afi: string; safi: string };
    };
  };
  [k: string]: unknown;
}

interface ExaAttrs {
  origin?: string;
  'as-path'?: number[] | Record<string, { element: string; value: number[] }>;
  med?: number;
  'local-preference'?: number;
  community?: number[][];
  'large-community'?: number[][];
  'extended-community'?: Array<{ value: number; string: string }>;
  [k: string]: unknown;
}

function exaRoute(nlri: string, nextHops: string[], a: ExaAttrs, peer: string): RouteView {
  const ap = a['as-path'];
  const asPath = Array.isArray(ap) ? ap : Object.values(ap ?? {}).flatMap((s) => s.value);
  return makeRoute({
    prefix: nlri,
    nextHops,
    asPath,
    communities: (a.community ?? []).map((c) => c.join(':')),
    largeCommunities: (a['large-community'] ?? []).map((c) => c.join(':')),
    extCommunities: (a['extended-community'] ?? []).map((e) => e.string.replace(/^target:/, 'rt:').replace(/^origin:/, 'soo:')),
    med: a.med,
    localPref: a['local-preference'],
    origin: a.origin === 'igp' || a.origin === 'egp' || a.origin === 'incomplete' ? a.origin : undefined,
    fromPeer: peer,
  });
}

/**
 * ExaBGP's route text: 'route P next-hop self med … attribute [ 0xC 0xF 0xHEX ]'. A raw attribute with
 * a known code replaces ExaBGP's own (its attributes are keyed by code), so the matching keyword is left
 * out: ORIGIN (1), AS_PATH (2), MED (4), LOCAL_PREF (5), COMMUNITIES (8), EXTENDED (16), LARGE (32).
 */
export function routeText(r: ExabgpOriginate): string {
  const raw = new Set((r.raw ?? []).map((a) => a.code));
  const parts = [`route ${r.prefix}`, `next-hop ${r.nextHop ?? 'self'}`];
  if (!raw.has(1)) parts.push(`origin ${r.origin ?? 'igp'}`);
  if (r.asPathPrepend?.length && !raw.has(2)) parts.push(`as-path [ ${r.asPathPrepend.join(' ')} ]`);
  if (r.med !== undefined && !raw.has(4)) parts.push(`med ${r.med}`);
  if (r.localPref !== undefined && !raw.has(5)) parts.push(`local-preference ${r.localPref}`);
  if (r.communities?.length && !raw.has(8)) parts.push(`community [ ${r.communities.join(' ')} ]`);
  if (r.largeCommunities?.length && !raw.has(32)) parts.push(`large-community [ ${r.largeCommunities.join(' ')} ]`);
  if (r.extCommunities?.length && !raw.has(16)) {
    parts.push(`extended-community [ ${r.extCommunities.map((e) => e.replace(/^rt:/, 'target:').replace(/^soo:/, 'origin:')).join(' ')} ]`);
  }
  for (const a of r.raw ?? []) {
    parts.push(`attribute [ 0x${a.code.toString(16).padStart(2, '0')} 0x${a.flags.toString(16).padStart(2, '0')} 0x${a.hex || ''} ]`);
  }
  return parts.join(' ');
}

/** RFC 9003 data: length byte + UTF-8 (ExaBGP gives the data as hex or text). */
function decodeShutdownData(data: string | undefined): string | undefined {
  if (!data) return undefined;
  if (/^(0x)?[0-9a-f]+$/i.test(data)) {
    const b = Buffer.from(data.replace(/^0x/i, ''), 'hex');
    if (b.length > 0 && b[0] === b.length - 1) return b.subarray(1).toString('utf8');
  }
  return data;
}
