// Per-session facts for the standalone status API (GET /api/v1/peers, `vipd peers`): when the state
// was entered, what the OPEN exchange negotiated (RFC 5492 capabilities, RFC 4271 §4.2 hold time and
// keepalive, the peer's BGP Identifier), how often the session reached Established, the last
// NOTIFICATION sent or received (with its RFC 9003 shutdown communication) and message totals. Fed by
// the Session's events and by wrapping the BgpMetrics the session reports to. No secrets: nothing here
// reads the peer's configuration.

import type { BgpMetrics } from '@vipd/bgp/observe.ts';
import type { Session } from '@vipd/bgp/session.ts';
import type { Negotiated } from '@vipd/bgp/fsm/negotiate.ts';
import type { DownReason } from '@vipd/bgp/fsm/types.ts';
import { familyOf } from '@vipd/bgp/speaker-encoder.ts';
import { NOTIFICATION_NAMES } from '@vipd/bgp/wire/constants.ts';
import { decodeShutdownCommunication, hasShutdownCommunication } from '@vipd/bgp/wire/notification.ts';

export interface PeerLastError {
  readonly direction: 'sent' | 'received';
  readonly code: number;
  readonly subcode: number;
  readonly name: string;
  readonly message: string | null;
  readonly atMs: number;
}

export interface PeerDetails {
  readonly stateSinceMs: number;
  readonly localAddress: string | null;
  readonly peerRouterId: string | null;
  readonly holdTimeSec: number | null;
  readonly keepaliveSec: number | null;
  readonly capabilities: readonly string[];
  /** Families negotiated with RFC 4760 on the current (or last) session. */
  readonly families: readonly string[];
  readonly establishedTransitions: number;
  readonly messagesSent: number;
  readonly messagesReceived: number;
  readonly lastError: PeerLastError | null;
  /** Prefixes currently received from the peer (Adj-RIB-In), per family. */
  readonly received: Readonly<Record<'ipv4-unicast' | 'ipv6-unicast', number>>;
}

/** Capabilities both sides advertised, as short names ("route-refresh", "4-octet-as", …). */
export function negotiatedCapabilities(n: Negotiated): string[] {
  const caps: string[] = [];
  for (const f of n.families) caps.push(`multiprotocol ${familyOf(f.afi, f.safi) ?? `${f.afi}/${f.safi}`}`);
  if (n.fourOctetAs) caps.push('4-octet-as');
  if (n.routeRefresh) caps.push('route-refresh');
  if (n.enhancedRouteRefresh) caps.push('enhanced-route-refresh');
  if (n.extendedMessage) caps.push('extended-message');
  if (n.extendedNextHop.length > 0) caps.push('extended-next-hop');
  if (n.addPathSend.size > 0 || n.addPathReceive.size > 0) caps.push('add-path');
  if (n.localGracefulRestart && n.peerGracefulRestart !== undefined) caps.push('graceful-restart');
  if (n.hardReset) caps.push('graceful-restart-notification');
  return caps;
}

/** "Cease / Administrative Shutdown" (the status CLI appends "(code/subcode)" itself). */
function notificationName(code: number, subcode: number): string {
  const entry = NOTIFICATION_NAMES[code];
  if (entry === undefined) return 'NOTIFICATION';
  const sub = entry.subcodes[subcode];
  return sub === undefined ? entry.name : `${entry.name} / ${sub}`;
}

export class PeerDetailsTracker {
  private stateSinceMs = Date.now();
  private negotiated: Negotiated | undefined;
  private localAddress: string | null = null;
  private transitions = 0;
  private sent = 0;
  private received = 0;
  private lastError: PeerLastError | null = null;
  private session: Session | undefined;

  /** A BgpMetrics that counts this session's messages, then reports to `inner`. */
  wrap(inner: BgpMetrics | undefined): BgpMetrics | undefined {
    if (inner === undefined) return undefined;
    return {
      sessionState: (p, s) => inner.sessionState(p, s),
      sessionEstablished: (p) => inner.sessionEstablished(p),
      messageSent: (p, t, n = 1) => {
        this.sent += n;
        inner.messageSent(p, t, n);
      },
      messageReceived: (p, t) => {
        this.received++;
        inner.messageReceived(p, t);
      },
      notificationSent: (p, c, sc) => inner.notificationSent(p, c, sc),
      notificationReceived: (p, c, sc) => inner.notificationReceived(p, c, sc),
      prefixesAdvertised: (p, f, n) => inner.prefixesAdvertised(p, f, n),
      prefixesWithdrawn: (p, f, n) => inner.prefixesWithdrawn(p, f, n),
      prefixesPending: (p, f, n) => inner.prefixesPending(p, f, n),
      prefixesReceived: (p, f, n) => inner.prefixesReceived(p, f, n),
      updateQueueDepth: (p, d) => inner.updateQueueDepth(p, d),
      keepaliveLateness: (p, s) => inner.keepaliveLateness(p, s),
    };
  }

  attach(session: Session): void {
    this.session = session;
    session.on('stateChange', () => {
      this.stateSinceMs = Date.now();
    });
    session.on('established', (info) => {
      this.transitions++;
      this.negotiated = info.negotiated;
      this.localAddress = info.localAddress.replace(/^::ffff:(?=\d+\.)/, '');
    });
    session.on('down', (reason) => this.recordDown(reason));
  }

  private recordDown(reason: DownReason): void {
    const n = reason.notification;
    if (n === undefined || (reason.kind !== 'notification-sent' && reason.kind !== 'notification-received')) return;
    const message = hasShutdownCommunication(n.code, n.subcode) ? decodeShutdownCommunication(n.data) ?? null : null;
    this.lastError = {
      direction: reason.kind === 'notification-sent' ? 'sent' : 'received',
      code: n.code,
      subcode: n.subcode,
      name: notificationName(n.code, n.subcode),
      message,
      atMs: Date.now(),
    };
  }

  snapshot(isEstablished: boolean): PeerDetails {
    const n = isEstablished ? this.negotiated : undefined;
    return {
      stateSinceMs: this.stateSinceMs,
      localAddress: isEstablished ? this.localAddress : null,
      peerRouterId: n?.peerBgpId ?? null,
      holdTimeSec: n?.holdTimeSec ?? null,
      keepaliveSec: n?.keepaliveSec ?? null,
      capabilities: n === undefined ? [] : negotiatedCapabilities(n),
      families: n === undefined ? [] : n.families.map((f) => familyOf(f.afi, f.safi) ?? `${f.afi}/${f.safi}`),
      establishedTransitions: this.transitions,
      messagesSent: this.sent,
      messagesReceived: this.received,
      lastError: this.lastError,
      received: {
        'ipv4-unicast': this.session?.received.count('ipv4-unicast') ?? 0,
        'ipv6-unicast': this.session?.received.count('ipv6-unicast') ?? 0,
      },
    };
  }
}

/**
 * vipd_bgp_update_queue_depth: wraps a session write so `metrics` sees how many messages the speaker
 * built and handed over that the socket has not taken yet (the session serialises writes and waits for
 * 'drain'). Used by the standalone daemon and by Kubernetes mode's PeerFeed.
 */
export function queueDepthWriter(
  peer: string,
  metrics: BgpMetrics | undefined,
  write: (msgs: readonly Uint8Array[]) => Promise<void>,
): (msgs: readonly Uint8Array[]) => Promise<void> {
  let queued = 0;
  return async (msgs) => {
    queued += msgs.length;
    metrics?.updateQueueDepth(peer, queued);
    try {
      await write(msgs);
    } finally {
      queued -= msgs.length;
      metrics?.updateQueueDepth(peer, queued);
    }
  };
}
