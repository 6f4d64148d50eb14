// OPEN message (RFC 4271 §4.2, §6.2) with optional parameters (RFC 5492 capabilities) and the RFC 9072
// extended optional parameters length. Decoding checks only what the bytes alone decide: the version
// and the framing of the optional parameters. Checks that need the session's configuration (peer AS,
// BGP identifier, hold time, unsupported parameters, required capabilities, role) live in open-check.ts.

import { AS_TRANS, BGP_VERSION, HEADER_LENGTH, MessageType, NotificationCode, OpenErrorSubcode, OptionalParamType, HeaderErrorSubcode } from './constants.ts';
import { decodeCapabilities, encodeCapability, malformedOpen } from './capabilities.ts';
import { BgpEncodeError, BgpNotificationError } from './errors.ts';
import { beginMessage, endMessage } from './header.ts';
import { ipv4ToString } from './reader.ts';
import type { Capability, OpenMessage } from './types.ts';
import { Writer, parseIpv4 } from './writer.ts';

/** Size of the fixed OPEN fields after the header: version, My AS, Hold Time, BGP Identifier, Opt Parm Len. */
const OPEN_FIXED = 10;

function shortOpen(messageLength: number): BgpNotificationError {
  // Only reachable when called without the framer, which already enforces OPEN ≥ 29 (RFC 4271 §6.1).
  return new BgpNotificationError(
    NotificationCode.MESSAGE_HEADER_ERROR,
    HeaderErrorSubcode.BAD_MESSAGE_LENGTH,
    Uint8Array.of(messageLength >>> 8, messageLength & 0xff),
    'OPEN shorter than 29 bytes',
  );
}

/** Decodes an OPEN body buf[start, end) (after the 19-byte header). */
export function decodeOpen(buf: Uint8Array, start: number, messageEnd: number): OpenMessage {
  let end = messageEnd;
  const messageLength = end - start + HEADER_LENGTH;
  if (end - start < OPEN_FIXED) throw shortOpen(messageLength);
  const version = buf[start]!;
  // RFC 4271 §6.2: an unsupported version is Unsupported Version Number; the Data field is a 2-octet
  // unsigned integer naming the largest locally supported version (we support only 4).
  if (version !== BGP_VERSION) {
    throw new BgpNotificationError(NotificationCode.OPEN_MESSAGE_ERROR, OpenErrorSubcode.UNSUPPORTED_VERSION_NUMBER, Uint8Array.of(0, BGP_VERSION));
  }
  const myAs = (buf[start + 1]! << 8) | buf[start + 2]!;
  const holdTimeSec = (buf[start + 3]! << 8) | buf[start + 4]!;
  const bgpId = ipv4ToString(buf, start + 5);
  const optLen = buf[start + 9]!;
  let p = start + OPEN_FIXED;

  // RFC 9072 §2: Non-Ext OP Len 255 followed by Non-Ext OP Type 255 announces the extended format:
  // a 2-octet Extended Opt. Parm. Length, and a 2-octet length in every parameter.
  //
  // Optional parameters that run past the message are malformed parameters: RFC 4271 §6.2 → 2/0
  // (Unspecific). Bytes after the parameters are ignored. Both choices are what BIRD 2.0.12 and FRR 8.4
  // answer to the same bytes (e2e/open-errors-routers.test.ts); RFC 4271 names no error for either.
  const extended = optLen === 255 && p < end && buf[p] === OptionalParamType.EXTENDED_LENGTH;
  let paramsEnd: number;
  if (extended) {
    if (end - p < 3) throw malformedOpen('extended optional parameters length missing');
    paramsEnd = p + 3 + ((buf[p + 1]! << 8) | buf[p + 2]!);
    p += 3;
  } else {
    paramsEnd = p + optLen;
  }
  if (paramsEnd > end) throw malformedOpen('optional parameters run past the message');
  end = paramsEnd;

  const capabilities: Capability[] = [];
  const otherParams: { type: number; value: Uint8Array }[] = [];
  const hdr = extended ? 3 : 2;
  while (p < end) {
    // RFC 4271 §6.2: a malformed optional parameter is OPEN Message Error / 0 (Unspecific).
    if (end - p < hdr) throw malformedOpen('truncated optional parameter header');
    const type = buf[p]!;
    const len = extended ? (buf[p + 1]! << 8) | buf[p + 2]! : buf[p + 1]!;
    p += hdr;
    if (end - p < len) throw malformedOpen('optional parameter overruns the parameters');
    const value = buf.subarray(p, p + len);
    p += len;
    // RFC 5492 §4: parse every capability in every capabilities parameter.
    if (type === OptionalParamType.CAPABILITIES) decodeCapabilities(value, capabilities);
    else otherParams.push({ type, value: new Uint8Array(value) });
  }
  return { type: 'open', version, myAs, holdTimeSec, bgpId, capabilities, otherParams };
}

export interface OpenEncodeOptions {
  /**
   * 'one' (default): all capabilities in one optional parameter. 'each': one parameter per capability
   * (what FRR and Junos send). Both are valid RFC 5492 encodings.
   */
  readonly capabilityParams?: 'one' | 'each';
}

type OpenInput = Omit<OpenMessage, 'type'> & { readonly type?: 'open' };

/** Encodes a whole OPEN message, header included. */
export function encodeOpen(msg: OpenInput, options: OpenEncodeOptions = {}): Uint8Array {
  const params: { type: number; value: Uint8Array }[] = [];
  const capWriter = new Writer(64);
  if (options.capabilityParams === 'each') {
    for (const c of msg.capabilities) {
      const w = new Writer(16);
      encodeCapability(w, c);
      params.push({ type: OptionalParamType.CAPABILITIES, value: w.finish() });
    }
  } else if (msg.capabilities.length > 0) {
    for (const c of msg.capabilities) encodeCapability(capWriter, c);
    params.push({ type: OptionalParamType.CAPABILITIES, value: capWriter.finish() });
  }
  for (const op of msg.otherParams) {
    if (!Number.isInteger(op.type) || op.type < 0 || op.type > 254) {
      throw new BgpEncodeError(`optional parameter type out of range: ${op.type}`);
    }
    params.push(op);
  }
  let classicLen = 0;
  let fitsClassic = true;
  for (const op of params) {
    classicLen += 2 + op.value.length;
    if (op.value.length > 0xff) fitsClassic = false;
  }
  // RFC 9072 §2: use the extended format only when the parameters do not fit the classic one.
  if (classicLen > 0xff) fitsClassic = false;

  let bgpId: Uint8Array;
  try {
    bgpId = parseIpv4(msg.bgpId);
  } catch {
    throw new BgpEncodeError(`BGP identifier is not a dotted quad: ${msg.bgpId}`);
  }
  for (const [v, max, what] of [
    [msg.version, 0xff, 'version'],
    [msg.myAs, 0xffff, 'My AS'],
    [msg.holdTimeSec, 0xffff, 'hold time'],
  ] as const) {
    if (!Number.isInteger(v) || v < 0 || v > max) throw new BgpEncodeError(`${what} out of range: ${v}`);
  }

  const w = new Writer(64 + classicLen + 3 * params.length);
  const start = beginMessage(w, MessageType.OPEN);
  w.u8(msg.version).u16(msg.myAs).u16(msg.holdTimeSec).bytes(bgpId);
  if (fitsClassic) {
    w.u8(classicLen);
    for (const op of params) w.u8(op.type).u8(op.value.length).bytes(op.value);
  } else {
    let extLen = 0;
    for (const op of params) extLen += 3 + op.value.length;
    if (extLen > 0xffff) throw new BgpEncodeError('optional parameters longer than 65535 bytes');
    w.u8(255).u8(OptionalParamType.EXTENDED_LENGTH).u16(extLen);
    for (const op of params) {
      if (op.value.length > 0xffff) throw new BgpEncodeError('optional parameter longer than 65535 bytes');
      w.u8(op.type).u16(op.value.length).bytes(op.value);
    }
  }
  const length = endMessage(w, start);
  if (length > 0xffff) throw new BgpEncodeError('OPEN longer than 65535 bytes');
  return w.finish();
}

/** RFC 6793 §4.1 / §9: the 2-octet "My Autonomous System" value for `asn` (AS_TRANS when it does not fit). */
export function myAsFor(asn: number): number {
  return asn > 0xffff ? AS_TRANS : asn;
}

/** The peer's AS: the four-octet AS capability's value when present (RFC 6793 §4.1), else My AS. */
export function peerAsn(open: Pick<OpenMessage, 'myAs' | 'capabilities'>): number {
  for (const c of open.capabilities) if (c.kind === 'four-octet-as') return c.asn;
  return open.myAs;
}

/** The first capability of a kind, if the OPEN carries one. */
export function findCapability<K extends Capability['kind']>(
  open: Pick<OpenMessage, 'capabilities'>,
  kind: K,
): Extract<Capability, { kind: K }> | undefined {
  for (const c of open.capabilities) if (c.kind === kind) return c as Extract<Capability, { kind: K }>;
  return undefined;
}
