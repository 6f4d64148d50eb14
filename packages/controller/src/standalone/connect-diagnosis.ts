// Why a peer may not come up, derived from what the kernel shows us, shared by standalone mode
// (real-session-layer.ts) and Kubernetes mode (daemon/peer-feed.ts). RFC 2385 §2: segments with a
// missing or wrong TCP-MD5 signature are dropped silently, so with a key mismatch the only symptom on
// our side is a connect timeout; with a key configured that is diagnosed as a likely key mismatch.
// Polled once a second from the Session's connect-timeout counter.

import type { Logger } from '@vipd/bgp/observe.ts';
import type { Session } from '@vipd/bgp/session.ts';

export type PeerDiagnosis = 'md5-key-mismatch-likely' | 'connect-timeout' | null;

/** Receives connect timeouts and diagnosis changes (the metrics security recorder implements it). */
export interface ConnectObserver {
  connectTimeout(peer: string, md5: boolean): void;
  diagnosis(peer: string, d: PeerDiagnosis): void;
}

/** How often connect timeouts are looked at. */
const POLL_MS = 1000;

export class ConnectDiagnosis {
  private seen = 0;
  private current: PeerDiagnosis = null;
  private readonly timer: NodeJS.Timeout;
  private readonly o: { peer: string; session: Session; hasMd5: () => boolean; observer?: ConnectObserver; log: Logger };

  constructor(o: { peer: string; session: Session; hasMd5: () => boolean; observer?: ConnectObserver; log: Logger }) {
    this.o = o;
    this.timer = setInterval(() => this.poll(), POLL_MS);
    this.timer.unref();
  }

  get value(): PeerDiagnosis {
    return this.current;
  }

  /** The session came up: nothing to diagnose. */
  clear(): void {
    this.set(null);
  }

  stop(): void {
    clearInterval(this.timer);
  }

  private set(d: PeerDiagnosis): void {
    if (d === this.current) return;
    this.current = d;
    this.o.observer?.diagnosis(this.o.peer, d);
  }

  private poll(): void {
    const total = this.o.session.connectTimeouts;
    if (total === this.seen) return;
    const n = total - this.seen;
    this.seen = total;
    const md5 = this.o.hasMd5();
    for (let i = 0; i < n; i++) this.o.observer?.connectTimeout(this.o.peer, md5);
    if (md5) {
      this.set('md5-key-mismatch-likely');
      this.o.log.warn({ connectTimeouts: total, diagnosis: this.current }, 'TCP connect timed out with TCP-MD5 configured: likely key mismatch (the kernel drops mismatched segments silently; on the router, nstat TcpExtTCPMD5Failure rises)');
    } else {
      this.set('connect-timeout');
    }
  }
}
