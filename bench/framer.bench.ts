// Framer and non-UPDATE codec throughput: how fast raw socket chunks become message frames (the work
// done for every received byte before any UPDATE decoding), and OPEN / NOTIFICATION decode and encode.
// Bounded: fixed input sizes, a fixed number of repetitions.

import { Framer } from '../packages/bgp/src/wire/framer.ts';
import { decodeMessage } from '../packages/bgp/src/wire/message.ts';
import { decodeOpen, encodeOpen } from '../packages/bgp/src/wire/open.ts';
import { encodeKeepalive } from '../packages/bgp/src/wire/keepalive.ts';
import { encodeNotification, makeNotification } from '../packages/bgp/src/wire/notification.ts';
import type { OpenMessage } from '../packages/bgp/src/wire/types.ts';
import { markdownTable, median } from './support/section.ts';
import type { BenchSection } from './support/section.ts';

export const title = 'BGP wire framer and OPEN / NOTIFICATION codec';
export const order = 11;

const REPS = 7;

function rawUpdate(length: number): Uint8Array {
  const b = new Uint8Array(length).fill(0x5a);
  b.fill(0xff, 0, 16);
  b[16] = length >>> 8;
  b[17] = length & 0xff;
  b[18] = 2;
  return b;
}

function stream(message: Uint8Array, totalBytes: number): Uint8Array {
  const n = Math.floor(totalBytes / message.length);
  const out = new Uint8Array(n * message.length);
  for (let i = 0; i < n; i++) out.set(message, i * message.length);
  return out;
}

/** Frames `data` pushed in `chunk`-byte pieces; returns [seconds, frames]. */
function frameAll(data: Uint8Array, chunk: number): [number, number] {
  const t0 = process.hrtime.bigint();
  const f = new Framer({ extendedMessage: true });
  let frames = 0;
  for (let i = 0; i < data.length; i += chunk) {
    f.push(data.subarray(i, i + chunk));
    for (let fr = f.next(); fr !== undefined; fr = f.next()) frames++;
  }
  return [Number(process.hrtime.bigint() - t0) / 1e9, frames];
}

const open: OpenMessage = {
  type: 'open', version: 4, myAs: 23456, holdTimeSec: 90, bgpId: '192.0.2.1', otherParams: [],
  capabilities: [
    { kind: 'multiprotocol', afi: 1, safi: 1 },
    { kind: 'multiprotocol', afi: 2, safi: 1 },
    { kind: 'route-refresh' },
    { kind: 'enhanced-route-refresh' },
    { kind: 'extended-message' },
    { kind: 'four-octet-as', asn: 4200000001 },
    { kind: 'graceful-restart', restartState: false, notification: true, restartTimeSec: 120, families: [{ afi: 1, safi: 1, forwardingPreserved: false }] },
    { kind: 'add-path', entries: [{ afi: 1, safi: 1, sendReceive: 1 }] },
    { kind: 'fqdn', hostname: 'node-1', domain: 'cluster.local' },
  ],
};

function rate(n: number, fn: () => void): number {
  const times: number[] = [];
  for (let r = 0; r < REPS; r++) {
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < n; i++) fn();
    times.push(Number(process.hrtime.bigint() - t0) / 1e9);
  }
  return n / median(times);
}

export async function run(): Promise<BenchSection> {
  const rows: (string | number)[][] = [];
  const TOTAL = 64 * 1024 * 1024;
  for (const [label, msg, chunk] of [
    ['4096-byte messages, 65,000-byte chunks (most split across chunks)', rawUpdate(4096), 65000],
    ['4096-byte messages, 1500-byte chunks (every message assembled)', rawUpdate(4096), 1500],
    ['65535-byte messages (RFC 8654), 64 KiB chunks', rawUpdate(65535), 65536],
    ['KEEPALIVEs (19 bytes), 64 KiB chunks', encodeKeepalive(), 65536],
  ] as const) {
    const data = stream(msg, label.startsWith('KEEPALIVE') ? TOTAL / 8 : TOTAL);
    frameAll(data, chunk); // warm-up
    const runs = Array.from({ length: REPS }, () => frameAll(data, chunk));
    const secs = median(runs.map((r) => r[0]));
    const frames = runs[0]![1];
    rows.push([label, (data.length / 1024 / 1024 / secs).toFixed(0), Math.round(frames / secs).toLocaleString('en-US')]);
  }
  const openBytes = encodeOpen(open);
  const notif = encodeNotification(makeNotification(6, 2, undefined, 'maintenance window'));
  const notifFrame = (() => {
    const f = new Framer();
    f.push(notif);
    return f.next()!;
  })();
  const codecRows = [
    ['decode OPEN (9 capabilities)', rate(200_000, () => decodeOpen(openBytes, 19, openBytes.length))],
    ['encode OPEN (9 capabilities)', rate(200_000, () => encodeOpen(open))],
    ['decode NOTIFICATION 6/2 with a shutdown message', rate(500_000, () => decodeMessage(notifFrame))],
  ].map(([l, r]) => [l as string, Math.round(r as number).toLocaleString('en-US')]);

  return {
    method:
      'A 64 MiB stream (8 MiB for KEEPALIVEs) of identical messages is pushed into one Framer in fixed-size chunks and every ' +
      'frame is pulled with next(); the framer checks each header and returns views (no copy) for messages inside a ' +
      'chunk, assembling only those that straddle chunks. Median of 7 runs after a warm-up, one core, Node 24. The ' +
      'OPEN / NOTIFICATION rows time 200k–500k decode or encode calls (median of 7).',
    results: `${markdownTable(['framing', 'MiB/s', 'messages/s'], rows)}\n\n${markdownTable(['codec', 'per second'], codecRows)}`,
  };
}
