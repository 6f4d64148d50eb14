// Types of the session layer's public API (session.ts): options, events, stop options and the typed
// error senders get, and the per-connection record session.ts drives (type-only use of net.Socket).

import type net from 'node:net';
import type { CancelTimer, Clock } from './clock.ts';
import type { Negotiated } from './fsm/negotiate.ts';
import type { DownReason, FsmConfig, FsmConfigInput, FsmEvent, FsmState, FsmStateName, TimerName } from './fsm/types.ts';
import type { BgpMetrics, Logger } from './observe.ts';
import type { ReceivedOptions } from './received.ts';
import { Framer } from './wire/framer.ts';
import type { AfiSafi, BgpMessage, UpdateMessage } from './wire/types.ts';

export type SessionErrorCode = 'ERR_BGP_SESSION_DOWN';

/** Raised to senders when the session is not (or no longer) Established. */
export class SessionDownError extends Error {
  readonly code: SessionErrorCode = 'ERR_BGP_SESSION_DOWN';
  constructor(message = 'BGP session is not established') {
    super(message);
    this.name = 'SessionDownError';
  }
}

export interface SessionOptions {
  readonly peerAddress: string;
  readonly peerPort?: number;
  readonly localAddress?: string;
  /** Wanted TTL (eBGP multihop / GTSM): needs `configureSocket` (native addon); otherwise the OS default. */
  readonly ttl?: number;
  readonly fsm: FsmConfigInput;
  readonly received?: ReceivedOptions;
  readonly clock?: Clock;
  readonly logger?: Logger;
  readonly metrics?: BgpMetrics;
  /** PRNG seed for connect-retry / idle-hold jitter. */
  readonly seed?: number;
  /** Hook for socket options Node cannot set (IP_TTL, TCP_MD5SIG): called before connect and on accept. */
  readonly configureSocket?: (socket: net.Socket, phase: 'before-connect' | 'accepted') => void;
  /**
   * Creates the outgoing socket, e.g. net/sockopt.ts createPeerSocket (a descriptor with TCP-MD5 / TTL
   * set and bound to the source address before the first SYN). When given, `localAddress` is the
   * factory's job. A throw counts as a failed connection attempt (retried with backoff).
   */
  readonly createSocket?: () => net.Socket;
}

export interface EstablishedInfo {
  readonly negotiated: Negotiated;
  readonly localAddress: string;
  readonly localPort: number;
  readonly remoteAddress: string;
  readonly remotePort: number;
}

export interface RouteRefreshRequest extends AfiSafi {
  readonly subtype: number;
}

export interface SessionEvents {
  stateChange: [from: FsmStateName, to: FsmStateName];
  established: [info: EstablishedInfo];
  down: [reason: DownReason];
  update: [message: UpdateMessage];
  endOfRib: [family: AfiSafi];
  routeRefresh: [request: RouteRefreshRequest];
}

export interface StopOptions {
  /** RFC 8203 / 9003 shutdown communication (≤ 255 bytes UTF-8). */
  readonly message?: string;
  /** Cease subcode: 2 admin shutdown (default), 3 de-configured, 4 admin reset, 6 other config change. */
  readonly subcode?: number;
  /**
   * Graceful restart (RFC 4724 §4): keep our routes at the peer. With the RFC 8538 N bit negotiated
   * a plain Cease does that; without it the connection is closed with no NOTIFICATION at all.
   */
  readonly graceful?: boolean;
}

/** Normalises an address for comparisons (IPv4-mapped IPv6 → IPv4). */
export function normalizeAddress(addr: string | undefined): string {
  if (addr === undefined) return '';
  const m = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(addr);
  return (m ? m[1]! : addr).toLowerCase();
}


export type Direction = 'outgoing' | 'incoming';

export interface TimerEntry {
  readonly cancel: CancelTimer;
  readonly due: number;
  readonly ms: number;
}

/** One TCP connection with its own FSM instance (the main one, or a second one during a §6.8 collision). */
export interface Conn {
  role: 'main' | 'collision';
  cfg: FsmConfig;
  state: FsmState;
  socket: net.Socket | undefined;
  direction: Direction | undefined;
  framer: Framer;
  readonly timers: Map<TimerName, TimerEntry>;
  readonly queue: FsmEvent[];
  busy: boolean;
  paused: boolean;
  /** The message being delivered by the current event. */
  current: BgpMessage | undefined;
  /** Destroy instead of a graceful end when closing (the peer stopped reading). */
  destroyOnClose: boolean;
  /** Replaced by the other connection: its 'down' is not a session down. */
  replaced: boolean;
}

export function newConn(role: Conn['role'], cfg: FsmConfig, state: FsmState): Conn {
  return {
    role, cfg, state, socket: undefined, direction: undefined, framer: new Framer(), timers: new Map(),
    queue: [], busy: false, paused: false, current: undefined, destroyOnClose: false, replaced: false,
  };
}
