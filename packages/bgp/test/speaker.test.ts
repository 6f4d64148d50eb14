// Speaker (Adj-RIB-Out) behaviour with a logical encoder: initial table + End-of-RIB, diffs,
// grouping, coalescing under a slow socket, route refresh (RFC 2918 / 7313), export policy per peer,
// family warnings, and that route work yields to timers.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Speaker, SpeakerError } from '../src/speaker.ts';
import type { PeerLinkInfo, RouteAttributes } from '../src/export-policy.ts';
import type { FamilyName, Logger } from '../src/observe.ts';
import { fakeEncoder, RecordingSink, type FakeMessage } from './support/fake-encoder.ts';

const both: ReadonlySet<FamilyName> = new Set(['ipv4-unicast', 'ipv6-unicast']);
const link4: PeerLinkInfo = {
  families: both,
  fourOctetAs: true,
  extendedMessage: false,
  routeRefresh: true,
  enhancedRouteRefresh: false,
  extendedNextHopIpv4: false,
  localAddress: '10.0.0.1',
};
const link6: PeerLinkInfo = { ...link4, localAddress: 'fd00::1' };

function announced(msgs: FakeMessage[]): string[] {
  return msgs.flatMap((m) => (m.kind === 'announce' ? m.prefixes : [])).sort();
}
function withdrawn(msgs: FakeMessage[]): string[] {
  return msgs.flatMap((m) => (m.kind === 'withdraw' ? m.prefixes : [])).sort();
}

function recordingLogger(): Logger & { warns: object[] } {
  const warns: object[] = [];
  const l: Logger & { warns: object[] } = {
    warns,
    trace() {},
    debug() {},
    info() {},
    warn(o) {
      warns.push(o);
    },
    error() {},
    child() {
      return l;
    },
  };
  return l;
}

const vips: Record<string, RouteAttributes> = {
  '192.0.2.1/32': {},
  '192.0.2.2/32': {},
  '192.0.2.3/32': { communities: [65000 * 65536 + 1] },
  '2001:db8::1/128': {},
  '2001:DB8::2/128': {},
};

test('initial table is grouped by final attributes, then End-of-RIB per family', async () => {
  const s = new Speaker({ encoder: fakeEncoder });
  s.setDesired(vips);
  s.addPeer('10.0.0.2', { localAs: 4200000001, peerAs: 65001 });
  const sink = new RecordingSink();
  s.peerUp('10.0.0.2', link4, sink);
  // IPv6 over an IPv4 session without a configured v6 next hop: not sent.
  await s.idle();
  const msgs = sink.take();
  assert.deepEqual(announced(msgs), ['192.0.2.1/32', '192.0.2.2/32', '192.0.2.3/32']);
  const ann = msgs.filter((m) => m.kind === 'announce');
  assert.equal(ann.length, 2, 'two attribute groups');
  for (const m of ann) {
    assert.equal(m.nextHop, '10.0.0.1');
    assert.equal(m.mp, false);
    assert.deepEqual(m.attrs.asPath, [{ type: 2, asns: [4200000001] }]);
    assert.equal(m.attrs.localPref, undefined);
  }
  assert.deepEqual(
    msgs.filter((m) => m.kind === 'eor').map((m) => m.family).sort(),
    ['ipv4-unicast', 'ipv6-unicast'],
  );
  assert.equal(msgs.at(-1)?.kind, 'eor');
});

test('IPv6 session sends IPv6 in MP_REACH with the session address; IPv4 needs extended next hop', async () => {
  const s = new Speaker({ encoder: fakeEncoder });
  s.setDesired(vips);
  s.addPeer('fd00::2', { localAs: 65000, peerAs: 65001 });
  const sink = new RecordingSink();
  s.peerUp('fd00::2', link6, sink);
  await s.idle();
  let msgs = sink.take();
  assert.deepEqual(announced(msgs), ['2001:db8::1/128', '2001:db8::2/128']);
  assert.ok(msgs.filter((m) => m.kind === 'announce').every((m) => m.mp && m.nextHop === 'fd00::1'));
  s.peerDown('fd00::2');
  s.peerUp('fd00::2', { ...link6, extendedNextHopIpv4: true }, sink);
  await s.idle();
  msgs = sink.take();
  const v4 = msgs.filter((m) => m.kind === 'announce' && m.family === 'ipv4-unicast');
  assert.equal(v4.flatMap((m) => (m.kind === 'announce' ? m.prefixes : [])).length, 3);
  assert.ok(v4.every((m) => m.kind === 'announce' && m.mp && m.nextHop === 'fd00::1'), 'RFC 8950 next hop');
});

test('diffs: add, change attributes, withdraw; unchanged routes are not re-sent', async () => {
  const s = new Speaker({ encoder: fakeEncoder });
  s.addPeer('p', { localAs: 65000, peerAs: 65001, nextHopIpv6: 'fd00::1' });
  s.setDesired(vips);
  const sink = new RecordingSink();
  s.peerUp('p', link4, sink);
  await s.idle();
  sink.take();
  const next: Record<string, RouteAttributes> = { ...vips, '192.0.2.2/32': { med: 50 }, '198.51.100.9/32': {} };
  delete next['2001:db8::1/128'];
  s.setDesired(next);
  await s.idle();
  const msgs = sink.take();
  assert.deepEqual(announced(msgs), ['192.0.2.2/32', '198.51.100.9/32']);
  assert.deepEqual(withdrawn(msgs), ['2001:db8::1/128']);
  const med = msgs.find((m) => m.kind === 'announce' && m.prefixes.includes('192.0.2.2/32'));
  assert.equal(med?.kind === 'announce' ? med.attrs.med : -1, 50);
  assert.equal(msgs.filter((m) => m.kind === 'eor').length, 0, 'End-of-RIB only after the initial table');
  assert.deepEqual(s.status()[0]?.advertised, { 'ipv4-unicast': 4, 'ipv6-unicast': 1 });
});

test('setDesired calls during a slow write coalesce into the next pass (level-triggered)', async () => {
  const s = new Speaker({ encoder: fakeEncoder });
  s.addPeer('p', { localAs: 65000, peerAs: 65001 });
  const sink = new RecordingSink();
  let release!: () => void;
  sink.gate = new Promise((r) => (release = r));
  s.setDesired({ '192.0.2.1/32': {} });
  s.peerUp('p', link4, sink);
  await new Promise((r) => setImmediate(r));
  for (let i = 2; i < 50; i++) s.setDesired({ [`192.0.2.${i}/32`]: {} });
  const writesBefore = sink.writes;
  sink.gate = undefined;
  release();
  await s.idle();
  const msgs = sink.take();
  assert.deepEqual(announced(msgs), ['192.0.2.1/32', '192.0.2.49/32']);
  assert.deepEqual(withdrawn(msgs), ['192.0.2.1/32']);
  assert.ok(sink.writes - writesBefore <= 4, `few writes after coalescing, got ${sink.writes - writesBefore}`);
});

test('route refresh re-sends the family; enhanced refresh frames it with BoRR/EoRR', async () => {
  const s = new Speaker({ encoder: fakeEncoder });
  s.addPeer('p', { localAs: 65000, peerAs: 65001, nextHopIpv6: 'fd00::1' });
  s.setDesired(vips);
  const sink = new RecordingSink();
  s.peerUp('p', { ...link4, enhancedRouteRefresh: true }, sink);
  await s.idle();
  sink.take();
  s.routeRefresh('p', 1, 1, 0);
  await s.idle();
  const msgs = sink.take();
  assert.deepEqual(announced(msgs), ['192.0.2.1/32', '192.0.2.2/32', '192.0.2.3/32']);
  assert.deepEqual(msgs[0], { kind: 'refresh', family: 'ipv4-unicast', subtype: 1 });
  assert.deepEqual(msgs.at(-1), { kind: 'refresh', family: 'ipv4-unicast', subtype: 2 });
  // BoRR from the peer, unknown families and SAFIs: nothing to do.
  s.routeRefresh('p', 1, 1, 1);
  s.routeRefresh('p', 25, 65, 0);
  s.routeRefresh('p', 1, 2, 0);
  await s.idle();
  assert.equal(sink.take().length, 0);
});

test('refresh for a family not negotiated, or without the capability, is ignored', async () => {
  const s = new Speaker({ encoder: fakeEncoder });
  s.addPeer('p', { localAs: 65000, peerAs: 65001 });
  s.setDesired(vips);
  const sink = new RecordingSink();
  s.peerUp('p', { ...link4, families: new Set(['ipv4-unicast']) }, sink);
  await s.idle();
  sink.take();
  s.routeRefresh('p', 2, 1, 0);
  await s.idle();
  assert.equal(sink.take().length, 0);
  s.peerDown('p');
  s.peerUp('p', { ...link4, routeRefresh: false }, sink);
  await s.idle();
  sink.take();
  s.routeRefresh('p', 1, 1, 0);
  await s.idle();
  assert.equal(sink.take().length, 0);
});

test('a VIP family that was not negotiated is warned about once per peer and family', async () => {
  const log = recordingLogger();
  const s = new Speaker({ encoder: fakeEncoder, log });
  s.addPeer('p', { localAs: 65000, peerAs: 65001, nextHopIpv6: 'fd00::1' });
  s.setDesired(vips);
  const sink = new RecordingSink();
  s.peerUp('p', { ...link4, families: new Set(['ipv4-unicast']) }, sink);
  await s.idle();
  s.setDesired({ ...vips, '2001:db8::9/128': {} });
  await s.idle();
  assert.equal(log.warns.length, 1);
  assert.deepEqual((log.warns[0] as { family: string }).family, 'ipv6-unicast');
  assert.deepEqual(announced(sink.take()), ['192.0.2.1/32', '192.0.2.2/32', '192.0.2.3/32']);
});

test('export policy: iBGP gets an empty AS_PATH and LOCAL_PREF; 2-byte peers get a 2-octet encoding context; GSHUT', async () => {
  const s = new Speaker({ encoder: fakeEncoder });
  s.addPeer('ibgp', { localAs: 65000, peerAs: 65000, families: ['ipv4-unicast'] });
  s.addPeer('old', { localAs: 4200000001, peerAs: 65001, asPathPrepend: 2, families: ['ipv4-unicast'] });
  s.setDesired({ '192.0.2.1/32': { gracefulShutdown: true } });
  const a = new RecordingSink();
  const b = new RecordingSink();
  s.peerUp('ibgp', link4, a);
  s.peerUp('old', { ...link4, fourOctetAs: false }, b);
  await s.idle();
  const ia = a.take().find((m) => m.kind === 'announce');
  assert.ok(ia?.kind === 'announce');
  assert.deepEqual(ia.attrs.asPath, []);
  assert.equal(ia.attrs.localPref, 0, 'RFC 8326: GSHUT lowers LOCAL_PREF on iBGP');
  assert.deepEqual(ia.attrs.communities, [0xffff0000]);
  const ob = b.take().find((m) => m.kind === 'announce');
  assert.ok(ob?.kind === 'announce');
  // The codec writes AS_TRANS + AS4_PATH from the real path when the context says 2-octet.
  assert.deepEqual(ob.attrs.asPath, [{ type: 2, asns: [4200000001, 4200000001, 4200000001] }]);
  assert.equal(ob.fourOctetAs, false);
});

test('eight peers each converge; a peer that goes down stops and starts over when up', async () => {
  const s = new Speaker({ encoder: fakeEncoder });
  const sinks = new Map<string, RecordingSink>();
  for (let i = 0; i < 8; i++) {
    s.addPeer(`p${i}`, { localAs: 65000, peerAs: 65100 + i, families: ['ipv4-unicast'] });
    sinks.set(`p${i}`, new RecordingSink());
    s.peerUp(`p${i}`, link4, sinks.get(`p${i}`)!);
  }
  s.setDesired(vips);
  await s.idle();
  for (const sink of sinks.values()) assert.deepEqual(announced(sink.take()), ['192.0.2.1/32', '192.0.2.2/32', '192.0.2.3/32']);
  s.peerDown('p3');
  s.setDesired({ '192.0.2.1/32': {} });
  await s.idle();
  assert.equal(sinks.get('p3')!.take().length, 0);
  s.peerUp('p3', link4, sinks.get('p3')!);
  await s.idle();
  assert.deepEqual(announced(sinks.get('p3')!.take()), ['192.0.2.1/32']);
});

test('bad prefixes are typed errors and change nothing', async () => {
  const s = new Speaker({ encoder: fakeEncoder });
  await s.setDesired({ '192.0.2.1/32': {} });
  for (const bad of ['nope', '192.0.2.1/33', '192.0.2.1/24', '2001:db8::/129']) {
    await assert.rejects(s.setDesired({ [bad]: {} }), (e: unknown) => e instanceof SpeakerError && e.code === 'ERR_BAD_PREFIX');
  }
  assert.equal(s.desiredCount, 1);
  assert.throws(() => s.peerUp('x', link4, new RecordingSink()), (e: unknown) => e instanceof SpeakerError && e.code === 'ERR_UNKNOWN_PEER');
});

test('100k routes: the event loop keeps turning while the set is taken, diffed and encoded; End-of-RIB comes last', async () => {
  // yieldAfterMs 0: yield at every checkpoint, so the count below does not depend on machine speed.
  const s = new Speaker({ encoder: fakeEncoder, yieldAfterMs: 0 });
  s.addPeer('p', { localAs: 65000, peerAs: 65001, families: ['ipv4-unicast'] });
  const routes = new Map<string, RouteAttributes>();
  const shared: RouteAttributes = {};
  for (let i = 0; i < 100_000; i++) routes.set(`10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}/32`, shared);
  const sink = new RecordingSink();
  // Chunking, measured without wall-clock thresholds (CI machines are loaded): a ticker re-arming
  // itself with setImmediate only runs between two chunks of speaker work.
  let ticks = 0;
  let running = true;
  const tick = (): void => {
    ticks++;
    if (running) setImmediate(tick);
  };
  setImmediate(tick);
  const taken = s.setDesired(routes);
  // The session comes up while the set is still being taken: the initial table must be the new set.
  s.peerUp('p', { ...link4, families: new Set(['ipv4-unicast']) }, sink);
  await taken;
  await s.idle();
  // A second full pass (every route's attributes change) while timers run.
  const changed = new Map<string, RouteAttributes>();
  const med: RouteAttributes = { med: 5 };
  for (const k of routes.keys()) changed.set(k, med);
  await s.setDesired(changed);
  await s.idle();
  running = false;
  const msgs = sink.take();
  const eor = msgs.findIndex((m) => m.kind === 'eor');
  assert.equal(announced(msgs.slice(0, eor)).length, 100_000, 'the whole table before End-of-RIB');
  assert.equal(announced(msgs.slice(eor)).length, 100_000, 'the change re-announced everything');
  // 200k routes taken (a checkpoint per 512) + 200k diffed (per 1024) + 200 slices of 1000 encoded.
  assert.ok(ticks > 500, `the event loop ran only ${ticks} times during the work`);
});

test('a newer setDesired supersedes one still being taken (level-triggered)', async () => {
  const s = new Speaker({ encoder: fakeEncoder, yieldAfterMs: 0 });
  s.addPeer('p', { localAs: 65000, peerAs: 65001, families: ['ipv4-unicast'] });
  const sink = new RecordingSink();
  s.peerUp('p', { ...link4, families: new Set(['ipv4-unicast']) }, sink);
  await s.idle();
  sink.take();
  const big = new Map<string, RouteAttributes>();
  for (let i = 0; i < 20_000; i++) big.set(`10.1.${(i >> 8) & 255}.${i & 255}/32`, {});
  const first = s.setDesired(big);
  const second = s.setDesired({ '192.0.2.9/32': {} });
  await Promise.all([first, second]);
  await s.idle();
  assert.deepEqual(announced(sink.take()), ['192.0.2.9/32']);
  assert.equal(s.desiredCount, 1);
});
