// Standalone observability hooks (issue 6): event→wire observations for reload-driven route changes
// (one per change and Established peer, none for a reload that changes nothing or for a session's
// initial table), the UPDATE queue depth around a blocked socket write, and the per-peer status facts
// (negotiated capabilities, transitions, last NOTIFICATION with its RFC 9003 message, message totals).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import { StandaloneDaemon } from '../../src/standalone/daemon.ts';
import { validateConfig, type StandaloneConfig } from '../../src/standalone/config.ts';
import type { SessionHooks, SessionLayer, SessionPort } from '../../src/standalone/session-layer.ts';
import { PeerDetailsTracker, negotiatedCapabilities } from '../../src/standalone/peer-details.ts';
import { noopLogger, noopMetrics, type BgpMetrics } from '@vipd/bgp/observe.ts';
import type { Negotiated } from '@vipd/bgp/fsm/negotiate.ts';
import type { Session } from '@vipd/bgp/session.ts';
import { encodeShutdownCommunication } from '@vipd/bgp/wire/notification.ts';

interface Fake extends SessionPort {
  up(write?: (m: readonly Uint8Array[]) => Promise<void> | void): void;
}

function fakeLayer(): SessionLayer & { sessions: Fake[] } {
  const sessions: Fake[] = [];
  return {
    sessions,
    createSession(peer, _g, hooks: SessionHooks) {
      let state = 'Active';
      const s: Fake = {
        peer: peer.address,
        start() {},
        async stop() {
          state = 'Idle';
          hooks.down();
        },
        async abort() {
          hooks.down();
        },
        state: () => state,
        up(write = () => {}) {
          state = 'Established';
          hooks.established(
            { families: new Set(peer.families), fourOctetAs: true, extendedMessage: false, routeRefresh: true, enhancedRouteRefresh: false, extendedNextHopIpv4: false, localAddress: '10.0.0.2' },
            { write },
          );
        },
      };
      sessions.push(s);
      return s;
    },
    async listen() {
      return { close: async () => {} };
    },
  };
}

const cfg = (vips: unknown[]): StandaloneConfig =>
  validateConfig({ localAsn: 65010, routerId: '10.0.0.2', listen: { enabled: false }, peers: [{ address: '10.0.0.1', asn: 65000, families: ['ipv4-unicast'] }], vips });

test('event→wire: one observation per reload that changes what an Established peer gets, none otherwise', async () => {
  const layer = fakeLayer();
  const d = new StandaloneDaemon(cfg(['192.0.2.1/32']), { layer, log: noopLogger });
  const seen: [string, number][] = [];
  d.onEventToWire = (peer, s) => seen.push([peer, s]);
  await d.start();
  layer.sessions[0]!.up();
  await d.speaker.idle();
  assert.deepEqual(seen, [], 'the initial table is not a change event');
  await d.reload(cfg(['192.0.2.1/32', '192.0.2.2/32']));
  await d.speaker.idle();
  assert.equal(seen.length, 1);
  assert.equal(seen[0]![0], '10.0.0.1');
  assert.ok(seen[0]![1] >= 0 && seen[0]![1] < 5);
  await d.reload(cfg(['192.0.2.1/32', '192.0.2.2/32']));
  d.refreshRoutes();
  await d.speaker.idle();
  assert.equal(seen.length, 1, 'no change, no observation');
  await d.reload(cfg(['192.0.2.2/32']));
  d.refreshRoutes(); // run.ts does this after every reload: still one observation for the change
  await d.speaker.idle();
  assert.equal(seen.length, 2);
  // The clock starts when the reload was asked for (run.ts passes the SIGHUP time).
  await d.reload(cfg(['192.0.2.3/32']), performance.now() - 200);
  await d.speaker.idle();
  assert.equal(seen.length, 3);
  assert.ok(seen[2]![1] >= 0.2 && seen[2]![1] < 5, `${seen[2]![1]} s`);
  await d.shutdown();
});

test('UPDATE queue depth: the messages handed to the session while its write is pending, then 0', async () => {
  const layer = fakeLayer();
  const depths: number[] = [];
  const metrics: BgpMetrics = { ...noopMetrics, updateQueueDepth: (_p, n) => void depths.push(n) };
  const d = new StandaloneDaemon(cfg(['192.0.2.1/32', '192.0.2.2/32']), { layer, log: noopLogger, metrics });
  await d.start();
  let release!: () => void;
  let blocked = 0;
  layer.sessions[0]!.up((m) => {
    if (blocked++ > 0) return;
    // The first write (the initial UPDATE) waits like a full socket until released.
    assert.ok(m.length >= 1);
    return new Promise<void>((r) => (release = r));
  });
  await new Promise((r) => setImmediate(r));
  assert.ok(depths.length >= 1 && depths.at(-1)! >= 1, `depth while blocked: ${depths.join(',')}`);
  release();
  await d.speaker.idle();
  assert.equal(depths.at(-1), 0);
  await d.shutdown();
});

test('negotiated capabilities are named from what both sides advertised', () => {
  const n = {
    families: [{ afi: 1, safi: 1 }, { afi: 2, safi: 1 }],
    fourOctetAs: true,
    routeRefresh: true,
    enhancedRouteRefresh: false,
    extendedMessage: false,
    extendedNextHop: [{ afi: 1, safi: 1, nextHopAfi: 2 }],
    addPathSend: new Set<string>(),
    addPathReceive: new Set<string>(),
    localGracefulRestart: true,
    peerGracefulRestart: undefined,
    hardReset: false,
  } as unknown as Negotiated;
  assert.deepEqual(negotiatedCapabilities(n), ['multiprotocol ipv4-unicast', 'multiprotocol ipv6-unicast', '4-octet-as', 'route-refresh', 'extended-next-hop']);
});

test('peer details: transitions, negotiated facts while Established, last NOTIFICATION with its message, message totals', () => {
  const t = new PeerDetailsTracker();
  const ev = Object.assign(new EventEmitter(), { received: { count: () => 7 } });
  t.attach(ev as unknown as Session);
  const sent: string[] = [];
  const m = t.wrap({ ...noopMetrics, messageSent: (_p, type) => void sent.push(type) })!;
  m.messageSent('10.0.0.1', 'open');
  m.messageSent('10.0.0.1', 'update', 3);
  m.messageReceived('10.0.0.1', 'keepalive');
  assert.deepEqual(sent, ['open', 'update'], 'the wrapped metrics still see every call');
  const negotiated = { peerBgpId: '10.0.0.1', holdTimeSec: 9, keepaliveSec: 3, families: [{ afi: 1, safi: 1 }], fourOctetAs: true, routeRefresh: true, enhancedRouteRefresh: true, extendedMessage: false, extendedNextHop: [], addPathSend: new Set(), addPathReceive: new Set(), localGracefulRestart: false, hardReset: false };
  ev.emit('stateChange', 'OpenConfirm', 'Established');
  ev.emit('established', { negotiated, localAddress: '::ffff:10.0.0.2' });
  let s = t.snapshot(true);
  assert.equal(s.establishedTransitions, 1);
  assert.deepEqual([s.peerRouterId, s.holdTimeSec, s.keepaliveSec, s.localAddress], ['10.0.0.1', 9, 3, '10.0.0.2']);
  assert.deepEqual(s.capabilities, ['multiprotocol ipv4-unicast', '4-octet-as', 'route-refresh', 'enhanced-route-refresh']);
  assert.deepEqual([s.messagesSent, s.messagesReceived, s.received['ipv4-unicast']], [4, 1, 7]);
  assert.equal(s.lastError, null);
  ev.emit('down', { kind: 'notification-received', wasEstablished: true, notification: { code: 6, subcode: 2, data: encodeShutdownCommunication('maintenance') } });
  s = t.snapshot(false);
  assert.deepEqual({ ...s.lastError, atMs: 0 }, { direction: 'received', code: 6, subcode: 2, name: 'Cease / Administrative Shutdown', message: 'maintenance', atMs: 0 });
  assert.deepEqual([s.capabilities, s.holdTimeSec, s.localAddress], [[], null, null], 'negotiated facts only while Established');
  ev.emit('down', { kind: 'tcp-failed', wasEstablished: false });
  assert.equal(t.snapshot(false).lastError?.code, 6, 'a TCP failure keeps the last NOTIFICATION');
});
