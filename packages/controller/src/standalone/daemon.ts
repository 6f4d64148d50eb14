// The standalone daemon: composes the speaker, one BGP session per configured peer, the listener for
// passive peers and (optionally) the metrics server. Reload applies the smallest change: VIP changes
// only re-diff the speaker (sessions stay up), export-only peer changes re-evaluate that peer's routes,
// session-level peer changes restart only that peer (Cease 6/6), removed peers get Cease 6/3
// (RFC 4486 §4). Shutdown drains (withdraw, or RFC 8326 GRACEFUL_SHUTDOWN then withdraw) and closes
// each session with Cease 6/2 and the RFC 9003 message.

import { Speaker } from '@vipd/bgp/speaker.ts';
import { codecEncoder } from '@vipd/bgp/speaker-wire.ts';
import type { PeerExportConfig, RouteAttributes } from '@vipd/bgp/export-policy.ts';
import { noopMetrics, type BgpMetrics, type Logger } from '@vipd/bgp/observe.ts';
import { CeaseSubcode } from '@vipd/bgp/wire/constants.ts';
import { formatIp, ipFamily, parseIpBytes } from '@vipd/bgp/ip.ts';
import type { PeerConfig, StandaloneConfig, VipConfig } from './config.ts';
import type { BfdProcessInfo } from '@vipd/metrics/status.ts';
import type { ListenerPort, SessionLayer, SessionPort } from './session-layer.ts';
import { queueDepthWriter, type PeerDetails } from './peer-details.ts';

export interface DaemonOptions {
  readonly layer: SessionLayer;
  readonly log: Logger;
  readonly metrics?: BgpMetrics;
  /** Bound on waiting for withdrawals to be written at shutdown. */
  readonly drainWriteTimeoutMs?: number;
  /** Sleep used for the drain period (tests pass a fast one). */
  readonly sleep?: (ms: number) => Promise<void>;
  /**
   * Health gating (standalone/health-gate.ts): the attributes to announce a VIP with now, or undefined
   * to withdraw it. Must return `vip.attributes` itself for ungated VIPs (the speaker groups by identity).
   */
  readonly gate?: (vip: VipConfig) => RouteAttributes | undefined;
}

interface PeerEntry {
  cfg: PeerConfig;
  session: SessionPort;
  /** performance.now() of the oldest route change not yet written to this (Established) peer. */
  changedAtMs?: number;
}

export interface ReloadSummary {
  readonly vipsChanged: boolean;
  readonly peersAdded: readonly string[];
  readonly peersRemoved: readonly string[];
  readonly peersRestarted: readonly string[];
  readonly peersUpdated: readonly string[];
  readonly fullRestart: boolean;
}

/** Session-level fields: changing one needs a new session. The rest only changes what we export. */
const SESSION_FIELDS = ['port', 'holdTimeSec', 'families', 'mode', 'multihopTtl', 'sourceAddress', 'gracefulRestartTimeSec', 'extendedNextHop', 'fourOctetAs', 'asn', 'md5', 'ttlSecurityHops', 'bfd'] as const;

function exportConfig(localAs: number, p: PeerConfig): PeerExportConfig {
  return {
    localAs,
    peerAs: p.asn,
    families: p.families,
    ...(p.nextHopIpv4 === undefined ? {} : { nextHopIpv4: p.nextHopIpv4 }),
    ...(p.nextHopIpv6 === undefined ? {} : { nextHopIpv6: p.nextHopIpv6 }),
    asPathPrepend: p.asPathPrepend,
    communities: p.communities,
  };
}

const same = (a: unknown, b: unknown): boolean => JSON.stringify(a) === JSON.stringify(b);

export class StandaloneDaemon {
  private cfg: StandaloneConfig;
  private readonly opts: DaemonOptions;
  private readonly log: Logger;
  readonly speaker: Speaker;
  private readonly peers = new Map<string, PeerEntry>();
  private listener: ListenerPort | undefined;
  private draining = false;
  private started = false;
  /**
   * Event→wire: called with the time from a route change (a reload that changed VIPs, or a health
   * check's route intent) to the first UPDATE written to each Established peer for it.
   */
  onEventToWire: ((peer: string, seconds: number) => void) | undefined;

  constructor(cfg: StandaloneConfig, opts: DaemonOptions) {
    this.cfg = cfg;
    this.opts = opts;
    this.log = opts.log;
    this.speaker = new Speaker({ encoder: codecEncoder, log: opts.log, metrics: opts.metrics ?? noopMetrics });
  }

  get config(): StandaloneConfig {
    return this.cfg;
  }

  async start(): Promise<void> {
    // Take the whole VIP set before the first session starts, so each session sends its initial
    // table as soon as it is Established instead of waiting for the set (field guide: never delay
    // the first advertisement).
    await this.speaker.setDesired(this.desired()).catch((err: unknown) => this.log.error({ err }, 'speaker rejected the VIP set'));
    // Every first session after process start sets the R bit when GR is configured: a cold start looks
    // like a restart, which only tells the router not to wait for us (RFC 4724 §4.1).
    for (const p of this.cfg.peers) this.addPeer(p, true);
    await this.openListener();
    this.started = true;
  }

  private async openListener(): Promise<void> {
    const l = this.cfg.listen;
    if (!l.enabled) return;
    this.listener = await this.opts.layer.listen(l.address, l.port, (remote) => this.peers.get(normalize(remote))?.session);
  }

  /** Hands the set to the speaker; prefixes were validated with the config, so a rejection is a bug. */
  private applyDesired(routes: Map<string, RouteAttributes>, observedAtMs?: number): void {
    this.speaker.setDesired(routes).catch((err: unknown) => this.log.error({ err }, 'speaker rejected the VIP set'));
    this.markChanged(observedAtMs);
  }

  /**
   * Starts the event→wire clock on every Established peer (after setDesired, so idle() waits for it). A change that writes nothing to a peer
   * (its families, or no difference) is dropped once the speaker is idle, so it never times a later one.
   */
  private markChanged(observedAtMs?: number): void {
    if (this.onEventToWire === undefined) return;
    const now = observedAtMs ?? performance.now();
    const marked: PeerEntry[] = [];
    for (const e of this.peers.values()) {
      if (e.session.state() !== 'Established') continue;
      e.changedAtMs ??= now;
      marked.push(e);
    }
    if (marked.length === 0) return;
    void this.speaker.idle().then(() => {
      for (const e of marked) if (e.changedAtMs === now) e.changedAtMs = undefined;
    });
  }

  private desired(): Map<string, RouteAttributes> {
    const m = new Map<string, RouteAttributes>();
    const gate = this.opts.gate;
    for (const v of this.cfg.vips) {
      const attrs = gate === undefined ? v.attributes : gate(v);
      if (attrs !== undefined) m.set(v.prefix, this.draining ? { ...attrs, gracefulShutdown: true } : attrs);
    }
    return m;
  }

  /** Recomputes the desired set after a health-check route intent changed (level-triggered). */
  refreshRoutes(): void {
    if (!this.started) return;
    void Promise.resolve(this.speaker.setDesired(this.desired())).catch((err: unknown) => this.log.error({ err }, 'speaker rejected the VIP set'));
    this.markChanged();
  }

  private addPeer(p: PeerConfig, restarting: boolean): void {
    const id = normalize(p.address);
    this.speaker.addPeer(id, exportConfig(this.cfg.localAsn, p));
    const log = this.log.child({ peer: id });
    const session = this.opts.layer.createSession(
      p,
      { localAsn: this.cfg.localAsn, routerId: this.cfg.routerId, restarting: restarting && p.gracefulRestartTimeSec !== undefined },
      {
        established: (link, sink) => {
          log.info({ families: [...link.families], fourOctetAs: link.fourOctetAs, localAddress: link.localAddress }, 'session established');
          const entry = this.peers.get(id);
          if (entry !== undefined) entry.changedAtMs = undefined;
          // vipd_bgp_update_queue_depth (peer-details.ts queueDepthWriter).
          const write = queueDepthWriter(id, this.opts.metrics, async (msgs) => sink.write(msgs));
          this.speaker.peerUp(id, link, {
            write: async (msgs) => {
              await write(msgs);
              const e = this.peers.get(id);
              if (e?.changedAtMs === undefined || e.session !== entry?.session) return;
              this.onEventToWire?.(id, (performance.now() - e.changedAtMs) / 1000);
              e.changedAtMs = undefined;
            },
          });
        },
        down: () => {
          log.info({}, 'session down');
          const entry = this.peers.get(id);
          if (entry !== undefined) entry.changedAtMs = undefined;
          this.speaker.peerDown(id);
        },
        routeRefresh: (afi, safi, subtype) => {
          log.info({ afi, safi, subtype }, 'route refresh received');
          this.speaker.routeRefresh(id, afi, safi, subtype);
        },
      },
    );
    this.peers.set(id, { cfg: p, session });
    session.start();
  }

  private async removePeer(id: string, subcode: number, message: string): Promise<void> {
    const e = this.peers.get(id);
    if (e === undefined) return;
    this.peers.delete(id);
    this.speaker.removePeer(id);
    await e.session.stop(subcode, message);
  }

  /**
   * Applies a new configuration with the smallest disruption. `observedAtMs` (performance.now() when
   * the reload was asked for, e.g. SIGHUP) starts the event→wire clock for changed VIPs.
   */
  async reload(next: StandaloneConfig, observedAtMs?: number): Promise<ReloadSummary> {
    const prev = this.cfg;
    const fullRestart =
      prev.localAsn !== next.localAsn || prev.routerId !== next.routerId || !same(prev.listen, next.listen);
    const summary = {
      vipsChanged: !same(prev.vips, next.vips),
      peersAdded: [] as string[],
      peersRemoved: [] as string[],
      peersRestarted: [] as string[],
      peersUpdated: [] as string[],
      fullRestart,
    };
    this.cfg = next;
    if (fullRestart) {
      await this.listener?.close();
      this.listener = undefined;
      const ids = [...this.peers.keys()];
      await Promise.all(ids.map((id) => this.removePeer(id, CeaseSubcode.OTHER_CONFIG_CHANGE, 'vipd configuration changed')));
      summary.peersRestarted.push(...ids);
      this.applyDesired(this.desired());
      for (const p of next.peers) this.addPeer(p, false);
      await this.openListener();
      return summary;
    }
    const nextById = new Map(next.peers.map((p) => [normalize(p.address), p]));
    const stops: Promise<void>[] = [];
    for (const id of [...this.peers.keys()]) {
      if (!nextById.has(id)) {
        summary.peersRemoved.push(id);
        stops.push(this.removePeer(id, CeaseSubcode.PEER_DECONFIGURED, 'peer removed from vipd configuration'));
      }
    }
    await Promise.all(stops);
    if (summary.vipsChanged) this.applyDesired(this.desired(), observedAtMs);
    for (const [id, p] of nextById) {
      const cur = this.peers.get(id);
      if (cur === undefined) {
        summary.peersAdded.push(id);
        this.addPeer(p, false);
      } else if (
        cur.cfg.md5 !== undefined && p.md5 !== undefined && !same(cur.cfg.md5, p.md5) &&
        SESSION_FIELDS.every((f) => f === 'md5' || same(cur.cfg[f], p[f])) &&
        cur.session.rekey?.(p) === true
      ) {
        // TCP-MD5 key rotation without a restart (docs/security-and-failover.md).
        summary.peersUpdated.push(id);
        cur.cfg = p;
        this.speaker.addPeer(id, exportConfig(next.localAsn, p));
      } else if (SESSION_FIELDS.some((f) => !same(cur.cfg[f], p[f]))) {
        summary.peersRestarted.push(id);
        await this.removePeer(id, CeaseSubcode.OTHER_CONFIG_CHANGE, 'vipd peer configuration changed');
        this.addPeer(p, false);
      } else if (!same(cur.cfg, p)) {
        summary.peersUpdated.push(id);
        cur.cfg = p;
        this.speaker.addPeer(id, exportConfig(next.localAsn, p));
      }
    }
    return summary;
  }

  /** Per-peer plain data for the status API and logs. */
  /** The BFD process for the status API (null while no peer uses BFD). */
  bfdProcess(): BfdProcessInfo | null {
    return this.opts.layer.bfdProcess?.() ?? null;
  }

  peerSnapshots(): { address: string; port: number; asn: number; description: string | null; state: string; families: readonly string[]; diagnosis: string | null; bfd: string | null; details: PeerDetails | null }[] {
    return [...this.peers.entries()].map(([address, e]) => ({
      address,
      port: e.cfg.port,
      asn: e.cfg.asn,
      description: e.cfg.description ?? null,
      state: e.session.state(),
      families: e.cfg.families,
      diagnosis: e.session.diagnosis?.() ?? null,
      bfd: e.session.bfdState?.() ?? null,
      details: e.session.details?.() ?? null,
    }));
  }

  /**
   * Graceful stop. `gracefulRestartStop`: close without withdrawing or NOTIFICATION so routers with
   * graceful restart keep our routes until we are back. Otherwise drain, then Cease 6/2 + message.
   */
  async shutdown(gracefulRestartStop = false): Promise<void> {
    if (!this.started) return;
    this.started = false;
    await this.listener?.close();
    const sessions = [...this.peers.values()].map((e) => e.session);
    if (gracefulRestartStop) {
      this.log.info({ peers: sessions.length }, 'stopping for graceful restart: routes stay at the routers');
      await Promise.all(sessions.map((s) => s.abort()));
      await this.opts.layer.close?.();
      return;
    }
    const realSleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms).unref());
    const sleep = this.opts.sleep ?? realSleep;
    const bounded = (p: Promise<void>) => Promise.race([p, realSleep(this.opts.drainWriteTimeoutMs ?? 10_000)]);
    if (this.cfg.drain.mode === 'graceful-shutdown' && this.cfg.drain.periodSec > 0) {
      this.draining = true;
      this.applyDesired(this.desired());
      await bounded(this.speaker.idle());
      this.log.info({ periodSec: this.cfg.drain.periodSec }, 'GRACEFUL_SHUTDOWN (65535:0) sent; waiting for traffic to move');
      await sleep(this.cfg.drain.periodSec * 1000);
    }
    this.applyDesired(new Map());
    await bounded(this.speaker.idle());
    this.log.info({}, 'VIPs withdrawn; closing sessions');
    await Promise.all(sessions.map((s) => s.stop(CeaseSubcode.ADMIN_SHUTDOWN, this.cfg.shutdownMessage)));
    this.peers.clear();
    await this.opts.layer.close?.();
  }
}

/** Canonical address text, so '::ffff:10.0.0.1' from a dual-stack socket and '10.0.0.1' match. */
export function normalize(address: string): string {
  const a = address.startsWith('::ffff:') && address.includes('.') ? address.slice(7) : address.replace(/%.*$/, '');
  return ipFamily(a) === 0 ? a : formatIp(parseIpBytes(a));
}
