// Data types of the RFC 4271 §8 finite state machine: configuration, state, the §8.1 events and the
// actions `step` returns. Timers are data: the FSM asks for "start hold timer" and is later told
// "HoldTimer_Expires"; it never touches a clock or a socket.

import type { AfiSafi, BgpRoleCode, OpenMessage } from '../wire/types.ts';
import type { Negotiated } from './negotiate.ts';

export type FsmStateName = 'Idle' | 'Connect' | 'Active' | 'OpenSent' | 'OpenConfirm' | 'Established';

/** A NOTIFICATION to send or one received (code, subcode, data; RFC 4271 §4.5). */
export interface Notification {
  readonly code: number;
  readonly subcode: number;
  readonly data: Uint8Array;
}

/**
 * The peer AS: a number, or learned from the OPEN — `any`, `external` (≠ local AS), `internal`
 * (= local AS). A mismatch is 2/2 Bad Peer AS (RFC 4271 §6.2).
 */
export type PeerAsSetting = number | 'any' | 'external' | 'internal';

export interface GracefulRestartConfig {
  /** RFC 4724 §3 restart time, 0–4095 s. */
  readonly restartTimeSec: number;
  /** RFC 8538 N bit: we support the Notification extension (Hard Reset). */
  readonly notification: boolean;
  /** Families for which we claim forwarding state was preserved (F bit). */
  readonly forwardingPreserved: boolean;
  /** Set the R bit (we restarted) in the OPEN. */
  readonly restarting: boolean;
}

export interface FsmConfig {
  readonly localAs: number;
  readonly localBgpId: string;
  readonly peerAs: PeerAsSetting;
  /** Our proposed hold time: 0 or >= 3 (RFC 4271 §4.2). */
  readonly holdTimeSec: number;
  /** Reject a peer hold time below this (including 0) with 2/6. 0 = only the RFC rule (1 and 2). */
  readonly minHoldTimeSec: number;
  /** Upper bound for the keepalive interval; the negotiated one is min(this, hold/3). */
  readonly keepaliveSec?: number;
  readonly connectRetrySec: number;
  readonly connectRetryMaxSec: number;
  readonly idleHoldSec: number;
  readonly idleHoldMaxSec: number;
  readonly idleHoldConfigErrorSec: number;
  /** After this long in Established the damping counter resets. */
  readonly stableSec: number;
  /** RFC 9687 send hold time; default max(8 min, 2 × hold). */
  readonly sendHoldSec?: number;
  /** Never initiate connections; wait for the peer. */
  readonly passive: boolean;
  /** Restart automatically (after the idle-hold time) when the session fails. */
  readonly autoRestart: boolean;
  /** Families we offer (MP capabilities, RFC 4760). */
  readonly families: readonly AfiSafi[];
  readonly fourOctetAs: boolean;
  readonly routeRefresh: boolean;
  readonly enhancedRouteRefresh: boolean;
  readonly extendedMessage: boolean;
  /** RFC 8950 entries we offer, e.g. IPv4 unicast over an IPv6 next hop. */
  readonly extendedNextHop: readonly { readonly afi: number; readonly safi: number; readonly nextHopAfi: number }[];
  /** RFC 7911 add-path: per family 1 receive, 2 send, 3 both. */
  readonly addPath: readonly { readonly afi: number; readonly safi: number; readonly sendReceive: number }[];
  readonly gracefulRestart?: GracefulRestartConfig;
  /** FQDN capability (draft-walton-bgp-hostname-capability, code 73). */
  readonly hostname?: { readonly hostname: string; readonly domain: string };
  /** RFC 9234 role. */
  readonly role?: BgpRoleCode;
  /** RFC 9234 strict mode: the peer must send a role capability. */
  readonly strictRole: boolean;
  /** Capability codes the peer must advertise (2/7 otherwise, RFC 5492 §5). */
  readonly requiredCapabilities: readonly number[];
}

export type FsmConfigInput = Partial<FsmConfig> & Pick<FsmConfig, 'localAs' | 'localBgpId' | 'peerAs'>;

export function resolveFsmConfig(input: FsmConfigInput): FsmConfig {
  return {
    holdTimeSec: 90,
    minHoldTimeSec: 0,
    connectRetrySec: 5,
    connectRetryMaxSec: 120,
    idleHoldSec: 1,
    idleHoldMaxSec: 300,
    idleHoldConfigErrorSec: 60,
    stableSec: 60,
    passive: false,
    autoRestart: true,
    families: [{ afi: 1, safi: 1 }],
    fourOctetAs: true,
    routeRefresh: true,
    enhancedRouteRefresh: false,
    extendedMessage: false,
    extendedNextHop: [],
    addPath: [],
    strictRole: false,
    requiredCapabilities: [],
    ...input,
  };
}

export interface FsmState {
  readonly name: FsmStateName;
  /** RFC 4271 §8 ConnectRetryCounter. */
  readonly connectRetryCounter: number;
  /** Consecutive failed connection attempts: the exponent of the connect-retry backoff. */
  readonly connectAttempts: number;
  /** Consecutive session failures: the exponent of the idle-hold damping (§8.1.1). */
  readonly failures: number;
  /** False after ManualStop: no automatic restart until ManualStart. */
  readonly allowAutoStart: boolean;
  /** Send a minimal OPEN (no capabilities): set after the peer rejected ours with 2/7 or 2/4. */
  readonly minimalOpen: boolean;
  /** PRNG state for jitter (see timers.ts). */
  readonly rng: number;
  /** Set when the peer's OPEN was accepted (OpenConfirm, Established). */
  readonly negotiated?: Negotiated;
}

export function initialFsmState(seed = 1): FsmState {
  return {
    name: 'Idle',
    connectRetryCounter: 0,
    connectAttempts: 0,
    failures: 0,
    allowAutoStart: true,
    minimalOpen: false,
    rng: seed >>> 0,
  };
}

/** RFC 4271 §8.1 events (names kept), plus SendHoldTimer_Expires (RFC 9687) and StableTimer_Expires. */
export type FsmEvent =
  | { readonly type: 'ManualStart' }
  | { readonly type: 'AutomaticStart' }
  | { readonly type: 'ManualStart_with_PassiveTcpEstablishment' }
  | { readonly type: 'AutomaticStart_with_PassiveTcpEstablishment' }
  /**
   * Event 2; `notification` defaults to Cease 6/2 (RFC 9003 message in its data). `silent`: close
   * without a NOTIFICATION (a graceful restart toward a peer without the RFC 8538 N bit, RFC 4724 §4).
   */
  | { readonly type: 'ManualStop'; readonly notification?: Notification; readonly silent?: boolean }
  /** Event 8, e.g. max-prefix (6/1) or de-configured (6/3). */
  | { readonly type: 'AutomaticStop'; readonly notification: Notification }
  | { readonly type: 'ConnectRetryTimer_Expires' }
  | { readonly type: 'HoldTimer_Expires' }
  | { readonly type: 'KeepaliveTimer_Expires' }
  | { readonly type: 'IdleHoldTimer_Expires' }
  | { readonly type: 'SendHoldTimer_Expires' }
  | { readonly type: 'StableTimer_Expires' }
  | { readonly type: 'Tcp_CR_Acked' }
  | { readonly type: 'TcpConnectionConfirmed' }
  | { readonly type: 'TcpConnectionFails' }
  | { readonly type: 'BGPOpen'; readonly open: OpenMessage }
  | { readonly type: 'BGPHeaderErr'; readonly notification: Notification }
  | { readonly type: 'BGPOpenMsgErr'; readonly notification: Notification }
  | { readonly type: 'OpenCollisionDump' }
  | { readonly type: 'NotifMsgVerErr'; readonly notification: Notification }
  | { readonly type: 'NotifMsg'; readonly notification: Notification }
  | { readonly type: 'KeepAliveMsg' }
  | { readonly type: 'UpdateMsg' }
  | { readonly type: 'UpdateMsgErr'; readonly notification: Notification }
  | { readonly type: 'RouteRefresh' };

export type FsmEventType = FsmEvent['type'];

export type TimerName = 'connect-retry' | 'hold' | 'keepalive' | 'idle-hold' | 'send-hold' | 'stable';

/** Why a connection went back to Idle. */
export interface DownReason {
  readonly kind: 'notification-sent' | 'notification-received' | 'tcp-failed' | 'stopped';
  readonly notification?: Notification;
  /** The connection had reached Established. */
  readonly wasEstablished: boolean;
}

export type FsmAction =
  | { readonly type: 'start-timer'; readonly timer: TimerName; readonly ms: number }
  | { readonly type: 'stop-timer'; readonly timer: TimerName }
  | { readonly type: 'stop-all-timers' }
  /** Initiate the outgoing TCP connection (active mode). */
  | { readonly type: 'connect' }
  /** Drop the TCP connection (after flushing anything written before). */
  | { readonly type: 'close' }
  | { readonly type: 'send-open'; readonly minimal: boolean }
  | { readonly type: 'send-keepalive' }
  | { readonly type: 'send-notification'; readonly notification: Notification }
  | { readonly type: 'established'; readonly negotiated: Negotiated }
  /** Hand the received UPDATE / ROUTE-REFRESH to the session's consumer. */
  | { readonly type: 'deliver' }
  | { readonly type: 'down'; readonly reason: DownReason };

export interface StepResult {
  readonly state: FsmState;
  readonly actions: readonly FsmAction[];
}
