// The speaker with the real codec: its bytes decode to what was meant — packed IPv4 UPDATEs with
// NEXT_HOP, IPv6 in MP_REACH, End-of-RIB per family, AS_TRANS + AS4_PATH toward 2-octet peers
// (RFC 6793 §4.2.2), RFC 8950 IPv4 with an IPv6 next hop, BoRR/EoRR (RFC 7313).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Speaker } from '../src/speaker.ts';
import { codecEncoder } from '../src/speaker-wire.ts';
import { Framer } from '../src/wire/framer.ts';
import { decodeMessage } from '../src/wire/message.ts';
import { formatPrefix } from '../src/wire/nlri.ts';
import type { BgpMessage, DecodeContext } from '../src/wire/types.ts';
import type { PeerLinkInfo } from '../src/export-policy.ts';

const link: PeerLinkInfo = {
  families: new Set(['ipv4-unicast', 'ipv6-unicast']),
  fourOctetAs: true,
  extendedMessage: false,
  routeRefresh: true,
  enhancedRouteRefresh: true,
  extendedNextHopIpv4: false,
  localAddress: '10.0.0.2',
};

class WireSink {
  readonly raw: Uint8Array[] = [];
  write(msgs: readonly Uint8Array[]): void {
    this.raw.push(...msgs);
  }
  decode(ctx: DecodeContext): BgpMessage[] {
    const f = new Framer();
    for (const m of this.raw.splice(0)) f.push(m);
    return f.drain().map((fr) => decodeMessage(fr, ctx));
  }
}

const ctx4: DecodeContext = { fourOctetAs: true, extendedMessage: false, addPathReceive: new Set(), isIbgp: false };

test('1000 IPv4 and 2 IPv6 VIPs: packed UPDATEs that decode back, then End-of-RIB per family', async () => {
  const s = new Speaker({ encoder: codecEncoder });
  const routes: Record<string, object> = { '2001:db8::1/128': {}, '2001:db8::2/128': {} };
  for (let i = 0; i < 1000; i++) routes[`10.1.${i >> 8}.${i & 255}/32`] = { communities: [65000 * 65536 + 7] };
  s.setDesired(routes);
  s.addPeer('p', { localAs: 65010, peerAs: 65000, nextHopIpv6: 'fd00::2' });
  const sink = new WireSink();
  s.peerUp('p', link, sink);
  await s.idle();
  const msgs = sink.decode(ctx4);
  const updates = msgs.filter((m) => m.type === 'update');
  assert.ok(updates.length < 10, `packed into few UPDATEs, got ${updates.length}`);
  const v4 = updates.flatMap((u) => u.nlri.map(formatPrefix));
  assert.equal(v4.length, 1000);
  const first = updates.find((u) => u.nlri.length > 0)!;
  assert.equal(first.attributes.nextHop, '10.0.0.2');
  assert.deepEqual(first.attributes.asPath, [{ type: 2, asns: [65010] }]);
  assert.deepEqual(first.attributes.communities, [65000 * 65536 + 7]);
  const v6 = updates.flatMap((u) => u.attributes.mpReach?.nlri.map(formatPrefix) ?? []);
  assert.deepEqual(v6.sort(), ['2001:db8::1/128', '2001:db8::2/128']);
  const eors = updates.slice(-2);
  assert.ok(eors.some((u) => u.nlri.length === 0 && u.withdrawn.length === 0 && u.attributes.mpUnreach === undefined && Object.keys(u.attributes).length === 0));
  assert.ok(eors.some((u) => u.attributes.mpUnreach?.afi === 2 && u.attributes.mpUnreach.withdrawn.length === 0));
});

test('toward a 2-octet peer: AS_TRANS in AS_PATH and the real path in AS4_PATH', async () => {
  const s = new Speaker({ encoder: codecEncoder });
  s.setDesired({ '192.0.2.1/32': {} });
  s.addPeer('old', { localAs: 4200000001, peerAs: 65000, families: ['ipv4-unicast'] });
  const sink = new WireSink();
  s.peerUp('old', { ...link, fourOctetAs: false, families: new Set(['ipv4-unicast']) }, sink);
  await s.idle();
  const bytes = Buffer.concat(sink.raw.slice(0, 1));
  // AS_PATH (flags 0x40, code 2, len 4): AS_SEQUENCE of one 2-octet ASN = 23456 (0x5ba0).
  assert.ok(bytes.includes(Buffer.from([0x40, 0x02, 0x04, 0x02, 0x01, 0x5b, 0xa0])), 'AS_PATH with AS_TRANS');
  // AS4_PATH (optional transitive 0xc0, code 17, len 6): AS_SEQUENCE of 4200000001 (0xfa56ea01).
  assert.ok(bytes.includes(Buffer.from([0xc0, 0x11, 0x06, 0x02, 0x01, 0xfa, 0x56, 0xea, 0x01])), 'AS4_PATH with the real AS');
  const [u] = sink.decode({ ...ctx4, fourOctetAs: false });
  assert.ok(u?.type === 'update');
  assert.deepEqual(u.attributes.asPath, [{ type: 2, asns: [4200000001] }], 'a 2-octet receiver reconstructs the path');
});

test('RFC 8950: IPv4 VIPs over an IPv6 session in MP_REACH (AFI 1) with a 16-byte next hop; refresh framed by BoRR/EoRR', async () => {
  const s = new Speaker({ encoder: codecEncoder });
  s.setDesired({ '192.0.2.1/32': {}, '192.0.2.2/32': {} });
  s.addPeer('v6', { localAs: 65010, peerAs: 65000, families: ['ipv4-unicast'] });
  const sink = new WireSink();
  s.peerUp('v6', { ...link, localAddress: 'fd00::2', extendedNextHopIpv4: true }, sink);
  await s.idle();
  let msgs = sink.decode(ctx4);
  const u = msgs.find((m) => m.type === 'update' && m.attributes.mpReach !== undefined);
  assert.ok(u?.type === 'update');
  assert.equal(u.attributes.mpReach!.afi, 1);
  assert.equal(u.attributes.mpReach!.nextHop.length, 16);
  assert.deepEqual(u.attributes.mpReach!.nlri.map(formatPrefix).sort(), ['192.0.2.1/32', '192.0.2.2/32']);
  assert.equal(u.attributes.nextHop, undefined);
  s.routeRefresh('v6', 1, 1, 0);
  await s.idle();
  msgs = sink.decode(ctx4);
  assert.deepEqual(msgs[0], { type: 'route-refresh', afi: 1, subtype: 1, safi: 1 });
  assert.deepEqual(msgs.at(-1), { type: 'route-refresh', afi: 1, subtype: 2, safi: 1 });
  assert.equal(msgs.length, 3);
});
