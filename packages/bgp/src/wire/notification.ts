// NOTIFICATION message (RFC 4271 §4.5) with the shutdown communication of RFC 8203 / RFC 9003 §2 for
// Cease / Administrative Shutdown (6/2) and Cease / Administrative Reset (6/4): one length octet, then
// that many octets of UTF-8 (at most 255). `data` always keeps the raw Data field, so a malformed
// communication is still visible (RFC 9003 §4: an invalid Length or UTF-8 sequence is logged, the
// erroneous communication itself at most as a hex dump), and then no `shutdownMessage` is set.

import { CeaseSubcode, MessageType, NotificationCode } from './constants.ts';
import { BgpEncodeError } from './errors.ts';
import { beginMessage, endMessage } from './header.ts';
import type { NotificationMessage } from './types.ts';
import { Writer } from './writer.ts';

const UTF8 = new TextDecoder('utf-8', { fatal: true });
const UTF8_ENCODER = new TextEncoder();

/** True for the (code, subcode) pairs that carry a shutdown communication. */
export function hasShutdownCommunication(code: number, subcode: number): boolean {
  return code === NotificationCode.CEASE && (subcode === CeaseSubcode.ADMIN_SHUTDOWN || subcode === CeaseSubcode.ADMIN_RESET);
}

/** RFC 9003 §2: the message in `data`, or undefined when absent (length 0), truncated or not UTF-8. */
export function decodeShutdownCommunication(data: Uint8Array): string | undefined {
  if (data.length === 0) return undefined;
  const len = data[0]!;
  if (len === 0 || 1 + len > data.length) return undefined;
  try {
    return UTF8.decode(data.subarray(1, 1 + len));
  } catch {
    return undefined;
  }
}

/** RFC 9003 §2: the Data field for a shutdown communication; longer than 255 bytes is an encode error. */
export function encodeShutdownCommunication(message: string): Uint8Array {
  const text = UTF8_ENCODER.encode(message);
  if (text.length > 0xff) throw new BgpEncodeError('shutdown communication longer than 255 bytes');
  const out = new Uint8Array(1 + text.length);
  out[0] = text.length;
  out.set(text, 1);
  return out;
}

/** Decodes a NOTIFICATION body buf[start, end); the framer guarantees at least code and subcode. */
export function decodeNotification(buf: Uint8Array, start: number, end: number): NotificationMessage {
  const code = end - start > 0 ? buf[start]! : 0;
  const subcode = end - start > 1 ? buf[start + 1]! : 0;
  // A copy: a NOTIFICATION is kept for status and logs, and must not pin the socket chunk.
  const data = new Uint8Array(buf.subarray(Math.min(start + 2, end), end));
  if (hasShutdownCommunication(code, subcode)) {
    const shutdownMessage = decodeShutdownCommunication(data);
    if (shutdownMessage !== undefined) return { type: 'notification', code, subcode, data, shutdownMessage };
  }
  return { type: 'notification', code, subcode, data };
}

/** Builds the model of a NOTIFICATION, deriving Data from `shutdownMessage` for Cease 2 and 4. */
export function makeNotification(code: number, subcode: number, data?: Uint8Array, shutdownMessage?: string): NotificationMessage {
  if (shutdownMessage !== undefined && hasShutdownCommunication(code, subcode) && (data === undefined || data.length === 0)) {
    const d = encodeShutdownCommunication(shutdownMessage);
    return shutdownMessage === ''
      ? { type: 'notification', code, subcode, data: d }
      : { type: 'notification', code, subcode, data: d, shutdownMessage };
  }
  return { type: 'notification', code, subcode, data: data ?? new Uint8Array(0) };
}

/**
 * Encodes a whole NOTIFICATION. `data` is written as is; when it is empty and `shutdownMessage` is set
 * (Cease 2/4), the RFC 9003 communication is built from it.
 */
export function encodeNotification(msg: Omit<NotificationMessage, 'type'>): Uint8Array {
  for (const [v, what] of [[msg.code, 'code'], [msg.subcode, 'subcode']] as const) {
    if (!Number.isInteger(v) || v < 0 || v > 0xff) throw new BgpEncodeError(`NOTIFICATION ${what} out of range: ${v}`);
  }
  const data = makeNotification(msg.code, msg.subcode, msg.data, msg.shutdownMessage).data;
  if (21 + data.length > 0xffff) throw new BgpEncodeError('NOTIFICATION data too long');
  const w = new Writer(21 + data.length);
  const start = beginMessage(w, MessageType.NOTIFICATION);
  w.u8(msg.code).u8(msg.subcode).bytes(data);
  endMessage(w, start);
  return w.finish();
}
