// The BgpMetrics interface of packages/bgp/src/observe.ts implemented on the metric catalogue. The BGP
// engine calls these methods synchronously on hot paths, so each is a few map lookups and never throws
// (observe.ts contract); peer-supplied values (NOTIFICATION codes) are folded into closed label sets.

import type { BgpMetrics, FamilyName, MessageTypeName, PeerStateName } from '@vipd/bgp/observe.ts';
import type { BgpCatalogue } from './catalogue.ts';
import {
  BGP_FAMILIES,
  MESSAGE_TYPES,
  SESSION_STATE_CODES,
  labelFrom,
  labelNotification,
  type ErrorDirection,
} from './labels.ts';

interface LastError {
  readonly direction: ErrorDirection;
  readonly code: string;
  readonly subcode: string;
}

export interface BgpMetricsAdapter extends BgpMetrics {
  /** Kubernetes change observed → UPDATE written, for one peer (the speaker measures it). */
  eventToWire(peer: string, seconds: number): void;
  /** Drops every series of a peer that was removed from the configuration. */
  forgetPeer(peer: string): void;
}

function nonNegative(n: number): number {
  return Number.isFinite(n) && n > 0 ? n : 0;
}

export function createBgpMetricsAdapter(c: BgpCatalogue, nowSec: () => number = () => Date.now() / 1000): BgpMetricsAdapter {
  const hot = c.hot;
  const lastError = new Map<string, LastError>();
  const notificationLabels = new Map<string, Set<string>>();

  function rememberNotification(peer: string, code: string, subcode: string): void {
    let seen = notificationLabels.get(peer);
    if (seen === undefined) {
      seen = new Set();
      notificationLabels.set(peer, seen);
    }
    seen.add(`${code}/${subcode}`);
  }

  function setLastError(peer: string, direction: ErrorDirection, code: string, subcode: string): void {
    const prev = lastError.get(peer);
    if (prev !== undefined) c.lastErrorInfo.remove({ peer, ...prev });
    const next = { direction, code, subcode };
    lastError.set(peer, next);
    c.lastErrorInfo.set({ peer, ...next }, 1);
    c.lastErrorTimestamp.set({ peer }, nowSec());
  }

  function notification(peer: string, direction: ErrorDirection, code: number, subcode: number): void {
    const l = labelNotification(code, subcode);
    rememberNotification(peer, l.code, l.subcode);
    const counter = direction === 'sent' ? c.notificationsSent : c.notificationsReceived;
    counter.inc({ peer, code: l.code, subcode: l.subcode });
    setLastError(peer, direction, l.code, l.subcode);
  }

  return {
    sessionState(peer: string, state: PeerStateName) {
      const code = SESSION_STATE_CODES[state];
      if (code === undefined) return;
      c.sessionState.set({ peer }, code);
      c.sessionUp.set({ peer }, state === 'Established' ? 1 : 0);
    },
    sessionEstablished(peer: string) {
      c.establishedTransitions.inc({ peer });
    },
    messageSent(peer: string, type: MessageTypeName, count = 1) {
      hot.messagesSent.add(nonNegative(count), peer, labelFrom(MESSAGE_TYPES, type));
    },
    messageReceived(peer: string, type: MessageTypeName) {
      hot.messagesReceived.add(1, peer, labelFrom(MESSAGE_TYPES, type));
    },
    notificationSent(peer: string, code: number, subcode: number) {
      notification(peer, 'sent', code, subcode);
    },
    notificationReceived(peer: string, code: number, subcode: number) {
      notification(peer, 'received', code, subcode);
    },
    prefixesAdvertised(peer: string, family: FamilyName, count: number) {
      hot.prefixesAdvertised.add(nonNegative(count), peer, labelFrom(BGP_FAMILIES, family));
    },
    prefixesWithdrawn(peer: string, family: FamilyName, count: number) {
      hot.prefixesWithdrawn.add(nonNegative(count), peer, labelFrom(BGP_FAMILIES, family));
    },
    prefixesPending(peer: string, family: FamilyName, count: number) {
      hot.prefixesPending.set(nonNegative(count), peer, labelFrom(BGP_FAMILIES, family));
    },
    prefixesReceived(peer: string, family: FamilyName, count: number) {
      hot.prefixesReceived.set(nonNegative(count), peer, labelFrom(BGP_FAMILIES, family));
    },
    updateQueueDepth(peer: string, depth: number) {
      hot.updateQueueDepth.set(nonNegative(depth), peer);
    },
    keepaliveLateness(peer: string, seconds: number) {
      c.keepaliveLateness.observe({ peer }, nonNegative(seconds));
    },
    eventToWire(peer: string, seconds: number) {
      c.eventToWire.observe({ peer }, nonNegative(seconds));
    },
    forgetPeer(peer: string) {
      for (const g of [c.sessionState, c.sessionUp, c.lastErrorTimestamp]) g.remove({ peer });
      c.establishedTransitions.remove({ peer });
      c.keepaliveLateness.remove({ peer });
      c.eventToWire.remove({ peer });
      // The hot stores are copied into their metrics at each scrape, so removing there is enough.
      for (const store of Object.values(hot)) store.removeWhere('peer', peer);
      for (const family of [...BGP_FAMILIES, 'other']) c.prefixesAnnounced.remove({ peer, family });
      for (const key of notificationLabels.get(peer) ?? []) {
        const [code, subcode] = key.split('/') as [string, string];
        c.notificationsSent.remove({ peer, code, subcode });
        c.notificationsReceived.remove({ peer, code, subcode });
      }
      notificationLabels.delete(peer);
      const prev = lastError.get(peer);
      if (prev !== undefined) c.lastErrorInfo.remove({ peer, ...prev });
      lastError.delete(peer);
    },
  };
}
