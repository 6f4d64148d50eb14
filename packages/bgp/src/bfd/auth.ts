// BFD authentication (RFC 5880 §6.7): Simple Password (§4.2, §6.7.2) and Keyed / Meticulous Keyed
// SHA1 (§4.4, §6.7.4). Pure functions over packets: sign before sending, verify on reception with the
// receive sequence state. Keyed MD5 is not offered (SHA1 supersedes it; same structure if needed).

import { createHash, timingSafeEqual } from 'node:crypto';
import { encodeBfdPacket, type BfdAuth, type BfdPacket } from './packet.ts';

export const BfdAuthType = { SIMPLE: 1, KEYED_SHA1: 4, METICULOUS_KEYED_SHA1: 5 } as const;
export type BfdAuthTypeName = 'simple' | 'keyed-sha1' | 'meticulous-keyed-sha1';
const TYPE_CODES: Readonly<Record<BfdAuthTypeName, number>> = { simple: 1, 'keyed-sha1': 4, 'meticulous-keyed-sha1': 5 };

export interface BfdAuthConfig {
  readonly type: BfdAuthTypeName;
  readonly keyId: number;
  /** Simple password: 1..16 bytes (§4.2); SHA1 key: 1..20 bytes (§4.4). */
  readonly key: Uint8Array;
}

/** Receive-side replay state (§6.8.1 bfd.RcvAuthSeq / bfd.AuthSeqKnown). */
export interface AuthRxState {
  readonly known: boolean;
  readonly seq: number;
}

export function checkAuthConfig(a: BfdAuthConfig): string | undefined {
  if (!Number.isInteger(a.keyId) || a.keyId < 0 || a.keyId > 255) return 'key id must be 0..255';
  const max = a.type === 'simple' ? 16 : 20;
  if (a.key.length < 1 || a.key.length > max) return `key must be 1..${max} bytes`;
  return undefined;
}

function sha1Section(a: BfdAuthConfig, seq: number, digest: Uint8Array): Uint8Array {
  // §4.4: Key ID, Reserved (0), Sequence Number, then the 20-byte Auth Key / Hash.
  const d = new Uint8Array(26);
  d[0] = a.keyId;
  new DataView(d.buffer).setUint32(2, seq >>> 0);
  d.set(digest.subarray(0, 20), 6);
  return d;
}

function paddedKey(key: Uint8Array): Uint8Array {
  const k = new Uint8Array(20);
  k.set(key.subarray(0, 20));
  return k;
}

/** §6.7.4 transmission: hash the packet with the key (zero-padded to 20 bytes) in the hash field. */
export function signBfdPacket(p: BfdPacket, a: BfdAuthConfig, seq: number): BfdPacket {
  if (a.type === 'simple') {
    // §6.7.2: Auth Key ID and the password in clear.
    const data = new Uint8Array(1 + a.key.length);
    data[0] = a.keyId;
    data.set(a.key, 1);
    return { ...p, auth: { type: TYPE_CODES.simple, data } };
  }
  const withKey: BfdPacket = { ...p, auth: { type: TYPE_CODES[a.type], data: sha1Section(a, seq, paddedKey(a.key)) } };
  const digest = createHash('sha1').update(encodeBfdPacket(withKey)).digest();
  return { ...p, auth: { type: TYPE_CODES[a.type], data: sha1Section(a, seq, digest) } };
}

export type AuthVerdict = { readonly ok: true; readonly rx: AuthRxState } | { readonly ok: false; readonly reason: string };

const inWindow = (seq: number, lo: number, span: number) => ((seq - lo) >>> 0) <= span;

/**
 * §6.7.2 / §6.7.4 reception. `detectMult` is the remote's (the window is 3 × Detect Mult packets).
 * Returns the new receive state when the packet is authentic.
 */
export function verifyBfdPacket(p: BfdPacket, a: BfdAuthConfig, rx: AuthRxState): AuthVerdict {
  const au: BfdAuth | undefined = p.auth;
  // §6.7.1: the A bit and the configured type must agree.
  if (au === undefined) return { ok: false, reason: 'missing' };
  if (au.type !== TYPE_CODES[a.type]) return { ok: false, reason: 'type' };
  if (a.type === 'simple') {
    if (au.data.length < 2 || au.data[0] !== a.keyId) return { ok: false, reason: 'key-id' };
    const pw = au.data.subarray(1);
    if (pw.length !== a.key.length || !timingSafeEqual(pw, a.key)) return { ok: false, reason: 'password' };
    return { ok: true, rx };
  }
  // §6.7.4: Auth Len must be 28 (the section after type and length is 26 bytes).
  if (au.data.length !== 26) return { ok: false, reason: 'length' };
  if (au.data[0] !== a.keyId) return { ok: false, reason: 'key-id' };
  const seq = new DataView(au.data.buffer, au.data.byteOffset, 26).getUint32(2);
  if (rx.known) {
    const span = 3 * p.detectMult;
    const ok = a.type === 'meticulous-keyed-sha1' ? inWindow(seq, (rx.seq + 1) >>> 0, span - 1) : inWindow(seq, rx.seq, span);
    if (!ok) return { ok: false, reason: 'sequence' };
  }
  const received = au.data.subarray(6, 26);
  const withKey: BfdPacket = { ...p, auth: { type: au.type, data: sha1Section(a, seq, paddedKey(a.key)) } };
  const digest = createHash('sha1').update(encodeBfdPacket(withKey)).digest();
  if (!timingSafeEqual(digest, received)) return { ok: false, reason: 'digest' };
  return { ok: true, rx: { known: true, seq } };
}

/** Bytes the auth section adds to a packet (for length checks in tests). */
export function authSectionLength(a: BfdAuthConfig): number {
  return a.type === 'simple' ? 3 + a.key.length : 28;
}

