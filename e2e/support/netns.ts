// Lab harness: network namespaces joined by veth links, processes run inside them, and a Topology that
// removes everything it made (namespaces, processes, temp files) in destroy(). Linux only, root only.
// Safety: every namespace name starts with the caller's prefix; nothing is created in the root namespace.
import { chmodSync, openSync, closeSync, mkdirSync, rmSync, readdirSync, mkdtempSync, readFileSync, existsSync } from 'node:fs';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { run, LabError, killPid, isAlive, sleep } from './exec.ts';
import type { RunOptions, RunResult } from './exec.ts';
import { hostOf, prefixLength } from './addr.ts';

export const LAB_ROOT = '/tmp/vipd-lab';

export interface NamespaceOptions {
  /** Turn on IPv4 and IPv6 forwarding in the namespace. */
  readonly forwarding?: boolean;
}

export interface LinkOptions {
  /** IPv4 subnet, e.g. '10.0.0.0/30': side a gets host 1, side b host 2. */
  readonly v4?: string;
  /** IPv6 subnet, e.g. 'fd00:0:0:1::/64': side a gets ::1, side b ::2. */
  readonly v6?: string;
  /** Interface names (≤ 15 chars); default eth0, eth1… per namespace in creation order. */
  readonly aIf?: string;
  readonly bIf?: string;
  readonly mtu?: number;
}

export interface LinkEnd {
  readonly ns: string;
  readonly ifname: string;
  /** Address without length ('10.0.0.1'), if the link has IPv4. */
  readonly v4?: string;
  readonly v4Cidr?: string;
  readonly v6?: string;
  readonly v6Cidr?: string;
  /** fe80::… of this interface. */
  readonly v6LinkLocal: string;
}

export interface Link {
  readonly a: LinkEnd;
  readonly b: LinkEnd;
}

export interface SpawnOptions {
  /** Log file for stdout+stderr; default <topology dir>/<ns>-<argv0>-<n>.log */
  readonly logFile?: string;
  readonly env?: NodeJS.ProcessEnv;
  readonly cwd?: string;
}

/** A process started inside a namespace (the pid is the program's own: `ip netns exec` execs it). */
export interface LabProcess {
  readonly pid: number;
  readonly ns: string;
  readonly argv: readonly string[];
  readonly logFile: string;
  /** Resolves with the exit code (or 128+signal) when the process ends. */
  readonly exited: Promise<number>;
  isRunning(): boolean;
  /** SIGTERM, then SIGKILL after graceMs. Idempotent. */
  stop(graceMs?: number): Promise<void>;
  readLog(): string;
}

const NS_NAME = /^[A-Za-z0-9_.-]{1,40}$/;

export class Topology {
  readonly prefix: string;
  /** Temp directory for configs, sockets, logs and captures of this topology. */
  readonly dir: string;
  private readonly namespaces: string[] = [];
  private readonly processes: LabProcess[] = [];
  private readonly hooks: Array<() => Promise<void> | void> = [];
  private readonly ifCount = new Map<string, number>();
  private destroying: Promise<void> | undefined;
  private spawnCount = 0;

  private constructor(prefix: string, dir: string) {
    this.prefix = prefix;
    this.dir = dir;
  }

  /**
   * Removes leftovers of a crashed earlier run with the same prefix (namespaces, their processes, temp
   * dirs), then returns an empty topology. The prefix must be the caller's own (e.g. 'vl-').
   */
  static async create(prefix: string): Promise<Topology> {
    if (!/^[a-z][a-z0-9-]{0,8}-$/.test(prefix)) {
      throw new LabError('LAB_BAD_SPEC', `namespace prefix must look like 'vl-' (got ${prefix})`);
    }
    if (process.getuid?.() !== 0) throw new LabError('LAB_BAD_SPEC', 'the lab needs root (network namespaces)');
    await cleanupPrefix(prefix);
    mkdirSync(LAB_ROOT, { recursive: true });
    const dir = mkdtempSync(join(LAB_ROOT, prefix));
    chmodSync(dir, 0o755); // daemons that drop privileges (FRR as frr) must reach their subdirs
    return new Topology(prefix, dir);
  }

  /** Full namespace name for a short name ('r1' → 'vl-r1'). */
  nsName(short: string): string {
    return short.startsWith(this.prefix) ? short : this.prefix + short;
  }

  /** Creates namespace prefix+name with lo up, IPv6 DAD off and optional forwarding; returns its full name. */
  async addNamespace(name: string, opts: NamespaceOptions = {}): Promise<string> {
    const ns = this.nsName(name);
    if (!NS_NAME.test(ns)) throw new LabError('LAB_BAD_SPEC', `bad namespace name ${ns}`);
    if (this.destroying) throw new LabError('LAB_NOT_RUNNING', 'topology destroyed');
    await run('ip', ['netns', 'add', ns]);
    this.namespaces.push(ns);
    await run('ip', ['-n', ns, 'link', 'set', 'lo', 'up']);
    const sysctls = [
      'net.ipv6.conf.all.accept_dad=0',
      'net.ipv6.conf.default.accept_dad=0',
      'net.ipv6.conf.all.dad_transmits=0',
      'net.ipv6.conf.default.dad_transmits=0',
    ];
    if (opts.forwarding) sysctls.push('net.ipv4.ip_forward=1', 'net.ipv6.conf.all.forwarding=1');
    await run('ip', ['netns', 'exec', ns, 'sysctl', '-q', '-w', ...sysctls]);
    return ns;
  }

  /** A veth pair between namespaces a and b (full names), addressed from the given subnets. */
  async addLink(a: string, b: string, opts: LinkOptions = {}): Promise<Link> {
    const aIf = opts.aIf ?? this.nextIfName(a);
    const bIf = opts.bIf ?? this.nextIfName(b);
    if (aIf.length > 15 || bIf.length > 15) throw new LabError('LAB_BAD_SPEC', 'interface names are at most 15 chars');
    await run('ip', ['-n', a, 'link', 'add', aIf, 'type', 'veth', 'peer', 'name', bIf, 'netns', b]);
    const ends: Array<{ ns: string; ifname: string; host: number }> = [
      { ns: a, ifname: aIf, host: 1 },
      { ns: b, ifname: bIf, host: 2 },
    ];
    const partial: Array<Omit<LinkEnd, 'v6LinkLocal'>> = [];
    for (const e of ends) {
      if (opts.mtu) await run('ip', ['-n', e.ns, 'link', 'set', e.ifname, 'mtu', String(opts.mtu)]);
      let v4: string | undefined;
      let v6: string | undefined;
      if (opts.v4) {
        v4 = hostOf(opts.v4, e.host);
        await run('ip', ['-n', e.ns, 'addr', 'add', `${v4}/${prefixLength(opts.v4)}`, 'dev', e.ifname]);
      }
      if (opts.v6) {
        v6 = hostOf(opts.v6, e.host);
        await run('ip', ['-n', e.ns, 'addr', 'add', `${v6}/${prefixLength(opts.v6)}`, 'dev', e.ifname, 'nodad']);
      }
      await run('ip', ['-n', e.ns, 'link', 'set', e.ifname, 'up']);
      partial.push({
        ns: e.ns,
        ifname: e.ifname,
        v4,
        v4Cidr: v4 && opts.v4 ? `${v4}/${prefixLength(opts.v4)}` : undefined,
        v6,
        v6Cidr: v6 && opts.v6 ? `${v6}/${prefixLength(opts.v6)}` : undefined,
      });
    }
    // link-local addresses appear once both ends are up (carrier)
    const out: LinkEnd[] = [];
    for (const e of partial) out.push({ ...e, v6LinkLocal: await this.linkLocal(e.ns, e.ifname) });
    return { a: out[0], b: out[1] };
  }

  /** Adds an address ('10.1.1.1/32', 'fd00::1/128') to an interface (default lo) in namespace ns. */
  async addAddress(ns: string, cidr: string, ifname = 'lo'): Promise<void> {
    const args = ['-n', ns, 'addr', 'add', cidr, 'dev', ifname];
    if (cidr.includes(':')) args.push('nodad');
    await run('ip', args);
  }

  /** fe80:: address of an interface (waits briefly until the kernel has assigned it). */
  async linkLocal(ns: string, ifname: string): Promise<string> {
    for (let i = 0; i < 100; i++) {
      const r = await run('ip', ['-j', '-n', ns, '-6', 'addr', 'show', 'dev', ifname, 'scope', 'link']);
      const info = JSON.parse(r.stdout || '[]') as Array<{ addr_info?: Array<{ local: string; tentative?: boolean }> }>;
      const a = info[0]?.addr_info?.find((x) => typeof x.local === 'string' && x.local.startsWith('fe80') && !x.tentative);
      if (a) return a.local;
      await sleep(20);
    }
    throw new LabError('LAB_WAIT_TIMEOUT', `no link-local address on ${ns}/${ifname}`);
  }

  /** Runs a command inside namespace ns (default timeout 10 s). */
  execIn(ns: string, cmd: string, args: readonly string[], opts: RunOptions = {}): Promise<RunResult> {
    return run('ip', ['netns', 'exec', ns, cmd, ...args], opts);
  }

  /** Starts a long-running process inside ns; stdout+stderr go to a log file; stopped in destroy(). */
  spawnIn(ns: string, argv: readonly string[], opts: SpawnOptions = {}): LabProcess {
    if (this.destroying) throw new LabError('LAB_NOT_RUNNING', 'topology destroyed');
    const n = ++this.spawnCount;
    const base = (argv[0] ?? 'proc').split('/').pop() ?? 'proc';
    const logFile = opts.logFile ?? join(this.dir, `${ns}-${base}-${n}.log`);
    const fd = openSync(logFile, 'a');
    let child;
    try {
      child = spawn('ip', ['netns', 'exec', ns, ...argv], {
        stdio: ['ignore', fd, fd],
        env: opts.env ?? process.env,
        cwd: opts.cwd,
      });
    } finally {
      closeSync(fd);
    }
    if (child.pid === undefined) throw new LabError('LAB_SPAWN_FAILED', `cannot start ${argv.join(' ')} in ${ns}`);
    const pid = child.pid;
    let running = true;
    const exited = new Promise<number>((resolve) => {
      child.on('exit', (code, signal) => {
        running = false;
        resolve(code ?? (signal ? 128 + (signalNumber(signal) ?? 0) : 1));
      });
      child.on('error', () => {
        running = false;
        resolve(127);
      });
    });
    const proc: LabProcess = {
      pid,
      ns,
      argv: [...argv],
      logFile,
      exited,
      isRunning: () => running,
      stop: async (graceMs = 3000) => {
        if (!running) return;
        await killPid(pid, graceMs);
        await Promise.race([exited, sleep(1000)]);
      },
      readLog: () => (existsSync(logFile) ? readFileSync(logFile, 'utf8') : ''),
    };
    this.processes.push(proc);
    return proc;
  }

  /** Registers cleanup work (router drivers use it to stop daemons gracefully); run LIFO in destroy(). */
  onDestroy(fn: () => Promise<void> | void): void {
    this.hooks.push(fn);
  }

  /** Namespaces created so far (full names). */
  listNamespaces(): readonly string[] {
    return [...this.namespaces];
  }

  /**
   * Stops everything: hooks (LIFO), processes this topology started, any other process still inside its
   * namespaces, then deletes the namespaces and the temp dir (kept when VIPD_LAB_KEEP=1). Idempotent;
   * never throws (errors are collected and returned).
   */
  destroy(): Promise<void> {
    this.destroying ??= this.doDestroy();
    return this.destroying;
  }

  private async doDestroy(): Promise<void> {
    for (const hook of [...this.hooks].reverse()) {
      try {
        await withTimeout(Promise.resolve(hook()), 10_000);
      } catch {
        // keep going: the namespace sweep below kills whatever the hook failed to stop
      }
    }
    await Promise.all(this.processes.map((p) => p.stop(1500).catch(() => {})));
    for (const ns of this.namespaces) await removeNamespace(ns);
    if (process.env.VIPD_LAB_KEEP !== '1') rmSync(this.dir, { recursive: true, force: true });
  }

  private nextIfName(ns: string): string {
    const n = this.ifCount.get(ns) ?? 0;
    this.ifCount.set(ns, n + 1);
    return `eth${n}`;
  }
}

function signalNumber(sig: NodeJS.Signals): number | undefined {
  const table: Record<string, number> = { SIGHUP: 1, SIGINT: 2, SIGKILL: 9, SIGSEGV: 11, SIGTERM: 15, SIGABRT: 6 };
  return table[sig];
}

async function withTimeout<T>(p: Promise<T>, ms: number): Promise<T | undefined> {
  let t: NodeJS.Timeout | undefined;
  const timeout = new Promise<undefined>((r) => (t = setTimeout(() => r(undefined), ms)));
  try {
    return await Promise.race([p, timeout]);
  } finally {
    clearTimeout(t);
  }
}

/** Kills every process inside ns (SIGTERM, then SIGKILL) and deletes it. Never throws. */
export async function removeNamespace(ns: string): Promise<void> {
  try {
    const pids = await nsPids(ns);
    await Promise.all(pids.filter((p) => p !== process.pid).map((p) => killPid(p, 1500)));
    await run('ip', ['netns', 'del', ns], { allowFail: true });
  } catch {
    // best effort: the namespace may be gone already
  }
}

async function nsPids(ns: string): Promise<number[]> {
  const r = await run('ip', ['netns', 'pids', ns], { allowFail: true });
  return r.stdout
    .split('\n')
    .map((s) => Number(s.trim()))
    .filter((n) => Number.isInteger(n) && n > 0 && isAlive(n));
}

/** Namespace names currently present (full names). */
export async function listAllNamespaces(): Promise<string[]> {
  const r = await run('ip', ['netns', 'list'], { allowFail: true });
  return r.stdout
    .split('\n')
    .map((l) => l.trim().split(/\s+/)[0])
    .filter((s) => s.length > 0);
}

/** Removes namespaces and temp dirs left by a crashed run that used `prefix`. */
export async function cleanupPrefix(prefix: string): Promise<void> {
  for (const ns of await listAllNamespaces()) {
    if (ns.startsWith(prefix)) await removeNamespace(ns);
  }
  if (existsSync(LAB_ROOT)) {
    for (const d of readdirSync(LAB_ROOT)) {
      if (d.startsWith(prefix)) rmSync(join(LAB_ROOT, d), { recursive: true, force: true });
    }
  }
}
