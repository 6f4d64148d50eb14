// Real BFD Control packets (packages/bgp/test/fixtures/bfd/captured.json, made by
// e2e/tools/capture-bfd.ts from sessions between vipd, BIRD 2 and FRR 8 bfdd): every packet decodes and
// re-encodes byte for byte; every packet on the wire had TTL / hop limit 255 (RFC 5881 §5), vipd's
// own included; vipd polled on reaching Up and the routers answered with Final; vipd's shutdown sent
// AdminDown (diag 7); and each router's packets, replayed into our state machine, bring it Up.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { decodeBfdPacket, encodeBfdPacket, type BfdPacket } from '../../src/bfd/packet.ts';
import { initialBfdSession, stepBfd, type BfdSession } from '../../src/bfd/fsm.ts';

interface Captured { from: 'vipd' | 'bird' | 'frr'; family: 4 | 6; ttl: number; hex: string }
const { packets } = JSON.parse(readFileSync(new URL('../fixtures/bfd/captured.json', import.meta.url), 'utf8')) as { packets: Captured[] };
const decoded = packets.map((p) => ({ ...p, pkt: decodeBfdPacket(Buffer.from(p.hex, 'hex')) }));

test('every captured packet round-trips byte for byte and arrived with TTL 255', () => {
  assert.ok(packets.length >= 10);
  for (const senders of ['vipd', 'bird', 'frr']) assert.ok(packets.some((p) => p.from === senders), senders);
  for (const p of decoded) {
    assert.equal(Buffer.from(encodeBfdPacket(p.pkt)).toString('hex'), p.hex);
    assert.equal(p.ttl, 255, `${p.from} IPv${p.family} TTL`);
  }
});

test('vipd: Poll on Up, routers answer Final; AdminDown diag 7 on shutdown', () => {
  const v = decoded.filter((p) => p.from === 'vipd').map((p) => p.pkt);
  assert.ok(v.some((p) => p.state === 'Up' && p.poll));
  assert.ok(v.some((p) => p.state === 'AdminDown' && p.diag === 7));
  // BIRD reopened its BFD sessions (new discriminator, Your Discriminator 0) when our Cease closed BGP:
  // RFC 5880 §6.8.6 selects our session by address and we went Down with diag 3 (neighbour signalled).
  assert.ok(v.some((p) => p.state === 'Down' && p.diag === 3));
  assert.ok(v.some((p) => p.state === 'Down' && p.desiredMinTxUs === 1_000_000), 'slow rate before Up (§6.8.3)');
  for (const r of ['bird', 'frr'] as const) assert.ok(decoded.some((p) => p.from === r && p.pkt.final), `${r} sent Final`);
  const frrUp = decoded.filter((p) => p.from === 'frr' && p.pkt.state === 'Up').map((p) => p.pkt);
  assert.ok(frrUp.some((p) => p.desiredMinTxUs === 300_000 && p.requiredMinRxUs === 300_000));
  const birdUp = decoded.filter((p) => p.from === 'bird' && p.pkt.state === 'Up').map((p) => p.pkt);
  assert.ok(birdUp.some((p) => p.desiredMinTxUs === 100_000));
});

test('each router\'s packets, replayed in order, bring our state machine Up', () => {
  const groups = new Map<string, BfdPacket[]>();
  for (const p of decoded) if (p.from !== 'vipd') groups.set(`${p.from}${p.family}-${p.pkt.myDiscriminator}`, [...(groups.get(`${p.from}${p.family}-${p.pkt.myDiscriminator}`) ?? []), p.pkt]);
  // Sessions that knew us (some packet names our discriminator); routers also open fresh sessions
  // (new discriminator, Your Discriminator 0) when their BGP side restarts, which never reach Up.
  const known = [...groups].filter(([, pkts]) => pkts.some((p) => p.yourDiscriminator !== 0));
  assert.ok(known.length >= 3);
  for (const [name, pkts] of known) {
    const ours = pkts.find((p) => p.yourDiscriminator !== 0)!.yourDiscriminator;
    let s: BfdSession = initialBfdSession(ours, { desiredMinTxUs: 100_000, requiredMinRxUs: 100_000, detectMult: 3 });
    let wasUp = false;
    for (const p of pkts) {
      s = stepBfd(s, { type: 'rx', packet: p }, 0).state;
      wasUp ||= s.state === 'Up';
    }
    assert.ok(wasUp, name);
  }
});
