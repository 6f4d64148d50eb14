// The status API's data model: what the daemon supplies (StatusProvider, Readiness) and what the HTTP
// API returns (`*Response`), as plain JSON-able data. The daemon implements StatusProvider over its
// speaker, controller and health checker; the `vipd status|peers|routes` commands read the responses.
// None of these types has a field for a secret (TCP-MD5 keys, tokens): secrets never reach this layer.

import type { BgpFamilyLabel, DecisionReason, ErrorDirection, HealthCheckKind, SessionStateName } from './labels.ts';

export interface DaemonInfo {
  readonly version: string;
  readonly revision: string;
  /** Kubernetes node name, or the host name in standalone mode. */
  readonly node: string;
  readonly mode: 'kubernetes' | 'standalone';
  readonly routerId: string | null;
  readonly localAsn: number | null;
  /** Unix time in milliseconds. */
  readonly startedAtMs: number;
  /** The BFD process (docs/security-and-failover.md); null (or absent) while no peer uses BFD. */
  readonly bfd?: BfdProcessInfo | null;
}

export interface BfdProcessInfo {
  /** null while it is being restarted. */
  readonly pid: number | null;
  /** What the BFD process got: SCHED_RR, nice −10, or normal priority (no CAP_SYS_NICE). */
  readonly scheduling: 'rr' | 'nice' | 'none';
  /** Times it died and was started again. */
  readonly restarts: number;
  /** Watchdog on the daemon's event loop (0: off). */
  readonly watchdogMs: number;
}

export interface PeerError {
  readonly direction: ErrorDirection;
  readonly code: number;
  readonly subcode: number;
  /** RFC name, e.g. "Cease / Administrative Shutdown". */
  readonly name: string;
  /** RFC 8203 shutdown communication or a local reason; never contains secrets. */
  readonly message: string | null;
  readonly atMs: number;
}

export interface FamilyPrefixCounts {
  readonly family: BgpFamilyLabel;
  /** Prefixes currently announced to the peer (Adj-RIB-Out). */
  readonly advertised: number;
  /** Desired but not yet written (announce or withdraw). */
  readonly pending: number;
  /** Prefixes currently received from the peer (Adj-RIB-In). */
  readonly received: number;
}

export interface PeerStatus {
  /** The peer's IP address: the same value as the metrics' `peer` label. */
  readonly address: string;
  readonly port: number;
  readonly localAddress: string | null;
  readonly description: string | null;
  readonly peerAsn: number | null;
  readonly localAsn: number;
  /** The peer's BGP Identifier from its OPEN, once received. */
  readonly peerRouterId: string | null;
  readonly state: SessionStateName;
  /** When the current state was entered (Unix ms). */
  readonly stateSinceMs: number;
  /** Negotiated hold time and keepalive interval (RFC 4271 §4.2), null before OPEN. */
  readonly holdTimeSec: number | null;
  readonly keepaliveSec: number | null;
  /** Capabilities both sides advertised (RFC 5492), e.g. "route-refresh", "4-octet-as". */
  readonly capabilities: readonly string[];
  /** Address families negotiated with Multiprotocol Extensions (RFC 4760). */
  readonly families: readonly BgpFamilyLabel[];
  readonly prefixes: readonly FamilyPrefixCounts[];
  readonly messagesSent: number;
  readonly messagesReceived: number;
  /** Times the session reached Established. */
  readonly establishedTransitions: number;
  readonly lastError: PeerError | null;
  /** Why the session may not come up, e.g. "md5-key-mismatch-likely" (docs/security-and-failover.md). */
  readonly diagnosis?: string | null;
  /** BFD session state ("AdminDown", "Down", "Init", "Up"), or null without BFD. */
  readonly bfd?: string | null;
  /** Kubernetes mode: per configured family, the next hop VIPs are sent with or why they are withheld. */
  readonly nextHops?: readonly PeerNextHopStatus[];
}

export interface PeerNextHopStatus {
  readonly family: BgpFamilyLabel;
  /** Null when there is none (or, for the session's own family, before Established). */
  readonly address: string | null;
  /** session: the session's local address; node: the Node's address; bgppeer: spec.nextHopIpv4/6. */
  readonly source: 'session' | 'node' | 'bgppeer' | null;
  /** Why VIPs of this family are not announced to the peer, or null. */
  readonly problem: string | null;
  /** VIPs of this family withheld from the peer for want of a next hop. */
  readonly withheld: number;
}

export interface RouteAttributes {
  readonly origin: 'igp' | 'egp' | 'incomplete';
  readonly asPath: readonly number[];
  readonly nextHop: string;
  readonly med: number | null;
  readonly localPref: number | null;
  /** RFC 1997 communities as "asn:value" or well-known names ("graceful-shutdown"). */
  readonly communities: readonly string[];
  /** RFC 8092 large communities as "global:local1:local2". */
  readonly largeCommunities: readonly string[];
}

export interface RouteStatus {
  /** The VIP as a host prefix, e.g. "192.0.2.10/32" or "2001:db8::10/128". */
  readonly prefix: string;
  readonly family: BgpFamilyLabel;
  /** Peers (IP addresses) this route is currently announced to. */
  readonly peers: readonly string[];
  /** Peers it should go to but has not been written to yet. */
  readonly pendingPeers: readonly string[];
  readonly attributes: RouteAttributes;
  /** Services ("namespace/name") or health-checked VIP names that want this prefix. */
  readonly sources: readonly string[];
}

export interface VipDecision {
  readonly vip: string;
  readonly reason: DecisionReason;
}

export interface DecisionStatus {
  /** "namespace/name". */
  readonly service: string;
  readonly isAnnounced: boolean;
  /** The decision for the whole Service: "announced" or the first reason it is not. */
  readonly reason: DecisionReason;
  /** Per-VIP decisions (a dual-stack Service may announce one family and not the other). */
  readonly vips: readonly VipDecision[];
  /** A human-readable detail; never a whole Kubernetes object. */
  readonly detail: string | null;
  readonly decidedAtMs: number;
}

export interface HealthCheckStatus {
  readonly name: string;
  readonly kind: HealthCheckKind;
  /** What is probed (URL without credentials, host:port, command name). */
  readonly target: string;
  readonly vips: readonly string[];
  readonly state: 'up' | 'down' | 'unknown';
  readonly stateSinceMs: number;
  readonly consecutiveSuccesses: number;
  readonly consecutiveFailures: number;
  readonly transitions: number;
  readonly lastDurationMs: number | null;
  readonly lastDetail: string | null;
  readonly lastCheckedAtMs: number | null;
  /** Finer state: 'draining' (GRACEFUL_SHUTDOWN sent) and 'maintenance' count as down in `state`. */
  readonly phase?: 'up' | 'down' | 'draining' | 'maintenance';
  readonly maintenance?: boolean;
  /** What the VIPs' routes are now: announced, announced with GSHUT or worse attributes, withdrawn. */
  readonly route?: 'announce' | 'announce-gshut' | 'announce-degraded' | 'withdraw';
  /** No re-announce before this time (anti-flap hold-down after a failure). */
  readonly holdDownUntilMs?: number | null;
}

type MaybePromise<T> = T | Promise<T>;

/** Supplied by the daemon; each call returns a fresh snapshot of plain data. */
export interface StatusProvider {
  info(): MaybePromise<DaemonInfo>;
  peers(): MaybePromise<readonly PeerStatus[]>;
  routes(): MaybePromise<readonly RouteStatus[]>;
  decisions(): MaybePromise<readonly DecisionStatus[]>;
  healthChecks(): MaybePromise<readonly HealthCheckStatus[]>;
}

/** `/readyz` is 200 once both are true. */
export interface Readiness {
  isConfigLoaded(): boolean;
  isInitialSyncDone(): boolean;
}

// ---- HTTP API responses (GET /api/v1/...) ----

export interface PeerView extends PeerStatus {
  /** Seconds in the current state. */
  readonly stateForSec: number;
  /** Seconds Established, or null when not Established. */
  readonly uptimeSec: number | null;
}

export interface StatusResponse {
  readonly info: DaemonInfo;
  readonly ready: boolean;
  readonly uptimeSec: number;
  readonly peers: { readonly total: number; readonly established: number };
  readonly routes: { readonly total: number; readonly pending: number };
  readonly decisions: Partial<Record<DecisionReason, number>>;
  readonly healthChecks: { readonly total: number; readonly up: number; readonly down: number };
  readonly generatedAtMs: number;
}

export interface PeersResponse {
  readonly peers: readonly PeerView[];
  readonly generatedAtMs: number;
}

export interface RoutesResponse {
  readonly routes: readonly RouteStatus[];
  readonly generatedAtMs: number;
}

export interface DecisionsResponse {
  readonly decisions: readonly DecisionStatus[];
  readonly generatedAtMs: number;
}

export interface HealthChecksResponse {
  readonly healthChecks: readonly HealthCheckStatus[];
  readonly generatedAtMs: number;
}

export interface ReadyResponse {
  readonly ready: boolean;
  readonly configLoaded: boolean;
  readonly initialSyncDone: boolean;
}

/** The default port of the metrics and status HTTP server (docs/metrics.md); the chart's speaker.metricsPort. */
export const DEFAULT_HTTP_PORT = 7472;
