// Refusing an incoming BGP connection politely (RFC 4486 §4: Cease 6/5 "Connection Rejected"): used by
// the listener for unknown peers, by a session for a collision it cannot take, and by the daemons while
// a peer is not configured or not started.

import type net from 'node:net';
import { CeaseSubcode, NotificationCode } from './wire/constants.ts';
import { encodeNotification } from './wire/notification.ts';

/** How long a refused socket may take to flush the NOTIFICATION before it is destroyed. */
const REJECT_GRACE_MS = 1500;

/** Refuses an incoming connection: NOTIFICATION Cease/`subcode` (default 5 Connection Rejected), close. */
export function rejectConnection(socket: net.Socket, subcode: number = CeaseSubcode.CONNECTION_REJECTED): void {
  socket.on('error', () => {});
  socket.end(encodeNotification({ code: NotificationCode.CEASE, subcode, data: new Uint8Array(0) }));
  setTimeout(() => socket.destroy(), REJECT_GRACE_MS).unref();
}
