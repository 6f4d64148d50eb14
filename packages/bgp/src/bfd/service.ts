// BFD on the daemon's side: forks the BFD process (bfd-process.ts, which owns sockets, state machines
// and timers) and relays its transitions as events. RFC 5882 §4.3 coupling is the caller's: on 'down'
// (Up → anything) the daemon tears the BGP session down with Cease 6/10 (RFC 9384) and withdraws.
// If the BFD process dies, every session it had Up is reported Down at once (our packets stopped, so the
// routers will say so too) and the process is started again with every session, after 1 s (doubling up
// to 30 s while it keeps dying within a minute of its start). A heartbeat tells the BFD process that
// the daemon's event loop runs: after `watchdogMs` without one it stops transmitting, so a wedged daemon,
// whose routes can no longer be withdrawn, is taken out of forwarding by the routers' BFD.

import { EventEmitter } from 'node:events';
import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { noopLogger, type Logger } from '../observe.ts';
import type { BfdTimers } from './fsm.ts';
import { BfdConfigError, checkTimers } from './fsm.ts';
import { checkAuthConfig } from './auth.ts';
import type { BfdStateName } from './packet.ts';
import type { BfdPeerSpec, BfdSessionSnapshot, FromBfdProcess, ToBfdProcess } from './protocol.ts';
import { loadUdpAddon } from './udp.ts';

export interface BfdStateEvent {
  readonly id: string;
  readonly from: BfdStateName;
  readonly to: BfdStateName;
  readonly diag: number;
  /** Wall-clock time of the transition in the BFD process (ms since the epoch). */
  readonly atMs: number;
}

export interface BfdServiceEvents {
  state: [ev: BfdStateEvent];
  /** A session reached Up. */
  up: [ev: BfdStateEvent];
  /** A session left Up (detection time expired, neighbor signalled Down, AdminDown, BFD process died). */
  down: [ev: BfdStateEvent];
  /** A session could not be set up (e.g. cannot bind). */
  error: [ev: { id: string; code: string; message: string }];
  /** The BFD process died and was started again (its Up sessions were reported Down before). */
  'process-restart': [ev: { restarts: number }];
  /** The watchdog stopped (stalled: true) or resumed BFD transmits. */
  watchdog: [ev: { stalled: boolean; atMs: number }];
}

const PROCESS_FILE = fileURLToPath(new URL('./bfd-process.ts', import.meta.url));
const RESTART_MIN_MS = 1000;
const RESTART_MAX_MS = 30_000;
/** A process that lived this long before dying restarts after the shortest delay again. */
const STABLE_MS = 60_000;
/**
 * Default watchdog: far above the event-loop stalls of heavy route work (0.4–2 s with 100k routes
 * churning on a loaded machine), far below a BGP hold time.
 */
export const BFD_WATCHDOG_MS = 10_000;

interface Wanted {
  spec: BfdPeerSpec;
  readonly gen: number;
  adminDown: boolean;
}

export class BfdService extends EventEmitter<BfdServiceEvents> {
  private child: ChildProcess | undefined;
  private readonly log: Logger;
  private readonly states = new Map<string, BfdStateName>();
  /** Every session the caller wants, with its current timers and admin state: replayed on restart. */
  private readonly wanted = new Map<string, Wanted>();
  private readonly pending = new Map<number, (s: readonly BfdSessionSnapshot[]) => void>();
  private nextReq = 1;
  private nextGen = 1;
  private closed = false;
  private startedAt = 0;
  private restartDelayMs = RESTART_MIN_MS;
  private restartTimer: NodeJS.Timeout | undefined;
  /** How long the daemon's event loop may stall before BFD stops transmitting (0: never). */
  readonly watchdogMs: number;
  private heartbeat: NodeJS.Timeout | undefined;
  /** Resolves once the first BFD process reported ready; rejects if it could not start. */
  readonly ready: Promise<void>;
  /** Scheduling the BFD process got: SCHED_RR, nice −10, or none (known once `ready` resolves). */
  priority: 'rr' | 'nice' | 'none' = 'none';
  /** PID of the running BFD process (undefined while none runs). */
  pid: number | undefined;
  /** How often the BFD process died and was started again. */
  restarts = 0;

  /**
   * Throws BfdUnavailableError when the native addon (needed for TTL 255 and the TTL check) is missing.
   * `watchdogMs`: how long the daemon's event loop may stall before BFD stops transmitting (0: never).
   */
  constructor(opts: { logger?: Logger; watchdogMs?: number } = {}) {
    super();
    loadUdpAddon(); // fail here, at start, not silently in the BFD process
    this.log = (opts.logger ?? noopLogger).child({ component: 'bfd' });
    this.watchdogMs = opts.watchdogMs ?? BFD_WATCHDOG_MS;
    if (this.watchdogMs > 0) {
      this.heartbeat = setInterval(() => this.send({ type: 'heartbeat' }), Math.max(20, Math.floor(this.watchdogMs / 5)));
      this.heartbeat.unref();
    }
    this.ready = this.spawn();
    this.ready.catch(() => {}); // reported through the log and whoever awaits ready
  }

  private spawn(): Promise<void> {
    // No inherited execArgv (--inspect ports, test-runner flags); NODE_OPTIONS still applies.
    const child = fork(PROCESS_FILE, [], { execArgv: [], serialization: 'advanced', stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    this.child = child;
    this.startedAt = performance.now();
    // Held referenced until ready, so that awaiting `ready` keeps the daemon alive; then the BFD
    // process does not keep the daemon from exiting (it follows the daemon when the pipe closes).
    const channel = child.channel as { ref?: () => void; unref?: () => void } | undefined | null;
    const ready = new Promise<void>((resolve, reject) => {
      child.once('error', reject);
      child.once('exit', (code, signal) => reject(new Error(`BFD process exited before it was ready (${signal ?? code})`)));
      child.on('message', (m: FromBfdProcess) => {
        if (m.type !== 'ready') return this.onMessage(m);
        this.priority = m.priority;
        this.pid = m.pid;
        this.log.info({ priority: m.priority, pid: m.pid }, m.priority === 'none'
          ? 'BFD process runs at normal priority (no CAP_SYS_NICE): heavy CPU load can delay its timers'
          : 'BFD process runs at raised scheduling priority');
        resolve();
      });
    });
    void ready.finally(() => {
      child.unref();
      channel?.unref?.();
    }).catch(() => {});
    child.on('error', (err) => this.log.error({ err }, 'BFD process failed'));
    child.on('exit', (code, signal) => this.onExit(child, code, signal));
    if (this.watchdogMs > 0) this.send({ type: 'watchdog', ms: this.watchdogMs });
    // Sessions wanted before a restart: the process queues them until its loop starts.
    for (const w of this.wanted.values()) {
      this.send({ type: 'add', spec: w.spec, gen: w.gen });
      if (w.adminDown) this.send({ type: 'admin', id: w.spec.id, down: true });
    }
    return ready;
  }

  private onExit(child: ChildProcess, code: number | null, signal: NodeJS.Signals | null): void {
    if (this.child !== child) return;
    this.child = undefined;
    this.pid = undefined;
    for (const r of this.pending.values()) r([]);
    this.pending.clear();
    if (this.closed) return;
    // Our packets stopped with the process, so every router will declare these sessions down: say so
    // here too, so the BGP sessions close now rather than disagree with the router.
    const lived = performance.now() - this.startedAt;
    this.restartDelayMs = lived >= STABLE_MS ? RESTART_MIN_MS : this.restartDelayMs;
    this.log.error({ code, signal, restartInMs: this.restartDelayMs }, 'BFD process exited unexpectedly: every BFD session is down; starting it again');
    for (const [id, st] of this.states) {
      if (st === 'Down' || st === 'AdminDown') continue;
      this.states.set(id, 'Down');
      const ev: BfdStateEvent = { id, from: st, to: 'Down', diag: 0, atMs: Date.now() };
      this.emit('state', ev);
      if (st === 'Up') this.emit('down', ev);
    }
    this.restartTimer = setTimeout(() => {
      this.restartTimer = undefined;
      if (this.closed) return;
      this.restarts++;
      this.emit('process-restart', { restarts: this.restarts });
      this.spawn().catch((err: unknown) => this.log.error({ err }, 'BFD process did not start again'));
    }, this.restartDelayMs);
    this.restartTimer.unref();
    this.restartDelayMs = Math.min(RESTART_MAX_MS, this.restartDelayMs * 2);
  }

  private onMessage(m: FromBfdProcess): void {
    if (m.type === 'state') {
      if (this.wanted.get(m.id)?.gen !== m.gen) return; // a removed session's AdminDown on its way out
      const ev: BfdStateEvent = { id: m.id, from: m.from, to: m.to, diag: m.diag, atMs: m.atMs };
      this.states.set(m.id, m.to);
      this.log.info({ peer: m.id, from: m.from, to: m.to, diag: m.diag }, 'BFD state change');
      this.emit('state', ev);
      if (m.to === 'Up') this.emit('up', ev);
      if (m.from === 'Up') this.emit('down', ev);
    } else if (m.type === 'snapshot') {
      this.pending.get(m.reqId)?.(m.sessions);
      this.pending.delete(m.reqId);
    } else if (m.type === 'daemon-stalled') {
      if (m.stalled) this.log.error({ watchdogMs: this.watchdogMs, at: new Date(m.atMs).toISOString() }, 'the daemon did not answer the BFD process in time: BFD transmits stopped, so the routers withdraw this node');
      else this.log.warn({ at: new Date(m.atMs).toISOString() }, 'the daemon answers the BFD process again: BFD transmits resumed');
      this.emit('watchdog', { stalled: m.stalled, atMs: m.atMs });
    } else if (m.type === 'error') {
      this.log.error({ peer: m.id, code: m.code, err: { message: m.message } }, 'BFD session cannot start');
      this.emit('error', { id: m.id, code: m.code, message: m.message });
    }
  }

  private send(m: ToBfdProcess): void {
    const c = this.child;
    if (this.closed || c === undefined || !c.connected) return;
    c.send(m, (err) => {
      if (err !== null && err !== undefined) this.log.warn({ err, message: m.type }, 'BFD process did not take a control message');
    });
  }

  addPeer(spec: BfdPeerSpec): void {
    checkTimers(spec.timers);
    const bad = spec.auth === undefined ? undefined : checkAuthConfig(spec.auth);
    if (bad !== undefined) throw new BfdConfigError(`BFD authentication: ${bad}`);
    this.states.set(spec.id, 'Down');
    const gen = this.nextGen++;
    this.wanted.set(spec.id, { spec, gen, adminDown: false });
    this.send({ type: 'add', spec, gen });
  }

  removePeer(id: string): void {
    this.states.delete(id);
    this.wanted.delete(id);
    this.send({ type: 'remove', id });
  }

  setTimers(id: string, timers: BfdTimers): void {
    checkTimers(timers);
    const w = this.wanted.get(id);
    if (w !== undefined) w.spec = { ...w.spec, timers };
    this.send({ type: 'set-timers', id, timers });
  }

  setAdminDown(id: string, down: boolean): void {
    const w = this.wanted.get(id);
    if (w !== undefined) w.adminDown = down;
    this.send({ type: 'admin', id, down });
  }

  /** Last state reported by the BFD process (undefined for unknown ids). */
  state(id: string): BfdStateName | undefined {
    return this.states.get(id);
  }

  has(id: string): boolean {
    return this.states.has(id);
  }

  /** The sessions as the BFD process sees them ([] while it is restarting). */
  snapshot(): Promise<readonly BfdSessionSnapshot[]> {
    if (this.closed || this.child === undefined) return Promise.resolve([]);
    const reqId = this.nextReq++;
    return new Promise((resolve) => {
      this.pending.set(reqId, resolve);
      this.send({ type: 'snapshot', reqId });
    });
  }

  /** Stops every session (AdminDown to the peers) and the BFD process. */
  async close(): Promise<void> {
    if (this.closed) return;
    if (this.restartTimer !== undefined) clearTimeout(this.restartTimer);
    if (this.heartbeat !== undefined) clearInterval(this.heartbeat);
    this.send({ type: 'stop' });
    this.closed = true;
    const c = this.child;
    if (c !== undefined && c.exitCode === null && c.signalCode === null) {
      await new Promise<void>((resolve) => {
        const t = setTimeout(() => c.kill('SIGKILL'), 1000);
        c.once('exit', () => {
          clearTimeout(t);
          resolve();
        });
      });
    }
    for (const r of this.pending.values()) r([]);
    this.pending.clear();
  }
}
