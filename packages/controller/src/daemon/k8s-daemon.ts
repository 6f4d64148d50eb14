// Kubernetes mode's composition root (docs/kubernetes.md): informers → queue → plain-data snapshot →
// pure decide (decide.ts) → reconcile into one Speaker per BGPPeer of this node, plus feedback
// (feedback.ts). Level-triggered: a Service key re-decides that Service from the caches; the Node and
// configuration keys run one node-level pass (config, peers, every Service). While the API server is
// unreachable the caches stay as they were, so the last good decision keeps being announced
// (VipdSettings.keepAnnouncingWhenDisconnected; false withdraws everything until the watches are back).
// Shutdown: withdraw, or RFC 8326 GRACEFUL_SHUTDOWN for drainPeriodSec then withdraw, then Cease 6/2
// with an RFC 9003 message (RFC 4486 §4) on every session.
// Passive peers with a password: the listener is the bgp package's SecureListener, which carries each
// such peer's TCP-MD5 key (RFC 2385 §2: the SYN is signed) before its connection arrives. BFD: a
// BGPPeer's spec.bfdProfile names one of the daemon's profiles (--bfd-profiles, docs/kubernetes.md);
// the session is coupled to BFD by standalone/bfd-coupling.ts (BFD Down → Cease 6/10, RFC 9384).
// spec.bfdAuth adds RFC 5880 §6.7 authentication with the key from a Secret (config-state.ts
// resolveBfdAuth); a key that cannot be resolved keeps the peer down, never BFD without authentication.

import net from 'node:net';
import type * as k8s from '@kubernetes/client-node';
import type { BgpMetrics, Logger } from '@vipd/bgp/observe.ts';
import { rejectConnection } from '@vipd/bgp/reject-connection.ts';
import { normalizeAddress } from '@vipd/bgp/session-types.ts';
import { CeaseSubcode } from '@vipd/bgp/wire/constants.ts';
import { KUBE_RESOURCES, type ConfigKind, type KubeResource } from '@vipd/metrics/labels.ts';
import type { BfdProcessInfo } from '@vipd/metrics/status.ts';
import type { ConfigObjectCounts } from '@vipd/metrics/catalogue-control.ts';
import { canonicalIp } from '../config/ip.ts';
import { SecureListener, needsAddon } from '@vipd/bgp/net/peer-security.ts';
import { sockoptAvailable } from '@vipd/bgp/net/sockopt.ts';
import { BfdCoupling, type BfdObserver } from '../standalone/bfd-coupling.ts';
import type { ConnectObserver } from '../standalone/connect-diagnosis.ts';
import { DEFAULT_BFD_PROFILE, type BfdTimersConfig, type PeerBfdConfig } from '../standalone/config.ts';
import { decideService, evaluateNode, FAMILY_AFI_SAFI, type DecideConfig, type NodeContext, type ServiceDecision } from '../decide.ts';
import { WorkQueue } from '../kube/queue.ts';
import { reuseConnections } from '../kube/informer.ts';
import { FOREIGN_REASONS, type Reason } from '../reasons.ts';
import { endpointSliceFromK8s, nodeFromK8s, serviceFromK8s } from '../snapshot.ts';
import { ConfigState, type ConfigSnapshot, type ObjectVerdict, type PeerBfdAuth, type PeerPassword } from './config-state.ts';
import { Feedback } from './feedback.ts';
import { PeerFeed, sessionFingerprint, type FeedStatus } from './peer-feed.ts';
import { nodeNextHopsOf } from './peer-next-hops.ts';
import { RouteTable } from './route-table.ts';
import { CONFIG_KEY, CONFIG_PLURALS, NODE_KEY, Watches } from './watches.ts';

export interface K8sDaemonOptions {
  readonly kc: k8s.KubeConfig;
  readonly nodeName: string;
  readonly namespace: string;
  /** host:port for incoming BGP connections (passive peers); undefined: no listener. */
  readonly listen?: { readonly host: string; readonly port: number };
  readonly log: Logger;
  readonly metrics?: BgpMetrics;
  readonly eventToWire?: (peer: string, seconds: number) => void;
  readonly control?: {
    observeReconcile(seconds: number, isError: boolean): void;
    watchRestarted(resource: KubeResource): void;
    setWatchConnected(resource: KubeResource, isConnected: boolean): void;
    apiError(resource: KubeResource, verb: 'create' | 'patch'): void;
  };
  readonly identity?: string;
  readonly sleep?: (ms: number) => Promise<void>;
  /** BFD profiles BGPPeer.spec.bfdProfile names (`default` always exists: 300 ms × 3). */
  readonly bfdProfiles?: Readonly<Record<string, BfdTimersConfig>>;
  /** BFD listen / peer UDP ports (tests on loopback); default 3784 / 4784. */
  readonly bfdPorts?: { readonly listen: number; readonly peer: number };
  /** BFD state metrics (vipd_bfd_session_state, vipd_bfd_transitions_total). */
  readonly bfdObserver?: BfdObserver;
  /** vipd_bgp_connect_timeouts_total, vipd_bgp_md5_mismatch_suspected. */
  readonly connectObserver?: ConnectObserver;
}

export class K8sDaemon {
  private readonly o: K8sDaemonOptions;
  private readonly log: Logger;
  readonly watches: Watches;
  private readonly queue: WorkQueue<string>;
  private readonly configState = new ConfigState();
  readonly table = new RouteTable();
  readonly feedback: Feedback;
  private snapshot: ConfigSnapshot | undefined;
  private node: NodeContext | undefined;
  private readonly feeds = new Map<string, PeerFeed>();
  /**
   * Peer address → the close of a session being stopped for it. A replacement session for the same
   * router starts only once that connection is closed: started at once, its SYN races our own Cease
   * and the router refuses it while the old session is still Established (BIRD closes it, FRR answers
   * Cease 6/7), costing a ConnectRetry interval — or, from a router that answers 6/5 Connection
   * Rejected, the 60 s configuration-class idle hold. Bounded by the session's close grace period.
   */
  private readonly closingPeers = new Map<string, Promise<void>>();
  /** BGPPeers selected for this node that are not started, with the reason. */
  private readonly notStarted = new Map<string, { address: string; port: number; localAsn: number; description: string | undefined; problem: string }>();
  private readonly verdicts = new Map<string, ObjectVerdict>();
  private server: net.Server | undefined;
  private secureListener: SecureListener | undefined;
  private bfd: BfdCoupling | undefined;
  private initialized = false;
  private firstSessions = true;
  private gracefulShutdown = false;
  private withdrawnForDisconnect = false;
  /** negotiationKey() the current decisions were made with. */
  private appliedNegotiation = '';
  private stopping = false;
  readonly startedAtMs = Date.now();

  constructor(o: K8sDaemonOptions) {
    // One keep-alive connection pool for every request of this daemon (kube/informer.ts).
    reuseConnections(o.kc);
    this.o = o;
    this.log = o.log;
    this.queue = new WorkQueue((key) => this.work(key), { baseDelayMs: 100, maxDelayMs: 10_000 });
    this.watches = new Watches(o.kc, o.nodeName, o.namespace, {
      enqueue: (key) => this.queue.add(key),
      onConnection: (resource, connected) => this.connectionChanged(resource, connected),
    });
    this.feedback = new Feedback({
      kc: o.kc,
      nodeName: o.nodeName,
      identity: o.identity ?? o.nodeName,
      log: o.log.child({ component: 'feedback' }),
      sources: {
        decision: (k) => this.table.decisions.get(k),
        service: (k) => this.watches.service(k),
        verdict: (k) => this.verdicts.get(k),
        sessions: () => (this.initialized ? this.sessionStatus() : undefined),
      },
      onApiError: (r, v) => {
        if ((KUBE_RESOURCES as readonly string[]).includes(r)) o.control?.apiError(r as KubeResource, v);
      },
    });
  }

  /** Initial sync done and the first node-level pass applied. */
  get ready(): boolean {
    return this.initialized;
  }

  get connected(): boolean {
    return this.watches.connected;
  }

  get settings(): DecideConfig['settings'] | undefined {
    return this.snapshot?.config.settings;
  }

  async start(): Promise<void> {
    await this.watches.start();
    this.log.info({ node: this.o.nodeName }, 'initial list done; deciding');
    this.initialized = true;
    this.queue.add(CONFIG_KEY);
    await this.queue.idle();
    if (this.o.listen !== undefined) await this.openListener(this.o.listen);
  }

  idle(): Promise<void> {
    return this.queue.idle();
  }

  private async work(key: string): Promise<void> {
    if (!this.initialized || this.stopping) return;
    const t0 = performance.now();
    let failed = false;
    try {
      if (key === CONFIG_KEY || key === NODE_KEY) this.nodePass(key === CONFIG_KEY);
      else this.reconcileService(key);
    } catch (err) {
      failed = true;
      this.log.error({ err, key: key.startsWith('\u0000') ? key.slice(1) : key }, 'reconcile failed; retrying with backoff');
      throw err;
    } finally {
      this.o.control?.observeReconcile((performance.now() - t0) / 1000, failed);
    }
  }

  // ---- reconcile ------------------------------------------------------------------------------

  private reconcileService(key: string): void {
    const observedAt = this.watches.takeObserved(key);
    if (this.snapshot === undefined || this.node === undefined) return;
    const svc = this.watches.service(key);
    const d = svc === undefined
      ? undefined
      : this.applyNegotiation(decideService(serviceFromK8s(svc), this.watches.slicesOf(key).map(endpointSliceFromK8s), this.node, this.snapshot.config));
    const changed = this.table.setService(key, d);
    if (this.withdrawnForDisconnect) return;
    for (const address of changed) this.applyVip(address);
    for (const f of this.feeds.values()) f.flush(observedAt);
    if (d !== undefined) this.feedback.service(key);
  }

  /** Peers whose Established session lacks a configured family, e.g. "tor:ipv6-unicast". */
  private negotiationKey(): string {
    const out: string[] = [];
    for (const f of this.feeds.values()) for (const fam of f.missingFamilies()) out.push(`${f.name}:${fam}`);
    return out.sort().join(',');
  }

  /**
   * The decision uses each peer's configured families; here the routes to peers whose session did
   * not negotiate the VIP's family are dropped, and a VIP left with no peer becomes
   * `family-not-negotiated` (decision.md, "At runtime"). O(VIPs × peers) per Service.
   */
  private applyNegotiation(d: ServiceDecision): ServiceDecision {
    if (this.appliedNegotiation === '' || !d.announce) return d;
    const missing = new Set(this.appliedNegotiation.split(','));
    let changed = false;
    const vips = d.vips.map((v) => {
      if (!v.announce) return v;
      const fam = FAMILY_AFI_SAFI[v.family];
      const routes = v.routes.filter((r) => !missing.has(`${r.peer}:${fam}`));
      if (routes.length === v.routes.length) return v;
      changed = true;
      if (routes.length > 0) return { ...v, routes };
      return { ...v, announce: false, reason: 'family-not-negotiated' as const, detail: `no peer session negotiated ${fam}`, gracefulShutdown: false, routes: [] };
    });
    if (!changed) return d;
    const first = vips.find((v) => v.announce) ?? vips[0]!;
    return { ...d, vips, announce: first.announce, reason: first.reason, detail: first.detail };
  }

  private applyVip(address: string): void {
    const routes = this.table.routesOf(address, this.gracefulShutdown);
    const prefix = `${address}/${address.includes(':') ? 128 : 32}`;
    for (const f of this.feeds.values()) f.setRoute(prefix, routes.get(f.name));
  }

  /** Node or configuration change: config, peers, then every Service again. */
  private nodePass(configChanged: boolean): void {
    const observedAt = this.watches.takeConfigObserved();
    if (configChanged || this.snapshot === undefined) this.recomputeConfig();
    const snap = this.snapshot!;
    const rawNode = this.watches.node.get(this.o.nodeName);
    const node = evaluateNode(this.o.nodeName, rawNode === undefined ? undefined : nodeFromK8s(rawNode), snap.config.settings, snap.config.peers);
    this.feedback.sessionStateEnabled = snap.config.settings.sessionStateEnabled;
    this.applyPeers(node, snap.passwords, snap.bfdAuth, routerIdOf(rawNode, this.o.nodeName));
    // The other family's next hop: this Node's address of it (peer-next-hops.ts); a change re-announces.
    for (const f of this.feeds.values()) f.setNodeNextHops(nodeNextHopsOf(this.o.nodeName, rawNode), node.peers.find((p) => p.metadata.name === f.name));
    // Peers that are not started (password Secret missing) carry no route: decisions never name them.
    this.node = { ...node, peers: node.peers.filter((p) => !this.notStarted.has(p.metadata.name)) };
    this.appliedNegotiation = this.negotiationKey();
    for (const key of this.watches.serviceKeys()) {
      this.watches.takeObserved(key);
      const svc = this.watches.service(key)!;
      const d = this.applyNegotiation(decideService(serviceFromK8s(svc), this.watches.slicesOf(key).map(endpointSliceFromK8s), this.node, snap.config));
      const before = this.table.decisions.get(key);
      this.table.setService(key, d);
      if (before === undefined || before.reason !== d.reason || before.detail !== d.detail || before.announce !== d.announce) this.feedback.service(key);
    }
    const live = new Set(this.watches.serviceKeys());
    for (const key of [...this.table.decisions.keys()]) if (!live.has(key)) this.table.setService(key, undefined);
    this.rebuildFeeds(observedAt);
    this.feedback.sessions();
  }

  private rebuildFeeds(observedAt: number | undefined): void {
    for (const f of this.feeds.values()) f.clearRoutes();
    if (!this.withdrawnForDisconnect) for (const address of this.table.vips.keys()) this.applyVip(address);
    for (const f of this.feeds.values()) f.flush(observedAt);
  }

  private recomputeConfig(): void {
    const raw = Object.fromEntries(CONFIG_PLURALS.map((p) => [p, this.watches.config[p].list()])) as Record<(typeof CONFIG_PLURALS)[number], k8s.KubernetesObject[]>;
    this.snapshot = this.configState.compute(raw, (name) => this.watches.secrets.get(name, this.o.namespace), this.o.namespace);
    const keys = new Set<string>();
    for (const v of this.snapshot.verdicts) {
      if (v.plural === 'ipaddresspools') continue; // the IPAM controller owns pool status
      const key = `${v.plural}/${v.name}`;
      keys.add(key);
      this.verdicts.set(key, v);
      this.feedback.config(key);
      if (!v.accepted) this.log.warn({ kind: v.kind, name: v.name, usingLastValid: v.usingLastValid, reason: v.conditions[0]?.reason }, 'configuration object rejected');
    }
    for (const k of [...this.verdicts.keys()]) if (!keys.has(k)) this.verdicts.delete(k);
  }

  /** Starts, stops or restarts only the sessions whose configuration changed. */
  private applyPeers(node: NodeContext, passwords: ReadonlyMap<string, PeerPassword>, bfdAuth: ReadonlyMap<string, PeerBfdAuth>, nodeRouterId: string): void {
    const wanted = new Map<string, { peer: (typeof node.peers)[number]; password: string | undefined; bfd: PeerBfdConfig | undefined; fp: string }>();
    this.notStarted.clear();
    for (const p of node.peers) {
      const pw = passwords.get(p.metadata.name);
      if (pw !== undefined && !pw.ok) {
        this.notStarted.set(p.metadata.name, { address: p.spec.address, port: p.spec.port, localAsn: p.spec.localAsn, description: p.spec.description, problem: pw.problem ?? 'password unavailable' });
        continue;
      }
      const ba = bfdAuth.get(p.metadata.name);
      if (ba !== undefined && !ba.ok) {
        this.notStarted.set(p.metadata.name, { address: p.spec.address, port: p.spec.port, localAsn: p.spec.localAsn, description: p.spec.description, problem: ba.problem ?? 'BFD authentication key unavailable' });
        continue;
      }
      const bfd = this.bfdConfigOf(p, ba?.auth);
      if (bfd === null) {
        this.notStarted.set(p.metadata.name, { address: p.spec.address, port: p.spec.port, localAsn: p.spec.localAsn, description: p.spec.description, problem: `no BFD profile named ${p.spec.bfdProfile}` });
        continue;
      }
      const routerId = p.spec.routerId ?? nodeRouterId;
      wanted.set(p.metadata.name, { peer: p, password: pw?.password, bfd, fp: sessionFingerprint(p, routerId, pw?.password, bfd) });
    }
    for (const [name, f] of [...this.feeds]) {
      const w = wanted.get(name);
      if (w !== undefined && w.fp === f.fingerprint) continue;
      this.feeds.delete(name);
      if (this.secureListener !== undefined && needsAddon(f.security)) this.secureListener.removePeer(f.address);
      const why = w === undefined ? 'peer removed from this node' : 'peer configuration changed';
      this.log.info({ bgpPeer: name, why }, 'stopping BGP session');
      const closed = f.stop(w === undefined ? CeaseSubcode.PEER_DECONFIGURED : CeaseSubcode.OTHER_CONFIG_CHANGE, `vipd: ${why}`).catch(() => undefined);
      this.closingPeers.set(f.address, closed);
      void closed.then(() => {
        if (this.closingPeers.get(f.address) === closed) this.closingPeers.delete(f.address);
      });
    }
    for (const [name, w] of wanted) {
      if (this.feeds.has(name)) continue;
      let f: PeerFeed;
      try {
        f = this.newFeed(w, nodeRouterId);
      } catch (err) {
        // PeerSecurityError / BfdUnavailableError: never a session without its password or BFD.
        const code = (err as { code?: unknown }).code;
        this.notStarted.set(name, { address: w.peer.spec.address, port: w.peer.spec.port, localAsn: w.peer.spec.localAsn, description: w.peer.spec.description, problem: typeof code === 'string' ? code : 'session setup failed' });
        continue;
      }
      this.feeds.set(name, f);
      if (this.secureListener !== undefined && needsAddon(f.security)) this.secureListener.setPeer(f.address, f.security);
      this.log.info({ bgpPeer: name, address: f.address, hasPassword: w.password !== undefined, bfdProfile: w.bfd?.profile ?? null, bfdAuth: w.bfd?.auth?.type ?? null }, 'starting BGP session');
      const closing = this.closingPeers.get(f.address);
      if (closing === undefined) f.start();
      else {
        // Only if this feed is still the wanted one (not replaced or removed meanwhile, not shutting down).
        void closing.then(() => {
          if (!this.stopping && this.feeds.get(name) === f) f.start();
        });
      }
    }
    for (const [name, n] of this.notStarted) this.log.warn({ bgpPeer: name, address: n.address, problem: n.problem }, 'BGP peer not started');
    this.firstSessions = false;
  }

  /** spec.bfdProfile (and the resolved spec.bfdAuth): undefined without BFD, null when the profile does not exist. */
  private bfdConfigOf(p: NodeContext['peers'][number], auth: PeerBfdConfig['auth']): PeerBfdConfig | undefined | null {
    const name = p.spec.bfdProfile;
    if (name === undefined) return undefined;
    const t = this.o.bfdProfiles?.[name] ?? (name === 'default' ? DEFAULT_BFD_PROFILE : undefined);
    if (t === undefined) return null;
    // RFC 5883 multihop when the session itself is multihop (as standalone's `bfd.multihop` default).
    return { ...t, profile: name, multihop: (p.spec.ebgpMultihopTtl ?? 1) > 1, ...(auth === undefined ? {} : { auth }) };
  }

  private newFeed(w: { peer: NodeContext['peers'][number]; password: string | undefined; bfd: PeerBfdConfig | undefined; fp: string }, nodeRouterId: string): PeerFeed {
    if (w.bfd !== undefined && this.bfd === undefined) {
      this.bfd = new BfdCoupling({
        log: this.log.child({ component: 'bfd' }),
        ...(this.o.bfdObserver === undefined ? {} : { observer: this.o.bfdObserver }),
        ...(this.o.bfdPorts === undefined ? {} : { ports: this.o.bfdPorts }),
      });
    }
    return new PeerFeed(w.peer, w.password, w.fp, {
        routerId: w.peer.spec.routerId ?? nodeRouterId,
        restarting: this.firstSessions,
        log: this.log,
        ...(this.o.metrics === undefined ? {} : { metrics: this.o.metrics }),
        ...(this.o.eventToWire === undefined ? {} : { eventToWire: this.o.eventToWire }),
        onStateChange: () => this.feedback.sessions(),
        onNegotiated: () => {
          if (this.negotiationKey() !== this.appliedNegotiation) this.queue.add(NODE_KEY);
        },
        ...(w.bfd === undefined || this.bfd === undefined ? {} : { bfd: { coupling: this.bfd, config: w.bfd } }),
        ...(this.o.connectObserver === undefined ? {} : { connectObserver: this.o.connectObserver }),
      });
  }

  private connectionChanged(resource: KubeResource, connected: boolean): void {
    this.o.control?.setWatchConnected(resource, connected);
    if (!connected) this.o.control?.watchRestarted(resource);
    if (!this.initialized || this.stopping) return;
    const keep = this.snapshot?.config.settings.keepAnnouncingWhenDisconnected ?? true;
    if (!connected) {
      this.log.warn({ resource, keepAnnouncing: keep }, 'lost the watch on the API server');
      if (!keep && !this.withdrawnForDisconnect) {
        this.withdrawnForDisconnect = true;
        this.rebuildFeeds(undefined);
      }
    } else if (this.watches.connected) {
      this.log.info({ resource }, 'watches connected again');
      if (this.withdrawnForDisconnect) {
        this.withdrawnForDisconnect = false;
        this.queue.add(CONFIG_KEY);
      }
    }
  }

  // ---- listener -------------------------------------------------------------------------------

  private async openListener(l: { host: string; port: number }): Promise<void> {
    const onSocket = (socket: net.Socket): void => {
      const remote = canonicalIp(normalizeAddress(socket.remoteAddress)) ?? '';
      const f = [...this.feeds.values()].find((x) => x.address === remote);
      // A peer with a password is accepted only on the SecureListener, whose kernel socket holds the
      // peer's key (unsigned or wrongly signed segments never complete the handshake, RFC 2385 §2). On
      // a plain listener (no addon) an incoming connection from its address must never become a
      // session without the password.
      if (f === undefined || (f.hasPassword && this.secureListener === undefined)) {
        rejectConnection(socket);
        return;
      }
      f.session.acceptIncoming(socket);
    };
    if (sockoptAvailable()) {
      const sl = new SecureListener(l.host, l.port, onSocket);
      for (const f of this.feeds.values()) if (needsAddon(f.security)) sl.setPeer(f.address, f.security);
      await sl.listen();
      this.secureListener = sl;
      this.log.info({ address: l.host, port: l.port, securedPeers: [...this.feeds.values()].filter((f) => f.hasPassword).length }, 'listening for BGP connections (per-peer TCP-MD5)');
      return;
    }
    const server = net.createServer({ noDelay: true }, onSocket);
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen({ host: l.host, port: l.port, ...(l.host === '::' ? { ipv6Only: false } : {}) }, () => {
        server.off('error', reject);
        resolve();
      });
    });
    this.server = server;
    this.log.info({ address: l.host, port: l.port }, 'listening for BGP connections');
  }

  // ---- status ---------------------------------------------------------------------------------

  /** The BFD process for the status API (null while no BGPPeer uses BFD). */
  bfdProcess(): BfdProcessInfo | null {
    return this.bfd?.processInfo() ?? null;
  }

  sessionStatus(): FeedStatus[] {
    const out = [...this.feeds.values()].map((f) => f.status());
    for (const [name, n] of this.notStarted) {
      out.push({ name, address: canonicalIp(n.address) ?? n.address, port: n.port, localAsn: n.localAsn, description: n.description, state: 'Idle', asn: undefined, establishedSinceMs: undefined, families: [],
        advertised: { 'ipv4-unicast': 0, 'ipv6-unicast': 0 }, lastError: n.problem, lastErrorAtMs: undefined, details: null, bfd: null, diagnosis: null });
    }
    return out.sort((a, b) => (a.name < b.name ? -1 : 1));
  }

  decisionCounts(): Partial<Record<Reason, number>> {
    return this.table.reasonCounts(FOREIGN_REASONS);
  }

  configCounts(): Partial<Record<ConfigKind, ConfigObjectCounts>> {
    return this.snapshot?.counts ?? {};
  }

  feedList(): readonly PeerFeed[] {
    return [...this.feeds.values()];
  }

  // ---- shutdown -------------------------------------------------------------------------------

  /** Drain, then Cease 6/2 with `message` on every session. */
  async shutdown(message: string): Promise<void> {
    if (this.stopping) return;
    this.stopping = true;
    this.queue.stop();
    this.watches.stop();
    this.server?.close();
    const listenerClosed = this.secureListener?.close();
    this.secureListener = undefined;
    const realSleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms).unref());
    const sleep = this.o.sleep ?? realSleep;
    const bounded = (p: Promise<unknown>) => Promise.race([p, realSleep(10_000)]);
    const feeds = [...this.feeds.values()];
    const settings = this.snapshot?.config.settings;
    if (settings?.drainBehaviour === 'graceful-shutdown' && settings.drainPeriodSec > 0 && feeds.length > 0) {
      this.gracefulShutdown = true;
      this.rebuildFeeds(undefined);
      await bounded(Promise.all(feeds.map((f) => f.speaker.idle())));
      this.log.info({ periodSec: settings.drainPeriodSec }, 'GRACEFUL_SHUTDOWN (65535:0) sent; waiting for traffic to move');
      await sleep(settings.drainPeriodSec * 1000);
    }
    for (const f of feeds) {
      f.clearRoutes();
      f.flush(undefined);
    }
    await bounded(Promise.all(feeds.map((f) => f.speaker.idle())));
    this.log.info({ peers: feeds.length }, 'VIPs withdrawn; closing sessions');
    await Promise.all(feeds.map((f) => f.stop(CeaseSubcode.ADMIN_SHUTDOWN, message)));
    this.feeds.clear();
    await this.bfd?.close();
    await listenerClosed;
    this.feedback.stop();
  }
}

/** The BGP Identifier: the Node's first IPv4 InternalIP, else a stable non-zero value from its name. */
export function routerIdOf(node: k8s.V1Node | undefined, nodeName: string): string {
  const ip = node?.status?.addresses?.find((a) => a.type === 'InternalIP' && /^\d+\.\d+\.\d+\.\d+$/.test(a.address))?.address;
  if (ip !== undefined && ip !== '0.0.0.0') return ip;
  let h = 2166136261;
  for (const ch of nodeName) h = Math.imul(h ^ ch.charCodeAt(0), 16777619) >>> 0;
  if (h === 0) h = 1;
  return [h >>> 24, (h >>> 16) & 255, (h >>> 8) & 255, h & 255].join('.');
}
