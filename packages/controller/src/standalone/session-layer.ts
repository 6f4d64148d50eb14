// The boundary between the standalone daemon and the BGP sessions: what the daemon asks of a peer's
// session (start, deliberate stop with a Cease NOTIFICATION, silent stop for graceful restart) and what
// the session tells it (Established with the negotiated link, down, ROUTE-REFRESH). The daemon's logic
// is tested against a fake layer; `real-session-layer.ts` implements it on packages/bgp's Session.

import type { PeerLinkInfo } from '@vipd/bgp/export-policy.ts';
import type { BfdProcessInfo } from '@vipd/metrics/status.ts';
import type { PeerSink } from '@vipd/bgp/speaker.ts';
import type { PeerConfig } from './config.ts';
import type { PeerDetails } from './peer-details.ts';

export interface SessionHooks {
  established(link: PeerLinkInfo, sink: PeerSink): void;
  down(): void;
  routeRefresh(afi: number, safi: number, subtype: number): void;
}

export interface SessionGlobals {
  readonly localAsn: number;
  readonly routerId: string;
  /** Set the graceful restart R bit on this session's first OPEN (RFC 4724 §3): we restarted. */
  readonly restarting: boolean;
}

export interface SessionPort {
  readonly peer: string;
  start(): void;
  /**
   * Deliberate stop: Cease (6/`subcode`) with an RFC 9003 message where allowed, then close. When the
   * session negotiated RFC 8538 the session layer wraps it in Hard Reset (6/9). Resolves once closed.
   */
  stop(subcode: number, message?: string): Promise<void>;
  /** Close the TCP connection without a NOTIFICATION (graceful restart: the peer keeps our routes). */
  abort(): Promise<void>;
  /** Plain data for logs and the status API. */
  state(): string;
  /** Why the session may not come up (e.g. 'md5-key-mismatch-likely'), or null. */
  diagnosis?(): string | null;
  /** BFD session state (AdminDown / Down / Init / Up), or null without BFD. */
  bfdState?(): string | null;
  /**
   * A new TCP-MD5 key for a peer that already has one: applied to the live connection, the listener
   * and later connections without a restart. False when it cannot be (the daemon restarts the peer).
   */
  rekey?(peer: PeerConfig): boolean;
  /** Negotiated capabilities, transitions, last NOTIFICATION, message totals (status API). */
  details?(): PeerDetails;
}

export interface ListenerPort {
  close(): Promise<void>;
}

export interface SessionLayer {
  createSession(peer: PeerConfig, globals: SessionGlobals, hooks: SessionHooks): SessionPort;
  /**
   * Accepts TCP connections on address:port and hands each to the session of the remote address
   * (`lookup`); connections from unknown addresses are refused (Cease 6/5).
   */
  listen(address: string, port: number, lookup: (remote: string) => SessionPort | undefined): Promise<ListenerPort>;
  /** Releases layer-wide resources (the BFD process) after every session stopped. */
  close?(): Promise<void>;
  /** The BFD process for the status API (null while no peer uses BFD). */
  bfdProcess?(): BfdProcessInfo | null;
}
