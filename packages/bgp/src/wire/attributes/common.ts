// Shared pieces of the path attribute codecs (RFC 4271 §4.3, RFC 7606 §2): the fault values an
// attribute decoder returns instead of throwing, the decode environment, and big-endian helpers.

import type { DecodeContext, EncodeContext } from '../types.ts';
import type { Writer } from '../writer.ts';

/** RFC 7606 §2: the two approaches an attribute decoder may ask for (session reset is thrown). */
export type FaultAction = 'treat-as-withdraw' | 'attribute-discard';

/** A malformed attribute, as a value (never thrown). */
export interface AttrFault {
  readonly fault: FaultAction;
  readonly reason: string;
}

export function isFault(v: unknown): v is AttrFault {
  return typeof v === 'object' && v !== null && 'fault' in v;
}

export function withdraw(reason: string): AttrFault {
  return { fault: 'treat-as-withdraw', reason };
}

export function discard(reason: string): AttrFault {
  return { fault: 'attribute-discard', reason };
}

/** What a per-attribute decoder may know about the session and the UPDATE around it. */
export interface AttrDecodeEnv {
  readonly ctx: DecodeContext;
  /** The classic NLRI field of this UPDATE is non-empty. */
  readonly hasClassicNlri: boolean;
}

export type AttrDecoder<T> = (buf: Uint8Array, start: number, end: number, env: AttrDecodeEnv) => T | AttrFault;
export type AttrEncoder<T> = (w: Writer, value: T, ctx: EncodeContext) => void;

export function readU16(b: Uint8Array, p: number): number {
  return (b[p]! << 8) | b[p + 1]!;
}

export function readU32(b: Uint8Array, p: number): number {
  return ((b[p]! << 24) >>> 0) + ((b[p + 1]! << 16) | (b[p + 2]! << 8) | b[p + 3]!);
}

export function isU32(v: number): boolean {
  return Number.isInteger(v) && v >= 0 && v <= 0xffffffff;
}
