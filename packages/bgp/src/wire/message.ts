// Message dispatch (RFC 4271 §4): a frame cut by framer.ts becomes a BgpMessage, and a BgpMessage
// becomes wire bytes. Decoding yields a message or throws BgpNotificationError, nothing else.

import { HEADER_LENGTH, MessageType } from './constants.ts';
import { BgpNotificationError } from './errors.ts';
import type { Frame } from './framer.ts';
import { decodeKeepalive, encodeKeepalive } from './keepalive.ts';
import { decodeNotification, encodeNotification } from './notification.ts';
import { decodeOpen, encodeOpen } from './open.ts';
import { decodeRouteRefresh, encodeRouteRefresh } from './route-refresh.ts';
import type { BgpMessage, DecodeContext, EncodeContext } from './types.ts';
import { DEFAULT_DECODE_CONTEXT, DEFAULT_ENCODE_CONTEXT } from './types.ts';
import { decodeUpdate, encodeUpdate } from './update.ts';

/** Decodes one framed message. Throws only BgpNotificationError. */
export function decodeMessage(frame: Frame, ctx: DecodeContext = DEFAULT_DECODE_CONTEXT): BgpMessage {
  const { message } = frame;
  switch (frame.type) {
    case MessageType.OPEN:
      return decodeOpen(message, HEADER_LENGTH, message.length);
    case MessageType.UPDATE:
      return decodeUpdate(message, HEADER_LENGTH, message.length, ctx);
    case MessageType.NOTIFICATION:
      return decodeNotification(message, HEADER_LENGTH, message.length);
    case MessageType.KEEPALIVE:
      return decodeKeepalive();
    case MessageType.ROUTE_REFRESH:
      return decodeRouteRefresh(message);
    default:
      // The framer rejects unknown types; a hand-made frame gets the same answer (RFC 4271 §6.1).
      throw new BgpNotificationError(1, 3, Uint8Array.of(frame.type & 0xff));
  }
}

/** Encodes a whole message, header included. */
export function encodeMessage(msg: BgpMessage, ctx: EncodeContext = DEFAULT_ENCODE_CONTEXT): Uint8Array {
  switch (msg.type) {
    case 'open':
      return encodeOpen(msg);
    case 'update':
      return encodeUpdate(msg, ctx);
    case 'notification':
      return encodeNotification(msg);
    case 'keepalive':
      return encodeKeepalive();
    case 'route-refresh':
      return encodeRouteRefresh(msg);
  }
}
