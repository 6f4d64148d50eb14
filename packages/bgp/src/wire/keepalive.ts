// KEEPALIVE message (RFC 4271 §4.4): the 19-byte header alone. The framer already enforces length 19.

import { HEADER_LENGTH, MessageType } from './constants.ts';
import { beginMessage, endMessage } from './header.ts';
import type { KeepaliveMessage } from './types.ts';
import { Writer } from './writer.ts';

export const KEEPALIVE: KeepaliveMessage = Object.freeze({ type: 'keepalive' });

function build(): Uint8Array {
  const w = new Writer(HEADER_LENGTH);
  endMessage(w, beginMessage(w, MessageType.KEEPALIVE));
  return w.finish();
}

const KEEPALIVE_BYTES = build();

export function decodeKeepalive(): KeepaliveMessage {
  return KEEPALIVE;
}

/** A fresh copy of the 19 KEEPALIVE bytes (callers may hand it to a socket that keeps it). */
export function encodeKeepalive(): Uint8Array {
  return KEEPALIVE_BYTES.slice();
}
