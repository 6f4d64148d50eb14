// Lab harness: running external commands (ip, birdc, vtysh, gobgp, tcpdump…) with timeouts and typed errors.
// Not protocol code; used only by e2e tests, tools and benchmarks.
import { spawn } from 'node:child_process';

/** Every harness failure is a LabError with a stable `code`; tests match on `code`, never on text. */
export class LabError extends Error {
  readonly code: LabErrorCode;
  readonly detail: Record<string, unknown>;
  constructor(code: LabErrorCode, message: string, detail: Record<string, unknown> = {}) {
    super(message);
    this.name = 'LabError';
    this.code = code;
    this.detail = detail;
  }
}

export type LabErrorCode =
  | 'LAB_COMMAND_FAILED' // non-zero exit
  | 'LAB_COMMAND_TIMEOUT' // killed after timeoutMs
  | 'LAB_SPAWN_FAILED' // could not start
  | 'LAB_WAIT_TIMEOUT' // waitFor deadline passed
  | 'LAB_BAD_SPEC' // a spec the router cannot express
  | 'LAB_PARSE' // router output not understood
  | 'LAB_NOT_RUNNING'; // query before start / after stop

export interface RunOptions {
  readonly timeoutMs?: number;
  /** Resolve with the result instead of throwing on a non-zero exit. */
  readonly allowFail?: boolean;
  readonly input?: string;
  readonly env?: NodeJS.ProcessEnv;
  readonly cwd?: string;
}

export interface RunResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

const MAX_OUTPUT_BYTES = 64 * 1024 * 1024;

/** Runs `cmd args` (no shell), collects output, kills it (SIGKILL) after `timeoutMs` (default 10 s). */
export function run(cmd: string, args: readonly string[], opts: RunOptions = {}): Promise<RunResult> {
  const timeoutMs = opts.timeoutMs ?? 10_000;
  return new Promise((resolve, reject) => {
    let child;
    try {
      child = spawn(cmd, [...args], { stdio: ['pipe', 'pipe', 'pipe'], env: opts.env ?? process.env, cwd: opts.cwd });
    } catch (err) {
      reject(new LabError('LAB_SPAWN_FAILED', `cannot start ${cmd}`, { cmd, args, err }));
      return;
    }
    const out: Buffer[] = [];
    const errOut: Buffer[] = [];
    let size = 0;
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, timeoutMs);
    child.stdout.on('data', (b: Buffer) => {
      size += b.length;
      if (size <= MAX_OUTPUT_BYTES) out.push(b);
    });
    child.stderr.on('data', (b: Buffer) => errOut.push(b));
    child.on('error', (err) => {
      clearTimeout(timer);
      reject(new LabError('LAB_SPAWN_FAILED', `cannot start ${cmd}: ${err.message}`, { cmd, args }));
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      const result = {
        code: code ?? (signal ? 128 : 1),
        stdout: Buffer.concat(out).toString('utf8'),
        stderr: Buffer.concat(errOut).toString('utf8'),
      };
      if (timedOut) {
        reject(new LabError('LAB_COMMAND_TIMEOUT', `${cmd} ${args.join(' ')} timed out after ${timeoutMs} ms`, { cmd, args, ...result }));
      } else if (result.code !== 0 && !opts.allowFail) {
        reject(new LabError('LAB_COMMAND_FAILED', `${cmd} ${args.join(' ')} exited ${result.code}: ${result.stderr.trim().slice(0, 500)}`, { cmd, args, ...result }));
      } else {
        resolve(result);
      }
    });
    child.stdin.on('error', () => {});
    child.stdin.end(opts.input ?? '');
  });
}

export interface WaitOptions {
  readonly timeoutMs?: number;
  readonly intervalMs?: number;
  /** Named in the LAB_WAIT_TIMEOUT error. */
  readonly what?: string;
}

/**
 * Polls `probe` until it returns something other than undefined/false/null, or the deadline passes.
 * Errors thrown by the probe count as "not yet" (routers' CLIs fail while they start); the last one is
 * attached to the timeout error, except LAB_SPAWN_FAILED / LAB_NOT_RUNNING, which end the wait at once.
 * Bounded in time and in iterations.
 */
export async function waitFor<T>(
  probe: () => Promise<T | undefined | null | false> | T | undefined | null | false,
  opts: WaitOptions = {},
): Promise<T> {
  const timeoutMs = opts.timeoutMs ?? 15_000;
  const intervalMs = opts.intervalMs ?? 100;
  const deadline = Date.now() + timeoutMs;
  let lastErr: unknown;
  let lastValue: unknown;
  const maxIterations = Math.ceil(timeoutMs / Math.max(1, intervalMs)) + 2;
  for (let i = 0; i < maxIterations; i++) {
    try {
      const v = await probe();
      lastValue = v;
      if (v !== undefined && v !== null && v !== false) return v;
    } catch (err) {
      // a process that died will not come back: stop waiting at once
      if (err instanceof LabError && (err.code === 'LAB_SPAWN_FAILED' || err.code === 'LAB_NOT_RUNNING')) throw err;
      lastErr = err;
    }
    if (Date.now() >= deadline) break;
    await sleep(Math.min(intervalMs, Math.max(1, deadline - Date.now())));
  }
  throw new LabError('LAB_WAIT_TIMEOUT', `timed out after ${timeoutMs} ms waiting for ${opts.what ?? 'condition'}`, {
    lastErr,
    lastValue,
  });
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** True while a process with this pid exists (signal 0). */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** SIGTERM, wait up to graceMs, then SIGKILL; resolves once the pid is gone (or after a bounded wait). */
export async function killPid(pid: number, graceMs = 3000): Promise<void> {
  if (!isAlive(pid)) return;
  try {
    process.kill(pid, 'SIGTERM');
  } catch {
    return;
  }
  const deadline = Date.now() + graceMs;
  while (Date.now() < deadline && isAlive(pid)) await sleep(25);
  if (isAlive(pid)) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      return;
    }
    const hard = Date.now() + 2000;
    while (Date.now() < hard && isAlive(pid)) await sleep(25);
  }
}

/** SIGKILL at once (a crash: no NOTIFICATION, no cleanup); resolves once the pid is gone (bounded). */
export async function hardKill(pid: number): Promise<void> {
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    return;
  }
  const deadline = Date.now() + 3000;
  while (Date.now() < deadline && isAlive(pid)) await sleep(10);
}
