// Codec throughput: packUpdates (encode) and decodeUpdate (decode) of 1k, 10k and 100k /32 and /128
// prefixes packed into maximum-size (4096-octet) UPDATEs, in prefixes per second on one core; bytes
// allocated per prefix (child process, see support/codec-alloc.ts); and the NLRI representation
// choice: the codec's own Prefix (views of one slab per field) against ip-num 1.6.2 objects.

import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { createRequire } from 'node:module';
import { loadavg } from 'node:os';
import { decodePrefixes, formatPrefix, parsePrefix } from '../packages/bgp/src/wire/nlri.ts';
import { packUpdates } from '../packages/bgp/src/wire/pack.ts';
import type { Prefix } from '../packages/bgp/src/wire/types.ts';
import { decodeUpdate } from '../packages/bgp/src/wire/update.ts';
import { ATTRIBUTES, DECODE_CTX, ENCODE_CTX, FAMILIES, hostPrefixes, PACK_OPTIONS, SIZES } from './support/codec-cases.ts';
import { markdownTable, median } from './support/section.ts';
import type { BenchSection } from './support/section.ts';

// ip-num is a dependency of @vipd/bgp (not of the workspace root): resolve it from that package.
interface CidrRange {
  toCidrString(): string;
}
interface IpNum {
  IPv4: new (v: bigint) => unknown;
  IPv6: new (v: bigint) => unknown;
  IPv4Prefix: new (v: bigint) => unknown;
  IPv6Prefix: new (v: bigint) => unknown;
  IPv4CidrRange: { new (ip: unknown, p: unknown): CidrRange; fromCidr(s: string): CidrRange };
  IPv6CidrRange: { new (ip: unknown, p: unknown): CidrRange; fromCidr(s: string): CidrRange };
}
const { IPv4, IPv4CidrRange, IPv4Prefix, IPv6, IPv6CidrRange, IPv6Prefix } = createRequire(
  new URL('../packages/bgp/package.json', import.meta.url),
)('ip-num') as IpNum;

const LOAD = loadavg().map((x) => x.toFixed(1)).join(' / ');

export const title = 'BGP wire codec: UPDATE encode / decode';
export const order = 10;

const SAMPLES = 7;
const SAMPLE_MS = 60;

/** Median over SAMPLES samples of items/s; each sample repeats `fn` for at least SAMPLE_MS. */
function rate(fn: () => number): number {
  return rates(fn).median;
}

/** Median and best of SAMPLES samples (best = the least disturbed by other load on the machine). */
function rates(fn: () => number): { median: number; best: number } {
  for (let i = 0; i < 3; i++) fn();
  const samples: number[] = [];
  for (let s = 0; s < SAMPLES; s++) {
    let items = 0;
    const t0 = performance.now();
    let t = t0;
    let reps = 0;
    while (t - t0 < SAMPLE_MS && reps < 100_000) {
      items += fn();
      reps++;
      t = performance.now();
    }
    samples.push(items / ((t - t0) / 1000));
  }
  return { median: median(samples), best: Math.max(...samples) };
}

const m = (v: number) => `${(v / 1e6).toFixed(2)} M/s`;

function decodeAll(msgs: readonly Uint8Array[]): number {
  let count = 0;
  for (const msg of msgs) {
    const u = decodeUpdate(msg, 19, msg.length, DECODE_CTX);
    count += u.nlri.length + (u.attributes.mpReach?.nlri.length ?? 0);
  }
  return count;
}

interface AllocRow {
  family: string;
  n: number;
  encode: { bytesPerPrefix: number; clean: boolean };
  decode: { bytesPerPrefix: number; clean: boolean };
}

function allocation(): AllocRow[] | string {
  const probe = fileURLToPath(new URL('./support/codec-alloc.ts', import.meta.url));
  try {
    const out = execFileSync(process.execPath, ['--expose-gc', '--min-semi-space-size=256', '--max-semi-space-size=256', probe], {
      encoding: 'utf8',
      timeout: 120_000,
    });
    return JSON.parse(out) as AllocRow[];
  } catch (err) {
    return `allocation probe failed: ${String(err)}`;
  }
}

/** ip-num against the codec's own representation, on the operations the codec and config need. */
function representation(): (string | number)[][] {
  const n = 10_000;
  const v4 = hostPrefixes('ipv4', n);
  const v6 = hostPrefixes('ipv6', n);
  const text4 = v4.map(formatPrefix);
  const text6 = v6.map(formatPrefix);
  // One NLRI field as it arrives in a full UPDATE: 800 /32 or 235 /128 prefixes.
  const field = (list: Prefix[], count: number) => {
    const parts: number[] = [];
    for (const p of list.slice(0, count)) parts.push(p.length, ...p.addr);
    return Uint8Array.from(parts);
  };
  const f4 = field(v4, 800);
  const f6 = field(v6, 235);
  const ipnumField = (buf: Uint8Array, afi: 1 | 2): number => {
    let pos = 0;
    let count = 0;
    while (pos < buf.length) {
      const len = buf[pos++]!;
      const nbytes = (len + 7) >>> 3;
      let v = 0n;
      const size = afi === 1 ? 4 : 16;
      for (let k = 0; k < size; k++) v = (v << 8n) | BigInt(k < nbytes ? buf[pos + k]! : 0);
      pos += nbytes;
      if (afi === 1) void new IPv4CidrRange(new IPv4(v), new IPv4Prefix(BigInt(len)));
      else void new IPv6CidrRange(new IPv6(v), new IPv6Prefix(BigInt(len)));
      count++;
    }
    return count;
  };
  const own = (buf: Uint8Array, afi: 1 | 2): number => {
    const out: Prefix[] = [];
    decodePrefixes(buf, 0, buf.length, afi, false, out);
    return out.length;
  };
  const r4 = text4.map((t) => IPv4CidrRange.fromCidr(t));
  const r6 = text6.map((t) => IPv6CidrRange.fromCidr(t));
  const rows: [string, number, number][] = [
    ['wire NLRI field → objects, /32', rate(() => own(f4, 1)), rate(() => ipnumField(f4, 1))],
    ['wire NLRI field → objects, /128', rate(() => own(f6, 2)), rate(() => ipnumField(f6, 2))],
    ['parse text, IPv4', rate(() => { for (const t of text4) parsePrefix(t); return n; }), rate(() => { for (const t of text4) IPv4CidrRange.fromCidr(t); return n; })],
    ['parse text, IPv6', rate(() => { for (const t of text6) parsePrefix(t); return n; }), rate(() => { for (const t of text6) IPv6CidrRange.fromCidr(t); return n; })],
    ['format text, IPv4', rate(() => { for (const p of v4) formatPrefix(p); return n; }), rate(() => { for (const r of r4) r.toCidrString(); return n; })],
    ['format text, IPv6', rate(() => { for (const p of v6) formatPrefix(p); return n; }), rate(() => { for (const r of r6) r.toCidrString(); return n; })],
  ];
  return rows.map(([op, a, b]) => [op, m(a), m(b), `${(a / b).toFixed(1)}×`]);
}

export async function run(): Promise<BenchSection> {
  const rows: (string | number)[][] = [];
  let minEncode = Infinity;
  let minDecode = Infinity;
  const alloc = allocation();
  for (const family of FAMILIES) {
    for (const n of SIZES) {
      const prefixes = hostPrefixes(family, n);
      const msgs = packUpdates(prefixes, ATTRIBUTES, ENCODE_CTX, PACK_OPTIONS);
      if (decodeAll(msgs) !== n) throw new Error('bench self-check: decoded prefix count differs');
      const bytes = msgs.reduce((s, x) => s + x.length, 0);
      const enc = rates(() => {
        packUpdates(prefixes, ATTRIBUTES, ENCODE_CTX, PACK_OPTIONS);
        return n;
      });
      const dec = rates(() => decodeAll(msgs));
      minEncode = Math.min(minEncode, enc.median);
      minDecode = Math.min(minDecode, dec.median);
      const a = typeof alloc === 'string' ? undefined : alloc.find((r) => r.family === family && r.n === n);
      const fmt = (x: { bytesPerPrefix: number; clean: boolean } | undefined) =>
        x === undefined ? 'n/a' : `${x.bytesPerPrefix.toFixed(0)}${x.clean ? '' : ' (GC ran)'}`;
      rows.push([
        `${n.toLocaleString('en-US')} × ${family === 'ipv4' ? '/32' : '/128'}`,
        msgs.length,
        bytes.toLocaleString('en-US'),
        `${m(enc.median)} (best ${m(enc.best)})`,
        `${m(dec.median)} (best ${m(dec.best)})`,
        fmt(a?.encode),
        fmt(a?.decode),
      ]);
    }
  }
  const verdict = (v: number) => (v >= 3e6 ? 'meets' : 'MISSES');
  const results = [
    markdownTable(
      ['prefixes', 'UPDATEs', 'octets', 'encode (packUpdates)', 'decode (decodeUpdate)', 'alloc B/prefix encode', 'alloc B/prefix decode'],
      rows,
    ),
    '',
    `Slowest case (medians): encode ${m(minEncode)} (${verdict(minEncode)} the 3 M/s target), decode ${m(minDecode)} (${verdict(minDecode)} it). ` +
      `Load average when the run started: ${LOAD} (2 cores shared with other work: medians are pessimistic, "best" is the least disturbed sample).`,
    typeof alloc === 'string' ? `\n${alloc}` : '',
    '',
    '**NLRI representation: own `Prefix` vs ip-num 1.6.2** (10k prefixes; rates in items/s; ratio = own / ip-num):',
    '',
    markdownTable(['operation', 'own', 'ip-num', 'ratio'], representation()),
  ].join('\n');
  return {
    method:
      'Input: N host prefixes (10.x.y.z/32 or 2001:db8::x/128) with one eBGP attribute set (ORIGIN, AS_PATH of one 4-octet AS, ' +
      'NEXT_HOP, one community), 4-octet AS session, no add-path, 4096-octet messages. Encode = one `packUpdates` call producing ' +
      'every UPDATE (IPv4 in the NLRI field, IPv6 in MP_REACH_NLRI); decode = `decodeUpdate` of every packed message (full RFC 7606 ' +
      `checks, Prefix objects built). Rate = median (and best) of ${SAMPLES} samples of ≥ ${SAMPLE_MS} ms each after 3 warm-up runs, ` +
      'single thread, in-process. Allocation: a child process with `--expose-gc --min/max-semi-space-size=256` runs each call once ' +
      'after a full GC with the result kept alive and reports growth of V8 heapUsed + ArrayBuffer memory per prefix; it includes the ' +
      'output (the message bytes, or the decoded Prefix objects) and all garbage, and is flagged when a GC ran inside the window. ' +
      'Representation: the same NLRI field decoded into the codec\'s `Prefix` (one slab per field, a view per prefix) versus ip-num ' +
      '`IPv4CidrRange`/`IPv6CidrRange` (bigint-backed), plus text parse / format; the codec uses its own form and does not import ip-num.',
    results,
  };
}
