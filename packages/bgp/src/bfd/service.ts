// BFD on the main thread's side: starts the BFD worker (worker.ts, which owns sockets, state machines
// and timers) and relays its transitions as events. RFC 5882 §4.3 coupling is the caller's: on 'down'
// (Up → anything) the daemon tears the BGP session down with Cease 6/10 (RFC 9384) and withdraws.

import { EventEmitter } from 'node:events';
import { MessageChannel, Worker, type MessagePort } from 'node:worker_threads';
import { noopLogger, type Logger } from '../observe.ts';
import type { BfdTimers } from './fsm.ts';
import { BfdConfigError, checkTimers } from './fsm.ts';
import { checkAuthConfig } from './auth.ts';
import type { BfdStateName } from './packet.ts';
import type { BfdPeerSpec, BfdSessionSnapshot, FromWorker, ToWorker } from './protocol.ts';
import { loadUdpAddon } from './udp.ts';

export interface BfdStateEvent {
  readonly id: string;
  readonly from: BfdStateName;
  readonly to: BfdStateName;
  readonly diag: number;
  /** Wall-clock time of the transition in the worker (ms since the epoch). */
  readonly atMs: number;
}

export interface BfdServiceEvents {
  state: [ev: BfdStateEvent];
  /** A session reached Up. */
  up: [ev: BfdStateEvent];
  /** A session left Up (detection time expired, neighbor signalled Down, AdminDown). */
  down: [ev: BfdStateEvent];
  /** A session could not be set up (e.g. cannot bind). */
  error: [ev: { id: string; code: string; message: string }];
}

export class BfdService extends EventEmitter<BfdServiceEvents> {
  private readonly worker: Worker;
  private readonly port: MessagePort;
  private readonly log: Logger;
  private readonly states = new Map<string, BfdStateName>();
  private readonly pending = new Map<number, (s: readonly BfdSessionSnapshot[]) => void>();
  private nextReq = 1;
  private closed = false;
  readonly ready: Promise<void>;
  /** Scheduling the worker thread got: SCHED_RR, nice −10, or none (known once `ready` resolves). */
  priority: 'rr' | 'nice' | 'none' = 'none';

  /** Throws BfdUnavailableError when the native addon (needed for TTL 255 and the TTL check) is missing. */
  constructor(opts: { logger?: Logger } = {}) {
    super();
    loadUdpAddon(); // fail here, at start, not silently in the worker
    this.log = (opts.logger ?? noopLogger).child({ component: 'bfd' });
    const ch = new MessageChannel();
    this.port = ch.port1;
    this.worker = new Worker(new URL('./worker.ts', import.meta.url), { workerData: { port: ch.port2 }, transferList: [ch.port2] });
    this.worker.unref();
    this.port.unref();
    this.ready = new Promise((resolve, reject) => {
      const onErr = (err: Error) => reject(err);
      this.worker.once('error', onErr);
      this.port.on('message', (m: FromWorker) => {
        if (m.type === 'ready') {
          this.worker.off('error', onErr);
          this.priority = m.priority;
          this.log.info({ priority: m.priority }, m.priority === 'none'
            ? 'BFD worker runs at normal priority (no CAP_SYS_NICE): heavy CPU load can delay its timers'
            : 'BFD worker thread runs at raised scheduling priority');
          resolve();
        } else this.onMessage(m);
      });
    });
    this.worker.on('error', (err) => this.log.error({ err }, 'BFD worker failed'));
    this.worker.on('exit', (code) => {
      if (this.closed) return;
      // Our packets stopped with the worker, so every router will declare these sessions down: say so
      // here too, so the BGP sessions close now rather than disagree with the router.
      this.closed = true;
      this.log.error({ code }, 'BFD worker exited unexpectedly: every BFD session is down');
      for (const [id, st] of this.states) {
        this.states.set(id, 'Down');
        const ev: BfdStateEvent = { id, from: st, to: 'Down', diag: 0, atMs: Date.now() };
        this.emit('state', ev);
        if (st === 'Up') this.emit('down', ev);
      }
    });
  }

  private onMessage(m: FromWorker): void {
    if (m.type === 'state') {
      const ev: BfdStateEvent = { id: m.id, from: m.from, to: m.to, diag: m.diag, atMs: m.atMs };
      this.states.set(m.id, m.to);
      this.log.info({ peer: m.id, from: m.from, to: m.to, diag: m.diag }, 'BFD state change');
      this.emit('state', ev);
      if (m.to === 'Up') this.emit('up', ev);
      if (m.from === 'Up') this.emit('down', ev);
    } else if (m.type === 'snapshot') {
      this.pending.get(m.reqId)?.(m.sessions);
      this.pending.delete(m.reqId);
    } else if (m.type === 'error') {
      this.log.error({ peer: m.id, code: m.code, err: { message: m.message } }, 'BFD session cannot start');
      this.emit('error', { id: m.id, code: m.code, message: m.message });
    }
  }

  private send(m: ToWorker): void {
    if (!this.closed) this.port.postMessage(m);
  }

  addPeer(spec: BfdPeerSpec): void {
    checkTimers(spec.timers);
    const bad = spec.auth === undefined ? undefined : checkAuthConfig(spec.auth);
    if (bad !== undefined) throw new BfdConfigError(`BFD authentication: ${bad}`);
    this.states.set(spec.id, 'Down');
    this.send({ type: 'add', spec });
  }

  removePeer(id: string): void {
    this.states.delete(id);
    this.send({ type: 'remove', id });
  }

  setTimers(id: string, timers: BfdTimers): void {
    checkTimers(timers);
    this.send({ type: 'set-timers', id, timers });
  }

  setAdminDown(id: string, down: boolean): void {
    this.send({ type: 'admin', id, down });
  }

  /** Last state reported by the worker (undefined for unknown ids). */
  state(id: string): BfdStateName | undefined {
    return this.states.get(id);
  }

  has(id: string): boolean {
    return this.states.has(id);
  }

  snapshot(): Promise<readonly BfdSessionSnapshot[]> {
    if (this.closed) return Promise.resolve([]);
    const reqId = this.nextReq++;
    return new Promise((resolve) => {
      this.pending.set(reqId, resolve);
      this.send({ type: 'snapshot', reqId });
    });
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.send({ type: 'stop' });
    this.closed = true;
    await new Promise<void>((resolve) => {
      const t = setTimeout(() => void this.worker.terminate().then(() => resolve()), 1000);
      this.worker.once('exit', () => {
        clearTimeout(t);
        resolve();
      });
    });
    for (const r of this.pending.values()) r([]);
    this.pending.clear();
    this.port.close();
  }
}
