// ROUTE-REFRESH message (RFC 2918 §3): AFI(2), Reserved/Message Subtype(1), SAFI(1); RFC 7313 §3 turns
// the reserved octet into the subtype (0 normal request, 1 BoRR, 2 EoRR). RFC 7313 §4: a subtype other
// than 0..2 MUST be ignored; that is the session's call, so the decoder keeps it.

import { HEADER_LENGTH, MessageType, NotificationCode, RouteRefreshErrorSubcode } from './constants.ts';
import { BgpEncodeError, BgpNotificationError } from './errors.ts';
import { beginMessage, endMessage } from './header.ts';
import type { RouteRefreshMessage } from './types.ts';
import { Writer } from './writer.ts';

/**
 * Decodes a ROUTE-REFRESH from the whole message `message` (header included). The framer has already
 * rejected lengths below 23 with 1/2 (RFC 4271 §6.1, RFC 2918 §3).
 *
 * RFC 7313 §5: a BoRR or EoRR (subtype 1 or 2) whose body is not 4 bytes is ROUTE-REFRESH Message
 * Error / Invalid Message Length, and the Data field MUST hold the complete message. A longer subtype 0
 * message carries RFC 5291 ORF entries, which vipd never negotiates: the request itself is still valid,
 * so the entries are ignored rather than the session reset (RFC 7313 names no error for it). Other
 * subtypes are kept for the session to ignore (RFC 7313 §4).
 */
export function decodeRouteRefresh(message: Uint8Array): RouteRefreshMessage {
  const o = HEADER_LENGTH;
  const subtype = message.length > o + 2 ? message[o + 2]! : 0;
  if (message.length < HEADER_LENGTH + 4 || (message.length !== HEADER_LENGTH + 4 && (subtype === 1 || subtype === 2))) {
    throw new BgpNotificationError(
      NotificationCode.ROUTE_REFRESH_MESSAGE_ERROR,
      RouteRefreshErrorSubcode.INVALID_MESSAGE_LENGTH,
      new Uint8Array(message),
      'ROUTE-REFRESH length is not 23',
    );
  }
  return {
    type: 'route-refresh',
    afi: (message[o]! << 8) | message[o + 1]!,
    subtype,
    safi: message[o + 3]!,
  };
}

export function encodeRouteRefresh(msg: Omit<RouteRefreshMessage, 'type'>): Uint8Array {
  for (const [v, max, what] of [[msg.afi, 0xffff, 'AFI'], [msg.subtype, 0xff, 'subtype'], [msg.safi, 0xff, 'SAFI']] as const) {
    if (!Number.isInteger(v) || v < 0 || v > max) throw new BgpEncodeError(`ROUTE-REFRESH ${what} out of range: ${v}`);
  }
  const w = new Writer(HEADER_LENGTH + 4);
  const start = beginMessage(w, MessageType.ROUTE_REFRESH);
  w.u16(msg.afi).u8(msg.subtype).u8(msg.safi);
  endMessage(w, start);
  return w.finish();
}
