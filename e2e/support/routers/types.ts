// Lab harness: the typed router spec every driver (BIRD, FRR, GoBGP, ExaBGP) turns into its own config,
// and the normalized views (peers, routes, notifications) their query methods return.
import type { Topology, LabProcess } from '../netns.ts';

export type Family = 'ipv4' | 'ipv6';

export type PeerState = 'Idle' | 'Connect' | 'Active' | 'OpenSent' | 'OpenConfirm' | 'Established' | 'Unknown';

export interface GracefulRestartSpec {
  readonly restartTimeSec?: number;
}

export interface NeighborSpec {
  /** Peer address (IPv4 or IPv6, global). */
  readonly address: string;
  readonly remoteAs: number;
  /** Our source address for the session (BIRD `local`, FRR update-source, GoBGP local-address…). */
  readonly localAddress?: string;
  /** Interface the peer is on (needed by BIRD for link-local next hops / direct sessions; optional). */
  readonly interface?: string;
  /** Remote TCP port (default 179). */
  readonly port?: number;
  /** Wait for the peer to connect. */
  readonly passive?: boolean;
  readonly holdTimeSec?: number;
  /** Families activated on the session (default: the session's own family). */
  readonly families?: readonly Family[];
  /** RFC 8950 IPv4 NLRI with IPv6 next hop (BIRD, FRR, GoBGP). */
  readonly extendedNextHop?: boolean;
  /** false: behave as a 2-byte-only speaker (BIRD `enable as4 off`, ExaBGP `asn4 disable`). Default true. */
  readonly as4?: boolean;
  /** Advertise route refresh (default true; BIRD and ExaBGP can turn it off). */
  readonly routeRefresh?: boolean;
  /** Advertise graceful restart (RFC 4724) and keep the peer's routes as stale when it restarts. */
  readonly gracefulRestart?: boolean | GracefulRestartSpec;
  /** TCP MD5 password (RFC 2385). */
  readonly password?: string;
  /** BFD for this session (BIRD `protocol bfd`, FRR bfdd). */
  readonly bfd?: boolean | {
    readonly intervalMs?: number;
    readonly multiplier?: number;
    /** BFD authentication (BIRD only: FRR 8.4 bfdd has none). */
    readonly auth?: { readonly type: 'simple' | 'keyed-sha1' | 'meticulous-keyed-sha1'; readonly keyId: number; readonly password: string };
  };
  /** eBGP multihop TTL. */
  readonly multihop?: number;
  /** GTSM (RFC 5082): FRR `neighbor X ttl-security hops N`, BIRD `ttl security`. */
  readonly ttlSecurityHops?: number;
  /** Send our routes with next hop self (default true for eBGP). */
  readonly nextHopSelf?: boolean;
  /** iBGP route reflector client (RFC 4456): BIRD `rr client`, FRR `route-reflector-client`. */
  readonly routeReflectorClient?: boolean;
  /** ADD-PATH (RFC 7911): BIRD `add paths tx|rx|on`, FRR `addpath-tx-all-paths` (send; FRR always receives). */
  readonly addPath?: 'send' | 'receive' | 'both';
  /** BGP role (RFC 9234): BIRD `local role`, FRR `local-role`; enables OTC handling. */
  readonly role?: 'provider' | 'customer' | 'peer' | 'rs-server' | 'rs-client';
  /** Optional stable name (BIRD protocol name); default derived from the address. */
  readonly name?: string;
}

/** A route the router originates itself (static / network / rib add), with its BGP attributes. */
export interface OriginateSpec {
  readonly prefix: string;
  /** e.g. ['65000:1'] */
  readonly communities?: readonly string[];
  /** e.g. ['4200000000:1:2'] */
  readonly largeCommunities?: readonly string[];
  /** e.g. ['rt:65000:100'] (type:admin:value; rt and soo) */
  readonly extCommunities?: readonly string[];
  readonly med?: number;
  readonly localPref?: number;
  readonly origin?: 'igp' | 'egp' | 'incomplete';
  /** ASes prepended to the path (after the router's own AS for eBGP). */
  readonly asPathPrepend?: readonly number[];
}

export interface RouterSpec {
  /** Full namespace name the router runs in. */
  readonly ns: string;
  readonly routerId: string;
  readonly localAs: number;
  /** Addresses to listen on (default: all). Port default 179. */
  readonly listen?: { readonly addresses?: readonly string[]; readonly port?: number };
  readonly neighbors: readonly NeighborSpec[];
  readonly originate?: readonly OriginateSpec[];
  /** Aggregates the router originates (FRR `aggregate-address`; others refuse with LAB_BAD_SPEC). */
  readonly aggregates?: readonly { readonly prefix: string; readonly summaryOnly?: boolean; readonly asSet?: boolean }[];
  /** Route reflector cluster id (FRR `bgp cluster-id`, BIRD `rr cluster id`). */
  readonly clusterId?: string;
  /** Install learned routes into the namespace's kernel FIB (BIRD kernel protocol, FRR zebra). */
  readonly kernel?: boolean;
  /** Instance name for files (default: driver name); use when two instances share a namespace. */
  readonly instance?: string;
  /**
   * Equal-cost multipath toward several peers announcing the same prefix (BIRD: `merge paths on` in the
   * kernel protocol; FRR: `maximum-paths` + `bgp bestpath as-path multipath-relax`). Needs `kernel`.
   */
  readonly ecmp?: boolean;
  /** RFC 8326 receiver side: routes carrying GRACEFUL_SHUTDOWN (65535:0) get LOCAL_PREF 0 on import. */
  readonly honorGracefulShutdown?: boolean;
}

export interface PeerView {
  readonly address: string;
  readonly remoteAs?: number;
  readonly state: PeerState;
  /** Driver-specific name (BIRD protocol). */
  readonly name?: string;
  readonly uptime?: string;
}

export interface RouteView {
  /** Canonical prefix text, '10.0.0.1/32', 'fd00::1/128'. */
  readonly prefix: string;
  /** Next hops (canonical text); an IPv6 route may carry global + link-local. */
  readonly nextHops: readonly string[];
  readonly nextHop: string | undefined;
  readonly asPath: readonly number[];
  /** 'asn:value' */
  readonly communities: readonly string[];
  /** 'global:local1:local2' */
  readonly largeCommunities: readonly string[];
  /** Driver text, normalized to 'rt:a:b' / 'soo:a:b' where possible. */
  readonly extCommunities: readonly string[];
  readonly med?: number;
  readonly localPref?: number;
  readonly origin?: 'igp' | 'egp' | 'incomplete';
  readonly stale?: boolean;
  /** The peer the route came from, when the router says. */
  readonly fromPeer?: string;
  readonly best?: boolean;
}

export interface FibRoute {
  readonly prefix: string;
  readonly gateway?: string;
  readonly dev?: string;
  readonly protocol?: string;
}

/** A BFD session as the router reports it (BIRD `show bfd sessions`, FRR `show bfd peers json`). */
export interface BfdView {
  readonly peer: string;
  /** 'Up' | 'Down' | 'Init' | 'AdminDown' */
  readonly state: string;
  readonly interface?: string;
  /** BIRD: the transmit interval and the detection time it uses now (ms; the poll sequence moves them). */
  readonly intervalMs?: number;
  readonly timeoutMs?: number;
}

/** What the router last received in a NOTIFICATION (or its shutdown communication). */
export interface NotificationView {
  readonly code?: number;
  readonly subcode?: number;
  /** Router's own text ("Administrative shutdown"). */
  readonly reason?: string;
  /** RFC 8203/9003 shutdown communication, if any. */
  readonly message?: string;
  readonly raw: string;
}

/** Common surface of every router driver. */
export interface RouterDriver {
  readonly kind: 'bird' | 'frr' | 'gobgp' | 'exabgp';
  readonly spec: RouterSpec;
  readonly dir: string;
  version(): Promise<string>;
  start(): Promise<void>;
  stop(): Promise<void>;
  isRunning(): boolean;
  processes(): readonly LabProcess[];
  peers(): Promise<PeerView[]>;
  routes(family: Family): Promise<RouteView[]>;
  waitEstablished(address?: string, timeoutMs?: number): Promise<PeerView>;
  waitForRoutes(family: Family, predicate: (routes: RouteView[]) => boolean, timeoutMs?: number): Promise<RouteView[]>;
  /** Adds/removes an originated route at runtime. */
  announce(route: OriginateSpec): Promise<void>;
  withdraw(prefix: string): Promise<void>;
}

export type DriverFactory<D> = (topo: Topology, spec: RouterSpec) => D;

export function neighborFamilies(n: NeighborSpec): readonly Family[] {
  return n.families ?? [n.address.includes(':') ? 'ipv6' : 'ipv4'];
}

export function grTime(n: NeighborSpec): number | undefined {
  if (!n.gracefulRestart) return undefined;
  return (typeof n.gracefulRestart === 'object' ? n.gracefulRestart.restartTimeSec : undefined) ?? 120;
}

export function bfdParams(n: NeighborSpec): { intervalMs: number; multiplier: number } | undefined {
  if (!n.bfd) return undefined;
  const o = typeof n.bfd === 'object' ? n.bfd : {};
  return { intervalMs: o.intervalMs ?? 100, multiplier: o.multiplier ?? 3 };
}

/** Protocol-safe name from an address: 10.0.0.2 → n10_0_0_2; fd00::2 → nfd00__2. */
export function nameFromAddress(address: string): string {
  return 'n' + address.replace(/[.:]/g, '_');
}
