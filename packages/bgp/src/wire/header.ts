// The 19-byte message header (RFC 4271 §4.1): 16-byte marker of all ones, 2-byte length, 1-byte type.
// Encoders write the header first with a length placeholder and patch it when the body is done.

import { HEADER_LENGTH, MARKER_LENGTH } from './constants.ts';
import type { Writer } from './writer.ts';

/** Writes marker, a length placeholder and the type; returns the message's start offset for `endMessage`. */
export function beginMessage(w: Writer, type: number): number {
  const start = w.mark();
  for (let i = 0; i < MARKER_LENGTH; i++) w.u8(0xff);
  w.u16(0);
  w.u8(type);
  return start;
}

/** Patches the length of the message begun at `start`; returns that length. */
export function endMessage(w: Writer, start: number): number {
  const length = w.pos - start;
  w.patchU16(start + MARKER_LENGTH, length);
  return length;
}

export { HEADER_LENGTH };
