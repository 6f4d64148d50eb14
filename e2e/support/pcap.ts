// Lab harness: a small pcap reader (classic libpcap format; Ethernet, Linux cooked v1/v2, raw IP) with
// IPv4/IPv6/TCP parsing, per-direction TCP stream reassembly and BGP message cutting by the RFC 4271
// §4.1 header (16-byte marker, 2-byte length, 1-byte type). Used to turn captures into fixtures and to
// assert on packets. Pure: bytes in, data out.
import { LabError } from './exec.ts';
import { bigIntToIpv6 } from './addr.ts';

export interface TcpSegment {
  readonly tsUs: number;
  readonly src: string;
  readonly dst: string;
  readonly sport: number;
  readonly dport: number;
  readonly seq: number;
  readonly flags: number;
  readonly payload: Buffer;
  /** True when the capture cut the packet short (snaplen). */
  readonly truncated: boolean;
  /** The segment carries a TCP MD5 signature option (kind 19, RFC 2385). */
  readonly md5: boolean;
}

export interface BgpWireMessage {
  /** RFC 4271 §4.1 type: 1 OPEN, 2 UPDATE, 3 NOTIFICATION, 4 KEEPALIVE, 5 ROUTE-REFRESH. */
  readonly type: number;
  readonly typeName: string;
  /** The whole message, header included. */
  readonly bytes: Buffer;
  /** Capture time of the segment that completed the message (µs since epoch). */
  readonly tsUs: number;
}

export interface BgpFlow {
  readonly src: string;
  readonly sport: number;
  readonly dst: string;
  readonly dport: number;
  readonly messages: readonly BgpWireMessage[];
  /** Bytes missing from the stream (lost segments); messages after a gap are not cut. */
  readonly gapBytes: number;
  /** Bytes at the end that do not form a whole message. */
  readonly trailingBytes: number;
  /** Set when the stream does not start with a BGP marker where a header should be. */
  readonly desync: boolean;
}

export const BGP_TYPE_NAMES: Readonly<Record<number, string>> = {
  1: 'OPEN',
  2: 'UPDATE',
  3: 'NOTIFICATION',
  4: 'KEEPALIVE',
  5: 'ROUTE-REFRESH',
};

const TCP_FIN = 0x01;
const TCP_SYN = 0x02;
const TCP_RST = 0x04;

/** Parses a classic pcap file into TCP segments (other packets skipped). */
export function readTcpSegments(file: Buffer): TcpSegment[] {
  if (file.length < 24) throw new LabError('LAB_PARSE', 'pcap: file shorter than its global header');
  const magicLE = file.readUInt32LE(0);
  let le: boolean;
  let nanos: boolean;
  if (magicLE === 0xa1b2c3d4 || magicLE === 0xa1b23c4d) {
    le = true;
    nanos = magicLE === 0xa1b23c4d;
  } else {
    const magicBE = file.readUInt32BE(0);
    if (magicBE !== 0xa1b2c3d4 && magicBE !== 0xa1b23c4d) throw new LabError('LAB_PARSE', 'pcap: bad magic (pcapng is not supported)');
    le = false;
    nanos = magicBE === 0xa1b23c4d;
  }
  const u32 = (o: number) => (le ? file.readUInt32LE(o) : file.readUInt32BE(o));
  const linkType = u32(20) & 0x0fffffff;
  const out: TcpSegment[] = [];
  let off = 24;
  while (off + 16 <= file.length) {
    const sec = u32(off);
    const frac = u32(off + 4);
    const incl = u32(off + 8);
    const orig = u32(off + 12);
    off += 16;
    if (off + incl > file.length) break; // file cut mid-record (capture still running)
    const pkt = file.subarray(off, off + incl);
    off += incl;
    const tsUs = sec * 1_000_000 + (nanos ? Math.floor(frac / 1000) : frac);
    const l3 = linkPayload(pkt, linkType);
    if (!l3) continue;
    const seg = parseIp(l3.data, l3.ethertype, tsUs, incl < orig);
    if (seg) out.push(seg);
  }
  return out;
}

function linkPayload(pkt: Buffer, linkType: number): { data: Buffer; ethertype: number } | undefined {
  switch (linkType) {
    case 1: {
      // Ethernet II, with optional 802.1Q tags
      if (pkt.length < 14) return undefined;
      let o = 12;
      let et = pkt.readUInt16BE(o);
      while ((et === 0x8100 || et === 0x88a8) && pkt.length >= o + 6) {
        o += 4;
        et = pkt.readUInt16BE(o);
      }
      return { data: pkt.subarray(o + 2), ethertype: et };
    }
    case 113: // Linux cooked v1: 16-byte header, protocol at 14
      return pkt.length < 16 ? undefined : { data: pkt.subarray(16), ethertype: pkt.readUInt16BE(14) };
    case 276: // Linux cooked v2: 20-byte header, protocol at 0
      return pkt.length < 20 ? undefined : { data: pkt.subarray(20), ethertype: pkt.readUInt16BE(0) };
    case 101:
    case 12: {
      if (pkt.length < 1) return undefined;
      const v = pkt[0] >> 4;
      return { data: pkt, ethertype: v === 6 ? 0x86dd : 0x0800 };
    }
    default:
      throw new LabError('LAB_PARSE', `pcap: unsupported link type ${linkType}`);
  }
}

function parseIp(d: Buffer, ethertype: number, tsUs: number, truncated: boolean): TcpSegment | undefined {
  if (ethertype === 0x0800) {
    if (d.length < 20 || d[0] >> 4 !== 4) return undefined;
    const ihl = (d[0] & 0x0f) * 4;
    const total = d.readUInt16BE(2);
    const fragField = d.readUInt16BE(6);
    if ((fragField & 0x3fff) !== 0) return undefined; // fragments: BGP over TCP never needs them here
    if (d[9] !== 6) return undefined;
    const src = `${d[12]}.${d[13]}.${d[14]}.${d[15]}`;
    const dst = `${d[16]}.${d[17]}.${d[18]}.${d[19]}`;
    return parseTcp(d.subarray(ihl, Math.min(d.length, total)), src, dst, tsUs, truncated || d.length < total);
  }
  if (ethertype === 0x86dd) {
    if (d.length < 40 || d[0] >> 4 !== 6) return undefined;
    const plen = d.readUInt16BE(4);
    let next = d[6];
    let o = 40;
    const end = Math.min(d.length, 40 + plen);
    // skip hop-by-hop (0), routing (43), destination options (60); drop fragments (44)
    for (let i = 0; i < 8 && (next === 0 || next === 43 || next === 60); i++) {
      if (o + 2 > end) return undefined;
      const n = d[o];
      o += (d[o + 1] + 1) * 8;
      next = n;
    }
    if (next !== 6) return undefined;
    return parseTcp(d.subarray(o, end), v6(d.subarray(8, 24)), v6(d.subarray(24, 40)), tsUs, truncated || d.length < 40 + plen);
  }
  return undefined;
}

function v6(b: Buffer): string {
  let v = 0n;
  for (const x of b) v = (v << 8n) | BigInt(x);
  return bigIntToIpv6(v);
}

function parseTcp(t: Buffer, src: string, dst: string, tsUs: number, truncated: boolean): TcpSegment | undefined {
  if (t.length < 20) return undefined;
  const doff = (t[12] >> 4) * 4;
  if (doff < 20 || doff > t.length) return undefined;
  return {
    tsUs,
    src,
    dst,
    sport: t.readUInt16BE(0),
    dport: t.readUInt16BE(2),
    seq: t.readUInt32BE(4),
    flags: t[13],
    payload: Buffer.from(t.subarray(doff)),
    truncated,
    md5: hasTcpOption(t.subarray(20, doff), 19),
  };
}

function hasTcpOption(opts: Buffer, kind: number): boolean {
  let o = 0;
  while (o < opts.length) {
    const k = opts[o];
    if (k === 0) return false; // end of options
    if (k === 1) {
      o++; // no-op
      continue;
    }
    if (k === kind) return true;
    if (o + 1 >= opts.length || opts[o + 1] < 2) return false;
    o += opts[o + 1];
  }
  return false;
}

interface FlowState {
  src: string;
  sport: number;
  dst: string;
  dport: number;
  isn: number | undefined;
  segs: Array<{ rel: number; data: Buffer; tsUs: number }>;
  base: number | undefined;
}

/**
 * Reassembles every TCP direction (a new SYN on the same 4-tuple starts a new flow) and cuts the bytes
 * into BGP messages. `port` keeps only flows with that source or destination port (default 179).
 */
export function extractBgpFlows(file: Buffer, port = 179): BgpFlow[] {
  const flows: FlowState[] = [];
  const current = new Map<string, FlowState>();
  for (const s of readTcpSegments(file)) {
    if (port && s.sport !== port && s.dport !== port) continue;
    const key = `${s.src}|${s.sport}|${s.dst}|${s.dport}`;
    let f = current.get(key);
    if ((s.flags & TCP_SYN) !== 0) {
      if (!f || f.segs.length > 0 || (f.isn !== undefined && f.isn !== s.seq)) {
        f = { src: s.src, sport: s.sport, dst: s.dst, dport: s.dport, isn: s.seq, segs: [], base: (s.seq + 1) >>> 0 };
        flows.push(f);
        current.set(key, f);
      }
      continue;
    }
    if (!f) {
      f = { src: s.src, sport: s.sport, dst: s.dst, dport: s.dport, isn: undefined, segs: [], base: undefined };
      flows.push(f);
      current.set(key, f);
    }
    if (s.payload.length === 0 || s.truncated) continue;
    if (f.base === undefined) f.base = s.seq;
    const rel = (s.seq - f.base) | 0; // signed 32-bit distance handles wraparound
    f.segs.push({ rel, data: s.payload, tsUs: s.tsUs });
    if ((s.flags & (TCP_FIN | TCP_RST)) !== 0) current.delete(key);
  }
  return flows.filter((f) => f.segs.length > 0).map(cutFlow);
}

function cutFlow(f: FlowState): BgpFlow {
  const segs = [...f.segs].sort((a, b) => a.rel - b.rel);
  const chunks: Buffer[] = [];
  const ends: Array<{ end: number; tsUs: number }> = [];
  let cursor = Math.min(0, segs[0]?.rel ?? 0);
  let gapBytes = 0;
  for (const s of segs) {
    const end = s.rel + s.data.length;
    if (end <= cursor) continue; // retransmission of bytes we have
    if (s.rel > cursor) {
      gapBytes += s.rel - cursor;
      break; // stop at the first hole: later bytes cannot be framed reliably
    }
    chunks.push(s.data.subarray(cursor - s.rel));
    cursor = end;
    ends.push({ end: cursor, tsUs: s.tsUs });
  }
  const stream = Buffer.concat(chunks);
  const base = Math.min(0, segs[0]?.rel ?? 0);
  const tsAt = (pos: number) => ends.find((e) => e.end - base >= pos)?.tsUs ?? 0;
  const messages: BgpWireMessage[] = [];
  let o = 0;
  let desync = false;
  while (o + 19 <= stream.length) {
    for (let i = 0; i < 16; i++) {
      if (stream[o + i] !== 0xff) {
        desync = true;
        break;
      }
    }
    if (desync) break;
    const len = stream.readUInt16BE(o + 16);
    if (len < 19) {
      desync = true;
      break;
    }
    if (o + len > stream.length) break;
    const type = stream[o + 18];
    messages.push({ type, typeName: BGP_TYPE_NAMES[type] ?? `TYPE-${type}`, bytes: Buffer.from(stream.subarray(o, o + len)), tsUs: tsAt(o + len) });
    o += len;
  }
  return { src: f.src, sport: f.sport, dst: f.dst, dport: f.dport, messages, gapBytes, trailingBytes: desync ? 0 : stream.length - o, desync };
}
