// One BGPPeer of this node in Kubernetes mode: its BGP session (packages/bgp Session, RFC 4271 §8),
// its own Speaker (Adj-RIB-Out, RFC 4271 §9.2) and the desired route set the reconciler maintains for
// it. A speaker per peer because the decision gives each peer its own routes and attributes (a
// BGPAdvertisement can select some peers only). The sink wrapper measures the event→wire latency:
// the time from the informer observing a change to the UPDATE it caused being written to the socket.
// The FSM configuration is the standalone daemon's (standalone/real-session-layer.ts fsmConfigFor);
// TCP-MD5 (RFC 2385) keys and TTL go on the socket through the native addon before the first SYN
// (peer-security.ts createSecureSocket; the daemon's SecureListener carries the same key for passive
// peers). Status details (capabilities, message totals, transitions, last NOTIFICATION) and the UPDATE
// queue depth come from standalone/peer-details.ts; BFD (BGPPeer.spec.bfdProfile) is coupled through
// standalone/bfd-coupling.ts exactly as in standalone mode (BFD Down → Cease 6/10, RFC 9384).
// VIPs of the family the session is not of get this Node's address of that family as next hop
// (peer-next-hops.ts; RFC 4760 §3 for IPv6 over an IPv4 session).

import { Session } from '@vipd/bgp/session.ts';
import { Speaker } from '@vipd/bgp/speaker.ts';
import { codecEncoder, linkInfoFromNegotiated } from '@vipd/bgp/speaker-wire.ts';
import type { PeerExportConfig, RouteAttributes } from '@vipd/bgp/export-policy.ts';
import { Md5Secret, checkPeerSecurity, createSecureSocket, needsAddon, type PeerSecurity } from '@vipd/bgp/net/peer-security.ts';
import { normalizeAddress } from '@vipd/bgp/session-types.ts';
import { noopMetrics, type BgpMetrics, type FamilyName, type Logger } from '@vipd/bgp/observe.ts';
import type { DownReason, FsmStateName } from '@vipd/bgp/fsm/types.ts';
import { describeNotification } from '@vipd/bgp/wire/errors.ts';
import { fsmConfigFor } from '../standalone/real-session-layer.ts';
import type { PeerBfdConfig, PeerConfig } from '../standalone/config.ts';
import { PeerDetailsTracker, queueDepthWriter, type PeerDetails } from '../standalone/peer-details.ts';
import type { BfdBinding, BfdCoupling } from '../standalone/bfd-coupling.ts';
import { ConnectDiagnosis, type ConnectObserver, type PeerDiagnosis } from '../standalone/connect-diagnosis.ts';
import type { BgpPeer } from '../config/types.ts';
import { PeerNextHops, type NodeNextHops, type PeerNextHop } from './peer-next-hops.ts';
import { canonicalIp } from '../config/ip.ts';

export interface FeedGlobals {
  readonly routerId: string;
  /** First session after process start: set the RFC 4724 R bit when graceful restart is on. */
  readonly restarting: boolean;
  readonly log: Logger;
  readonly metrics?: BgpMetrics;
  /** Kubernetes change observed → UPDATE written (seconds), per peer IP. */
  readonly eventToWire?: (peer: string, seconds: number) => void;
  readonly onStateChange?: () => void;
  /** The session reached Established or went down (its negotiated families changed). */
  readonly onNegotiated?: () => void;
  /** BFD for this peer (BGPPeer.spec.bfdProfile resolved against the daemon's profiles). */
  readonly bfd?: { readonly coupling: BfdCoupling; readonly config: PeerBfdConfig };
  /** Connect timeouts and the TCP-MD5 mismatch diagnosis (vipd_bgp_connect_timeouts_total, …). */
  readonly connectObserver?: ConnectObserver;
}

/**
 * Session-level fields of a BGPPeer: a change restarts the session (Cease 6/6). That includes the
 * TCP-MD5 password and the BFD profile and authentication (type, key ID, key): a rotated Secret restarts.
 */
export function sessionFingerprint(p: BgpPeer, routerId: string, password: string | undefined, bfd?: PeerBfdConfig): string {
  const s = p.spec;
  return JSON.stringify([s.address, s.asn, s.learnAsnFromOpen, s.localAsn, routerId, s.port, s.holdTimeSec, s.keepaliveSec,
    s.connectRetrySec, s.families, s.sourceAddress, s.ebgpMultihopTtl, s.passive, s.gracefulRestart, password ?? null,
    bfd === undefined ? null : [bfd.profile, bfd.minTxMs, bfd.minRxMs, bfd.multiplier, bfd.multihop,
      // RFC 5880 §6.7 key: its per-process HMAC fingerprint, never the key itself.
      bfd.auth === undefined ? null : [bfd.auth.type, bfd.auth.keyId, bfd.auth.key.fingerprint]]]);
}

function standalonePeer(p: BgpPeer): PeerConfig {
  const s = p.spec;
  return {
    address: s.address,
    asn: s.asn ?? 0,
    port: s.port,
    holdTimeSec: s.holdTimeSec,
    families: s.families,
    mode: s.passive ? 'passive' : 'active',
    multihopTtl: s.ebgpMultihopTtl ?? 1,
    ...(s.sourceAddress === undefined ? {} : { sourceAddress: s.sourceAddress }),
    ...(s.gracefulRestart.enabled ? { gracefulRestartTimeSec: s.gracefulRestart.restartTimeSec } : {}),
    extendedNextHop: false,
    fourOctetAs: true,
    asPathPrepend: 0,
    communities: [],
  };
}

function exportConfig(p: BgpPeer, learnedAs: number | undefined, nh: PeerNextHops): PeerExportConfig {
  // Until the OPEN tells us (learnAsnFromOpen), treat the peer as external.
  const peerAs = p.spec.asn ?? learnedAs ?? (p.spec.localAsn === 1 ? 2 : p.spec.localAsn - 1);
  return { localAs: p.spec.localAsn, peerAs, families: p.spec.families, ...nh.exportFields() };
}

export interface FeedStatus {
  readonly name: string;
  readonly address: string;
  readonly port: number;
  readonly localAsn: number;
  readonly description: string | undefined;
  readonly state: FsmStateName;
  readonly asn: number | undefined;
  readonly establishedSinceMs: number | undefined;
  readonly families: readonly FamilyName[];
  readonly advertised: Readonly<Record<FamilyName, number>>;
  readonly lastError: string | undefined;
  readonly lastErrorAtMs: number | undefined;
  /** Negotiated details, message totals, transitions, last NOTIFICATION; null when not started. */
  readonly details: PeerDetails | null;
  /** BFD state, or null without BFD. */
  readonly bfd: string | null;
  /** Why the session may not come up (connect timeouts, likely TCP-MD5 key mismatch). */
  readonly diagnosis: PeerDiagnosis;
  /** Next hop per configured family, or why there is none (peer-next-hops.ts); absent when not started. */
  readonly nextHops?: readonly PeerNextHop[];
}

export class PeerFeed {
  readonly name: string;
  /** Canonical peer IP: the metrics `peer` label and the listener's lookup key. */
  readonly address: string;
  readonly peer: BgpPeer;
  readonly fingerprint: string;
  readonly hasPassword: boolean;
  /** TCP-MD5 key and TTL (also installed on the daemon's SecureListener for this address). */
  readonly security: PeerSecurity;
  readonly speaker: Speaker;
  readonly session: Session;
  /** The other address family's next hop (this Node's address or spec.nextHopIpv4/6). */
  readonly nextHops: PeerNextHops;
  /** prefix → attributes this peer should have. */
  readonly desired = new Map<string, RouteAttributes>();
  /** Changes since the last flush, handed to the speaker incrementally (O(changes)). */
  private readonly changes = new Map<string, RouteAttributes | undefined>();
  /** The whole set must be handed over (after clearRoutes). */
  private full = true;
  /** Informer-observed times (performance.now()) of changes not yet on the wire. */
  private pendingSince: number[] = [];
  private readonly g: FeedGlobals;
  private establishedAtMs: number | undefined;
  private lastError: string | undefined;
  private lastErrorAtMs: number | undefined;
  private readonly details = new PeerDetailsTracker();
  private readonly bfdLink: BfdBinding | undefined;
  private readonly diag: ConnectDiagnosis;
  private readonly writeCounted: (msgs: readonly Uint8Array[]) => Promise<void>;

  constructor(peer: BgpPeer, password: string | undefined, fingerprint: string, g: FeedGlobals) {
    this.name = peer.metadata.name;
    this.address = canonicalIp(peer.spec.address) ?? peer.spec.address;
    this.peer = peer;
    this.fingerprint = fingerprint;
    this.hasPassword = password !== undefined;
    this.g = g;
    const log = g.log.child({ peer: this.address, bgpPeer: this.name });
    this.speaker = new Speaker({ encoder: codecEncoder, log, ...(g.metrics === undefined ? {} : { metrics: g.metrics }) });
    this.nextHops = new PeerNextHops({ peer, log });
    this.speaker.addPeer(this.name, exportConfig(peer, undefined, this.nextHops));
    const s = peer.spec;
    const pc = standalonePeer(peer);
    const fsm = {
      ...fsmConfigFor(pc, { localAsn: s.localAsn, routerId: g.routerId, restarting: g.restarting }),
      peerAs: s.asn ?? ('any' as const),
      connectRetrySec: s.connectRetrySec,
      keepaliveSec: s.keepaliveSec,
    };
    const sec: PeerSecurity = {
      ...(password === undefined ? {} : { md5: Md5Secret.fromString(password) }),
      ...(s.ebgpMultihopTtl !== undefined && s.ebgpMultihopTtl > 1 ? { multihopTtl: s.ebgpMultihopTtl } : {}),
    };
    this.security = sec;
    // PeerSecurityError (ERR_PEER_SECURITY_UNAVAILABLE) when the addon or the kernel cannot take the
    // options: the peer is not started rather than brought up without its password.
    checkPeerSecurity([{ address: this.address, security: sec }]);
    const needsSocket = needsAddon(sec);
    // Counted even without a metrics registry (the status API needs the totals).
    const counted = this.details.wrap(g.metrics ?? noopMetrics);
    this.session = new Session({
      peerAddress: s.address,
      peerPort: s.port,
      ...(s.sourceAddress !== undefined && !needsSocket ? { localAddress: s.sourceAddress } : {}),
      fsm,
      logger: log,
      ...(counted === undefined ? {} : { metrics: counted }),
      ...(needsSocket ? { createSocket: () => createSecureSocket(s.address, sec, s.sourceAddress) } : {}),
    });
    this.details.attach(this.session);
    this.diag = new ConnectDiagnosis({
      peer: this.address, session: this.session, hasMd5: () => sec.md5 !== undefined, log,
      ...(g.connectObserver === undefined ? {} : { observer: g.connectObserver }),
    });
    this.writeCounted = queueDepthWriter(this.address, g.metrics, (msgs) => this.session.sendChunks(msgs));
    // BfdUnavailableError (ERR_BFD_UNAVAILABLE) here when the addon is missing: the peer is not started.
    this.bfdLink = g.bfd?.coupling.bind({
      peerAddress: this.address, session: this.session, bfd: g.bfd.config, maxHops: s.ebgpMultihopTtl ?? 1, log,
    });
    if (s.sourceAddress !== undefined) this.bfdLink?.start(s.sourceAddress);
    this.session.on('established', (info) => {
      this.establishedAtMs = Date.now();
      this.diag.clear();
      this.bfdLink?.start(normalizeAddress(info.localAddress));
      if (s.asn === undefined) this.speaker.addPeer(this.name, exportConfig(peer, info.negotiated.peerAs, this.nextHops));
      log.info({ families: info.negotiated.families, localAddress: info.localAddress }, 'session established');
      this.speaker.peerUp(this.name, linkInfoFromNegotiated(info.negotiated, info.localAddress), {
        write: (msgs) => this.write(msgs),
      });
      g.onStateChange?.();
      g.onNegotiated?.();
    });
    this.session.on('down', (reason) => {
      this.establishedAtMs = undefined;
      this.lastError = describeDown(reason);
      this.lastErrorAtMs = Date.now();
      this.pendingSince = [];
      this.speaker.peerDown(this.name);
      log.info({ reason: this.lastError }, 'session down');
      g.onStateChange?.();
      g.onNegotiated?.();
    });
    this.session.on('stateChange', () => g.onStateChange?.());
    this.session.on('routeRefresh', (r) => this.speaker.routeRefresh(this.name, r.afi, r.safi, r.subtype));
  }

  private async write(msgs: readonly Uint8Array[]): Promise<void> {
    await this.writeCounted(msgs);
    if (this.pendingSince.length === 0) return;
    const now = performance.now();
    for (const t of this.pendingSince) this.g.eventToWire?.(this.address, (now - t) / 1000);
    this.pendingSince = [];
  }

  start(): void {
    this.session.start();
  }

  /**
   * Configured families the Established session did NOT negotiate (RFC 4760 §8: routes of those
   * families cannot be sent); empty when the session is not up (its routes wait for Established).
   */
  missingFamilies(): readonly FamilyName[] {
    const neg = this.session.negotiated;
    if (neg === undefined) return [];
    const have = linkInfoFromNegotiated(neg, '').families;
    return this.peer.spec.families.filter((f) => !have.has(f));
  }

  /** Sets (or with undefined removes) one route; true when it changed. */
  setRoute(prefix: string, attrs: RouteAttributes | undefined): boolean {
    const cur = this.desired.get(prefix);
    if (cur === attrs) return false;
    if (attrs === undefined) this.desired.delete(prefix);
    else this.desired.set(prefix, attrs);
    this.nextHops.noteRoute(prefix, cur !== undefined, attrs !== undefined);
    if (!this.full) this.changes.set(prefix, attrs);
    return true;
  }

  clearRoutes(): void {
    this.desired.clear();
    this.nextHops.clearRoutes();
    this.changes.clear();
    this.full = true;
  }

  /**
   * Hands the desired set to the speaker when it changed. `observedAtMs` (performance.now() of the
   * informer event) starts the event→wire clock; changes that end up writing nothing are dropped once
   * the speaker is idle.
   */
  flush(observedAtMs: number | undefined): void {
    if (!this.full && this.changes.size === 0) return;
    const up = this.session.state === 'Established';
    if (up && observedAtMs !== undefined) this.pendingSince.push(observedAtMs);
    if (this.full) {
      this.full = false;
      this.changes.clear();
      // Prefixes come from decide (canonical /32 and /128): the speaker cannot reject them.
      void this.speaker.setDesired(this.desired).catch((err: unknown) => this.g.log.error({ err }, 'speaker refused the route set'));
    } else {
      this.speaker.updateDesired(this.changes);
      this.changes.clear();
    }
    if (up && observedAtMs !== undefined) {
      void this.speaker.idle().then(() => {
        this.pendingSince = this.pendingSince.filter((t) => t > observedAtMs);
      });
    }
  }

  /**
   * This Node's addresses and the BGPPeer's current spec.nextHopIpv4/6 (read on every node-level pass;
   * not session fields, so no restart): a changed next hop re-announces every route of this peer with
   * it, or withdraws them when there is none left.
   */
  setNodeNextHops(node: NodeNextHops, peer: BgpPeer | undefined): void {
    const o = peer?.spec ?? this.peer.spec;
    if (this.nextHops.setNode(node, { nextHopIpv4: o.nextHopIpv4, nextHopIpv6: o.nextHopIpv6 })) this.speaker.addPeer(this.name, exportConfig(this.peer, this.session.negotiated?.peerAs, this.nextHops));
  }

  /** Deliberate stop: Cease 6/`subcode` with an RFC 9003 message (RFC 4486 §4). */
  async stop(subcode: number, message: string): Promise<void> {
    this.speaker.removePeer(this.name);
    this.bfdLink?.release();
    this.diag.stop();
    await this.session.stop({ subcode, message });
    this.session.removeAllListeners();
  }

  status(): FeedStatus {
    const rib = this.speaker.status()[0];
    const neg = this.session.negotiated;
    const details = this.details.snapshot(this.session.state === 'Established');
    return {
      name: this.name,
      address: this.address,
      port: this.peer.spec.port,
      localAsn: this.peer.spec.localAsn,
      description: this.peer.spec.description,
      state: this.session.state,
      asn: neg?.peerAs ?? this.peer.spec.asn,
      establishedSinceMs: this.establishedAtMs,
      families: neg === undefined ? [] : [...linkInfoFromNegotiated(neg, '').families],
      advertised: rib?.advertised ?? { 'ipv4-unicast': 0, 'ipv6-unicast': 0 },
      lastError: this.lastError,
      lastErrorAtMs: this.lastErrorAtMs,
      details,
      bfd: this.bfdLink?.state() ?? null,
      diagnosis: this.diag.value,
      nextHops: this.nextHops.report(details?.localAddress ?? undefined, this.missingFamilies()),
    };
  }
}

function describeDown(reason: DownReason): string {
  const n = reason.notification;
  const what = n === undefined ? '' : `: ${describeNotification(n.code, n.subcode)}`;
  return `${reason.kind}${what}`;
}
