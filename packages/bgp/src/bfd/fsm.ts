// BFD session state machine (RFC 5880 §6.2 states, §6.8 procedures) in asynchronous mode, as a PURE
// step function: step(state, event, rand) → { state, actions }. Timers are data: the caller arms the
// "tx" and "detect" timers the actions name and feeds their expiry back as events; `rand` in [0, 1)
// drives the §6.8.7 jitter so tables can pin it. Covers discriminators (§6.8.1), timer negotiation
// (§6.8.2–6.8.4), the poll/final sequence for parameter changes (§6.5, §6.8.3), reception (§6.8.6),
// transmission (§6.8.7), AdminDown (§6.8.16) and authentication (§6.7: simple password, keyed and
// meticulous keyed SHA1 via auth.ts; without it, packets with the A bit are discarded). No demand
// mode, no echo.

import { checkAuthConfig, signBfdPacket, verifyBfdPacket, type AuthRxState, type BfdAuthConfig } from './auth.ts';
import { BfdDiag, type BfdPacket, type BfdStateName } from './packet.ts';

/** One second: the floor for DesiredMinTxInterval while the session is not Up (RFC 5880 §6.8.3). */
export const SLOW_TX_US = 1_000_000;

export interface BfdTimers {
  /** bfd.DesiredMinTxInterval once Up (µs). */
  readonly desiredMinTxUs: number;
  /** bfd.RequiredMinRxInterval (µs); 0 would mean "send me nothing" and is not allowed here. */
  readonly requiredMinRxUs: number;
  /** bfd.DetectMult. */
  readonly detectMult: number;
}

export interface BfdSession {
  readonly state: BfdStateName;
  readonly localDiscr: number;
  readonly remoteDiscr: number;
  readonly localDiag: number;
  readonly remoteState: BfdStateName;
  /** bfd.RemoteMinRxInterval (µs); initial value 1 (§6.8.1). */
  readonly remoteMinRxUs: number;
  readonly remoteDesiredMinTxUs: number;
  readonly remoteDetectMult: number;
  /** Configured values. */
  readonly cfg: BfdTimers;
  /** What we advertise now: DesiredMinTx is at least 1 s unless Up (§6.8.3). */
  readonly advertisedTxUs: number;
  readonly advertisedRxUs: number;
  /** Values in force for our transmit interval and detection time until a poll sequence ends (§6.8.3). */
  readonly txInUseUs: number;
  readonly rxInUseUs: number;
  /** A poll sequence is running: every packet carries P until one with F arrives (§6.5). */
  readonly polling: boolean;
  /** Interval of the tx timer last armed (µs), to re-arm early when the interval shrinks. */
  readonly armedTxUs: number;
  /** Passive role: send nothing until the remote discriminator is known (§6.1, §6.8.7). */
  readonly passive: boolean;
  /** §6.7 authentication, when configured. */
  readonly auth?: BfdAuthConfig;
  /** bfd.XmitAuthSeq: incremented for every packet sent (required for meticulous, allowed for keyed). */
  readonly xmitAuthSeq: number;
  /** bfd.RcvAuthSeq / bfd.AuthSeqKnown. */
  readonly rxAuth: AuthRxState;
  /** Detection times passed without a packet: AuthSeqKnown resets after two (§6.8.1). */
  readonly quietDetects: number;
}

export type BfdEvent =
  | { readonly type: 'start' }
  | { readonly type: 'rx'; readonly packet: BfdPacket }
  | { readonly type: 'tx-timer' }
  | { readonly type: 'detect-timer' }
  | { readonly type: 'admin-down' }
  | { readonly type: 'admin-up' }
  | { readonly type: 'set-timers'; readonly timers: BfdTimers };

export type DiscardReason = 'admin-down' | 'your-discriminator' | 'zero-your-discriminator' | 'auth';

export type BfdAction =
  | { readonly type: 'send'; readonly packet: BfdPacket }
  | { readonly type: 'arm'; readonly timer: 'tx' | 'detect'; readonly ms: number }
  | { readonly type: 'disarm'; readonly timer: 'tx' | 'detect' }
  | { readonly type: 'state'; readonly from: BfdStateName; readonly to: BfdStateName; readonly diag: number }
  | { readonly type: 'discard'; readonly reason: DiscardReason };

export interface BfdStepResult {
  readonly state: BfdSession;
  readonly actions: readonly BfdAction[];
}

export class BfdConfigError extends Error {
  readonly code = 'ERR_BFD_CONFIG' as const;
  constructor(message: string) {
    super(message);
    this.name = 'BfdConfigError';
  }
}

export function checkTimers(t: BfdTimers): void {
  const ok = (v: number) => Number.isInteger(v) && v >= 1000 && v <= 0xffffffff;
  if (!ok(t.desiredMinTxUs) || !ok(t.requiredMinRxUs)) throw new BfdConfigError('BFD intervals must be 1 ms .. 4294 s');
  if (!Number.isInteger(t.detectMult) || t.detectMult < 1 || t.detectMult > 255) throw new BfdConfigError('BFD detect multiplier must be 1..255');
}

/** §6.8.1 initial values: Down, RemoteDiscr 0, RemoteMinRxInterval 1, slow transmission. */
export function initialBfdSession(localDiscr: number, cfg: BfdTimers, passive = false, auth?: BfdAuthConfig, xmitAuthSeq = 0): BfdSession {
  checkTimers(cfg);
  if (auth !== undefined) {
    const bad = checkAuthConfig(auth);
    if (bad !== undefined) throw new BfdConfigError(`BFD authentication: ${bad}`);
  }
  // §6.8.1: bfd.LocalDiscr MUST be nonzero and unique.
  if (!Number.isInteger(localDiscr) || localDiscr < 1 || localDiscr > 0xffffffff) throw new BfdConfigError('local discriminator must be 1..2^32-1');
  const tx = Math.max(cfg.desiredMinTxUs, SLOW_TX_US);
  return {
    state: 'Down', localDiscr, remoteDiscr: 0, localDiag: BfdDiag.NONE, remoteState: 'Down', remoteMinRxUs: 1,
    remoteDesiredMinTxUs: 0, remoteDetectMult: 0, cfg, advertisedTxUs: tx, advertisedRxUs: cfg.requiredMinRxUs,
    txInUseUs: tx, rxInUseUs: cfg.requiredMinRxUs, polling: false, armedTxUs: 0, passive,
    ...(auth === undefined ? {} : { auth }), xmitAuthSeq: xmitAuthSeq >>> 0, rxAuth: { known: false, seq: 0 }, quietDetects: 0,
  };
}

/** §6.8.2: the interval between our periodic packets, before jitter (µs); 0 = send none. */
export function txIntervalUs(s: BfdSession): number {
  // §6.8.7: "MUST NOT periodically transmit BFD Control packets if bfd.RemoteMinRxInterval is zero."
  if (s.remoteMinRxUs === 0) return 0;
  return Math.max(s.txInUseUs, s.remoteMinRxUs);
}

/** §6.8.4 asynchronous mode: remote Detect Mult × max(our RequiredMinRx, remote DesiredMinTx) (µs). */
export function detectionTimeUs(s: BfdSession): number {
  return s.remoteDetectMult * Math.max(s.rxInUseUs, s.remoteDesiredMinTxUs);
}

/** §6.8.7 jitter: 75–100 % of the interval, or 75–90 % when bfd.DetectMult is 1. */
export function jitteredMs(intervalUs: number, detectMult: number, rand: number): number {
  const reduce = detectMult === 1 ? 0.1 + 0.15 * rand : 0.25 * rand;
  return (intervalUs * (1 - reduce)) / 1000;
}

function controlPacket(s: BfdSession, final = false): BfdPacket {
  return {
    diag: s.localDiag, state: s.state, poll: s.polling && !final, final, cpiIndependent: false, demand: false,
    multipoint: false, detectMult: s.cfg.detectMult, myDiscriminator: s.localDiscr, yourDiscriminator: s.remoteDiscr,
    desiredMinTxUs: s.advertisedTxUs, requiredMinRxUs: s.advertisedRxUs, requiredMinEchoRxUs: 0,
  };
}

/** Pushes a send action (signed when authentication is on) and advances bfd.XmitAuthSeq. */
function emit(s: BfdSession, acts: BfdAction[], final = false): BfdSession {
  const p = controlPacket(s, final);
  if (s.auth === undefined) {
    acts.push({ type: 'send', packet: p });
    return s;
  }
  acts.push({ type: 'send', packet: signBfdPacket(p, s.auth, s.xmitAuthSeq) });
  return { ...s, xmitAuthSeq: (s.xmitAuthSeq + 1) >>> 0 };
}

function mayTransmit(s: BfdSession): boolean {
  // §6.8.7: "MUST NOT transmit BFD Control packets if bfd.RemoteDiscr is zero and the system is
  // taking the Passive role."
  return !(s.passive && s.remoteDiscr === 0);
}

/**
 * Moves to new advertised values. §6.8.3: a change of DesiredMinTx or RequiredMinRx while Up starts a
 * poll sequence; an increased DesiredMinTx and a reduced RequiredMinRx take effect only when it ends.
 */
function advertise(s: BfdSession, txUs: number, rxUs: number): BfdSession {
  if (txUs === s.advertisedTxUs && rxUs === s.advertisedRxUs) return s;
  if (s.state !== 'Up') return { ...s, advertisedTxUs: txUs, advertisedRxUs: rxUs, txInUseUs: txUs, rxInUseUs: rxUs };
  return {
    ...s, advertisedTxUs: txUs, advertisedRxUs: rxUs, polling: true,
    txInUseUs: Math.min(s.txInUseUs, txUs), rxInUseUs: Math.max(s.rxInUseUs, rxUs),
  };
}

function goState(s: BfdSession, to: BfdStateName, diag: number, acts: BfdAction[]): BfdSession {
  const from = s.state;
  let n: BfdSession = { ...s, state: to, localDiag: diag };
  acts.push({ type: 'state', from, to, diag });
  if (to === 'Up') {
    // Leave the 1 s floor: going to the configured rate is a parameter change → poll sequence.
    n = advertise(n, n.cfg.desiredMinTxUs, n.cfg.requiredMinRxUs);
  } else {
    n = { ...n, polling: false };
    n = advertise(n, Math.max(n.cfg.desiredMinTxUs, SLOW_TX_US), n.cfg.requiredMinRxUs);
  }
  return n;
}

/** Sends now when allowed and (re-)arms the tx timer at the current interval. */
function sendAndArm(s: BfdSession, acts: BfdAction[], rand: number): BfdSession {
  if (!mayTransmit(s)) return s;
  return armTx(emit(s, acts), acts, rand);
}

function armTx(s: BfdSession, acts: BfdAction[], rand: number): BfdSession {
  const iv = txIntervalUs(s);
  if (iv === 0 || !mayTransmit(s)) {
    acts.push({ type: 'disarm', timer: 'tx' });
    return { ...s, armedTxUs: 0 };
  }
  acts.push({ type: 'arm', timer: 'tx', ms: jitteredMs(iv, s.cfg.detectMult, rand) });
  return { ...s, armedTxUs: iv };
}

function receive(s00: BfdSession, p: BfdPacket, acts: BfdAction[], rand: number): BfdSession {
  let s0 = s00;
  if (s0.auth === undefined) {
    // §6.8.6: "If the A bit is set and no authentication is in use ... MUST be discarded."
    if (p.auth !== undefined) return discard(s0, acts, 'auth');
  } else {
    // §6.8.6: "If the A bit is clear and authentication is in use, the packet MUST be discarded";
    // otherwise it must pass §6.7 (key, digest, sequence window).
    const v = verifyBfdPacket(p, s0.auth, s0.rxAuth);
    if (!v.ok) return discard(s0, acts, 'auth');
    s0 = { ...s0, rxAuth: v.rx };
  }
  s0 = { ...s0, quietDetects: 0 };
  // §6.8.6: a nonzero Your Discriminator must select this session.
  if (p.yourDiscriminator !== 0 && p.yourDiscriminator !== s0.localDiscr) return discard(s0, acts, 'your-discriminator');
  // §6.8.6: "If the Your Discriminator field is zero and the State field is not Down or AdminDown,
  // the packet MUST be discarded."
  if (p.yourDiscriminator === 0 && p.state !== 'Down' && p.state !== 'AdminDown') return discard(s0, acts, 'zero-your-discriminator');
  const wasSilent = !mayTransmit(s0);
  let s: BfdSession = {
    ...s0, remoteDiscr: p.myDiscriminator, remoteState: p.state, remoteMinRxUs: p.requiredMinRxUs,
    remoteDesiredMinTxUs: p.desiredMinTxUs, remoteDetectMult: p.detectMult,
  };
  // §6.8.6: "If the Final (F) bit is set and the local system has sent a Poll, terminate the Poll."
  if (p.final && s.polling) s = { ...s, polling: false, txInUseUs: s.advertisedTxUs, rxInUseUs: s.advertisedRxUs };
  // §6.8.6: "If bfd.SessionState is AdminDown: Discard the packet" (after the variables above).
  if (s.state === 'AdminDown') return discard(s, acts, 'admin-down');
  const before = s.state;
  if (p.state === 'AdminDown') {
    if (s.state !== 'Down') s = goState(s, 'Down', BfdDiag.NEIGHBOR_DOWN, acts);
  } else if (s.state === 'Down') {
    if (p.state === 'Down') s = goState(s, 'Init', BfdDiag.NONE, acts);
    else if (p.state === 'Init') s = goState(s, 'Up', BfdDiag.NONE, acts);
  } else if (s.state === 'Init') {
    if (p.state === 'Init' || p.state === 'Up') s = goState(s, 'Up', BfdDiag.NONE, acts);
  } else if (p.state === 'Down') {
    // Up and the remote says Down.
    s = goState(s, 'Down', BfdDiag.NEIGHBOR_DOWN, acts);
  }
  // Detection timer restarts on every valid packet (§6.8.4).
  const det = detectionTimeUs(s);
  if (det > 0) acts.push({ type: 'arm', timer: 'detect', ms: det / 1000 });
  if (p.poll) {
    // §6.8.6: "If the Poll (P) bit is set, send a BFD Control packet to the remote system with the
    // Poll (P) bit clear, and the Final (F) bit set" — as soon as practicable (§6.8.7).
    s = emit(s, acts, true);
  }
  const iv = txIntervalUs(s);
  if (s.state !== before || wasSilent || (s.polling && !s0.polling)) {
    s = sendAndArm(s, acts, rand); // tell the remote at once; not a periodic packet
  } else if (iv !== 0 && (s.armedTxUs === 0 || iv < s.armedTxUs)) {
    s = armTx(s, acts, rand);
  }
  return s;
}

function discard(s: BfdSession, acts: BfdAction[], reason: DiscardReason): BfdSession {
  acts.push({ type: 'discard', reason });
  return s;
}

/** The pure step. `rand` ∈ [0, 1) picks the jitter of any tx timer armed by this step. */
export function stepBfd(s: BfdSession, ev: BfdEvent, rand: number): BfdStepResult {
  const acts: BfdAction[] = [];
  let n = s;
  switch (ev.type) {
    case 'start':
      n = s.state === 'AdminDown' ? armTx(s, acts, rand) : sendAndArm(s, acts, rand);
      break;
    case 'rx':
      n = receive(s, ev.packet, acts, rand);
      break;
    case 'tx-timer':
      n = sendAndArm(s, acts, rand);
      break;
    case 'detect-timer':
      // §6.8.4: no valid packet for a Detection Time in Init or Up → Down, diag 1. §6.8.1: RemoteDiscr → 0.
      n = { ...s, remoteDiscr: 0, remoteState: 'Down', quietDetects: s.quietDetects + 1 };
      if (s.state === 'Init' || s.state === 'Up') n = goState(n, 'Down', BfdDiag.CONTROL_DETECTION_EXPIRED, acts);
      if (n.auth !== undefined && n.rxAuth.known && n.quietDetects >= 2) n = { ...n, rxAuth: { known: false, seq: 0 } };
      if (n.auth !== undefined && n.rxAuth.known && detectionTimeUs(n) > 0) {
        // §6.8.1: AuthSeqKnown resets after two detection times without a packet; count the second.
        acts.push({ type: 'arm', timer: 'detect', ms: detectionTimeUs(n) / 1000 });
      } else {
        acts.push({ type: 'disarm', timer: 'detect' });
      }
      n = armTx(n, acts, rand);
      break;
    case 'admin-down':
      // §6.8.16: AdminDown with diag 7; keep sending so the remote learns it; no detection.
      if (s.state !== 'AdminDown') {
        n = goState(s, 'AdminDown', BfdDiag.ADMIN_DOWN, acts);
        acts.push({ type: 'disarm', timer: 'detect' });
        n = sendAndArm(n, acts, rand);
      }
      break;
    case 'admin-up':
      if (s.state === 'AdminDown') n = sendAndArm(goState(s, 'Down', BfdDiag.NONE, acts), acts, rand);
      break;
    case 'set-timers': {
      checkTimers(ev.timers);
      n = { ...s, cfg: ev.timers };
      const tx = s.state === 'Up' ? ev.timers.desiredMinTxUs : Math.max(ev.timers.desiredMinTxUs, SLOW_TX_US);
      const polling = n.polling;
      n = advertise(n, tx, ev.timers.requiredMinRxUs);
      if (n.polling && !polling) n = sendAndArm(n, acts, rand);
      break;
    }
  }
  return { state: n, actions: acts };
}
