// Bounds-checked big-endian reader over a Uint8Array view. Every read checks the remaining length
// first and throws the NOTIFICATION the caller names for this region (so a truncated OPEN reports
// an OPEN error and a truncated attribute list a Malformed Attribute List), never a RangeError.

import { BgpNotificationError } from './errors.ts';

export class Reader {
  readonly buf: Uint8Array;
  pos: number;
  readonly end: number;
  private readonly errCode: number;
  private readonly errSubcode: number;

  /** Reads buf[start, end). Underflow throws BgpNotificationError(errCode, errSubcode). */
  constructor(buf: Uint8Array, start: number, end: number, errCode: number, errSubcode: number) {
    this.buf = buf;
    this.pos = start;
    this.end = end;
    this.errCode = errCode;
    this.errSubcode = errSubcode;
  }

  get remaining(): number {
    return this.end - this.pos;
  }

  /** Throws the region's NOTIFICATION unless n more bytes are available. */
  need(n: number, what: string): void {
    if (n > this.end - this.pos) {
      throw new BgpNotificationError(this.errCode, this.errSubcode, new Uint8Array(0), `truncated ${what}`);
    }
  }

  u8(what = 'octet'): number {
    this.need(1, what);
    return this.buf[this.pos++]!;
  }

  u16(what = 'u16'): number {
    this.need(2, what);
    const b = this.buf;
    const v = (b[this.pos]! << 8) | b[this.pos + 1]!;
    this.pos += 2;
    return v;
  }

  u32(what = 'u32'): number {
    this.need(4, what);
    const b = this.buf;
    const p = this.pos;
    const v = ((b[p]! << 24) >>> 0) + ((b[p + 1]! << 16) | (b[p + 2]! << 8) | b[p + 3]!);
    this.pos += 4;
    return v;
  }

  /** A view (no copy) of the next n bytes. */
  bytes(n: number, what = 'bytes'): Uint8Array {
    this.need(n, what);
    const v = this.buf.subarray(this.pos, this.pos + n);
    this.pos += n;
    return v;
  }

  /** A sub-reader over the next n bytes with its own error; advances this reader past them. */
  sub(n: number, what: string, errCode = this.errCode, errSubcode = this.errSubcode): Reader {
    this.need(n, what);
    const r = new Reader(this.buf, this.pos, this.pos + n, errCode, errSubcode);
    this.pos += n;
    return r;
  }
}

export function ipv4ToString(b: Uint8Array, off = 0): string {
  return `${b[off]}.${b[off + 1]}.${b[off + 2]}.${b[off + 3]}`;
}
