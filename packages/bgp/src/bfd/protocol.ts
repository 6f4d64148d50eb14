// Messages between the BFD service (in the daemon, service.ts) and the BFD process (bfd-process.ts)
// over the fork() IPC pipe ('advanced' serialization: structured-clone data, Uint8Array keys included).

import type { BfdAuthConfig } from './auth.ts';
import type { BfdTimers } from './fsm.ts';
import type { BfdStateName } from './packet.ts';

/** RFC 5881 §4 single-hop and RFC 5883 §5 multihop destination ports. */
export const BFD_PORT_SINGLE_HOP = 3784;
export const BFD_PORT_MULTI_HOP = 4784;

export interface BfdPeerSpec {
  /** Caller's key for this session (the BGP peer address in the daemon). */
  readonly id: string;
  readonly peerAddress: string;
  readonly localAddress: string;
  readonly multihop: boolean;
  /** Multihop: hops allowed; the receive check is TTL ≥ 256 − hops (RFC 5883 §5 leaves it to us). */
  readonly maxHops?: number;
  readonly timers: BfdTimers;
  readonly passive?: boolean;
  /** RFC 5880 §6.7 authentication (simple password, keyed / meticulous keyed SHA1). */
  readonly auth?: BfdAuthConfig;
  /** Tests on loopback: our receive port and the peer's (default 3784 / 4784). */
  readonly listenPort?: number;
  readonly peerPort?: number;
}

export type ToBfdProcess =
  /** `gen` tags this add: state messages carry it, so a late one from a removed session is told apart. */
  | { readonly type: 'add'; readonly spec: BfdPeerSpec; readonly gen: number }
  | { readonly type: 'remove'; readonly id: string }
  | { readonly type: 'set-timers'; readonly id: string; readonly timers: BfdTimers }
  | { readonly type: 'admin'; readonly id: string; readonly down: boolean }
  | { readonly type: 'snapshot'; readonly reqId: number }
  /** The daemon's event loop is alive (sent every watchdogMs / 5). */
  | { readonly type: 'heartbeat' }
  /** Sent first: no control message for watchdogMs → the BFD process stops transmitting until one comes. */
  | { readonly type: 'watchdog'; readonly ms: number }
  | { readonly type: 'stop' };

export interface BfdSessionSnapshot {
  readonly id: string;
  readonly peerAddress: string;
  readonly localAddress: string;
  readonly state: BfdStateName;
  readonly localDiag: number;
  readonly remoteState: BfdStateName;
  readonly localDiscriminator: number;
  readonly remoteDiscriminator: number;
  /** Negotiated transmit interval and detection time (ms); 0 while unknown. */
  readonly txIntervalMs: number;
  readonly detectTimeMs: number;
  readonly packetsSent: number;
  readonly packetsReceived: number;
  /** Datagrams dropped by the RFC 5881 §5 TTL check. */
  readonly droppedTtl: number;
  /** Datagrams that failed to decode or that the state machine discarded (RFC 5880 §6.8.6). */
  readonly discarded: number;
  readonly upTransitions: number;
  readonly downTransitions: number;
  /** Worst delay of a tx timer against its due time (ms): proof that route work does not delay BFD. */
  readonly txLatenessMaxMs: number;
  /** Datagrams the kernel would not take (no route, address gone, buffer full). */
  readonly sendErrors: number;
  /** Transmits left out while the daemon was unresponsive (the watchdog). */
  readonly suppressed: number;
}

export type FromBfdProcess =
  | { readonly type: 'ready'; readonly priority: 'rr' | 'nice' | 'none'; readonly pid: number }
  | { readonly type: 'state'; readonly id: string; readonly gen: number; readonly from: BfdStateName; readonly to: BfdStateName; readonly diag: number; readonly atMs: number }
  | { readonly type: 'error'; readonly id: string; readonly code: string; readonly message: string }
  | { readonly type: 'snapshot'; readonly reqId: number; readonly sessions: readonly BfdSessionSnapshot[] }
  /** The watchdog stopped (stalled) or resumed transmits. */
  | { readonly type: 'daemon-stalled'; readonly stalled: boolean; readonly atMs: number };
