// Tests of the lab's pcap reader (e2e/support/pcap.ts): synthetic captures with split, reordered and
// retransmitted TCP segments, and the stored real captures behind the codec's golden vectors.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { extractBgpFlows, readTcpSegments } from './support/pcap.ts';

const CAPTURED = join(import.meta.dirname, '../packages/bgp/test/fixtures/captured');

function bgp(type: number, body: number[] = []): Buffer {
  const b = Buffer.alloc(19 + body.length, 0xff);
  b.writeUInt16BE(19 + body.length, 16);
  b[18] = type;
  Buffer.from(body).copy(b, 19);
  return b;
}

interface Seg {
  seq: number;
  flags: number;
  data: Buffer;
}

/** Builds a little-endian µs pcap of Ethernet/IPv4/TCP packets 10.0.0.1:40000 → 10.0.0.2:179. */
function pcapOf(segs: Seg[]): Buffer {
  const parts: Buffer[] = [];
  const gh = Buffer.alloc(24);
  gh.writeUInt32LE(0xa1b2c3d4, 0);
  gh.writeUInt16LE(2, 4);
  gh.writeUInt16LE(4, 6);
  gh.writeUInt32LE(262144, 16);
  gh.writeUInt32LE(1, 20);
  parts.push(gh);
  segs.forEach((s, i) => {
    const tcp = Buffer.alloc(20);
    tcp.writeUInt16BE(40000, 0);
    tcp.writeUInt16BE(179, 2);
    tcp.writeUInt32BE(s.seq >>> 0, 4);
    tcp[12] = 5 << 4;
    tcp[13] = s.flags;
    const ip = Buffer.alloc(20);
    ip[0] = 0x45;
    ip.writeUInt16BE(20 + 20 + s.data.length, 2);
    ip[8] = 64;
    ip[9] = 6;
    Buffer.from([10, 0, 0, 1, 10, 0, 0, 2]).copy(ip, 12);
    const eth = Buffer.alloc(14);
    eth.writeUInt16BE(0x0800, 12);
    const pkt = Buffer.concat([eth, ip, tcp, s.data]);
    const rh = Buffer.alloc(16);
    rh.writeUInt32LE(1_700_000_000, 0);
    rh.writeUInt32LE(i, 4);
    rh.writeUInt32LE(pkt.length, 8);
    rh.writeUInt32LE(pkt.length, 12);
    parts.push(rh, pkt);
  });
  return Buffer.concat(parts);
}

test('messages split across segments, reordered and retransmitted are reassembled exactly', () => {
  const isn = 0xfffffff0; // sequence numbers wrap inside the stream
  const stream = Buffer.concat([bgp(4), bgp(2, [0, 0, 0, 0]), bgp(3, [6, 2, 3, 0x61, 0x62, 0x63]), bgp(4)]);
  const cuts = [0, 7, 19, 30, 45, stream.length];
  const segs: Seg[] = [{ seq: isn, flags: 0x02, data: Buffer.alloc(0) }];
  const data: Seg[] = [];
  for (let i = 0; i + 1 < cuts.length; i++) data.push({ seq: isn + 1 + cuts[i], flags: 0x18, data: stream.subarray(cuts[i], cuts[i + 1]) });
  segs.push(data[0], data[2], data[1], data[2], data[3], data[4], data[3]); // reordered + retransmitted
  const flows = extractBgpFlows(pcapOf(segs));
  assert.equal(flows.length, 1);
  assert.deepEqual(flows[0].messages.map((m) => m.typeName), ['KEEPALIVE', 'UPDATE', 'NOTIFICATION', 'KEEPALIVE']);
  assert.deepEqual(Buffer.concat(flows[0].messages.map((m) => m.bytes)), stream);
  assert.equal(flows[0].gapBytes, 0);
  assert.equal(flows[0].trailingBytes, 0);
});

test('a lost segment stops cutting at the hole and is reported', () => {
  const stream = Buffer.concat([bgp(4), bgp(4), bgp(4)]);
  const segs: Seg[] = [
    { seq: 999, flags: 0x02, data: Buffer.alloc(0) },
    { seq: 1000, flags: 0x18, data: stream.subarray(0, 19) },
    { seq: 1000 + 38, flags: 0x18, data: stream.subarray(38) },
  ];
  const [flow] = extractBgpFlows(pcapOf(segs));
  assert.equal(flow.messages.length, 1);
  assert.equal(flow.gapBytes, 19);
});

test('bytes that are not BGP are flagged as desync, not cut', () => {
  const segs: Seg[] = [{ seq: 1, flags: 0x18, data: Buffer.from('GET / HTTP/1.1\r\n\r\n......') }];
  const [flow] = extractBgpFlows(pcapOf(segs));
  assert.equal(flow.desync, true);
  assert.equal(flow.messages.length, 0);
});

test('stored captures without TCP-MD5 have no MD5 option', () => {
  const p = join(CAPTURED, 'pcap', 'ipv4-as4-gr.pcap');
  assert.ok(readTcpSegments(readFileSync(p)).every((s) => !s.md5));
});

test('a truncated pcap record at the end is ignored', () => {
  const whole = pcapOf([{ seq: 1, flags: 0x18, data: bgp(4) }]);
  assert.equal(readTcpSegments(whole.subarray(0, whole.length - 5)).length, 0);
  assert.equal(readTcpSegments(whole).length, 1);
});

test('stored real captures: every fixture is a message of its pcap, and the pcaps frame cleanly', () => {
  const fixtures = readdirSync(CAPTURED).filter((f) => f.endsWith('.json'));
  assert.ok(fixtures.length >= 40, `only ${fixtures.length} captured fixtures`);
  const byPcap = new Map<string, Set<string>>();
  for (const p of readdirSync(join(CAPTURED, 'pcap'))) {
    const flows = extractBgpFlows(readFileSync(join(CAPTURED, 'pcap', p)));
    assert.ok(flows.length >= 2, p);
    for (const f of flows) {
      assert.equal(f.desync, false, p);
      assert.equal(f.gapBytes, 0, p);
      assert.equal(f.messages[0].typeName, 'OPEN', p);
    }
    byPcap.set(`pcap/${p}`, new Set(flows.flatMap((f) => f.messages.map((m) => m.bytes.toString('hex')))));
  }
  for (const name of fixtures) {
    const fx = JSON.parse(readFileSync(join(CAPTURED, name), 'utf8')) as { hex: string; pcap: string; type: string };
    const b = Buffer.from(fx.hex, 'hex');
    assert.equal(b.readUInt16BE(16), b.length, name);
    assert.ok(byPcap.get(fx.pcap)?.has(fx.hex), `${name} not found in ${fx.pcap}`);
  }
});
