// The BFD process (forked by service.ts): owns every BFD socket and state machine so BFD timers never
// wait behind route work in the daemon (the control-plane stall of BGP.md "Timers and liveness"). Its
// own process, not a worker thread: a thread shares the daemon's address space, and in full-suite runs
// its transmits were seen 200–223 ms late behind the daemon's heap work; a process shares nothing but
// the IPC pipe. One loop on the main thread: a blocking poll() in the addon over the BFD sockets and
// the IPC pipe until the next timer, then received datagrams, then due timers; when the pipe is
// readable the loop yields once to Node's event loop, which reads the control messages. Sends with TTL
// 255; single-hop sessions drop datagrams whose TTL is not 255 (RFC 5881 §5). Transitions are sent to
// the daemon as they happen.
//
// Lifetime: 'stop' from the daemon removes every session with AdminDown (a planned shutdown). If the
// daemon dies instead, the pipe closes and this process exits at once *without* AdminDown, so every
// router's detection timer declares the sessions Down and withdraws the routes (RFC 5882 §3.2: AdminDown
// must not be taken as a failure). If the daemon lives but its event loop stops (no control message,
// heartbeats included, for the watchdog time), its routes can no longer be withdrawn: this process then
// stops transmitting, so the routers time the sessions out, until the daemon answers again. Terminal
// signals are ignored: the daemon decides when BFD stops.

import { randomInt } from 'node:crypto';
import { decodeBfdPacket, encodeBfdPacket, type BfdPacket } from './packet.ts';
import { detectionTimeUs, initialBfdSession, stepBfd, txIntervalUs, type BfdEvent, type BfdSession } from './fsm.ts';
import { BFD_PORT_MULTI_HOP, BFD_PORT_SINGLE_HOP, type BfdPeerSpec, type BfdSessionSnapshot, type FromBfdProcess, type ToBfdProcess } from './protocol.ts';
import { loadUdpAddon } from './udp.ts';

/** Longest blocking wait with no timer due (control messages wake the poll themselves). */
const POLL_CAP_MS = 250;

interface Entry {
  readonly spec: BfdPeerSpec;
  readonly gen: number;
  fsm: BfdSession;
  readonly txFd: number;
  readonly rxKey: string;
  readonly peerPort: number;
  txDue: number | undefined;
  detectDue: number | undefined;
  sent: number;
  received: number;
  droppedTtl: number;
  discarded: number;
  ups: number;
  downs: number;
  latenessMaxMs: number;
  sendErrors: number;
  suppressed: number;
}

if (process.send === undefined || process.channel === undefined) throw new Error('bfd-process.ts runs as a child of the BFD service (service.ts)');
const ipcFd = (process.channel as unknown as { fd: number }).fd;
const addon = loadUdpAddon();
const entries = new Map<string, Entry>();
const byDiscr = new Map<number, Entry>();
/** Receive sockets by "localAddress|port", with the sessions using each. */
const rxSockets = new Map<string, { fd: number; users: number }>();
const rxByFd = new Map<number, string>();
let running = true;
let parentGone = false;
/** Watchdog on the daemon (0 = off until the daemon sets it) and the time of its last message. */
let watchdogMs = 0;
let lastControlAt = performance.now();
let daemonStalled = false;
const inbox: ToBfdProcess[] = [];
process.on('message', (m: ToBfdProcess) => {
  lastControlAt = performance.now();
  inbox.push(m);
});
process.on('disconnect', () => {
  parentGone = true;
  running = false;
});
for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(sig, () => {});

let sentSinceYield = 0;
const post = (m: FromBfdProcess): void => {
  if (parentGone) return;
  // With a callback, a write error (EPIPE: the daemon just died) comes here instead of crashing us;
  // the 'disconnect' that follows stops the loop.
  process.send!(m, undefined, {}, () => {});
  sentSinceYield++;
};
const now = () => performance.now();

function newDiscriminator(): number {
  for (;;) {
    const d = randomInt(1, 0xffffffff);
    if (!byDiscr.has(d)) return d;
  }
}

function add(spec: BfdPeerSpec, gen: number): void {
  if (entries.has(spec.id)) remove(spec.id);
  const listenPort = spec.listenPort ?? (spec.multihop ? BFD_PORT_MULTI_HOP : BFD_PORT_SINGLE_HOP);
  const rxKey = `${spec.localAddress}|${listenPort}`;
  let txFd = -1;
  try {
    let rx = rxSockets.get(rxKey);
    if (rx === undefined) {
      rx = { fd: addon.udpSocket(spec.localAddress, listenPort, 255).fd, users: 0 };
      rxSockets.set(rxKey, rx);
      rxByFd.set(rx.fd, rxKey);
    }
    // RFC 5881 §4: source port 49152..65535, the same for the whole session; §5: TTL 255 on send.
    txFd = addon.udpSocket(spec.localAddress, 0, 255).fd;
    rx.users++;
  } catch (err) {
    if (txFd >= 0) addon.closeFd(txFd);
    const e = err as { code?: string; message?: string };
    post({ type: 'error', id: spec.id, code: e.code ?? 'ERR_BFD_SOCKET', message: e.message ?? String(err) });
    return;
  }
  const e: Entry = {
    // §6.8.1: bfd.XmitAuthSeq starts at a random value.
    spec, gen, fsm: initialBfdSession(newDiscriminator(), spec.timers, spec.passive === true, spec.auth, randomInt(0, 0xffffffff)), txFd, rxKey,
    peerPort: spec.peerPort ?? (spec.multihop ? BFD_PORT_MULTI_HOP : BFD_PORT_SINGLE_HOP),
    txDue: undefined, detectDue: undefined, sent: 0, received: 0, droppedTtl: 0, discarded: 0, ups: 0, downs: 0, latenessMaxMs: 0, sendErrors: 0, suppressed: 0,
  };
  entries.set(spec.id, e);
  byDiscr.set(e.fsm.localDiscr, e);
  apply(e, { type: 'start' });
}

function remove(id: string): void {
  const e = entries.get(id);
  if (e === undefined) return;
  // §6.8.16-style courtesy: tell the remote we are going away administratively before closing.
  if (e.fsm.state !== 'AdminDown') apply(e, { type: 'admin-down' });
  entries.delete(id);
  byDiscr.delete(e.fsm.localDiscr);
  addon.closeFd(e.txFd);
  const rx = rxSockets.get(e.rxKey);
  if (rx !== undefined && --rx.users === 0) {
    rxSockets.delete(e.rxKey);
    rxByFd.delete(rx.fd);
    addon.closeFd(rx.fd);
  }
}

function apply(e: Entry, ev: BfdEvent): void {
  const r = stepBfd(e.fsm, ev, Math.random());
  e.fsm = r.state;
  const t = now();
  for (const a of r.actions) {
    switch (a.type) {
      case 'send':
        send(e, a.packet);
        break;
      case 'arm':
        if (a.timer === 'tx') e.txDue = t + a.ms;
        else e.detectDue = t + a.ms;
        break;
      case 'disarm':
        if (a.timer === 'tx') e.txDue = undefined;
        else e.detectDue = undefined;
        break;
      case 'state':
        if (a.to === 'Up') e.ups++;
        if (a.from === 'Up') e.downs++;
        post({ type: 'state', id: e.spec.id, gen: e.gen, from: a.from, to: a.to, diag: a.diag, atMs: Date.now() });
        break;
      case 'discard':
        e.discarded++;
        break;
    }
  }
}

function send(e: Entry, p: BfdPacket): void {
  if (daemonStalled) {
    e.suppressed++;
    return;
  }
  try {
    if (addon.udpSend(e.txFd, e.spec.peerAddress, e.peerPort, Buffer.from(encodeBfdPacket(p)))) e.sent++;
    else e.sendErrors++;
  } catch {
    // e.g. EADDRNOTAVAIL while an address is being removed: the remote's detection timer decides.
    e.sendErrors++;
  }
}

function receiveOn(fd: number): void {
  const key = rxByFd.get(fd);
  if (key === undefined) return;
  for (let i = 0; i < 256; i++) {
    const d = addon.udpRecv(fd);
    if (d === null) return;
    let p: BfdPacket;
    try {
      p = decodeBfdPacket(d.data);
    } catch {
      const any = [...entries.values()].find((x) => x.rxKey === key && x.spec.peerAddress === d.address);
      if (any !== undefined) any.discarded++;
      continue;
    }
    const e: Entry | undefined = p.yourDiscriminator !== 0
      ? byDiscr.get(p.yourDiscriminator)
      : [...entries.values()].find((x) => x.rxKey === key && x.spec.peerAddress === d.address);
    if (e === undefined || e.rxKey !== key || e.spec.peerAddress !== d.address) continue;
    // RFC 5881 §5: single-hop packets MUST arrive with TTL 255 (GTSM); RFC 5883 §5: multihop may check
    // a configured minimum.
    const minTtl = e.spec.multihop ? 256 - (e.spec.maxHops ?? 255) : 255;
    if (d.ttl < minTtl) {
      e.droppedTtl++;
      continue;
    }
    e.received++;
    apply(e, { type: 'rx', packet: p });
  }
}

function runTimers(): void {
  const t = now();
  for (const e of entries.values()) {
    if (e.detectDue !== undefined && e.detectDue <= t) {
      e.detectDue = undefined;
      apply(e, { type: 'detect-timer' });
    }
    if (e.txDue !== undefined && e.txDue <= t) {
      e.latenessMaxMs = Math.max(e.latenessMaxMs, t - e.txDue);
      e.txDue = undefined;
      apply(e, { type: 'tx-timer' });
    }
  }
}

function snapshot(e: Entry): BfdSessionSnapshot {
  return {
    id: e.spec.id, peerAddress: e.spec.peerAddress, localAddress: e.spec.localAddress, state: e.fsm.state,
    localDiag: e.fsm.localDiag, remoteState: e.fsm.remoteState, localDiscriminator: e.fsm.localDiscr,
    remoteDiscriminator: e.fsm.remoteDiscr, txIntervalMs: txIntervalUs(e.fsm) / 1000, detectTimeMs: detectionTimeUs(e.fsm) / 1000,
    packetsSent: e.sent, packetsReceived: e.received, droppedTtl: e.droppedTtl, discarded: e.discarded,
    upTransitions: e.ups, downTransitions: e.downs, txLatenessMaxMs: Math.round(e.latenessMaxMs * 100) / 100,
    sendErrors: e.sendErrors, suppressed: e.suppressed,
  };
}

function control(m: ToBfdProcess): void {
  switch (m.type) {
    case 'add': add(m.spec, m.gen); break;
    case 'remove': remove(m.id); break;
    case 'set-timers': { const e = entries.get(m.id); if (e !== undefined) apply(e, { type: 'set-timers', timers: m.timers }); break; }
    case 'admin': { const e = entries.get(m.id); if (e !== undefined) apply(e, { type: m.down ? 'admin-down' : 'admin-up' }); break; }
    case 'snapshot': post({ type: 'snapshot', reqId: m.reqId, sessions: [...entries.values()].map(snapshot) }); break;
    case 'heartbeat': break;
    case 'watchdog': watchdogMs = m.ms; break;
    case 'stop': running = false; break;
  }
}

const yieldToEventLoop = () => new Promise<void>((resolve) => setImmediate(resolve));

// Other processes compete for the same cores: ask the scheduler to run this process first when its
// timer or a packet is due (it sleeps in poll() the rest of the time).
post({ type: 'ready', priority: addon.raiseThreadPriority?.() ?? 'none', pid: process.pid });
while (running) {
  for (let m = inbox.shift(); m !== undefined; m = inbox.shift()) control(m);
  if (!running) break;
  let next = now() + POLL_CAP_MS;
  for (const e of entries.values()) {
    if (e.txDue !== undefined) next = Math.min(next, e.txDue);
    if (e.detectDue !== undefined) next = Math.min(next, e.detectDue);
  }
  const wait = Math.max(0, Math.ceil(next - now()));
  let ipcReadable = false;
  try {
    const ready = addon.pollReadable([ipcFd, ...rxByFd.keys()], wait);
    for (const fd of ready) {
      if (fd === ipcFd) ipcReadable = true;
      else receiveOn(fd);
    }
  } catch (err) {
    // A receive error must not stop the timers of every other session: report it and go on.
    const e = err as { code?: string; message?: string };
    post({ type: 'error', id: '', code: e.code ?? 'ERR_BFD_RECEIVE', message: e.message ?? String(err) });
  }
  // (A readable pipe may hold the heartbeat that clears the stall: judge after reading it.)
  if (!ipcReadable) {
    const stalled = watchdogMs > 0 && now() - lastControlAt > watchdogMs;
    if (stalled !== daemonStalled) {
      daemonStalled = stalled;
      // The daemon logs this when it reads it (for 'stalled', once its event loop runs again).
      post({ type: 'daemon-stalled', stalled, atMs: Date.now() });
    }
  }
  runTimers();
  // Node reads the pipe (and completes our writes) only in its event loop: give it one turn when a
  // message is waiting or after a batch of sends. The timers were just run, so this costs no lateness.
  if (ipcReadable || sentSinceYield >= 64 || wait === POLL_CAP_MS) {
    sentSinceYield = 0;
    await yieldToEventLoop();
  }
}
if (parentGone) process.exit(0);
for (const id of [...entries.keys()]) remove(id);
process.disconnect();
