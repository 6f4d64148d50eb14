// Data-path traffic from the test process: runs the generators of cli.ts inside a lab namespace (the
// client's), waits until the path answers, and returns the raw record when stopped (SIGTERM) or when the
// generator reaches its own bounds.
import { readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Topology, LabProcess } from '../netns.ts';
import { waitFor, LabError } from '../exec.ts';
import type { UdpRecord } from './udp-stream.ts';
import type { HttpRecord } from './http-load.ts';
import { TRAFFIC_CLI } from '../datapath/lab.ts';

let seq = 0;

export interface RunningClient<R> {
  readonly proc: LabProcess;
  /** SIGTERM: the generator stops sending, waits for late answers, writes its record and exits. */
  stop(timeoutMs?: number): Promise<R>;
  /** Waits (bounded) for the generator to end on its own bounds. */
  done(timeoutMs: number): Promise<R>;
}

async function finish<R>(proc: LabProcess, out: string, timeoutMs: number, signal: boolean): Promise<R> {
  if (signal && proc.isRunning()) process.kill(proc.pid, 'SIGTERM');
  let timer: NodeJS.Timeout | undefined;
  const code = await Promise.race([proc.exited, new Promise<undefined>((r) => (timer = setTimeout(() => r(undefined), timeoutMs)))]);
  clearTimeout(timer);
  if (code === undefined) {
    await proc.stop(0);
    throw new LabError('LAB_WAIT_TIMEOUT', `traffic client did not finish within ${timeoutMs} ms`);
  }
  if (code !== 0 || !existsSync(out)) throw new LabError('LAB_NOT_RUNNING', `traffic client exited ${code}: ${proc.readLog().slice(-1500)}`);
  return JSON.parse(readFileSync(out, 'utf8')) as R;
}

export interface UdpClientOptions {
  readonly target: string;
  readonly port: number;
  readonly flows: number;
  readonly ratePps: number;
  readonly maxDurationMs: number;
  readonly drainMs?: number;
  /** Flow f uses source port basePort + f (default: ephemeral). */
  readonly basePort?: number;
  /** Wait for the first echo before returning (default true). */
  readonly waitFirstEcho?: boolean;
}

export async function startUdpClient(topo: Topology, ns: string, o: UdpClientOptions): Promise<RunningClient<UdpRecord>> {
  const out = join(topo.dir, `udp-${++seq}.json`);
  const proc = topo.spawnIn(ns, [
    process.execPath, TRAFFIC_CLI, 'udp', '--target', o.target, '--port', String(o.port), '--flows', String(o.flows),
    '--rate', String(o.ratePps), '--max-ms', String(o.maxDurationMs), '--drain-ms', String(o.drainMs ?? 500), '--out', out,
    ...(o.basePort === undefined ? [] : ['--base-port', String(o.basePort)]),
  ]);
  if (o.waitFirstEcho !== false) {
    await waitFor(() => {
      if (!proc.isRunning()) throw new LabError('LAB_NOT_RUNNING', `udp client exited: ${proc.readLog()}`);
      return proc.readLog().includes('"first-echo"') ? true : undefined;
    }, { timeoutMs: 15_000, intervalMs: 20, what: 'first UDP echo' });
  }
  return { proc, stop: (timeoutMs = 10_000) => finish<UdpRecord>(proc, out, timeoutMs, true), done: (t) => finish<UdpRecord>(proc, out, t, false) };
}

export interface HttpClientOptions {
  readonly target: string;
  readonly port: number;
  readonly connections: number;
  readonly intervalMs: number;
  readonly timeoutMs: number;
  readonly maxDurationMs: number;
  readonly maxRequests: number;
}

export function startHttpClient(topo: Topology, ns: string, o: HttpClientOptions): RunningClient<HttpRecord> {
  const out = join(topo.dir, `http-${++seq}.json`);
  const proc = topo.spawnIn(ns, [
    process.execPath, TRAFFIC_CLI, 'http', '--target', o.target, '--port', String(o.port), '--connections', String(o.connections),
    '--interval-ms', String(o.intervalMs), '--timeout-ms', String(o.timeoutMs), '--max-ms', String(o.maxDurationMs),
    '--max-requests', String(o.maxRequests), '--out', out,
  ]);
  return { proc, stop: (timeoutMs = 10_000) => finish<HttpRecord>(proc, out, timeoutMs, true), done: (t) => finish<HttpRecord>(proc, out, t, false) };
}
