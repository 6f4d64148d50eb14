// The BFD service + worker over loopback (ports 18901–18912): two services reach Up over IPv4 and IPv6
// with negotiated timers, a peer's AdminDown brings the other Down (diag 3) with a 'down' event,
// a silent (raw) peer brings it Down by detection time (diag 1), and datagrams with TTL < 255 are dropped by the
// RFC 5881 §5 check without touching the session.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { BfdService, type BfdStateEvent } from '../../src/bfd/service.ts';
import { encodeBfdPacket } from '../../src/bfd/packet.ts';
import { loadUdpAddon } from '../../src/bfd/udp.ts';

const T100 = { desiredMinTxUs: 100_000, requiredMinRxUs: 100_000, detectMult: 3 };
const services: BfdService[] = [];
after(async () => {
  await Promise.all(services.map((s) => s.close()));
});

async function pair(addr: string, pa: number, pb: number, tb = T100) {
  const a = new BfdService();
  const b = new BfdService();
  services.push(a, b);
  await Promise.all([a.ready, b.ready]);
  const events: BfdStateEvent[] = [];
  a.on('state', (e) => events.push(e));
  a.addPeer({ id: 'b', peerAddress: addr, localAddress: addr, multihop: false, timers: T100, listenPort: pa, peerPort: pb });
  b.addPeer({ id: 'a', peerAddress: addr, localAddress: addr, multihop: false, timers: tb, listenPort: pb, peerPort: pa });
  return { a, b, events };
}

async function until(cond: () => boolean | Promise<boolean>, ms: number): Promise<void> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (await cond()) return;
    await new Promise((r) => setTimeout(r, 20));
  }
  assert.fail('condition not met in time');
}

test('IPv4: Up, negotiated 300 ms × 3 vs 100 ms, neighbour AdminDown → Down diag 3', async () => {
  const { a, b, events } = await pair('127.0.0.1', 18901, 18902, { desiredMinTxUs: 300_000, requiredMinRxUs: 300_000, detectMult: 3 });
  const downs: BfdStateEvent[] = [];
  a.on('down', (e) => downs.push(e));
  await until(() => a.state('b') === 'Up' && b.state('a') === 'Up', 5000);
  await until(async () => (await a.snapshot())[0]?.txIntervalMs === 300, 3000);
  const s = (await a.snapshot())[0]!;
  assert.equal(s.txIntervalMs, 300, 'max(our 100 ms tx, their 300 ms rx)');
  assert.equal(s.detectTimeMs, 900, 'their mult 3 × max(our 100 ms rx, their 300 ms tx)');
  assert.ok(s.packetsReceived > 0 && s.packetsSent > 0);
  assert.notEqual(s.remoteDiscriminator, 0);
  b.setAdminDown('a', true);
  await until(() => downs.length === 1, 3000);
  assert.equal(downs[0]!.to, 'Down');
  assert.equal(downs[0]!.diag, 3);
  assert.ok(events.some((e) => e.to === 'Up'));
});

test('IPv6: two services reach Up with 100 ms × 3', async () => {
  const { a, b } = await pair('::1', 18903, 18904);
  await until(() => a.state('b') === 'Up' && b.state('a') === 'Up', 5000);
  await until(async () => (await a.snapshot())[0]?.detectTimeMs === 300, 3000);
});

const raw = (state: 'Down' | 'Init' | 'Up', my: number, your: number) => Buffer.from(encodeBfdPacket({
  diag: 0, state, poll: false, final: false, cpiIndependent: false, demand: false, multipoint: false, detectMult: 3,
  myDiscriminator: my, yourDiscriminator: your, desiredMinTxUs: 100_000, requiredMinRxUs: 100_000, requiredMinEchoRxUs: 0,
}));

test('a silent peer → Down by detection time (diag 1), within 3 × 100 ms + slack', async () => {
  const a = new BfdService();
  services.push(a);
  await a.ready;
  a.addPeer({ id: 'r', peerAddress: '127.0.0.1', localAddress: '127.0.0.1', multihop: false, timers: T100, listenPort: 18909, peerPort: 18910 });
  await until(async () => (await a.snapshot()).length === 1, 2000);
  const addon = loadUdpAddon();
  const peer = addon.udpSocket('127.0.0.1', 18910, 255);
  const downs: BfdStateEvent[] = [];
  a.on('down', (e) => downs.push(e));
  try {
    addon.udpSend(peer.fd, '127.0.0.1', 18909, raw('Down', 55, 0));
    await until(async () => (await a.snapshot())[0]?.state === 'Init', 2000);
    const local = (await a.snapshot())[0]!.localDiscriminator;
    addon.udpSend(peer.fd, '127.0.0.1', 18909, raw('Up', 55, local));
    await until(() => a.state('r') === 'Up', 2000);
    const silentFrom = Date.now();
    await until(() => downs.length === 1, 2000);
    const took = downs[0]!.atMs - silentFrom;
    assert.equal(downs[0]!.diag, 1);
    assert.ok(took >= 250 && took < 700, `detected after ${took} ms`);
  } finally {
    addon.closeFd(peer.fd);
  }
});

test('RFC 5881 §5: single-hop datagrams with TTL < 255 are dropped and counted', async () => {
  const a = new BfdService();
  services.push(a);
  await a.ready;
  a.addPeer({ id: 'x', peerAddress: '127.0.0.1', localAddress: '127.0.0.1', multihop: false, timers: T100, listenPort: 18907, peerPort: 18908 });
  const addon = loadUdpAddon();
  const low = addon.udpSocket('127.0.0.1', 0, 254);
  const ok = addon.udpSocket('127.0.0.1', 0, 255);
  await until(async () => (await a.snapshot()).length === 1, 2000);
  const down = Buffer.from(encodeBfdPacket({
    diag: 0, state: 'Down', poll: false, final: false, cpiIndependent: false, demand: false, multipoint: false, detectMult: 3,
    myDiscriminator: 77, yourDiscriminator: 0, desiredMinTxUs: 1_000_000, requiredMinRxUs: 100_000, requiredMinEchoRxUs: 0,
  }));
  try {
    for (let i = 0; i < 3; i++) addon.udpSend(low.fd, '127.0.0.1', 18907, down);
    await until(async () => (await a.snapshot())[0]?.droppedTtl === 3, 2000);
    assert.equal((await a.snapshot())[0]!.state, 'Down', 'TTL 254 packets must not move the session');
    addon.udpSend(ok.fd, '127.0.0.1', 18907, down);
    await until(async () => (await a.snapshot())[0]?.state === 'Init', 2000);
    assert.equal((await a.snapshot())[0]!.remoteDiscriminator, 77);
  } finally {
    addon.closeFd(low.fd);
    addon.closeFd(ok.fd);
  }
});

test('RFC 5883 multihop: TTL ≥ 256 − maxHops accepted, lower dropped', async () => {
  const a = new BfdService();
  services.push(a);
  await a.ready;
  a.addPeer({ id: 'm', peerAddress: '127.0.0.1', localAddress: '127.0.0.1', multihop: true, maxHops: 3, timers: T100, listenPort: 18913, peerPort: 18914 });
  await until(async () => (await a.snapshot()).length === 1, 2000);
  const addon = loadUdpAddon();
  const far = addon.udpSocket('127.0.0.1', 0, 252); // 4 hops away: below 256 − 3
  const near = addon.udpSocket('127.0.0.1', 0, 253); // 3 hops away: accepted
  try {
    addon.udpSend(far.fd, '127.0.0.1', 18913, raw('Down', 88, 0));
    await until(async () => (await a.snapshot())[0]?.droppedTtl === 1, 2000);
    addon.udpSend(near.fd, '127.0.0.1', 18913, raw('Down', 88, 0));
    await until(async () => (await a.snapshot())[0]?.state === 'Init', 2000);
  } finally {
    addon.closeFd(far.fd);
    addon.closeFd(near.fd);
  }
});
