// Standalone daemon logic against a fake session layer: start, reload with the smallest disruption
// (VIP-only changes keep sessions; export-only peer changes keep the session; session-level changes
// restart only that peer; removed peers get Cease 6/3), shutdown (withdraw, GSHUT drain, GR stop).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { StandaloneDaemon, normalize } from '../../src/standalone/daemon.ts';
import { validateConfig, type StandaloneConfig } from '../../src/standalone/config.ts';
import type { SessionHooks, SessionLayer, SessionPort } from '../../src/standalone/session-layer.ts';
import { noopLogger } from '@vipd/bgp/observe.ts';
import { Framer } from '@vipd/bgp/wire/framer.ts';
import { decodeMessage } from '@vipd/bgp/wire/message.ts';
import { formatPrefix } from '@vipd/bgp/wire/nlri.ts';
import type { UpdateMessage } from '@vipd/bgp/wire/types.ts';

interface FakeSession extends SessionPort {
  hooks: SessionHooks;
  events: string[];
  wire: Uint8Array[];
  up(): void;
}

function fakeLayer(): SessionLayer & { sessions: FakeSession[]; listening: string[] } {
  const sessions: FakeSession[] = [];
  const listening: string[] = [];
  return {
    sessions,
    listening,
    createSession(peer, globals, hooks) {
      const s: FakeSession = {
        peer: peer.address,
        hooks,
        events: [`create restarting=${globals.restarting}`],
        wire: [],
        start() {
          s.events.push('start');
        },
        async stop(subcode, message) {
          s.events.push(`stop 6/${subcode} ${message ?? ''}`);
          hooks.down();
        },
        async abort() {
          s.events.push('abort');
          hooks.down();
        },
        state: () => 'Established',
        up() {
          const fams = new Set(peer.families);
          hooks.established(
            { families: fams, fourOctetAs: true, extendedMessage: false, routeRefresh: true, enhancedRouteRefresh: false, extendedNextHopIpv4: false, localAddress: peer.address.includes(':') ? 'fd00::2' : '10.0.0.2' },
            { write: (m) => void s.wire.push(...m) },
          );
        },
      };
      sessions.push(s);
      return s;
    },
    async listen(address, port) {
      listening.push(`${address}:${port}`);
      return { close: async () => void listening.pop() };
    },
  };
}

function updates(s: FakeSession): UpdateMessage[] {
  const f = new Framer();
  for (const m of s.wire.splice(0)) f.push(m);
  return f
    .drain()
    .map((fr) => decodeMessage(fr, { fourOctetAs: true, extendedMessage: false, addPathReceive: new Set(), isIbgp: false }))
    .filter((m): m is UpdateMessage => m.type === 'update');
}
const announced = (us: UpdateMessage[]) => us.flatMap((u) => [...u.nlri, ...(u.attributes.mpReach?.nlri ?? [])].map(formatPrefix)).sort();
const withdrawn = (us: UpdateMessage[]) => us.flatMap((u) => [...u.withdrawn, ...(u.attributes.mpUnreach?.withdrawn ?? [])].map(formatPrefix)).sort();

const base = {
  localAsn: 4200000001,
  routerId: '10.0.0.2',
  peers: [
    { address: '10.0.0.1', asn: 65000, families: ['ipv4-unicast'], gracefulRestart: { restartTimeSec: 30 } },
    { address: 'fd00::1', asn: 65000, families: ['ipv6-unicast'] },
  ],
  vips: ['192.0.2.1/32', '192.0.2.2/32', '2001:db8::1/128'],
};
const cfg = (over: Record<string, unknown> = {}): StandaloneConfig => validateConfig({ ...base, ...over });

async function started(c = cfg()) {
  const layer = fakeLayer();
  const d = new StandaloneDaemon(c, { layer, log: noopLogger, sleep: async () => {} });
  await d.start();
  for (const s of layer.sessions) s.up();
  await d.speaker.idle();
  return { d, layer };
}

test('start: one session per peer, the R bit only where GR is configured, listener open, VIPs sent', async () => {
  const { layer } = await started();
  assert.equal(layer.sessions.length, 2);
  assert.deepEqual(layer.sessions.map((s) => s.events[0]), ['create restarting=true', 'create restarting=false']);
  assert.deepEqual(layer.listening, [':::179']);
  assert.deepEqual(announced(updates(layer.sessions[0]!)), ['192.0.2.1/32', '192.0.2.2/32']);
  assert.deepEqual(announced(updates(layer.sessions[1]!)), ['2001:db8::1/128']);
});

test('reload with only VIP changes keeps sessions and sends just the difference', async () => {
  const { d, layer } = await started();
  for (const s of layer.sessions) updates(s);
  const sum = await d.reload(cfg({ vips: ['192.0.2.1/32', { prefix: '192.0.2.3/32', med: 5 }, '2001:db8::1/128'] }));
  await d.speaker.idle();
  assert.equal(sum.vipsChanged, true);
  assert.deepEqual([sum.peersAdded, sum.peersRemoved, sum.peersRestarted], [[], [], []]);
  assert.equal(layer.sessions.length, 2);
  assert.ok(layer.sessions.every((s) => !s.events.some((e) => e.startsWith('stop'))));
  const u = updates(layer.sessions[0]!);
  assert.deepEqual(announced(u), ['192.0.2.3/32']);
  assert.deepEqual(withdrawn(u), ['192.0.2.2/32']);
  assert.equal(updates(layer.sessions[1]!).length, 0);
});

test('reload: export-only change keeps the session, session change restarts only that peer, removal sends 6/3', async () => {
  const { d, layer } = await started();
  for (const s of layer.sessions) updates(s);
  const peers = [
    { ...base.peers[0], communities: ['65000:9'] },
    { address: 'fd00::1', asn: 65000, families: ['ipv6-unicast'], holdTimeSec: 30 },
    { address: '10.0.0.9', asn: 65009 },
  ];
  const sum = await d.reload(cfg({ peers }));
  assert.deepEqual(sum.peersUpdated, ['10.0.0.1']);
  assert.deepEqual(sum.peersRestarted, ['fd00::1']);
  assert.deepEqual(sum.peersAdded, ['10.0.0.9']);
  await d.speaker.idle();
  const u = updates(layer.sessions[0]!);
  assert.deepEqual(announced(u), ['192.0.2.1/32', '192.0.2.2/32'], 're-announced with the new community');
  assert.ok(u.every((x) => x.nlri.length === 0 || x.attributes.communities?.includes(65000 * 65536 + 9)));
  assert.ok(layer.sessions[1]!.events.includes('stop 6/6 vipd peer configuration changed'));
  assert.equal(layer.sessions.length, 4);
  const sum2 = await d.reload(cfg({ peers: peers.slice(0, 2) }));
  assert.deepEqual(sum2.peersRemoved, ['10.0.0.9']);
  assert.ok(layer.sessions[3]!.events.includes('stop 6/3 peer removed from vipd configuration'));
});

test('shutdown: withdraw everything, then Cease 6/2 with the configured message', async () => {
  const { d, layer } = await started(cfg({ shutdownMessage: 'maintenance window' }));
  for (const s of layer.sessions) updates(s);
  await d.shutdown();
  assert.deepEqual(withdrawn(updates(layer.sessions[0]!)), ['192.0.2.1/32', '192.0.2.2/32']);
  assert.ok(layer.sessions.every((s) => s.events.at(-1) === 'stop 6/2 maintenance window'));
  assert.deepEqual(layer.listening, []);
});

test('shutdown with a graceful-shutdown drain re-advertises with 65535:0 before withdrawing', async () => {
  const { d, layer } = await started(cfg({ drain: { mode: 'graceful-shutdown', periodSec: 1 } }));
  for (const s of layer.sessions) updates(s);
  await d.shutdown();
  const u = updates(layer.sessions[0]!);
  const gshut = u.filter((x) => x.nlri.length > 0);
  assert.deepEqual(announced(gshut), ['192.0.2.1/32', '192.0.2.2/32']);
  assert.ok(gshut.every((x) => x.attributes.communities?.includes(0xffff0000)));
  assert.deepEqual(withdrawn(u), ['192.0.2.1/32', '192.0.2.2/32']);
});

test('graceful-restart stop: no withdraw, no NOTIFICATION', async () => {
  const { d, layer } = await started();
  for (const s of layer.sessions) updates(s);
  await d.shutdown(true);
  assert.equal(updates(layer.sessions[0]!).length, 0);
  assert.ok(layer.sessions.every((s) => s.events.at(-1) === 'abort'));
});

test('address normalization matches dual-stack socket forms', () => {
  assert.equal(normalize('::ffff:10.0.0.1'), '10.0.0.1');
  assert.equal(normalize('FD00:0:0:0::1'), 'fd00::1');
});
