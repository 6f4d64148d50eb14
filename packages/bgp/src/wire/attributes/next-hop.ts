// NEXT_HOP (type 3, well-known, mandatory with classic NLRI): RFC 4271 §4.3 / §5.1.3, dotted quad.
// Errors: RFC 7606 §7.3 (length ≠ 4 → treat-as-withdraw); a martian address is semantically
// incorrect (RFC 4271 §6.3), handled the same way. Without classic NLRI the attribute is ignored
// (RFC 4760 §3), so its faults there only discard it.

import { BgpEncodeError } from '../errors.ts';
import { formatIpv4, parseIpv4Address } from '../nlri.ts';
import type { Writer } from '../writer.ts';
import { discard, withdraw } from './common.ts';
import type { AttrDecodeEnv, AttrFault } from './common.ts';

/** 0.0.0.0/8, 127.0.0.0/8, 224.0.0.0/4 (multicast) and 240.0.0.0/4 (reserved, incl. broadcast). */
export function isMartianIpv4(b: Uint8Array, off = 0): boolean {
  const a = b[off]!;
  return a === 0 || a === 127 || a >= 224;
}

export function decodeNextHop(buf: Uint8Array, start: number, end: number, env: AttrDecodeEnv): string | AttrFault {
  const fault = env.hasClassicNlri ? withdraw : discard;
  if (end - start !== 4) return fault(`NEXT_HOP length ${end - start} != 4`);
  if (isMartianIpv4(buf, start)) return fault(`NEXT_HOP ${formatIpv4(buf, start)} is martian`);
  return formatIpv4(buf, start);
}

export function encodeNextHop(w: Writer, v: string): void {
  const b = parseIpv4Address(v);
  if (b === undefined) throw new BgpEncodeError(`NEXT_HOP ${JSON.stringify(v)} is not an IPv4 address`);
  w.bytes(b);
}
