// Input of `vipd decode`: plain hex (whitespace, ':', ',', '-', '0x' and '#' comments ignored), or a
// packet dump with offsets (tcpdump -X / -xx, tshark -x, xxd). In a dump every offset-0 line starts a
// packet; the BGP bytes are the TCP payload found by walking Ethernet / IPv4 / IPv6 / TCP headers (or,
// when those do not parse, everything from the first 16-byte marker).

import { formatIpv6 } from '@vipd/bgp/wire';

export class DecodeInputError extends Error {
  readonly code = 'ERR_DECODE_INPUT';
}

export interface DumpPacket {
  readonly index: number;
  /** "src:port>dst:port" when IP/TCP headers were found, else "unknown". */
  readonly flow: string;
  readonly payload: Uint8Array;
}

export type DecodeInput = { readonly mode: 'hex'; readonly bytes: Uint8Array } | { readonly mode: 'dump'; readonly packets: readonly DumpPacket[] };

const OFFSET_LINE = /^\s*(?:0x)?([0-9a-f]{4,8}):?\s+(.*)$/i;

function hexToBytes(clean: string, where: string): Uint8Array {
  if (/[^0-9a-f]/i.test(clean)) throw new DecodeInputError(`${where}: not hex`);
  if (clean.length % 2 !== 0) throw new DecodeInputError(`${where}: odd number of hex digits`);
  const out = new Uint8Array(clean.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(clean.slice(2 * i, 2 * i + 2), 16);
  return out;
}

const DUMP_START = /^\s*(?:0x)?0{4,8}(?::\s|\s{2})\s*[0-9a-f]{2}/i;

export type InputFormat = 'auto' | 'hex' | 'dump';

/**
 * `auto` treats the input as a dump when some line starts with a zero offset followed by ':' or two
 * spaces (tcpdump -X "0x0000:  4500", xxd "00000000: ffff", tshark -x "0000  ff ff"); a plain BGP
 * stream starts with the marker, so only an unusual multi-line paste needs `hex` forced.
 */
export function parseInput(text: string, format: InputFormat = 'auto'): DecodeInput {
  const lines = text.split(/\r?\n/).filter((l) => l.trim() !== '' && !l.trim().startsWith('#'));
  if (format === 'dump' || (format === 'auto' && lines.some((l) => DUMP_START.test(l)))) {
    return { mode: 'dump', packets: parseDump(lines) };
  }
  const clean = lines
    .map((l) => l.replace(/#.*$/, ''))
    .join('')
    .replace(/0x/gi, '')
    .replace(/[\s:,-]/g, '');
  return { mode: 'hex', bytes: hexToBytes(clean, 'input') };
}

function parseDump(lines: readonly string[]): DumpPacket[] {
  const raw: number[][] = [];
  for (const [i, line] of lines.entries()) {
    const m = OFFSET_LINE.exec(line);
    if (m === null) continue; // tcpdump's per-packet summary lines
    const offset = parseInt(m[1]!, 16);
    // The hex part ends where the ASCII column starts (two or more spaces).
    const hexPart = m[2]!.trim().split(/\s{2,}/)[0]!.replace(/\s/g, '');
    const bytes = hexToBytes(hexPart, `line ${i + 1}`);
    if (offset === 0 || raw.length === 0) raw.push([]);
    raw[raw.length - 1]!.push(...bytes);
  }
  return raw.map((b, index) => ({ index, ...tcpPayload(Uint8Array.from(b)) }));
}

function fromMarker(b: Uint8Array): { flow: string; payload: Uint8Array } {
  for (let i = 0; i + 16 <= b.length; i++) {
    let ok = true;
    for (let j = 0; j < 16 && ok; j++) ok = b[i + j] === 0xff;
    if (ok) return { flow: 'unknown', payload: b.subarray(i) };
  }
  return { flow: 'unknown', payload: new Uint8Array(0) };
}

/** TCP payload of an Ethernet, Linux cooked or raw IP packet. */
export function tcpPayload(b: Uint8Array): { flow: string; payload: Uint8Array } {
  const candidates = [0, 14, 16, 4];
  for (const at of candidates) {
    if (b.length < at + 20) continue;
    const version = b[at]! >> 4;
    if (at === 14 && !((b[12] === 0x08 && b[13] === 0) || (b[12] === 0x86 && b[13] === 0xdd))) continue;
    if (at === 16 && !((b[14] === 0x08 && b[15] === 0) || (b[14] === 0x86 && b[15] === 0xdd))) continue;
    let tcp: number;
    let end: number;
    let src: string;
    let dst: string;
    if (version === 4) {
      const ihl = (b[at]! & 0x0f) * 4;
      if (ihl < 20 || b[at + 9] !== 6) continue;
      end = Math.min(b.length, at + ((b[at + 2]! << 8) | b[at + 3]!));
      tcp = at + ihl;
      src = `${b[at + 12]}.${b[at + 13]}.${b[at + 14]}.${b[at + 15]}`;
      dst = `${b[at + 16]}.${b[at + 17]}.${b[at + 18]}.${b[at + 19]}`;
    } else if (version === 6 && b.length >= at + 40) {
      if (b[at + 6] !== 6) continue;
      end = Math.min(b.length, at + 40 + ((b[at + 4]! << 8) | b[at + 5]!));
      tcp = at + 40;
      src = `[${formatIpv6(b, at + 8)}]`;
      dst = `[${formatIpv6(b, at + 24)}]`;
    } else {
      continue;
    }
    if (end < tcp + 20) continue;
    const doff = (b[tcp + 12]! >> 4) * 4;
    if (doff < 20 || tcp + doff > end) continue;
    const sport = (b[tcp]! << 8) | b[tcp + 1]!;
    const dport = (b[tcp + 2]! << 8) | b[tcp + 3]!;
    return { flow: `${src}:${sport}>${dst}:${dport}`, payload: b.subarray(tcp + doff, end) };
  }
  return fromMarker(b);
}
