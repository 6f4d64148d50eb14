// BFD ↔ BGP coupling shared by the standalone session layer (real-session-layer.ts) and Kubernetes
// mode (daemon/peer-feed.ts): one BfdService (RFC 5880 asynchronous mode, single hop RFC 5881, multihop
// RFC 5883) per daemon, one BFD session per peer that asks for it. RFC 5882 §4.3 / RFC 9384: when a
// BFD session leaves Up the forwarding path is gone, so the BGP session is closed at once with
// NOTIFICATION Cease 6/10 "BFD Down" (instead of waiting for the hold timer) and then restarted. The
// BFD session starts when the BGP session reaches Established (its local address is then known) or at
// once when the source address is configured, and keeps running while BGP reconnects.

import { BfdService, type BfdStateEvent } from '@vipd/bgp/bfd/service.ts';
import type { Session } from '@vipd/bgp/session.ts';
import type { Logger } from '@vipd/bgp/observe.ts';
import { CeaseSubcode } from '@vipd/bgp/wire/constants.ts';
import type { BfdProcessInfo } from '@vipd/metrics/status.ts';
import type { PeerBfdConfig } from './config.ts';

/** Receives BFD state changes and BFD process health (the metrics security recorder implements it). */
export interface BfdObserver {
  bfdState(peer: string, state: string): void;
  bfdTransition(peer: string, to: string): void;
  bfdProcessRestart?(): void;
  bfdWatchdogTrip?(): void;
}

export interface BfdCouplingOptions {
  readonly log: Logger;
  readonly observer?: BfdObserver;
  /** BFD listen / peer ports (tests on loopback); default 3784 / 4784. */
  readonly ports?: { readonly listen: number; readonly peer: number };
}

export interface BfdBindOptions {
  /** The peer's IP: BFD session id and metrics label. */
  readonly peerAddress: string;
  readonly session: Session;
  readonly bfd: PeerBfdConfig;
  /** RFC 5883 §2 maximum hop count for multihop sessions. */
  readonly maxHops?: number;
  readonly log: Logger;
}

/** One peer's BFD session tied to its BGP session. */
export interface BfdBinding {
  /** Starts the BFD session from `localAddress` (idempotent). */
  start(localAddress: string): void;
  /** Stops coupling and removes the BFD session (the BGP session is being stopped). */
  release(): void;
  /** The BFD state ("Down" until the session has started). */
  state(): string;
}

export class BfdCoupling {
  private readonly o: BfdCouplingOptions;
  private service: BfdService | undefined;
  private readonly handlers = new Map<string, (ev: BfdStateEvent) => void>();

  constructor(o: BfdCouplingOptions) {
    this.o = o;
  }

  /** The shared BfdService; throws BfdUnavailableError when the native addon is missing. */
  private ensure(): BfdService {
    if (this.service === undefined) {
      const s = new BfdService({ logger: this.o.log });
      s.on('state', (ev) => {
        this.o.observer?.bfdState(ev.id, ev.to);
        this.o.observer?.bfdTransition(ev.id, ev.to);
        this.handlers.get(ev.id)?.(ev);
      });
      s.on('process-restart', () => this.o.observer?.bfdProcessRestart?.());
      s.on('watchdog', (ev) => {
        if (ev.stalled) this.o.observer?.bfdWatchdogTrip?.();
      });
      this.service = s;
    }
    return this.service;
  }

  /** Couples `b.session` to a BFD session; throws BfdUnavailableError at once when BFD cannot run. */
  bind(b: BfdBindOptions): BfdBinding {
    const svc = this.ensure();
    const id = b.peerAddress;
    let started = false;
    let stopped = false;
    const handler = (ev: BfdStateEvent): void => {
      if (ev.from !== 'Up' || stopped) return;
      // RFC 5882 §4.3 / RFC 9384: close with Cease 6/10; the session's 'down' makes the speaker withdraw
      // and drop the peer's state, then the session restarts normally.
      b.log.warn({ bfdState: ev.to, diag: ev.diag }, 'BFD down: closing the BGP session (Cease 6/10)');
      void b.session.stop({ subcode: CeaseSubcode.BFD_DOWN, message: 'BFD down' }).then(() => {
        if (!stopped) b.session.start();
      });
    };
    this.handlers.set(id, handler);
    const ports = this.o.ports;
    return {
      start: (localAddress) => {
        if (started || stopped) return;
        started = true;
        const t = b.bfd;
        svc.addPeer({
          id, peerAddress: b.peerAddress, localAddress, multihop: t.multihop,
          ...(t.multihop && b.maxHops !== undefined ? { maxHops: b.maxHops } : {}),
          timers: { desiredMinTxUs: t.minTxMs * 1000, requiredMinRxUs: t.minRxMs * 1000, detectMult: t.multiplier },
          ...(t.auth === undefined ? {} : { auth: { type: t.auth.type, keyId: t.auth.keyId, key: t.auth.key.bytes() } }),
          ...(ports === undefined ? {} : { listenPort: ports.listen, peerPort: ports.peer }),
        });
        b.log.info({ profile: t.profile, auth: t.auth?.type ?? 'none', minTxMs: t.minTxMs, minRxMs: t.minRxMs, multiplier: t.multiplier, localAddress }, 'BFD session started');
      },
      release: () => {
        if (stopped) return;
        stopped = true;
        if (this.handlers.get(id) === handler) this.handlers.delete(id);
        if (started) svc.removePeer(id);
      },
      state: () => svc.state(id) ?? 'Down',
    };
  }

  /** The BFD process for the status API; null until a peer started BFD. */
  processInfo(): BfdProcessInfo | null {
    const s = this.service;
    return s === undefined ? null : { pid: s.pid ?? null, scheduling: s.priority, restarts: s.restarts, watchdogMs: s.watchdogMs };
  }

  async close(): Promise<void> {
    this.handlers.clear();
    await this.service?.close();
    this.service = undefined;
  }
}
