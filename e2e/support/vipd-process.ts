// Lab harness: runs `vipd run --config <file>` (standalone mode) as a real process inside a network
// namespace, rewrites its YAML config and reloads it with SIGHUP, stops it with a signal and reads its
// JSON log. Used by the e2e speaker tests, the Quickstart lab command and the benchmarks.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { stringify } from 'yaml';
import type { Topology, LabProcess } from './netns.ts';
import { waitFor, LabError } from './exec.ts';

export const VIPD_CLI = fileURLToPath(new URL('../../packages/controller/src/cli.ts', import.meta.url));

export interface VipdStartOptions {
  /** Extra command line arguments after `run --config FILE`. */
  readonly args?: readonly string[];
  /** Wait until the daemon logs that it is running (default true). */
  readonly waitReady?: boolean;
  /** Extra environment (e.g. NODE_OPTIONS). */
  readonly env?: NodeJS.ProcessEnv;
}

export class VipdProcess {
  readonly topo: Topology;
  readonly ns: string;
  readonly configFile: string;
  readonly name: string;
  private proc: LabProcess | undefined;
  private starts = 0;
  config: Record<string, unknown>;

  constructor(topo: Topology, ns: string, config: Record<string, unknown>, name = 'vipd') {
    this.topo = topo;
    this.ns = ns;
    this.name = name;
    this.configFile = join(topo.dir, `${ns}-${name}.yaml`);
    this.config = config;
    topo.onDestroy(() => this.proc?.stop(3000));
  }

  get pid(): number | undefined {
    return this.proc?.pid;
  }

  get process(): LabProcess | undefined {
    return this.proc;
  }

  writeConfig(config: Record<string, unknown> = this.config): void {
    this.config = config;
    writeFileSync(this.configFile, stringify(config));
  }

  async start(opts: VipdStartOptions = {}): Promise<void> {
    this.writeConfig();
    this.starts++;
    const logFile = join(this.topo.dir, `${this.ns}-${this.name}-${this.starts}.log`);
    this.proc = this.topo.spawnIn(this.ns, [process.execPath, VIPD_CLI, 'run', '--config', this.configFile, ...(opts.args ?? [])], {
      logFile,
      ...(opts.env === undefined ? {} : { env: { ...process.env, ...opts.env } }),
    });
    if (opts.waitReady !== false) await this.waitLog((l) => l.msg === 'vipd running', 15_000);
  }

  /** JSON log records so far (non-JSON lines are returned as { msg: line }). */
  logs(): Array<Record<string, unknown>> {
    const text = this.proc?.readLog() ?? '';
    return text
      .split('\n')
      .filter((l) => l.trim() !== '')
      .map((l) => {
        try {
          return JSON.parse(l) as Record<string, unknown>;
        } catch {
          return { msg: l };
        }
      });
  }

  async waitLog(pred: (rec: Record<string, unknown>) => boolean, timeoutMs = 10_000, from = 0): Promise<Record<string, unknown>> {
    const p = this.proc;
    return waitFor(
      () => {
        if (p !== undefined && !p.isRunning()) {
          throw new LabError('LAB_NOT_RUNNING', `vipd exited: ${p.readLog().slice(-1500)}`);
        }
        return this.logs().slice(from).find(pred);
      },
      { timeoutMs, intervalMs: 50, what: `vipd log line in ${this.ns}` },
    ).catch((err: unknown) => {
      throw new LabError('LAB_WAIT_TIMEOUT', `${(err as Error).message}\n--- vipd log ---\n${p?.readLog().slice(-3000) ?? ''}`);
    });
  }

  /** Writes the new config, sends SIGHUP and waits until the daemon reports the reload. */
  async reload(config: Record<string, unknown>): Promise<Record<string, unknown>> {
    const from = this.logs().length;
    this.writeConfig(config);
    this.signal('SIGHUP');
    return this.waitLog((l) => l.msg === 'config reloaded' || l.msg === 'config reload rejected', 10_000, from);
  }

  signal(sig: NodeJS.Signals): void {
    if (this.proc === undefined) throw new LabError('LAB_NOT_RUNNING', 'vipd not started');
    process.kill(this.proc.pid, sig);
  }

  /** Sends `sig` and waits for the exit code (bounded). */
  async stop(sig: NodeJS.Signals = 'SIGTERM', timeoutMs = 15_000): Promise<number> {
    const p = this.proc;
    if (p === undefined || !p.isRunning()) return p === undefined ? 0 : await p.exited;
    process.kill(p.pid, sig);
    let timer: NodeJS.Timeout | undefined;
    const code = await Promise.race([p.exited, new Promise<undefined>((r) => (timer = setTimeout(() => r(undefined), timeoutMs)))]);
    clearTimeout(timer);
    if (code === undefined) {
      await p.stop(0);
      throw new LabError('LAB_WAIT_TIMEOUT', `vipd did not exit within ${timeoutMs} ms after ${sig}`);
    }
    return code;
  }

  /** SIGKILL: vanishes without NOTIFICATION (graceful restart from the router's side). */
  async kill(): Promise<void> {
    const p = this.proc;
    if (p === undefined || !p.isRunning()) return;
    process.kill(p.pid, 'SIGKILL');
    await p.exited;
  }
}
