// Decode errors. A session-level fault is an exception carrying the exact NOTIFICATION the RFCs
// require (RFC 4271 §6, RFC 7606 §3 for the "session reset" cases); attribute-level faults are values
// (AttributeOutcome in types.ts), never thrown. Nothing else may escape a decoder.

import { NOTIFICATION_NAMES } from './constants.ts';

/** Stable error codes for programmatic matching (tests never match message text). */
export type WireErrorCode = 'ERR_BGP_NOTIFICATION' | 'ERR_BGP_ENCODE';

export class BgpNotificationError extends Error {
  readonly code: WireErrorCode = 'ERR_BGP_NOTIFICATION';
  readonly notifCode: number;
  readonly notifSubcode: number;
  readonly data: Uint8Array;

  constructor(notifCode: number, notifSubcode: number, data: Uint8Array = new Uint8Array(0), detail?: string) {
    super(`${describeNotification(notifCode, notifSubcode)}${detail === undefined ? '' : `: ${detail}`}`);
    this.name = 'BgpNotificationError';
    this.notifCode = notifCode;
    this.notifSubcode = notifSubcode;
    this.data = data;
  }
}

export function describeNotification(code: number, subcode: number): string {
  const entry = NOTIFICATION_NAMES[code];
  if (entry === undefined) return `NOTIFICATION ${code}/${subcode}`;
  const sub = entry.subcodes[subcode];
  return sub === undefined ? `${entry.name} (${code}/${subcode})` : `${entry.name} / ${sub} (${code}/${subcode})`;
}

export function isBgpNotificationError(err: unknown): err is BgpNotificationError {
  return err instanceof BgpNotificationError;
}

/**
 * A message model that cannot be put on the wire (a field out of range, a value too long for its
 * length octet). Thrown by encoders only; it is a programming or configuration fault, not a peer's.
 */
export class BgpEncodeError extends Error {
  readonly code: WireErrorCode = 'ERR_BGP_ENCODE';

  constructor(detail: string) {
    super(detail);
    this.name = 'BgpEncodeError';
  }
}
