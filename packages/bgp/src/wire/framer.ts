// Streaming BGP message framer (RFC 4271 §4.1 header, §6.1 header error handling, RFC 8654 sizes).
//
// Raw TCP chunks go in with `push`; whole messages come out of `next` one at a time, so the caller can
// switch the maximum length (RFC 8654 extended messages) after handling the OPEN and before the next
// frame is cut. The header is checked BEFORE any body byte is buffered, so a bogus length can never
// make us hold or allocate more than 4096 (or 65535) bytes. When a chunk holds whole messages the frames
// are views into that chunk (no copy); only a message that straddles chunks is assembled, into a buffer
// of exactly its (already validated) length. Callers must not reuse a pushed chunk's memory while its
// frames are alive (Node's socket chunks are fresh buffers, so this holds for `socket.on('data')`).

import {
  HEADER_LENGTH,
  MARKER_LENGTH,
  MAX_EXTENDED_MESSAGE_LENGTH,
  MAX_MESSAGE_LENGTH,
  MessageType,
  NotificationCode,
  HeaderErrorSubcode,
} from './constants.ts';
import { BgpNotificationError } from './errors.ts';

/** One whole message: `message` is the full message (header included), `body` the part after the header. */
export interface Frame {
  readonly type: number;
  readonly length: number;
  readonly message: Uint8Array;
  readonly body: Uint8Array;
}

export interface FramerOptions {
  /** RFC 8654 negotiated: accept messages up to 65535 bytes. Default false (4096). */
  readonly extendedMessage?: boolean;
}

/**
 * Validates a 19-byte header at buf[off] against `maxLength`; returns the message length.
 * Throws the RFC 4271 §6.1 NOTIFICATION: 1/1 marker, 1/2 length (data = the length field), 1/3 type
 * (data = the type octet).
 */
export function checkHeader(buf: Uint8Array, off: number, maxLength: number): number {
  // RFC 4271 §6.1: the marker MUST be all ones, else Connection Not Synchronized.
  for (let i = 0; i < MARKER_LENGTH; i++) {
    if (buf[off + i] !== 0xff) {
      throw new BgpNotificationError(NotificationCode.MESSAGE_HEADER_ERROR, HeaderErrorSubcode.CONNECTION_NOT_SYNCHRONIZED);
    }
  }
  const length = (buf[off + 16]! << 8) | buf[off + 17]!;
  const type = buf[off + 18]!;
  // RFC 4271 §6.1: length < 19 or > 4096 (RFC 8654: > 65535 once negotiated) is Bad Message Length,
  // and the Data field MUST contain the erroneous Length field.
  if (length < HEADER_LENGTH || length > maxLength) throw badLength(buf, off);
  // RFC 4271 §6.1: an unrecognized Type is Bad Message Type; Data MUST contain the erroneous Type field.
  if (type < MessageType.OPEN || type > MessageType.ROUTE_REFRESH) {
    throw new BgpNotificationError(NotificationCode.MESSAGE_HEADER_ERROR, HeaderErrorSubcode.BAD_MESSAGE_TYPE, Uint8Array.of(type));
  }
  // RFC 4271 §6.1 per-type lengths: OPEN ≥ 29, UPDATE ≥ 23, KEEPALIVE = 19, NOTIFICATION ≥ 21;
  // ROUTE-REFRESH ≥ 23 (RFC 2918 §3; a longer one is RFC 7313 §5's 7/1, decided by the decoder).
  const bad =
    type === MessageType.OPEN ? length < 29
    : type === MessageType.UPDATE ? length < 23
    : type === MessageType.NOTIFICATION ? length < 21
    : type === MessageType.KEEPALIVE ? length !== HEADER_LENGTH
    : length < 23;
  if (bad) throw badLength(buf, off);
  return length;
}

function badLength(buf: Uint8Array, off: number): BgpNotificationError {
  return new BgpNotificationError(
    NotificationCode.MESSAGE_HEADER_ERROR,
    HeaderErrorSubcode.BAD_MESSAGE_LENGTH,
    Uint8Array.of(buf[off + 16]!, buf[off + 17]!),
  );
}

function makeFrame(buf: Uint8Array, start: number, length: number): Frame {
  return {
    type: buf[start + 18]!,
    length,
    message: buf.subarray(start, start + length),
    body: buf.subarray(start + HEADER_LENGTH, start + length),
  };
}

const EMPTY = new Uint8Array(0);

export class Framer {
  private maxLength: number;
  /** Pushed chunks not yet consumed; `chunks[head]` is read from `pos`. */
  private chunks: Uint8Array[] = [];
  private head = 0;
  private pos = 0;
  /** A header that straddles chunks is gathered here (19 bytes, allocated once). */
  private readonly hdr = new Uint8Array(HEADER_LENGTH);
  private hdrFill = 0;
  /** A validated message that straddles chunks is assembled here, sized to its length. */
  private partial: Uint8Array = EMPTY;
  private partialFill = 0;
  private failure: BgpNotificationError | undefined;

  constructor(options: FramerOptions = {}) {
    this.maxLength = options.extendedMessage === true ? MAX_EXTENDED_MESSAGE_LENGTH : MAX_MESSAGE_LENGTH;
  }

  /** RFC 8654: switch the maximum after the OPEN exchange; applies to every frame not yet cut. */
  setExtendedMessage(enabled: boolean): void {
    this.maxLength = enabled ? MAX_EXTENDED_MESSAGE_LENGTH : MAX_MESSAGE_LENGTH;
  }

  get maxMessageLength(): number {
    return this.maxLength;
  }

  /** Bytes received but not yet returned as frames. */
  get bufferedBytes(): number {
    let n = this.hdrFill + this.partialFill;
    for (let i = this.head; i < this.chunks.length; i++) n += this.chunks[i]!.length - (i === this.head ? this.pos : 0);
    return n;
  }

  push(chunk: Uint8Array): void {
    if (chunk.length > 0) this.chunks.push(chunk);
  }

  /**
   * The next whole message, or undefined when more bytes are needed. Throws BgpNotificationError for
   * a bad header; after that the framer stays failed and rethrows the same error.
   */
  next(): Frame | undefined {
    if (this.failure !== undefined) throw this.failure;
    try {
      return this.cut();
    } catch (err) {
      if (err instanceof BgpNotificationError) this.failure = err;
      throw err;
    }
  }

  /** Every whole message available now. */
  drain(): Frame[] {
    const out: Frame[] = [];
    for (let f = this.next(); f !== undefined; f = this.next()) out.push(f);
    return out;
  }

  private cut(): Frame | undefined {
    for (;;) {
      if (this.head >= this.chunks.length) {
        this.chunks.length = 0;
        this.head = 0;
        this.pos = 0;
        return undefined;
      }
      const chunk = this.chunks[this.head]!;
      const avail = chunk.length - this.pos;
      if (avail === 0) {
        this.head++;
        this.pos = 0;
        continue;
      }
      if (this.partial.length > 0) {
        // Continue a message whose header was already validated.
        const n = Math.min(avail, this.partial.length - this.partialFill);
        this.partial.set(chunk.subarray(this.pos, this.pos + n), this.partialFill);
        this.partialFill += n;
        this.pos += n;
        if (this.partialFill < this.partial.length) continue;
        const msg = this.partial;
        this.partial = EMPTY;
        this.partialFill = 0;
        return makeFrame(msg, 0, msg.length);
      }
      if (this.hdrFill > 0 || avail < HEADER_LENGTH) {
        // Gather a header that straddles chunks; nothing beyond 19 bytes is held before it is checked.
        const n = Math.min(avail, HEADER_LENGTH - this.hdrFill);
        this.hdr.set(chunk.subarray(this.pos, this.pos + n), this.hdrFill);
        this.hdrFill += n;
        this.pos += n;
        if (this.hdrFill < HEADER_LENGTH) continue;
        const length = checkHeader(this.hdr, 0, this.maxLength);
        this.hdrFill = 0;
        const msg = new Uint8Array(length);
        msg.set(this.hdr, 0);
        if (length === HEADER_LENGTH) return makeFrame(msg, 0, length);
        this.partial = msg;
        this.partialFill = HEADER_LENGTH;
        continue;
      }
      // Fast path: the header is inside this chunk.
      const length = checkHeader(chunk, this.pos, this.maxLength);
      if (avail >= length) {
        const frame = makeFrame(chunk, this.pos, length);
        this.pos += length;
        return frame;
      }
      const msg = new Uint8Array(length);
      msg.set(chunk.subarray(this.pos), 0);
      this.partial = msg;
      this.partialFill = avail;
      this.pos = chunk.length;
    }
  }
}
