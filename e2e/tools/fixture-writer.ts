// Turns BGP messages cut from a lab capture into fixture files for the codec's golden vectors:
// packages/bgp/test/fixtures/captured/<sender>-<scenario>-<kind>.json. The notes come from a small
// independent reading of the bytes (RFC 4271 §4, RFC 4760, RFC 2918/7313), not from the codec under test.
import { writeFileSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { BgpWireMessage } from '../support/pcap.ts';

export interface CapturedFixture {
  readonly source: string;
  readonly session: string;
  readonly direction: string;
  readonly type: string;
  readonly hex: string;
  readonly note: string;
  readonly scenario: string;
  readonly pcap: string;
  /** Other senders that put exactly the same bytes on the wire. */
  readonly alsoSentBy?: string[];
}

const ATTR: Record<number, string> = {
  1: 'ORIGIN', 2: 'AS_PATH', 3: 'NEXT_HOP', 4: 'MED', 5: 'LOCAL_PREF', 6: 'ATOMIC_AGGREGATE', 7: 'AGGREGATOR',
  8: 'COMMUNITIES', 9: 'ORIGINATOR_ID', 10: 'CLUSTER_LIST', 14: 'MP_REACH_NLRI', 15: 'MP_UNREACH_NLRI',
  16: 'EXTENDED_COMMUNITIES', 17: 'AS4_PATH', 18: 'AS4_AGGREGATOR', 32: 'LARGE_COMMUNITIES', 35: 'OTC',
};
const CAP: Record<number, string> = {
  1: 'multiprotocol', 2: 'route-refresh', 5: 'extended-next-hop', 6: 'extended-message', 9: 'role', 64: 'graceful-restart',
  65: '4-octet-as', 69: 'add-path', 70: 'enhanced-route-refresh', 71: 'llgr', 73: 'fqdn', 128: 'route-refresh-cisco',
};
const AFI: Record<number, string> = { 1: 'ipv4', 2: 'ipv6' };

export interface Described {
  readonly kind: string;
  readonly note: string;
}

/** A short name and a human note for one message (never throws; odd bytes give kind 'odd'). */
export function describe(m: Buffer, as4 = true, addPath = false): Described {
  try {
    const type = m[18];
    const body = m.subarray(19);
    if (type === 4) return { kind: 'keepalive', note: 'KEEPALIVE (header only)' };
    if (type === 1) return describeOpen(body);
    if (type === 2) return describeUpdate(body, as4, addPath);
    if (type === 3) {
      const data = body.subarray(2);
      let text = '';
      if (body[0] === 6 && (body[1] === 2 || body[1] === 4) && data.length > 0 && data[0] === data.length - 1) {
        text = `, shutdown communication "${data.subarray(1).toString('utf8')}"`;
      }
      return { kind: `notification-${body[0]}-${body[1]}`, note: `NOTIFICATION code ${body[0]} subcode ${body[1]}, ${data.length} data bytes${text}` };
    }
    if (type === 5) {
      const afi = body.readUInt16BE(0);
      const sub = body[2];
      const subName = sub === 0 ? 'request' : sub === 1 ? 'borr' : sub === 2 ? 'eorr' : `subtype-${sub}`;
      return { kind: `route-refresh-${subName}-${AFI[afi] ?? afi}`, note: `ROUTE-REFRESH ${subName} AFI ${afi} SAFI ${body[3]}` };
    }
    return { kind: `type-${type}`, note: `message type ${type}` };
  } catch {
    return { kind: 'odd', note: 'could not be described' };
  }
}

function describeOpen(b: Buffer): Described {
  const myAs = b.readUInt16BE(1);
  const hold = b.readUInt16BE(3);
  const id = `${b[5]}.${b[6]}.${b[7]}.${b[8]}`;
  const optLen = b[9];
  const caps: string[] = [];
  let as4: number | undefined;
  let o = 10;
  const end = 10 + optLen;
  while (o + 2 <= end) {
    const ptype = b[o];
    const plen = b[o + 1];
    if (ptype === 2) {
      let c = o + 2;
      while (c + 2 <= o + 2 + plen) {
        const code = b[c];
        const len = b[c + 1];
        const v = b.subarray(c + 2, c + 2 + len);
        let extra = '';
        if (code === 1) extra = `(${AFI[v.readUInt16BE(0)] ?? v.readUInt16BE(0)}/${v[3]})`;
        if (code === 65) {
          as4 = v.readUInt32BE(0);
          extra = `(${as4})`;
        }
        if (code === 64) extra = `(restart ${v.readUInt16BE(0) & 0x0fff}s${v[0] & 0x80 ? ', R' : ''})`;
        if (code === 9) extra = `(${['provider', 'rs-server', 'rs-client', 'customer', 'peer'][v[0]] ?? v[0]})`;
        if (code === 69) {
          const t: string[] = [];
          for (let i = 0; i + 4 <= v.length; i += 4) t.push(`${AFI[v.readUInt16BE(i)] ?? v.readUInt16BE(i)}/${v[i + 2]} ${['', 'receive', 'send', 'both'][v[i + 3]] ?? v[i + 3]}`);
          extra = `(${t.join(', ')})`;
        }
        caps.push(`${CAP[code] ?? `cap-${code}`}${extra}`);
        c += 2 + len;
      }
    }
    o += 2 + plen;
  }
  const transNote = myAs === 23456 ? ' (AS_TRANS)' : '';
  return {
    kind: 'open',
    note: `OPEN my AS ${myAs}${transNote}, hold ${hold}s, BGP ID ${id}; capabilities: ${caps.join(', ') || 'none'}${as4 === undefined ? '; no 4-octet AS capability (2-byte speaker)' : ''}`,
  };
}

function describeUpdate(b: Buffer, as4: boolean, addPath: boolean): Described {
  const wlen = b.readUInt16BE(0);
  const alen = b.readUInt16BE(2 + wlen);
  const attrs = b.subarray(4 + wlen, 4 + wlen + alen);
  const nlriLen = b.length - 4 - wlen - alen;
  const names: string[] = [];
  let mp = '';
  let family = 'ipv4';
  let o = 0;
  let onlyUnreachEmpty = false;
  while (o + 3 <= attrs.length) {
    const flags = attrs[o];
    const code = attrs[o + 1];
    const ext = (flags & 0x10) !== 0;
    const len = ext ? attrs.readUInt16BE(o + 2) : attrs[o + 2];
    const v = attrs.subarray(o + (ext ? 4 : 3), o + (ext ? 4 : 3) + len);
    let n = ATTR[code] ?? `attr-${code}`;
    if (code === 14) {
      family = AFI[v.readUInt16BE(0)] ?? 'afi';
      const nhLen = v[3];
      mp = `-mp-reach-${family}-nh${nhLen}`;
      n += `(${family}, next hop ${nhLen} bytes)`;
    }
    if (code === 15) {
      family = AFI[v.readUInt16BE(0)] ?? 'afi';
      mp = `-mp-unreach-${family}`;
      onlyUnreachEmpty = len === 3;
      n += `(${family})`;
    }
    if (code === 2 || code === 17) n += `[${asPathText(v, code === 17 || as4 ? 4 : 2)}]`;
    if (code === 1) n += `(${v[0]})`;
    names.push(`${n}${flags & 0x10 ? ' ext-len' : ''}`);
    o += (ext ? 4 : 3) + len;
  }
  if (wlen === 0 && alen === 0) return { kind: 'update-eor-ipv4', note: 'UPDATE End-of-RIB for IPv4 unicast (RFC 4724 §2: empty UPDATE)' };
  if (names.length === 1 && onlyUnreachEmpty && wlen === 0 && nlriLen === 0) {
    return { kind: `update-eor-${family}`, note: `UPDATE End-of-RIB for ${family} unicast (empty MP_UNREACH_NLRI)` };
  }
  const parts: string[] = [];
  if (wlen) parts.push(`${wlen} bytes of withdrawn routes`);
  if (names.length) parts.push(`attributes: ${names.join(', ')}`);
  if (nlriLen) parts.push(`${nlriLen} bytes of IPv4 NLRI`);
  let kind = 'update';
  if (wlen && !alen) kind = 'update-withdraw-ipv4';
  else if (mp) kind = `update${mp}`;
  else kind = 'update-ipv4';
  if (names.some((x) => x.startsWith('AS4_PATH'))) kind += '-as4path';
  if (names.some((x) => x.startsWith('COMMUNITIES') || x.startsWith('LARGE') || x.startsWith('EXTENDED'))) kind += '-communities';
  if (names.some((x) => x.startsWith('LOCAL_PREF'))) kind += '-localpref';
  if (names.some((x) => x.startsWith('AGGREGATOR'))) kind += '-aggregator';
  if (names.some((x) => x.startsWith('AS4_AGGREGATOR'))) kind += '-as4aggregator';
  if (names.some((x) => x.startsWith('ORIGINATOR_ID') || x.startsWith('CLUSTER_LIST'))) kind += '-reflected';
  if (names.some((x) => x.startsWith('OTC'))) kind += '-otc';
  if (names.some((x) => x.startsWith('attr-'))) kind += '-unknown-attr';
  if (addPath && (nlriLen > 0 || wlen > 0 || mp)) {
    kind += '-addpath';
    parts.push('NLRI with 4-byte path identifiers (ADD-PATH, RFC 7911)');
  }
  return { kind, note: `UPDATE ${parts.join('; ')}` };
}

/** AS_PATH text; 4-byte ASNs when the session negotiated them (RFC 6793 §4), AS4_PATH always 4. */
function asPathText(v: Buffer, asSize: number): string {
  const tryParse = (size: number): string | undefined => {
    const segs: string[] = [];
    let o = 0;
    while (o < v.length) {
      if (o + 2 > v.length) return undefined;
      const t = v[o];
      const n = v[o + 1];
      if (o + 2 + n * size > v.length || t < 1 || t > 4) return undefined;
      const asns: number[] = [];
      for (let i = 0; i < n; i++) asns.push(size === 4 ? v.readUInt32BE(o + 2 + i * 4) : v.readUInt16BE(o + 2 + i * 2));
      segs.push(`${t === 2 ? 'SEQ' : t === 1 ? 'SET' : `T${t}`} ${asns.join(' ')}`);
      o += 2 + n * size;
    }
    return `${segs.join(' | ') || 'empty'} (${size}-byte)`;
  };
  return tryParse(asSize) ?? 'unparsed';
}

export interface FlowContext {
  readonly scenario: string;
  readonly session: string;
  readonly pcap: string;
  readonly as4: boolean;
  /** Router kind whose UPDATEs carry ADD-PATH path identifiers in this scenario. */
  readonly addPathFrom?: string;
  /** address → router label with version ('bird 2.0.12') */
  readonly who: (address: string) => { name: string; label: string };
}

/** Collects fixtures from flows; dedupes by hex across everything added. */
export class FixtureSet {
  private readonly byHex = new Map<string, CapturedFixture & { file: string }>();
  private readonly names = new Set<string>();
  private readonly known = new Set<string>();

  add(ctx: FlowContext, src: string, dst: string, sport: number, dport: number, m: BgpWireMessage): void {
    const hex = m.bytes.toString('hex');
    if (this.known.has(hex)) return;
    const from = ctx.who(src);
    const to = ctx.who(dst);
    const known = this.byHex.get(hex);
    if (known) {
      const label = `${from.label} → ${to.label} (${ctx.scenario})`;
      if (known.source !== `${from.label} → ${to.label}` && !(known.alsoSentBy ?? []).includes(label)) {
        this.byHex.set(hex, { ...known, alsoSentBy: [...(known.alsoSentBy ?? []), label] });
      }
      return;
    }
    const d = describe(m.bytes, ctx.as4, ctx.addPathFrom === from.name);
    let name = `${from.name}-${ctx.scenario}-${d.kind}`;
    for (let i = 2; this.names.has(name); i++) name = `${from.name}-${ctx.scenario}-${d.kind}-${i}`;
    this.names.add(name);
    this.byHex.set(hex, {
      file: `${name}.json`,
      source: `${from.label} → ${to.label}`,
      session: ctx.session,
      direction: `${from.name} → ${to.name} (${fmt(src, sport)} → ${fmt(dst, dport)})`,
      type: m.typeName,
      hex,
      note: d.note,
      scenario: ctx.scenario,
      pcap: ctx.pcap,
    });
  }

  size(): number {
    return this.byHex.size;
  }

  /** Marks the fixtures already in `dir` as known (they are neither duplicated nor rewritten). */
  preload(dir: string): void {
    for (const f of readdirSync(dir)) {
      if (!f.endsWith('.json')) continue;
      const body = JSON.parse(readFileSync(join(dir, f), 'utf8')) as { hex?: string };
      if (body.hex) this.known.add(body.hex);
      this.names.add(f.replace(/\.json$/, ''));
    }
  }

  write(dir: string): string[] {
    mkdirSync(dir, { recursive: true });
    const files: string[] = [];
    for (const f of this.byHex.values()) {
      const { file, ...body } = f;
      writeFileSync(join(dir, file), JSON.stringify(body, null, 2) + '\n');
      files.push(file);
    }
    return files.sort();
  }
}

function fmt(a: string, p: number): string {
  return a.includes(':') ? `[${a}]:${p}` : `${a}:${p}`;
}
