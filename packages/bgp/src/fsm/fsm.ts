// The RFC 4271 §8 BGP finite state machine as a PURE function: step(state, event, config) →
// { state, actions }. Timers are data ("start-timer hold", later event HoldTimer_Expires), the
// connection is data ("connect", "close", "send-open"); session.ts performs the actions. Per §8.2.2,
// state by state. Deviations, each deliberate:
//  - Connect + TcpConnectionFails goes to Active (and retries with backoff), as BIRD and OpenBGPD do,
//    instead of Idle; DelayOpen (optional, §8.1.1) is not implemented.
//  - A NOTIFICATION received in OpenSent is not answered with an FSM-error NOTIFICATION (§6: nothing is
//    sent in response to a NOTIFICATION); the connection just goes to Idle.
//  - Automatic restart: with DampPeerOscillations (§8.1.1) every fall to Idle arms the IdleHoldTimer
//    (exponential, jittered, longer for configuration faults); its expiry is the AutomaticStart.
// Invariant (RFC 4271 §6 / field guide): an action list that sends a NOTIFICATION always ends in Idle.

import { CeaseSubcode, FsmErrorSubcode, NotificationCode, OpenErrorSubcode } from '../wire/constants.ts';
import { checkOpen } from './open-check.ts';
import {
  connectRetryDelayMs,
  idleHoldDelayMs,
  nextRandom,
  OPEN_WAIT_HOLD_MS,
  sendHoldMs,
  type FailureClass,
} from './timers.ts';
import type { DownReason, FsmAction, FsmConfig, FsmEvent, FsmState, Notification, StepResult } from './types.ts';

const EMPTY = new Uint8Array(0);
const notif = (code: number, subcode: number, data: Uint8Array = EMPTY): Notification => ({ code, subcode, data });

/**
 * Configuration-class faults: retried only after the long idle-hold (never a tight loop on Bad Peer AS).
 * Cease 6/2 Administrative Shutdown and 6/3 Peer De-configured are transient: routers send them when
 * their daemon stops (BIRD 6/2, FRR 8.4 bgpd 6/3), and BIRD and FRR themselves reconnect after their
 * normal delay on either; the long idle-hold would keep every VIP off a restarted router for a minute
 * (measured in e2e/datapath-router.test.ts). A router that really dropped us refuses the next attempt
 * (6/5 Connection Rejected stays config-class), and repeated Ceases still back off exponentially.
 */
export function failureClassOf(n: Notification | undefined): FailureClass {
  if (n === undefined) return 'transient';
  if (n.code === NotificationCode.OPEN_MESSAGE_ERROR) return 'config';
  if (n.code === NotificationCode.CEASE) {
    switch (n.subcode) {
      case CeaseSubcode.MAX_PREFIXES:
      case CeaseSubcode.CONNECTION_REJECTED:
        return 'config';
    }
  }
  return 'transient';
}

interface IdleOptions {
  readonly sent?: Notification;
  readonly received?: Notification;
  readonly kind: DownReason['kind'];
  /** Increment ConnectRetryCounter and the damping counter (§8.2.2 "increments the ConnectRetryCounter"). */
  readonly countFailure: boolean;
  /** ManualStop: zero the counter and disable automatic restart. */
  readonly manual?: boolean;
  readonly minimalOpen?: boolean;
  readonly failureClass?: FailureClass;
}

/** Every fall back to Idle: NOTIFICATION (if any) → close → stop all timers → maybe idle-hold → down. */
function toIdle(s: FsmState, cfg: FsmConfig, o: IdleOptions): StepResult {
  const actions: FsmAction[] = [];
  if (o.sent !== undefined) actions.push({ type: 'send-notification', notification: o.sent });
  actions.push({ type: 'close' }, { type: 'stop-all-timers' });
  const manual = o.manual === true;
  const failures = o.countFailure ? s.failures + 1 : s.failures;
  let rng = s.rng;
  const allowAutoStart = manual ? false : s.allowAutoStart;
  if (allowAutoStart && cfg.autoRestart) {
    const r = nextRandom(rng);
    rng = r.rng;
    const kind = o.failureClass ?? failureClassOf(o.sent ?? o.received);
    actions.push({ type: 'start-timer', timer: 'idle-hold', ms: idleHoldDelayMs(Math.max(1, failures), kind, cfg, r.value) });
  }
  const notification = o.sent ?? o.received;
  actions.push({
    type: 'down',
    reason: { kind: o.kind, wasEstablished: s.name === 'Established', ...(notification !== undefined ? { notification } : {}) },
  });
  const { negotiated: _dropped, ...rest } = s;
  return {
    state: {
      ...rest,
      name: 'Idle',
      connectRetryCounter: manual ? 0 : o.countFailure ? s.connectRetryCounter + 1 : s.connectRetryCounter,
      failures,
      allowAutoStart,
      rng,
      minimalOpen: o.minimalOpen ?? s.minimalOpen,
    },
    actions,
  };
}

function startFromIdle(s: FsmState, cfg: FsmConfig, passive: boolean): StepResult {
  const base: FsmState = { ...s, connectRetryCounter: 0, allowAutoStart: true };
  const actions: FsmAction[] = [{ type: 'stop-timer', timer: 'idle-hold' }];
  if (passive || cfg.passive) {
    if (cfg.passive) return { state: { ...base, name: 'Active' }, actions };
    const r = nextRandom(s.rng);
    actions.push({ type: 'start-timer', timer: 'connect-retry', ms: connectRetryDelayMs(s.connectAttempts, cfg, r.value) });
    return { state: { ...base, name: 'Active', rng: r.rng }, actions };
  }
  const r = nextRandom(s.rng);
  actions.push(
    { type: 'start-timer', timer: 'connect-retry', ms: connectRetryDelayMs(s.connectAttempts, cfg, r.value) },
    { type: 'connect' },
  );
  return { state: { ...base, name: 'Connect', rng: r.rng }, actions };
}

/** TCP is up (either direction): send OPEN, hold timer to the large value, → OpenSent (§8.2.2 Connect/Active). */
function tcpUp(s: FsmState): StepResult {
  return {
    state: { ...s, name: 'OpenSent' },
    actions: [
      { type: 'stop-timer', timer: 'connect-retry' },
      { type: 'send-open', minimal: s.minimalOpen },
      { type: 'start-timer', timer: 'hold', ms: OPEN_WAIT_HOLD_MS },
    ],
  };
}

function retryConnect(s: FsmState, cfg: FsmConfig, name: 'Connect' | 'Active', connect: boolean): StepResult {
  const attempts = s.connectAttempts + 1;
  const r = nextRandom(s.rng);
  const actions: FsmAction[] = [];
  actions.push({ type: 'close' });
  actions.push({ type: 'start-timer', timer: 'connect-retry', ms: connectRetryDelayMs(attempts, cfg, r.value) });
  if (connect) actions.push({ type: 'connect' });
  return { state: { ...s, name, connectAttempts: attempts, rng: r.rng }, actions };
}

function idle(s: FsmState, e: FsmEvent, cfg: FsmConfig): StepResult {
  switch (e.type) {
    case 'ManualStart': return startFromIdle(s, cfg, false);
    case 'ManualStart_with_PassiveTcpEstablishment': return startFromIdle(s, cfg, true);
    case 'AutomaticStart':
    case 'AutomaticStart_with_PassiveTcpEstablishment':
    case 'IdleHoldTimer_Expires':
      if (!s.allowAutoStart || (e.type === 'IdleHoldTimer_Expires' && !cfg.autoRestart)) return { state: s, actions: [] };
      return startFromIdle(s, cfg, e.type === 'AutomaticStart_with_PassiveTcpEstablishment');
    case 'ManualStop':
      return { state: { ...s, allowAutoStart: false, connectRetryCounter: 0 }, actions: [{ type: 'stop-timer', timer: 'idle-hold' }] };
    default:
      // §8.2.2 Idle: "any other event ... is ignored" (the connection is refused by the session).
      return { state: s, actions: [] };
  }
}

/** Connect and Active (§8.2.2); `Connect` has an outgoing attempt in flight. */
function connecting(s: FsmState, e: FsmEvent, cfg: FsmConfig): StepResult {
  const inConnect = s.name === 'Connect';
  switch (e.type) {
    case 'ManualStart':
    case 'AutomaticStart':
    case 'ManualStart_with_PassiveTcpEstablishment':
    case 'AutomaticStart_with_PassiveTcpEstablishment':
    case 'StableTimer_Expires':
      return { state: s, actions: [] };
    case 'ManualStop':
      return toIdle(s, cfg, { kind: 'stopped', countFailure: false, manual: true });
    case 'ConnectRetryTimer_Expires':
      if (cfg.passive) return { state: s, actions: [] };
      return retryConnect(s, cfg, 'Connect', true);
    case 'Tcp_CR_Acked':
    case 'TcpConnectionConfirmed':
      return tcpUp(s);
    case 'TcpConnectionFails':
      if (inConnect) return retryConnect(s, cfg, 'Active', false);
      return toIdle(s, cfg, { kind: 'tcp-failed', countFailure: true });
    case 'AutomaticStop':
      return toIdle(s, cfg, { kind: 'stopped', countFailure: true, failureClass: failureClassOf(e.notification) });
    default:
      // §8.2.2 Connect/Active: any other event → drop the connection, counter + 1, Idle.
      return toIdle(s, cfg, { kind: 'tcp-failed', countFailure: true });
  }
}

/** The events shared by OpenSent, OpenConfirm and Established. */
function connected(s: FsmState, e: FsmEvent, cfg: FsmConfig): StepResult | undefined {
  switch (e.type) {
    case 'ManualStart':
    case 'AutomaticStart':
    case 'ManualStart_with_PassiveTcpEstablishment':
    case 'AutomaticStart_with_PassiveTcpEstablishment':
    // A second connection (§6.8) is tracked by the session, not by this connection's FSM.
    case 'Tcp_CR_Acked':
    case 'TcpConnectionConfirmed':
      return { state: s, actions: [] };
    case 'ManualStop':
      if (e.silent === true) return toIdle(s, cfg, { kind: 'stopped', countFailure: false, manual: true });
      return toIdle(s, cfg, {
        sent: e.notification ?? notif(NotificationCode.CEASE, CeaseSubcode.ADMIN_SHUTDOWN),
        kind: 'stopped',
        countFailure: false,
        manual: true,
      });
    case 'AutomaticStop':
      return toIdle(s, cfg, { sent: e.notification, kind: 'stopped', countFailure: true });
    case 'HoldTimer_Expires':
      return toIdle(s, cfg, { sent: notif(NotificationCode.HOLD_TIMER_EXPIRED, 0), kind: 'notification-sent', countFailure: true });
    case 'SendHoldTimer_Expires':
      // RFC 9687 §4: send (if possible) NOTIFICATION code 8, drop the connection, Idle.
      return toIdle(s, cfg, { sent: notif(NotificationCode.SEND_HOLD_TIMER_EXPIRED, 0), kind: 'notification-sent', countFailure: true });
    case 'TcpConnectionFails':
      if (s.name === 'OpenSent') {
        // §8.2.2 OpenSent: close, restart ConnectRetryTimer, continue to listen, → Active.
        const actions: FsmAction[] = [{ type: 'close' }, { type: 'stop-all-timers' }];
        const attempts = s.connectAttempts + 1;
        const r = nextRandom(s.rng);
        if (!cfg.passive) actions.push({ type: 'start-timer', timer: 'connect-retry', ms: connectRetryDelayMs(attempts, cfg, r.value) });
        return { state: { ...s, name: 'Active', connectAttempts: attempts, rng: r.rng }, actions };
      }
      return toIdle(s, cfg, { kind: 'tcp-failed', countFailure: true });
    case 'BGPHeaderErr':
    case 'BGPOpenMsgErr':
      return toIdle(s, cfg, { sent: e.notification, kind: 'notification-sent', countFailure: true });
    case 'OpenCollisionDump':
      return toIdle(s, cfg, {
        sent: notif(NotificationCode.CEASE, CeaseSubcode.COLLISION_RESOLUTION),
        kind: 'notification-sent',
        countFailure: true,
        failureClass: 'transient',
      });
    case 'NotifMsgVerErr':
      return toIdle(s, cfg, { received: e.notification, kind: 'notification-received', countFailure: false });
    case 'NotifMsg': {
      const n = e.notification;
      const rejectedCaps =
        s.name !== 'Established' && n.code === NotificationCode.OPEN_MESSAGE_ERROR &&
        (n.subcode === OpenErrorSubcode.UNSUPPORTED_CAPABILITY || n.subcode === OpenErrorSubcode.UNSUPPORTED_OPTIONAL_PARAMETER);
      if (rejectedCaps && !s.minimalOpen) {
        // The peer rejected our capabilities: retry once with a minimal OPEN, soon (BIRD does the same).
        return toIdle(s, cfg, { received: n, kind: 'notification-received', countFailure: false, minimalOpen: true, failureClass: 'transient' });
      }
      return toIdle(s, cfg, { received: n, kind: 'notification-received', countFailure: true });
    }
    case 'ConnectRetryTimer_Expires':
    case 'IdleHoldTimer_Expires':
    case 'KeepAliveMsg':
    case 'UpdateMsg':
    case 'UpdateMsgErr':
    case 'RouteRefresh':
    case 'BGPOpen':
    case 'KeepaliveTimer_Expires':
    case 'StableTimer_Expires':
      return undefined;
  }
  return undefined;
}

function fsmError(s: FsmState, cfg: FsmConfig, subcode: number): StepResult {
  // RFC 4271 §8.2.2 / RFC 6608: an event unexpected in this state → NOTIFICATION 5/<state>, Idle.
  return toIdle(s, cfg, { sent: notif(NotificationCode.FSM_ERROR, subcode), kind: 'notification-sent', countFailure: true });
}

function openSent(s: FsmState, e: FsmEvent, cfg: FsmConfig): StepResult {
  const shared = connected(s, e, cfg);
  if (shared !== undefined) return shared;
  if (e.type === 'StableTimer_Expires') return { state: s, actions: [] };
  if (e.type !== 'BGPOpen') return fsmError(s, cfg, FsmErrorSubcode.OPEN_SENT);
  const result = checkOpen(e.open, cfg, s.minimalOpen);
  if (!result.ok) return toIdle(s, cfg, { sent: result.notification, kind: 'notification-sent', countFailure: true });
  const n = result.negotiated;
  const actions: FsmAction[] = [{ type: 'send-keepalive' }];
  if (n.holdTimeSec > 0) {
    actions.push(
      { type: 'start-timer', timer: 'keepalive', ms: n.keepaliveSec * 1000 },
      // §8.2.2 OpenSent: "sets the HoldTimer according to the negotiated value" — it runs in OpenConfirm too.
      { type: 'start-timer', timer: 'hold', ms: n.holdTimeSec * 1000 },
    );
  } else {
    actions.push({ type: 'stop-timer', timer: 'hold' });
  }
  return { state: { ...s, name: 'OpenConfirm', negotiated: n }, actions };
}

function openConfirm(s: FsmState, e: FsmEvent, cfg: FsmConfig): StepResult {
  const shared = connected(s, e, cfg);
  if (shared !== undefined) return shared;
  const n = s.negotiated!;
  switch (e.type) {
    case 'StableTimer_Expires':
      return { state: s, actions: [] };
    case 'KeepaliveTimer_Expires':
      return { state: s, actions: [{ type: 'send-keepalive' }, { type: 'start-timer', timer: 'keepalive', ms: n.keepaliveSec * 1000 }] };
    case 'KeepAliveMsg': {
      const actions: FsmAction[] = [];
      if (n.holdTimeSec > 0) {
        actions.push(
          { type: 'start-timer', timer: 'hold', ms: n.holdTimeSec * 1000 },
          { type: 'start-timer', timer: 'send-hold', ms: sendHoldMs(cfg, n.holdTimeSec) },
        );
      }
      actions.push({ type: 'start-timer', timer: 'stable', ms: cfg.stableSec * 1000 }, { type: 'established', negotiated: n });
      return { state: { ...s, name: 'Established', connectAttempts: 0 }, actions };
    }
    default:
      return fsmError(s, cfg, FsmErrorSubcode.OPEN_CONFIRM);
  }
}

function established(s: FsmState, e: FsmEvent, cfg: FsmConfig): StepResult {
  const shared = connected(s, e, cfg);
  if (shared !== undefined) return shared;
  const n = s.negotiated!;
  const restartHold: FsmAction[] = n.holdTimeSec > 0 ? [{ type: 'start-timer', timer: 'hold', ms: n.holdTimeSec * 1000 }] : [];
  switch (e.type) {
    case 'StableTimer_Expires':
      // The session stayed up: forget past failures (damping resets).
      return { state: { ...s, failures: 0, connectRetryCounter: 0 }, actions: [] };
    case 'KeepaliveTimer_Expires':
      return { state: s, actions: [{ type: 'send-keepalive' }, { type: 'start-timer', timer: 'keepalive', ms: n.keepaliveSec * 1000 }] };
    case 'KeepAliveMsg':
      return { state: s, actions: restartHold };
    case 'UpdateMsg':
    case 'RouteRefresh':
      return { state: s, actions: [...restartHold, { type: 'deliver' }] };
    case 'UpdateMsgErr':
      return toIdle(s, cfg, { sent: e.notification, kind: 'notification-sent', countFailure: true });
    default:
      return fsmError(s, cfg, FsmErrorSubcode.ESTABLISHED);
  }
}

/** One FSM transition (RFC 4271 §8.2.2). Pure: same inputs, same outputs. */
export function step(state: FsmState, event: FsmEvent, cfg: FsmConfig): StepResult {
  switch (state.name) {
    case 'Idle': return idle(state, event, cfg);
    case 'Connect':
    case 'Active': return connecting(state, event, cfg);
    case 'OpenSent': return openSent(state, event, cfg);
    case 'OpenConfirm': return openConfirm(state, event, cfg);
    case 'Established': return established(state, event, cfg);
  }
}
