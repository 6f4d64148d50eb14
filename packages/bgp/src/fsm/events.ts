// From the wire to FSM events (RFC 4271 §8.1): timers to their *_Expires events, decoded messages to
// BGPOpen / KeepAliveMsg / UpdateMsg / NotifMsg(VerErr) / RouteRefresh, decode errors to BGPHeaderErr /
// BGPOpenMsgErr / UpdateMsgErr carrying the NOTIFICATION to send; and the Cease NOTIFICATIONs of a stop
// (RFC 4486, RFC 9003 shutdown communication, RFC 8538 §3 Hard Reset). Pure.

import { CeaseSubcode, MessageType, NotificationCode, OpenErrorSubcode } from '../wire/constants.ts';
import type { BgpNotificationError } from '../wire/errors.ts';
import { encodeShutdownCommunication } from '../wire/notification.ts';
import type { BgpMessage } from '../wire/types.ts';
import type { FsmEvent, Notification, TimerName } from './types.ts';

export const TIMER_EVENTS: Readonly<Record<TimerName, FsmEvent>> = {
  'connect-retry': { type: 'ConnectRetryTimer_Expires' },
  hold: { type: 'HoldTimer_Expires' },
  keepalive: { type: 'KeepaliveTimer_Expires' },
  'idle-hold': { type: 'IdleHoldTimer_Expires' },
  'send-hold': { type: 'SendHoldTimer_Expires' },
  stable: { type: 'StableTimer_Expires' },
};

export function toNotification(err: BgpNotificationError): Notification {
  return { code: err.notifCode, subcode: err.notifSubcode, data: err.data };
}

/** The event for a message that failed to decode: the NOTIFICATION travels with it. */
export function eventForDecodeError(err: BgpNotificationError): FsmEvent {
  const notification = toNotification(err);
  if (err.notifCode === NotificationCode.OPEN_MESSAGE_ERROR) return { type: 'BGPOpenMsgErr', notification };
  if (err.notifCode === NotificationCode.UPDATE_MESSAGE_ERROR) return { type: 'UpdateMsgErr', notification };
  return { type: 'BGPHeaderErr', notification };
}

/** The event for a decoded message (§8.1.5). */
export function eventForMessage(msg: BgpMessage): FsmEvent {
  switch (msg.type) {
    case 'open': return { type: 'BGPOpen', open: msg };
    case 'keepalive': return { type: 'KeepAliveMsg' };
    case 'update': return { type: 'UpdateMsg' };
    case 'route-refresh': return { type: 'RouteRefresh' };
    case 'notification': {
      const notification = { code: msg.code, subcode: msg.subcode, data: msg.data };
      // Event 24: a NOTIFICATION with a version error (2/1).
      const isVersion = msg.code === NotificationCode.OPEN_MESSAGE_ERROR && msg.subcode === OpenErrorSubcode.UNSUPPORTED_VERSION_NUMBER;
      return { type: isVersion ? 'NotifMsgVerErr' : 'NotifMsg', notification };
    }
  }
}

export function frameTypeName(type: number): 'open' | 'update' | 'notification' | 'keepalive' | 'route-refresh' | undefined {
  switch (type) {
    case MessageType.OPEN: return 'open';
    case MessageType.UPDATE: return 'update';
    case MessageType.NOTIFICATION: return 'notification';
    case MessageType.KEEPALIVE: return 'keepalive';
    case MessageType.ROUTE_REFRESH: return 'route-refresh';
    default: return undefined;
  }
}

/**
 * The types of the messages in a chunk of whole messages, read from their headers (RFC 4271 §4.1:
 * length at octet 16, type at 18); stops at a length below the 19-octet minimum.
 */
export function* messageTypesIn(chunk: Uint8Array): Generator<NonNullable<ReturnType<typeof frameTypeName>>> {
  for (let off = 0; off + 19 <= chunk.length; ) {
    const len = (chunk[off + 16]! << 8) | chunk[off + 17]!;
    if (len < 19) return;
    const kind = frameTypeName(chunk[off + 18]!);
    if (kind !== undefined) yield kind;
    off += len;
  }
}

/**
 * A Cease for a stop (RFC 4486 §4): subcode 2 (default) or 4 carry the RFC 9003 §2 shutdown
 * communication; with `hardReset` (both sides sent the RFC 8538 N bit) it is wrapped as Cease / Hard
 * Reset (6/9) whose data is the original code, subcode and data (RFC 8538 §3).
 */
export function ceaseNotification(o: { readonly subcode?: number; readonly message?: string }, hardReset: boolean): Notification {
  const subcode = o.subcode ?? CeaseSubcode.ADMIN_SHUTDOWN;
  const withText = subcode === CeaseSubcode.ADMIN_SHUTDOWN || subcode === CeaseSubcode.ADMIN_RESET;
  const data = withText && o.message !== undefined ? encodeShutdownCommunication(o.message) : new Uint8Array(0);
  if (!hardReset) return { code: NotificationCode.CEASE, subcode, data };
  const wrapped = new Uint8Array(2 + data.length);
  wrapped[0] = NotificationCode.CEASE;
  wrapped[1] = subcode;
  wrapped.set(data, 2);
  return { code: NotificationCode.CEASE, subcode: CeaseSubcode.HARD_RESET, data: wrapped };
}
