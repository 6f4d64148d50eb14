// One BGP peer's session: the ONLY module that reads and writes net.Socket. It runs the pure FSM
// (fsm/fsm.ts, RFC 4271 §8) — feeding it socket, message and timer events and performing the actions it
// returns — for the outgoing and incoming connections (§6.8 collisions: fsm/collision.ts), and offers
// the speaker a send path that cannot stall the control plane:
//  - KEEPALIVEs and NOTIFICATIONs are written directly, so they go out between two queued messages
//    (never inside one: every write is whole messages);
//  - sendChunks() writes one chunk at a time, waits for 'drain' when the socket buffer is full and
//    yields to the event loop (setImmediate) at least every YIELD_AFTER_MS, so timers always run;
//  - received frames are processed in slices (the socket is paused between them) for the same reason;
//  - RFC 9687 Send Hold Timer: re-armed whenever a write reaches the kernel; if nothing is written for
//    the send hold time the session sends 8/0 (best effort) and drops the connection.
// TTL, GTSM and TCP-MD5 come in through `createSocket` / `configureSocket` (net/peer-security.ts).

import { EventEmitter } from 'node:events';
import net from 'node:net';
import { setImmediate as yieldToLoop } from 'node:timers/promises';
import { realClock, type Clock } from './clock.ts';
import { resolveCollision } from './fsm/collision.ts';
import { TIMER_EVENTS, ceaseNotification, eventForDecodeError, eventForMessage, frameTypeName, messageTypesIn } from './fsm/events.ts';
import { step } from './fsm/fsm.ts';
import { buildLocalOpen, type Negotiated } from './fsm/negotiate.ts';
import {
  initialFsmState,
  resolveFsmConfig,
  type DownReason,
  type FsmAction,
  type FsmConfig,
  type FsmEvent,
  type FsmState,
  type FsmStateName,
  type TimerName,
} from './fsm/types.ts';
import { noopLogger, noopMetrics, type BgpMetrics, type FamilyName, type Logger } from './observe.ts';
import { ReceivedRoutes } from './received.ts';
import { rejectConnection } from './reject-connection.ts';
import { SessionDownError, newConn, normalizeAddress, type Conn, type Direction, type EstablishedInfo, type SessionEvents, type SessionOptions, type StopOptions } from './session-types.ts';
import { CeaseSubcode, MessageType, NotificationCode } from './wire/constants.ts';
import { BgpNotificationError, describeNotification } from './wire/errors.ts';
import { Framer, type Frame } from './wire/framer.ts';
import { encodeKeepalive } from './wire/keepalive.ts';
import { decodeMessage } from './wire/message.ts';
import { encodeNotification } from './wire/notification.ts';
import { encodeOpen } from './wire/open.ts';
import { encodeRouteRefresh } from './wire/route-refresh.ts';
import { DEFAULT_DECODE_CONTEXT, type BgpMessage } from './wire/types.ts';
import { endOfRibFamily } from './wire/update.ts';

const KEEPALIVE_BYTES = encodeKeepalive();
/** Yield to the event loop after this much continuous work (send or receive). */
const YIELD_AFTER_MS = 2;
/** Frames handled per receive slice before yielding. */
const FRAMES_PER_SLICE = 64;
/** How long a closing socket may take to flush before it is destroyed (real time). */
const CLOSE_GRACE_MS = 1500;

export class Session extends EventEmitter<SessionEvents> {
  readonly peerAddress: string;
  readonly cfg: FsmConfig;
  readonly received: ReceivedRoutes;
  private readonly opts: SessionOptions;
  private readonly clock: Clock;
  private readonly log: Logger;
  private readonly metrics: BgpMetrics;
  private main: Conn;
  private second: Conn | undefined;
  private reported: FsmStateName = 'Idle';
  private generation = 0;
  private sendChain: Promise<void> = Promise.resolve();
  private readonly drainWaiters = new Set<{ resolve: () => void; reject: (e: Error) => void }>();
  private readonly closing = new Set<Promise<void>>();
  private info: EstablishedInfo | undefined;
  /** Keepalive lateness against the schedule (ms): the largest seen and the last one. */
  keepaliveLatenessMaxMs = 0;
  keepaliveLatenessLastMs = 0;
  lastDown: DownReason | undefined;
  /** Outgoing connection attempts that got no answer within the connect-retry time. */
  connectTimeouts = 0;

  constructor(opts: SessionOptions) {
    super();
    this.opts = opts;
    this.peerAddress = normalizeAddress(opts.peerAddress);
    this.cfg = resolveFsmConfig(opts.fsm);
    this.clock = opts.clock ?? realClock;
    this.log = (opts.logger ?? noopLogger).child({ component: 'session', peer: this.peerAddress });
    this.metrics = opts.metrics ?? noopMetrics;
    this.received = new ReceivedRoutes(opts.received);
    this.main = newConn('main', this.cfg, initialFsmState(opts.seed ?? Math.floor(Math.random() * 2 ** 32)));
    if (opts.ttl !== undefined && opts.configureSocket === undefined) {
      this.log.warn({ ttl: opts.ttl }, 'TTL requested but Node cannot set IP_TTL on TCP sockets: using the OS default (needs the native addon)');
    }
  }

  get state(): FsmStateName {
    return this.main.state.name;
  }

  get negotiated(): Negotiated | undefined {
    return this.main.state.name === 'Established' ? this.main.state.negotiated : undefined;
  }

  get establishedInfo(): EstablishedInfo | undefined {
    return this.main.state.name === 'Established' ? this.info : undefined;
  }

  /** ManualStart (passive configuration: ManualStart_with_PassiveTcpEstablishment). */
  start(): void {
    this.fire(this.main, { type: this.cfg.passive ? 'ManualStart_with_PassiveTcpEstablishment' : 'ManualStart' });
  }

  /**
   * ManualStop with Cease (RFC 4486) and an RFC 9003 message; as a Hard Reset (RFC 8538 §3: 6/9 with
   * the original code and subcode in front of its data) when both sides sent the N bit. Resolves when
   * the connection is closed (NOTIFICATION flushed) or after a short grace period.
   */
  stop(options: StopOptions = {}): Promise<void> {
    const n = this.main.state.negotiated;
    if (options.graceful === true && this.main.state.name !== 'Idle') {
      if (n?.hardReset === true) this.fire(this.main, { type: 'ManualStop', notification: ceaseNotification(options, false) });
      else this.fire(this.main, { type: 'ManualStop', silent: true });
    } else {
      this.fire(this.main, { type: 'ManualStop', notification: ceaseNotification(options, n?.hardReset === true) });
    }
    if (this.second !== undefined) this.fire(this.second, { type: 'ManualStop', notification: ceaseNotification(options, false) });
    return this.closed();
  }

  /** Admin reset (Cease 6/4 + message) followed by an automatic restart after the idle-hold time. */
  reset(message?: string): void {
    const n = this.main.state.negotiated;
    this.fire(this.main, { type: 'AutomaticStop', notification: ceaseNotification({ subcode: CeaseSubcode.ADMIN_RESET, message }, n?.hardReset === true) });
  }

  /** Peer removed from the configuration: Cease 6/3, stop, release every timer and socket. */
  async destroy(message?: string): Promise<void> {
    await this.stop({ subcode: CeaseSubcode.PEER_DECONFIGURED, message });
    for (const c of [this.main, this.second]) if (c !== undefined) this.discard(c);
    this.removeAllListeners();
  }

  /** Resolves when every connection being closed has closed. */
  closed(): Promise<void> {
    return Promise.all([...this.closing]).then(() => undefined);
  }

  // ---------------------------------------------------------------------------------------------
  // Speaker API

  /** Sends whole messages (already encoded); see sendChunks. */
  send(bytes: Uint8Array): Promise<void> {
    return this.sendChunks([bytes]);
  }

  /**
   * Writes each chunk (one or more whole messages) in order, honouring socket backpressure and
   * yielding to the event loop so timers and keepalives are never delayed by route work. Calls are
   * serialised. Rejects with SessionDownError if the session is not Established or goes down.
   */
  sendChunks(chunks: Iterable<Uint8Array> | AsyncIterable<Uint8Array>): Promise<void> {
    // Bound to the session generation of the call: data meant for a session that went down is never
    // written to the next one.
    const gen = this.generation;
    const run = this.sendChain.then(() => this.pump(chunks, gen));
    this.sendChain = run.catch(() => undefined);
    return run;
  }

  /** Asks the peer to re-send its routes (RFC 2918), when negotiated. */
  requestRouteRefresh(afi: number, safi: number): boolean {
    if (this.negotiated?.routeRefresh !== true) return false;
    this.writeConn(this.main, encodeRouteRefresh({ afi, safi, subtype: 0 }), 'route-refresh');
    return true;
  }

  private async pump(chunks: Iterable<Uint8Array> | AsyncIterable<Uint8Array>, gen: number): Promise<void> {
    const check = (): net.Socket => {
      const s = this.main.socket;
      if (this.main.state.name !== 'Established' || this.generation !== gen || s === undefined) throw new SessionDownError();
      return s;
    };
    check();
    let sliceStart = performance.now();
    for await (const chunk of chunks) {
      const socket = check();
      const ok = this.writeConn(this.main, chunk, undefined, socket);
      // UPDATEs and End-of-RIB markers go out through here, not through writeConn's typed path.
      for (const kind of messageTypesIn(chunk)) this.metrics.messageSent(this.peerAddress, kind);
      if (!ok) {
        await this.waitDrain();
        sliceStart = performance.now();
      } else if (performance.now() - sliceStart >= YIELD_AFTER_MS) {
        await yieldToLoop();
        sliceStart = performance.now();
      }
    }
    check();
  }

  private waitDrain(): Promise<void> {
    return new Promise((resolve, reject) => {
      const w = { resolve: () => { this.drainWaiters.delete(w); resolve(); }, reject: (e: Error) => { this.drainWaiters.delete(w); reject(e); } };
      this.drainWaiters.add(w);
    });
  }

  private failSenders(): void {
    this.generation++;
    for (const w of [...this.drainWaiters]) w.reject(new SessionDownError('BGP session went down'));
  }

  // ---------------------------------------------------------------------------------------------
  // Connections

  /** Called by the listener with a connection from this peer's address. */
  acceptIncoming(socket: net.Socket): void {
    this.opts.configureSocket?.(socket, 'accepted');
    let st = this.main.state.name;
    if (st === 'Established' && this.main.state.negotiated?.peerGracefulRestart !== undefined) {
      // A graceful-restart capable peer connecting again while we are Established has restarted
      // (RFC 4724 §4.2; BIRD does the same): drop the old connection and take the new one, instead of
      // refusing it until our hold timer notices (which could be minutes with 180 s hold times).
      this.log.warn({}, 'peer reconnected while Established (restart): replacing the old connection');
      this.detach(this.main, true);
      this.fire(this.main, { type: 'TcpConnectionFails' });
      this.fire(this.main, { type: 'AutomaticStart_with_PassiveTcpEstablishment' });
      st = this.main.state.name;
    }
    if (st === 'Active' || (st === 'Connect' && this.main.socket === undefined)) {
      this.attach(this.main, socket, 'incoming');
      this.fire(this.main, { type: 'TcpConnectionConfirmed' });
    } else if ((st === 'Connect' || st === 'OpenSent' || st === 'OpenConfirm') && this.second === undefined) {
      // §6.8: track the second connection with its own FSM until an OPEN tells us who wins. Our own
      // attempt in flight (Connect) is kept too: both peers may be connecting at once, and dropping it
      // here while the peer drops its own would leave no connection at all.
      const cfg: FsmConfig = { ...this.cfg, passive: true, autoRestart: false };
      const state: FsmState = { ...initialFsmState(this.main.state.rng ^ 0x5bd1e995), name: 'Active', minimalOpen: this.main.state.minimalOpen };
      this.second = newConn('collision', cfg, state);
      this.attach(this.second, socket, 'incoming');
      this.fire(this.second, { type: 'TcpConnectionConfirmed' });
    } else {
      // Idle (stopped or damping) or a busy collision slot: Connection Rejected; Established: §6.8 the
      // existing session wins, the new connection is closed with Collision Resolution.
      const subcode = st === 'Established' ? CeaseSubcode.COLLISION_RESOLUTION : CeaseSubcode.CONNECTION_REJECTED;
      this.log.info({ state: st, subcode }, 'incoming connection refused');
      this.metrics.notificationSent(this.peerAddress, NotificationCode.CEASE, subcode);
      rejectConnection(socket, subcode);
    }
  }

  private attach(conn: Conn, socket: net.Socket, direction: Direction): void {
    conn.socket = socket;
    conn.direction = direction;
    conn.framer = new Framer();
    conn.paused = false;
    conn.destroyOnClose = false;
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => {
      if (conn.socket !== socket) return;
      conn.framer.push(chunk);
      this.processFrames(conn);
    });
    socket.on('drain', () => {
      if (conn.socket !== socket || conn !== this.main) return;
      for (const w of [...this.drainWaiters]) w.resolve();
    });
    socket.on('error', (err) => {
      if (conn.socket === socket) this.log.debug({ err: { code: (err as NodeJS.ErrnoException).code } }, 'socket error');
    });
    socket.on('close', () => {
      if (conn.socket !== socket) return;
      conn.socket = undefined;
      this.fire(conn, { type: 'TcpConnectionFails' });
    });
  }

  /** Forgets the socket (its later events are ignored) and closes it: graceful end, or destroy. */
  private detach(conn: Conn, destroy: boolean): void {
    const socket = conn.socket;
    conn.socket = undefined;
    if (socket === undefined) return;
    if (conn === this.main) this.failSenders();
    if (destroy || socket.connecting || conn.destroyOnClose) {
      socket.destroy();
      return;
    }
    const done = new Promise<void>((resolve) => {
      const t = setTimeout(() => socket.destroy(), CLOSE_GRACE_MS);
      socket.once('close', () => { clearTimeout(t); resolve(); });
    });
    this.closing.add(done);
    void done.then(() => this.closing.delete(done));
    socket.end();
  }

  private discard(conn: Conn): void {
    for (const t of conn.timers.values()) t.cancel();
    conn.timers.clear();
    this.detach(conn, false);
  }

  private connect(conn: Conn): void {
    let socket: net.Socket;
    try {
      socket = this.opts.createSocket !== undefined ? this.opts.createSocket() : new net.Socket();
    } catch (err) {
      this.log.error({ err }, 'cannot create the peer socket');
      setImmediate(() => {
        if (conn.state.name === 'Connect' && conn.socket === undefined) this.fire(conn, { type: 'TcpConnectionFails' });
      });
      return;
    }
    this.opts.configureSocket?.(socket, 'before-connect');
    this.attach(conn, socket, 'outgoing');
    socket.once('connect', () => {
      if (conn.socket === socket) this.fire(conn, { type: 'Tcp_CR_Acked' });
    });
    const family = net.isIP(this.peerAddress);
    socket.connect({
      host: this.peerAddress,
      port: this.opts.peerPort ?? 179,
      ...(this.opts.localAddress !== undefined && this.opts.createSocket === undefined ? { localAddress: this.opts.localAddress } : {}),
      ...(family !== 0 ? { family } : {}),
    });
  }

  /** Writes whole messages; re-arms the RFC 9687 send hold timer when the bytes reach the kernel. */
  private writeConn(conn: Conn, bytes: Uint8Array, kind?: 'open' | 'keepalive' | 'notification' | 'route-refresh', socket = conn.socket): boolean {
    if (socket === undefined || socket.destroyed) return false;
    if (kind !== undefined) this.metrics.messageSent(this.peerAddress, kind);
    return socket.write(bytes, (err) => {
      if (err !== undefined && err !== null) return;
      const sh = conn.timers.get('send-hold');
      if (sh !== undefined && conn.socket === socket) this.startTimer(conn, 'send-hold', sh.ms);
    });
  }

  // ---------------------------------------------------------------------------------------------
  // Receive path

  private processFrames(conn: Conn): void {
    const socket = conn.socket;
    if (socket === undefined || conn.paused) return;
    const started = performance.now();
    let frames = 0;
    while (conn.socket === socket) {
      let frame: Frame | undefined;
      try {
        frame = conn.framer.next();
      } catch (err) {
        if (err instanceof BgpNotificationError) this.fire(conn, eventForDecodeError(err));
        else throw err;
        return;
      }
      if (frame === undefined) return;
      this.handleFrame(conn, frame);
      if (++frames >= FRAMES_PER_SLICE || performance.now() - started >= YIELD_AFTER_MS) {
        // Yield: received route work must not delay our timers (the control-plane-stall risk).
        conn.paused = true;
        socket.pause();
        setImmediate(() => {
          conn.paused = false;
          if (conn.socket !== socket) return;
          socket.resume();
          this.processFrames(conn);
        });
        return;
      }
    }
  }

  private handleFrame(conn: Conn, frame: Frame): void {
    const st = conn.state.name;
    const typeName = frameTypeName(frame.type);
    if (typeName !== undefined) this.metrics.messageReceived(this.peerAddress, typeName);
    if (frame.type === MessageType.UPDATE && st !== 'Established') {
      this.fire(conn, { type: 'UpdateMsg' }); // §8.2.2: unexpected before Established (FSM error)
      return;
    }
    let msg: BgpMessage;
    try {
      msg = decodeMessage(frame, conn.state.negotiated?.decode ?? DEFAULT_DECODE_CONTEXT);
    } catch (err) {
      if (!(err instanceof BgpNotificationError)) throw err;
      this.log.info({ code: err.notifCode, subcode: err.notifSubcode }, 'malformed message');
      this.fire(conn, eventForDecodeError(err));
      return;
    }
    if (msg.type === 'notification') {
      this.metrics.notificationReceived(this.peerAddress, msg.code, msg.subcode);
      this.log.warn(
        { code: msg.code, subcode: msg.subcode, ...(msg.shutdownMessage !== undefined ? { shutdownMessage: msg.shutdownMessage } : {}) },
        `NOTIFICATION received: ${describeNotification(msg.code, msg.subcode)}`,
      );
    }
    if (msg.type === 'update' || msg.type === 'route-refresh') conn.current = msg;
    this.fire(conn, eventForMessage(msg));
  }

  private deliver(conn: Conn): void {
    const msg = conn.current;
    conn.current = undefined;
    if (msg === undefined || conn !== this.main) return;
    const n = this.main.state.negotiated;
    if (msg.type === 'update') {
      const limit = this.received.apply(msg);
      for (const f of ['ipv4-unicast', 'ipv6-unicast'] as const) this.metrics.prefixesReceived(this.peerAddress, f, this.received.count(f));
      this.emit('update', msg);
      const eor = endOfRibFamily(msg);
      if (eor !== undefined) this.emit('endOfRib', eor);
      if (limit !== undefined) {
        this.log.warn({ limit: Buffer.from(limit.data).toString('hex') }, 'maximum prefixes exceeded: Cease 6/1');
        this.fire(conn, { type: 'AutomaticStop', notification: limit });
      }
    } else if (msg.type === 'route-refresh') {
      // RFC 2918 §4 / field guide: refresh for a family not negotiated (or without the capability,
      // as RouterOS sends) is ignored, never a reset.
      // RFC 7313 §4: a subtype other than 0 (request), 1 (BoRR), 2 (EoRR) MUST be ignored.
      const ok = n !== undefined && (n.routeRefresh || n.enhancedRouteRefresh) && msg.subtype <= 2 &&
        n.families.some((f) => f.afi === msg.afi && f.safi === msg.safi);
      if (ok) this.emit('routeRefresh', { afi: msg.afi, safi: msg.safi, subtype: msg.subtype });
      else this.log.debug({ afi: msg.afi, safi: msg.safi }, 'ROUTE-REFRESH ignored (not negotiated)');
    }
  }

  // ---------------------------------------------------------------------------------------------
  // FSM driver

  private fire(conn: Conn, event: FsmEvent): void {
    conn.queue.push(event);
    if (conn.busy) return;
    conn.busy = true;
    try {
      for (let ev = conn.queue.shift(); ev !== undefined; ev = conn.queue.shift()) {
        const from = conn.state.name;
        if (ev.type === 'ConnectRetryTimer_Expires' && from === 'Connect') {
          // No answer to our SYN within the connect-retry time: with TCP-MD5 configured on one side only,
          // this is the only symptom (the segments are dropped silently), so it is counted on its own.
          this.connectTimeouts++;
          this.log.warn({ connectTimeouts: this.connectTimeouts }, 'connect attempt timed out (check reachability and TCP-MD5 keys)');
        }
        const r = step(conn.state, ev, conn.cfg);
        conn.state = r.state;
        // RFC 8654: the framer's limit switches as soon as the OPENs are exchanged.
        if (r.state.negotiated !== undefined) conn.framer.setExtendedMessage(r.state.negotiated.extendedMessage);
        if (ev.type === 'SendHoldTimer_Expires') conn.destroyOnClose = true;
        for (const a of r.actions) this.perform(conn, a);
        if (from !== 'OpenConfirm' && conn.state.name === 'OpenConfirm') this.checkCollision(conn);
      }
    } finally {
      conn.busy = false;
    }
    this.settle();
  }

  private perform(conn: Conn, a: FsmAction): void {
    switch (a.type) {
      case 'start-timer': this.startTimer(conn, a.timer, a.ms); break;
      case 'stop-timer': {
        conn.timers.get(a.timer)?.cancel();
        conn.timers.delete(a.timer);
        break;
      }
      case 'stop-all-timers':
        for (const t of conn.timers.values()) t.cancel();
        conn.timers.clear();
        break;
      case 'connect': this.connect(conn); break;
      case 'close': this.detach(conn, false); break;
      case 'send-open':
        this.writeConn(conn, encodeOpen(buildLocalOpen(conn.cfg, a.minimal)), 'open');
        break;
      case 'send-keepalive': this.writeConn(conn, KEEPALIVE_BYTES, 'keepalive'); break;
      case 'send-notification': {
        const n = a.notification;
        this.metrics.notificationSent(this.peerAddress, n.code, n.subcode);
        this.log.warn({ code: n.code, subcode: n.subcode }, `NOTIFICATION sent: ${describeNotification(n.code, n.subcode)}`);
        this.writeConn(conn, encodeNotification({ code: n.code, subcode: n.subcode, data: n.data }), 'notification');
        break;
      }
      case 'established': {
        const s = conn.socket;
        this.info = {
          negotiated: a.negotiated,
          localAddress: normalizeAddress(s?.localAddress),
          localPort: s?.localPort ?? 0,
          remoteAddress: normalizeAddress(s?.remoteAddress),
          remotePort: s?.remotePort ?? 0,
        };
        break;
      }
      case 'deliver': this.deliver(conn); break;
      case 'down':
        if (conn === this.main && !conn.replaced) {
          this.lastDown = a.reason;
          this.received.clear();
          this.failSenders();
          this.pendingDown = a.reason;
        }
        break;
    }
  }

  private pendingDown: DownReason | undefined;

  private startTimer(conn: Conn, timer: TimerName, ms: number): void {
    conn.timers.get(timer)?.cancel();
    const due = this.clock.now() + ms;
    const cancel = this.clock.setTimer(ms, () => {
      const entry = conn.timers.get(timer);
      if (entry === undefined || entry.cancel !== cancel) return;
      conn.timers.delete(timer);
      if (timer === 'keepalive' && conn === this.main) {
        const late = Math.max(0, this.clock.now() - due);
        this.keepaliveLatenessLastMs = late;
        this.keepaliveLatenessMaxMs = Math.max(this.keepaliveLatenessMaxMs, late);
        this.metrics.keepaliveLateness(this.peerAddress, late / 1000);
      }
      this.fire(conn, TIMER_EVENTS[timer]);
    });
    conn.timers.set(timer, { cancel, due, ms });
  }

  /** §6.8: a connection just learned the peer's BGP ID; if the other one is also opening, one must go. */
  private checkCollision(conn: Conn): void {
    const other = conn === this.main ? this.second : this.main;
    if (other === this.main && other.state.name === 'Connect') {
      // An OPEN arrived on the incoming connection while ours is still connecting: stop our attempt
      // (BIRD does the same); settle() then makes the incoming connection the session's.
      this.main.replaced = true;
      this.detach(this.main, true);
      this.fire(this.main, { type: 'TcpConnectionFails' });
      return;
    }
    if (other === undefined || (other.state.name !== 'OpenSent' && other.state.name !== 'OpenConfirm')) return;
    const n = conn.state.negotiated!;
    const winnerDir = resolveCollision(this.cfg.localBgpId, this.cfg.localAs, n.peerBgpId, n.peerAs);
    let loser: Conn;
    if (conn.direction === other.direction) loser = this.main; // same direction: the newer connection wins
    else loser = conn.direction === winnerDir ? other : conn;
    this.log.info({ keep: winnerDir, peerBgpId: n.peerBgpId }, 'connection collision: closing one with Cease 6/7');
    if (loser === this.main) this.main.replaced = true;
    this.fire(loser, { type: 'OpenCollisionDump' });
  }

  /** After events: promote/discard the collision connection, report state changes and downs. */
  private settle(): void {
    const second = this.second;
    if (second !== undefined && !second.busy && !this.main.busy) {
      // The main connection has none left (Idle, or Active waiting to retry): the second one takes over.
      const mainGone = this.main.state.name === 'Idle' || this.main.state.name === 'Active';
      if (second.state.name === 'Idle') {
        this.discard(second);
        this.second = undefined;
      } else if (mainGone) {
        // The second connection survives: it becomes the session's connection.
        const old = this.main;
        old.replaced = true;
        this.discard(old);
        second.role = 'main';
        second.cfg = this.cfg;
        second.state = { ...second.state, failures: old.state.failures, allowAutoStart: old.state.allowAutoStart };
        this.main = second;
        this.second = undefined;
        this.pendingDown = undefined;
      }
    }
    const now = this.main.state.name;
    if (now !== this.reported) {
      const from = this.reported;
      this.reported = now;
      this.metrics.sessionState(this.peerAddress, now);
      this.log.info({ from, to: now }, 'state change');
      this.emit('stateChange', from, now);
      if (now === 'Established' && this.info !== undefined) {
        this.generation++;
        this.metrics.sessionEstablished(this.peerAddress);
        this.emit('established', this.info);
      }
    }
    if (this.pendingDown !== undefined && !this.main.busy) {
      const reason = this.pendingDown;
      this.pendingDown = undefined;
      this.emit('down', reason);
    }
  }
}

export type { FamilyName };
export { SessionDownError, normalizeAddress } from './session-types.ts';
export type { EstablishedInfo, RouteRefreshRequest, SessionErrorCode, SessionEvents, SessionOptions, StopOptions } from './session-types.ts';
