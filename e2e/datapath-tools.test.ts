// The data-path tools without namespaces: the UDP stream and HTTP keep-alive generators against their
// servers on loopback (ports 19000–19003), the loss/reorder/spread statistics on hand-built records, and
// the PNG writer (chunk CRCs, inflated pixels equal to what was drawn).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { inflateSync, crc32 } from 'node:zlib';
import { startUdpEcho, startUdpStream } from './support/traffic/udp-stream.ts';
import type { UdpRecord } from './support/traffic/udp-stream.ts';
import { startHttpServer, startHttpLoad, summarizeHttp } from './support/traffic/http-load.ts';
import { summarizeUdp, udpTimeline } from './support/traffic/analyze.ts';
import { Canvas } from '../bench/support/png.ts';
import { lineChart, niceTicks } from '../bench/support/plot.ts';

test('UDP stream against two echo servers on loopback: all answered, per-node counts, fixed source ports', async () => {
  const a = await startUdpEcho('127.0.0.1', 19000, 'a');
  const b = await startUdpEcho('127.0.0.2', 19000, 'b');
  try {
    // Client and servers share this process: a modest rate and a long drain keep a stalled event loop
    // (busy CI) from overflowing socket buffers or cutting off the last echoes.
    const s = await startUdpStream({ target: '127.0.0.1', port: 19000, flows: 4, ratePps: 500, maxDurationMs: 400, drainMs: 1500, basePort: 19002 });
    await s.firstEcho(2000);
    const rec = await s.done;
    const sum = summarizeUdp(rec);
    assert.ok(sum.sent >= 150 && sum.sent <= 260, `sent ${sum.sent}`);
    assert.equal(sum.lost, 0, JSON.stringify({ lost: sum.lost, windows: sum.lossWindows }));
    assert.deepEqual(sum.perNode, { a: sum.sent });
    assert.equal(a.received(), sum.sent);
    assert.equal(b.received(), 0);
    assert.deepEqual(sum.flowNode, ['a', 'a', 'a', 'a']);
  } finally {
    await Promise.all([a.close(), b.close()]);
  }
});

test('HTTP keep-alive load: bounded by request count, answered by the server, failures counted when it is gone', async () => {
  const srv = await startHttpServer('127.0.0.1', 19001, 'h1');
  const load = startHttpLoad({ target: '127.0.0.1', port: 19001, connections: 2, intervalMs: 0, timeoutMs: 1000, maxDurationMs: 5000, maxRequests: 50 });
  const rec = await load.done;
  await srv.close();
  const s = summarizeHttp(rec);
  assert.ok(s.requests >= 50 && s.requests <= 52, `requests ${s.requests}`);
  assert.deepEqual(s.perNode, { h1: s.requests });
  const none = await startHttpLoad({ target: '127.0.0.1', port: 19001, connections: 1, intervalMs: 0, timeoutMs: 500, maxDurationMs: 2000, maxRequests: 3 }).done;
  assert.equal(summarizeHttp(none).failures, 3);
});

function record(nodes: number[], flows = 2, ratePps = 100): UdpRecord {
  const n = nodes.length;
  return {
    flows, ratePps, startedAtMs: 0, endedAtMs: (n * 1000) / ratePps, nodes: ['x', 'y'],
    flow: nodes.map((_, i) => i % flows), seq: nodes.map((_, i) => Math.floor(i / flows)),
    sentAtMs: nodes.map((_, i) => (i * 1000) / ratePps), rttMs: nodes.map((v) => (v < 0 ? 0 : 1)), node: nodes,
    duplicates: 0, reordered: 0, foreign: 0,
  };
}

test('UDP statistics: loss windows split by gaps, flows on several nodes, timeline buckets', () => {
  // 10 ms apart; flow 0 (even i) loses i = 4, 6, 8 (one window), then 60 (second window, 520 ms later).
  const nodes = Array.from({ length: 80 }, (_, i) => ([4, 6, 8, 60].includes(i) ? -1 : i >= 40 && i % 2 === 1 ? 1 : 0));
  const s = summarizeUdp(record(nodes));
  assert.equal(s.lost, 4);
  assert.deepEqual(s.lossWindows.map((w) => [w.fromMs, w.toMs, w.packets]), [[40, 80, 3], [600, 600, 1]]);
  assert.equal(s.maxLossWindowMs, 40 + 20); // + one flow period (2 flows at 100 pps)
  assert.equal(s.flowsOnSeveralNodes, 1); // flow 1 moved from x to y
  assert.deepEqual(s.perNode, { x: 56, y: 20 });
  const tl = udpTimeline(record(nodes), 100);
  assert.equal(tl.series.lost!.reduce((a, b) => a + b, 0), 4);
  assert.equal(tl.series.x![0], 7);
  assert.equal(summarizeUdp(record(nodes), { sinceMs: 100 }).lost, 1);
});

test('PNG writer: valid chunks and CRCs; pixels round-trip through inflate', () => {
  const c = new Canvas(7, 3, [255, 255, 255]);
  c.set(1, 1, [10, 20, 30]);
  const png = c.png();
  assert.deepEqual([...png.subarray(0, 8)], [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  const chunks: Array<{ type: string; data: Buffer }> = [];
  for (let off = 8; off < png.length; ) {
    const len = png.readUInt32BE(off);
    const type = png.toString('ascii', off + 4, off + 8);
    assert.equal(png.readUInt32BE(off + 8 + len), crc32(png.subarray(off + 4, off + 8 + len)) >>> 0, `${type} CRC`);
    chunks.push({ type, data: png.subarray(off + 8, off + 8 + len) });
    off += 12 + len;
  }
  assert.deepEqual(chunks.map((x) => x.type), ['IHDR', 'IDAT', 'IEND']);
  assert.equal(chunks[0]!.data.readUInt32BE(0), 7);
  const raw = inflateSync(chunks[1]!.data);
  assert.equal(raw.length, 3 * (7 * 3 + 1));
  const row1 = raw.subarray(22, 44);
  assert.equal(row1[0], 0);
  assert.deepEqual([...row1.subarray(4, 7)], [10, 20, 30]);
  assert.deepEqual([...row1.subarray(1, 4)], [255, 255, 255]);
  assert.ok(lineChart({ title: 't', xLabel: 'x', yLabel: 'y', series: [{ name: 's', color: [0, 0, 0], points: [[0, 0], [1, 2]] }] }).length > 100);
  assert.deepEqual(niceTicks(0, 10, 5), [0, 2, 4, 6, 8, 10]);
});
