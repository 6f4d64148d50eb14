// Two vipd Sessions over loopback (127.0.0.1 and ::1): one active, one passive behind a Listener.
// Establish with capability negotiation on both sides, keepalives crossing, hold expiry on one side seen
// as a NOTIFICATION on the other, admin shutdown message received, the Listener's Cease 6/5 for an
// unknown address, Established-wins collisions (6/7), and keepalive lateness while a large route send
// runs on the real clock (the control-plane-stall guard). Ports 18140-18169.

import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { ManualClock, type Clock } from '../src/clock.ts';
import { Listener } from '../src/listener.ts';
import { Session } from '../src/session.ts';
import { decodeShutdownCommunication } from '../src/wire/notification.ts';
import { RecordingMetrics, message, rawConnect, toHex, waitFor } from './support/raw-peer.ts';

let nextPort = 18140;
const cleanups: (() => Promise<void> | void)[] = [];
after(async () => {
  for (const c of cleanups.reverse()) await c();
});

interface Pair {
  active: Session;
  passive: Session;
  listener: Listener;
  aClock: Clock;
  pClock: Clock;
  aMetrics: RecordingMetrics;
  pMetrics: RecordingMetrics;
}

async function pair(host: string, opts: { hold?: number; clock?: 'manual' | 'real'; families6?: boolean } = {}): Promise<Pair> {
  const port = nextPort++;
  const manual = (opts.clock ?? 'manual') === 'manual';
  const aClock = manual ? new ManualClock() : undefined;
  const pClock = manual ? new ManualClock() : undefined;
  const aMetrics = new RecordingMetrics();
  const pMetrics = new RecordingMetrics();
  const families = opts.families6 === true ? [{ afi: 1, safi: 1 }, { afi: 2, safi: 1 }] : [{ afi: 1, safi: 1 }];
  const listener = new Listener({ host, port });
  const passive = new Session({
    peerAddress: host, ...(pClock ? { clock: pClock } : {}), metrics: pMetrics, seed: 2,
    fsm: { localAs: 65001, localBgpId: '10.0.0.2', peerAs: 4200000000, passive: true, holdTimeSec: opts.hold ?? 9, families, gracefulRestart: { restartTimeSec: 30, notification: true, forwardingPreserved: false, restarting: false } },
  });
  listener.addSession(passive);
  await listener.listen();
  const active = new Session({
    peerAddress: host, peerPort: port, ...(aClock ? { clock: aClock } : {}), metrics: aMetrics, seed: 1,
    fsm: { localAs: 4200000000, localBgpId: '10.0.0.1', peerAs: 65001, holdTimeSec: opts.hold ?? 9, families, enhancedRouteRefresh: true, extendedMessage: true },
  });
  cleanups.push(async () => { await active.destroy(); await passive.destroy(); await listener.close(); });
  return { active, passive, listener, aClock: aClock ?? (undefined as never), pClock: pClock ?? (undefined as never), aMetrics, pMetrics };
}

async function up(p: Pair): Promise<void> {
  p.passive.start();
  p.active.start();
  await waitFor(() => p.active.state === 'Established' && p.passive.state === 'Established', 3000, 'both Established');
}

for (const host of ['127.0.0.1', '::1']) {
  test(`two sessions establish over ${host}: negotiation agrees on both sides`, async () => {
    const p = await pair(host, { families6: true });
    const infos: unknown[] = [];
    p.active.on('established', (i) => infos.push(i));
    await up(p);
    const a = p.active.negotiated!;
    const b = p.passive.negotiated!;
    assert.deepEqual(a.families, [{ afi: 1, safi: 1 }, { afi: 2, safi: 1 }]);
    assert.deepEqual(b.families, a.families);
    assert.equal(a.fourOctetAs, true);
    assert.equal(b.peerAs, 4200000000, '4-byte AS learned from the capability');
    assert.equal(a.peerAs, 65001);
    assert.equal(a.routeRefresh && b.routeRefresh, true);
    assert.equal(a.enhancedRouteRefresh, false, 'only one side offered it');
    assert.equal(a.peerGracefulRestart?.restartTimeSec, 30);
    assert.equal(a.hardReset, false, 'the active side did not send GR with the N bit');
    assert.equal(a.holdTimeSec, 9);
    assert.equal(infos.length, 1);
    const info = p.active.establishedInfo!;
    assert.equal(info.remoteAddress, host);
    assert.equal(info.localAddress, host);
  });
}

test('keepalives cross; a silent side is detected by the other side\'s hold timer (4/0 received)', async () => {
  const p = await pair('127.0.0.1');
  await up(p);
  (p.aClock as ManualClock).advance(3000);
  await waitFor(() => (p.pMetrics.received.keepalive ?? 0) >= 2, 2000, 'passive got the keepalive');
  (p.pClock as ManualClock).advance(3000);
  await waitFor(() => (p.aMetrics.received.keepalive ?? 0) >= 2, 2000, 'active got the keepalive');
  const downs: string[] = [];
  p.active.on('down', (d) => downs.push(`${d.kind}:${d.notification?.code}/${d.notification?.subcode}`));
  // The passive side's clock reaches 9 s with nothing more from the active side: its hold timer expires
  // (the idle-hold restart, ≥ 750 ms later, is not reached).
  (p.pClock as ManualClock).advance(6000);
  await waitFor(() => p.active.state === 'Idle' && p.passive.state === 'Idle', 3000, 'both Idle');
  assert.deepEqual(p.pMetrics.notificationsSent, ['4/0']);
  assert.deepEqual(p.aMetrics.notificationsReceived, ['4/0']);
  assert.deepEqual(downs, ['notification-received:4/0']);
});

test('admin shutdown: the peer receives Cease 6/2 with the RFC 9003 message', async () => {
  const p = await pair('::1');
  await up(p);
  await p.active.stop({ message: 'draining node-3' });
  await waitFor(() => p.passive.state === 'Idle', 3000, 'passive Idle');
  const n = p.passive.lastDown?.notification;
  assert.equal(n?.code, 6);
  assert.equal(n?.subcode, 2);
  assert.equal(decodeShutdownCommunication(n!.data), 'draining node-3');
  assert.equal(p.passive.lastDown?.kind, 'notification-received');
});

test('listener: an unknown address gets NOTIFICATION Cease 6/5 and is closed; a configured one is served', async () => {
  const port = nextPort++;
  const listener = new Listener({ host: '127.0.0.1', port });
  const session = new Session({ peerAddress: '127.0.0.2', clock: new ManualClock(), fsm: { localAs: 65000, localBgpId: '10.0.0.1', peerAs: 65001, passive: true } });
  listener.addSession(session);
  await listener.listen();
  cleanups.push(async () => { await session.destroy(); await listener.close(); });
  session.start();
  const stranger = await rawConnect('127.0.0.1', port, '127.0.0.1');
  const f = await stranger.next();
  assert.equal(f.type, 3);
  assert.equal(toHex(f.body), '0605');
  await stranger.waitClosed();
  assert.equal(listener.rejectedCount, 1);
  const known = await rawConnect('127.0.0.1', port, '127.0.0.2');
  assert.equal((await known.next()).type, 1, 'the configured peer gets our OPEN');
  known.destroy();
});

test('collision with an Established session: the new connection is closed with Cease 6/7', async () => {
  const p = await pair('127.0.0.1');
  await up(p);
  const port = p.listener.address()!.port;
  const late = await rawConnect('127.0.0.1', port);
  const f = await late.next();
  assert.equal(toHex(f.body), '0607');
  await late.waitClosed();
  assert.equal(p.passive.state, 'Established');
  void message;
});

test('keepalives are not delayed by a large route send (real clock, hold 3 s, 2 s of continuous UPDATE work)', async (t) => {
  const p = await pair('127.0.0.1', { hold: 3, clock: 'real' });
  await up(p);
  // A lazily generated stream of full 4 KiB UPDATEs (810 distinct /32s each, ORIGIN, 4-byte AS_PATH,
  // NEXT_HOP), built on demand with some extra CPU work per chunk, for 2 s.
  const attrs = Buffer.from('40010100' + '4002060201fa56ea00' + '4003040a000001', 'hex');
  const perUpdate = 810;
  const stopAt = Date.now() + 2000;
  let chunks = 0;
  function* wholeRoutes() {
    while (Date.now() < stopAt && chunks < 100_000) {
      const body = new Uint8Array(4 + attrs.length + perUpdate * 5);
      body[3] = attrs.length;
      body.set(attrs, 4);
      let o = 4 + attrs.length;
      for (let k = 0; k < perUpdate; k++) {
        // Prefixes cycle over 81,000 distinct /32s, so the receiver's Adj-RIB-In keys stay bounded.
        const n = (chunks % 100) * perUpdate + k;
        body.set([32, 10, (n >>> 16) & 255, (n >>> 8) & 255, n & 255], o);
        o += 5;
      }
      const t = performance.now();
      while (performance.now() - t < 0.05) { /* simulated encoding cost */ }
      chunks++;
      yield message(2, body);
    }
  }
  await p.active.sendChunks(wholeRoutes());
  assert.ok(chunks > 100, `sent ${chunks} UPDATEs`);
  assert.equal(p.active.state, 'Established');
  assert.equal(p.passive.state, 'Established');
  await waitFor(() => p.passive.received.count('ipv4-unicast') === 100 * perUpdate, 10_000, 'receiver caught up');
  await waitFor(() => (p.pMetrics.received.update ?? 0) === chunks, 10_000, 'every UPDATE received');
  assert.equal(p.aMetrics.sent.update, chunks, 'UPDATEs written through sendChunks are counted by type');
  assert.ok(p.passive.keepaliveLatenessMaxMs < 100, `receiver keepalive lateness max ${p.passive.keepaliveLatenessMaxMs.toFixed(1)} ms`);
  assert.ok(p.active.keepaliveLatenessMaxMs < 100, `keepalive lateness max ${p.active.keepaliveLatenessMaxMs.toFixed(1)} ms`);
  assert.ok(p.aMetrics.lateness.length >= 1, 'at least one keepalive was sent during the send');
  t.diagnostic(`${chunks} UPDATEs / ${chunks * perUpdate} prefixes in 2 s; keepalive lateness max sender ${p.active.keepaliveLatenessMaxMs.toFixed(1)} ms, receiver ${p.passive.keepaliveLatenessMaxMs.toFixed(1)} ms`);
});

test('simultaneous open: two active sessions with listeners connect to each other and settle on one connection', async () => {
  for (let round = 0; round < 5; round++) {
    const pa = nextPort++;
    const pb = nextPort++;
    const la = new Listener({ host: '127.0.0.1', port: pa });
    const lb = new Listener({ host: '127.0.0.2', port: pb });
    const clock = new ManualClock();
    const ids = round % 2 === 0 ? ['10.0.0.1', '10.0.0.2'] : ['10.0.0.2', '10.0.0.1'];
    const a = new Session({ peerAddress: '127.0.0.2', peerPort: pb, localAddress: '127.0.0.1', clock, seed: 1, fsm: { localAs: 65000, localBgpId: ids[0]!, peerAs: 65001 } });
    const b = new Session({ peerAddress: '127.0.0.1', peerPort: pa, localAddress: '127.0.0.2', clock, seed: 2, fsm: { localAs: 65001, localBgpId: ids[1]!, peerAs: 65000 } });
    la.addSession(a);
    lb.addSession(b);
    await la.listen();
    await lb.listen();
    cleanups.push(async () => { await a.destroy(); await b.destroy(); await la.close(); await lb.close(); });
    let aUps = 0;
    a.on('established', () => aUps++);
    a.start();
    b.start();
    await waitFor(() => a.state === 'Established' && b.state === 'Established', 3000, `round ${round}: both Established`);
    const ia = a.establishedInfo!;
    const ib = b.establishedInfo!;
    assert.equal(ia.localPort, ib.remotePort, 'both ends of the same TCP connection');
    assert.equal(ia.remotePort, ib.localPort);
    await new Promise((r) => setTimeout(r, 50));
    assert.equal(aUps, 1, 'established once');
    assert.equal(a.state, 'Established');
  }
});
