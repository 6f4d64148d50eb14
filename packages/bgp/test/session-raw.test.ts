// Session against a raw scripted TCP peer (hand-written bytes) over 127.0.0.1, timers on a ManualClock:
// establish, keepalive cadence, hold expiry (Established and OpenConfirm), bad OPENs → the right
// NOTIFICATION then Idle, header errors, minimal-OPEN fallback, max-prefix 6/1 and RFC 7606 counting,
// the shutdown communication, and a peer that stops reading → send hold timer 8/0. Ports 18100-18139.

import { after, test } from 'node:test';
import net from 'node:net';
import assert from 'node:assert/strict';
import { ManualClock } from '../src/clock.ts';
import { Session, SessionDownError, type SessionOptions } from '../src/session.ts';
import type { FsmConfigInput } from '../src/fsm/types.ts';
import { KEEPALIVE, RawServer, RecordingMetrics, hex, message, openMessage, rawConnect, toHex, waitFor, type RawConn } from './support/raw-peer.ts';
import { Listener } from '../src/listener.ts';

let nextPort = 18100;
const cleanups: (() => Promise<void> | void)[] = [];
after(async () => {
  for (const c of cleanups.reverse()) await c();
});

interface Rig {
  clock: ManualClock;
  session: Session;
  server: RawServer;
  metrics: RecordingMetrics;
}

async function rig(fsm: Partial<FsmConfigInput> = {}, extra: Partial<SessionOptions> = {}): Promise<Rig> {
  const port = nextPort++;
  const server = await RawServer.listen('127.0.0.1', port);
  const clock = new ManualClock();
  const metrics = new RecordingMetrics();
  const session = new Session({
    peerAddress: '127.0.0.1',
    peerPort: port,
    clock,
    metrics,
    seed: 5,
    fsm: { localAs: 65000, localBgpId: '10.0.0.1', peerAs: 65001, holdTimeSec: 9, ...fsm },
    ...extra,
  });
  cleanups.push(async () => { await session.destroy(); await server.close(); });
  return { clock, session, server, metrics };
}

/** Drives the raw side through OPEN / KEEPALIVE; the peer sends no capabilities (IPv4, 2-byte AS). */
async function establish(r: Rig, peerOpen = openMessage({ as: 65001, hold: 9, id: '10.0.0.2' })): Promise<RawConn> {
  r.session.start();
  const c = await r.server.accept();
  const open = await c.next();
  assert.equal(open.type, 1);
  c.send(peerOpen);
  assert.equal((await c.next()).type, 4);
  c.send(KEEPALIVE);
  await waitFor(() => r.session.state === 'Established', 3000, 'Established');
  return c;
}

async function expectNotification(c: RawConn, codeSubcodeDataHex: string): Promise<void> {
  const f = await c.next({ skipKeepalives: true });
  assert.equal(f.type, 3, 'a NOTIFICATION');
  assert.equal(toHex(f.body), codeSubcodeDataHex);
  await c.waitClosed();
  // NOTIFICATION sent ⇒ Idle: nothing at all may follow it on the connection.
  assert.equal(c.frames[c.frames.length - 1], f, 'the NOTIFICATION is the last message');
}

test('establish with a raw peer; keepalive every hold/3; peer keepalives keep the hold timer alive', async () => {
  const r = await rig();
  const c = await establish(r);
  const n = r.session.negotiated!;
  assert.deepEqual(n.families, [{ afi: 1, safi: 1 }], 'no MP capability: implicit IPv4 unicast');
  assert.equal(n.fourOctetAs, false);
  assert.equal(n.keepaliveSec, 3);
  for (let i = 0; i < 5; i++) {
    const before = c.frames.length;
    r.clock.advance(3000);
    await waitFor(() => c.frames.length > before, 2000, 'keepalive');
    assert.equal((await c.next()).type, 4);
    c.send(KEEPALIVE);
    await waitFor(() => (r.metrics.received.keepalive ?? 0) >= i + 2, 2000, 'keepalive received');
  }
  assert.equal(r.session.state, 'Established', '15 s > hold 9 s, but the peer kept it alive');
});

test('hold timer expiry in Established → NOTIFICATION 4/0, close, Idle', async () => {
  const r = await rig();
  const c = await establish(r);
  const downs: unknown[] = [];
  r.session.on('down', (d) => downs.push(d));
  r.clock.advance(8999);
  assert.equal(r.session.state, 'Established');
  r.clock.advance(1);
  await expectNotification(c, '0400');
  assert.equal(r.session.state, 'Idle');
  assert.equal(r.session.lastDown?.kind, 'notification-sent');
  assert.equal(r.session.lastDown?.wasEstablished, true);
  assert.equal(downs.length, 1);
});

test('hold timer runs in OpenConfirm: OPEN but no KEEPALIVE → 4/0 after the negotiated hold', async () => {
  const r = await rig();
  r.session.start();
  const c = await r.server.accept();
  await c.next();
  c.send(openMessage({ as: 65001, hold: 6, id: '10.0.0.2' }));
  await waitFor(() => r.session.state === 'OpenConfirm');
  r.clock.advance(5999);
  assert.equal(r.session.state, 'OpenConfirm');
  r.clock.advance(1);
  await expectNotification(c, '0400');
  assert.equal(r.session.state, 'Idle');
});

const badOpens: readonly [string, Uint8Array, string][] = [
  ['version 3 → 2/1', openMessage({ as: 65001, hold: 9, id: '10.0.0.2', version: 3 }), '02010004'],
  ['hold time 1 → 2/6', openMessage({ as: 65001, hold: 1, id: '10.0.0.2' }), '02060001'],
  ['BGP id 0 → 2/3', openMessage({ as: 65001, hold: 9, id: '0.0.0.0' }), '020300000000'],
  ['wrong AS → 2/2', openMessage({ as: 65002, hold: 9, id: '10.0.0.2' }), '0202fdea'],
  // Optional parameter type 1 (deprecated authentication): 2/4.
  ['unknown optional parameter → 2/4 (data: the parameter)', message(1, '04fde9005a0a00000203010100'), '0204010100'],
  ['malformed capability (MP length 3) → 2/0 family', openMessage({ as: 65001, hold: 9, id: '10.0.0.2', capsHex: '0103000101' }), ''],
];

for (const [name, bytes, expectHex] of badOpens) {
  test(`bad OPEN: ${name}, then Idle`, async () => {
    const r = await rig();
    r.session.start();
    const c = await r.server.accept();
    await c.next();
    c.send(bytes);
    const f = await c.next();
    assert.equal(f.type, 3);
    if (expectHex !== '') assert.equal(toHex(f.body), expectHex);
    else assert.equal(f.body[0], 2, 'an OPEN Message Error');
    await c.waitClosed();
    await waitFor(() => r.session.state === 'Idle');
    assert.ok(r.metrics.notificationsSent.length === 1);
  });
}

test('Bad Peer AS is not retried in a tight loop (idle-hold ≥ 45 s), then retried', async () => {
  const r = await rig();
  r.session.start();
  const c = await r.server.accept();
  await c.next();
  c.send(openMessage({ as: 65002, hold: 9, id: '10.0.0.2' }));
  await expectNotification(c, '0202fdea');
  r.clock.advance(44_000);
  await new Promise((res) => setTimeout(res, 100));
  assert.equal(r.server.conns.length, 1, 'no reconnect within 44 s');
  r.clock.advance(16_000);
  await r.server.accept(1);
});

test('message header errors: bad marker → 1/1; bad length → 1/2 with the length', async () => {
  for (const [bytes, expectHex] of [
    [hex('00'.repeat(16) + '001304'), '0101'],
    [hex('ff'.repeat(16) + '001204'), '01020012'],
  ] as const) {
    const r = await rig();
    const c = await establish(r);
    c.send(bytes);
    await expectNotification(c, expectHex);
    assert.equal(r.session.state, 'Idle');
  }
});

test('an UPDATE before Established is an FSM error (5/1 in OpenSent)', async () => {
  const r = await rig();
  r.session.start();
  const c = await r.server.accept();
  await c.next();
  c.send(message(2, '00000000'));
  await expectNotification(c, '0501');
});

test('minimal-OPEN fallback: the peer answers our OPEN with 2/7; the retry carries no capabilities', async () => {
  const r = await rig();
  r.session.start();
  const c = await r.server.accept();
  const first = await c.next();
  assert.ok(first.body[9]! > 0, 'first OPEN has optional parameters');
  c.send(message(3, '0207'));
  await waitFor(() => r.session.state === 'Idle');
  r.clock.advance(1000);
  const c2 = await r.server.accept(1);
  const second = await c2.next();
  assert.equal(second.type, 1);
  assert.equal(second.body[9], 0, 'minimal OPEN: optional parameters length 0');
});

// UPDATE: ORIGIN IGP, AS_PATH [65001] (2-byte), NEXT_HOP 10.0.0.2, NLRI given as hex.
const attrs = '40010100 40020402 01fde9 4003040a000002';
const update = (nlriHex: string, attrHex = attrs) => {
  const a = attrHex.replace(/\s+/g, '');
  return message(2, `0000${(a.length / 2).toString(16).padStart(4, '0')}${a}${nlriHex}`);
};

test('received routes are counted per family; RFC 7606 treat-as-withdraw removes them; max-prefix → 6/1', async () => {
  const r = await rig({}, { received: { maxPrefixes: { 'ipv4-unicast': 3 }, adjRibInLimit: 10 } });
  const c = await establish(r);
  c.send(update('180a0101 180a0102'));
  await waitFor(() => r.session.received.count('ipv4-unicast') === 2, 2000, 'two routes');
  assert.equal(r.session.received.routes().length, 2);
  // ORIGIN value 5 is malformed: RFC 7606 §7.1 treat-as-withdraw for this UPDATE's NLRI.
  c.send(update('180a0102', '40010105 40020402 01fde9 4003040a000002'));
  await waitFor(() => r.session.received.count('ipv4-unicast') === 1, 2000, 'treat-as-withdraw');
  assert.equal(r.session.state, 'Established', 'treat-as-withdraw keeps the session');
  assert.equal(r.session.received.treatAsWithdrawCount, 1);
  c.send(update('180a0103 180a0104 180a0105'));
  // 4 > 3: Cease 6/1, data AFI 1, SAFI 1, limit 3.
  await expectNotification(c, '06010001 0100000003'.replace(/\s/g, ''));
  assert.equal(r.session.state, 'Idle');
  assert.equal(r.session.received.count('ipv4-unicast'), 0, 'Adj-RIB-In dropped with the session');
});

test('admin shutdown with an RFC 9003 message: Cease 6/2 + length + UTF-8, then Idle; stop() resolves', async () => {
  const r = await rig();
  const c = await establish(r);
  const text = 'maintenance — back at 14:00';
  await r.session.stop({ message: text });
  const utf8 = Buffer.from(text, 'utf8');
  await expectNotification(c, `0602${utf8.length.toString(16).padStart(2, '0')}${utf8.toString('hex')}`);
  assert.equal(r.session.state, 'Idle');
  r.clock.advance(600_000);
  await new Promise((res) => setTimeout(res, 50));
  assert.equal(r.server.conns.length, 1, 'a manual stop never restarts by itself');
});

test('admin reset (6/4) restarts automatically after the idle-hold', async () => {
  const r = await rig();
  const c = await establish(r);
  r.session.reset('config reload');
  await expectNotification(c, `0604 0d ${Buffer.from('config reload').toString('hex')}`.replace(/\s/g, ''));
  r.clock.advance(1000);
  await r.server.accept(1);
});

test('a peer that stops reading: writes back up, the send hold timer fires → 8/0, Idle, senders rejected', async () => {
  // Hold 90 s (so the peer's silence is not what ends the session), send hold 20 s.
  const r = await rig({ sendHoldSec: 20, holdTimeSec: 90 });
  const c = await establish(r, openMessage({ as: 65001, hold: 90, id: '10.0.0.2' }));
  c.socket.pause();
  // 4 KiB UPDATE-sized chunks, produced lazily; bounded at 256 MiB.
  const chunk = update('180a0101'.repeat(1000));
  let produced = 0;
  function* gen() {
    while (produced < 65_536) {
      produced++;
      yield chunk;
    }
  }
  const sending = r.session.sendChunks(gen());
  sending.catch(() => {});
  // Wait until the writes stop making progress (kernel buffers full).
  let last = -1;
  let stableSince = Date.now();
  await waitFor(() => {
    if (produced !== last) { last = produced; stableSince = Date.now(); }
    return Date.now() - stableSince > 300;
  }, 20_000, 'writes to stall');
  assert.ok(produced < 65_536, 'the sender waited for drain instead of buffering everything');
  assert.equal(r.session.state, 'Established');
  r.clock.advance(20_000);
  await waitFor(() => r.session.state === 'Idle', 3000, 'Idle');
  assert.equal(r.session.lastDown?.notification?.code, 8);
  assert.deepEqual(r.metrics.notificationsSent, ['8/0']);
  await assert.rejects(sending, (e: unknown) => e instanceof SessionDownError && e.code === 'ERR_BGP_SESSION_DOWN');
  c.socket.resume();
  await c.waitClosed(10_000);
});

test('sendChunks before Established rejects with SessionDownError', async () => {
  const r = await rig();
  await assert.rejects(r.session.send(KEEPALIVE), SessionDownError);
});

// GR capability with the N bit (RFC 8538): restart time 120 s, no families. Plus 4-octet AS 65001.
const GR_N = '4002 4078';
const AS4 = '4104 0000fde9';

test('deliberate stop with the N bit negotiated is a Hard Reset: Cease 6/9 wrapping 6/2 + message (RFC 8538 §3)', async () => {
  const gr = { restartTimeSec: 30, notification: true, forwardingPreserved: false, restarting: false };
  const r = await rig({ gracefulRestart: gr });
  const c = await establish(r, openMessage({ as: 65001, hold: 9, id: '10.0.0.2', capsHex: GR_N + AS4 }));
  assert.equal(r.session.negotiated?.hardReset, true);
  await r.session.stop({ message: 'bye' });
  await expectNotification(c, `0609 0602 03 ${Buffer.from('bye').toString('hex')}`.replace(/\s/g, ''));
});

test('graceful stop (restart): plain Cease with the N bit, no NOTIFICATION at all without it (RFC 4724 / 8538)', async () => {
  const gr = { restartTimeSec: 30, notification: true, forwardingPreserved: false, restarting: false };
  const r = await rig({ gracefulRestart: gr });
  const c = await establish(r, openMessage({ as: 65001, hold: 9, id: '10.0.0.2', capsHex: GR_N + AS4 }));
  await r.session.stop({ graceful: true });
  await expectNotification(c, '0602');

  const r2 = await rig({ gracefulRestart: gr });
  const c2 = await establish(r2, openMessage({ as: 65001, hold: 9, id: '10.0.0.2', capsHex: AS4 }));
  await r2.session.stop({ graceful: true });
  await c2.waitClosed();
  assert.ok(!c2.frames.some((f) => f.type === 3), 'closed without a NOTIFICATION');
  assert.equal(r2.session.state, 'Idle');
});

test('ROUTE-REFRESH: delivered for a negotiated family, ignored (no reset) for others; End-of-RIB reported', async () => {
  const r = await rig();
  // Peer offers route refresh (code 2) and IPv4 unicast MP.
  const c = await establish(r, openMessage({ as: 65001, hold: 9, id: '10.0.0.2', capsHex: '0104 00010001 0200' }));
  const refreshes: unknown[] = [];
  const eors: unknown[] = [];
  r.session.on('routeRefresh', (q) => refreshes.push(q));
  r.session.on('endOfRib', (f) => eors.push(f));
  c.send(message(5, '00020001')); // IPv6 unicast: not negotiated → ignored
  c.send(message(5, '00010301')); // IPv4 unicast, unknown subtype 3 → ignored (RFC 7313 §4)
  c.send(message(5, '00010001')); // IPv4 unicast
  c.send(message(2, '00000000')); // IPv4 End-of-RIB: empty UPDATE
  await waitFor(() => refreshes.length === 1 && eors.length === 1, 2000, 'refresh and EoR');
  assert.deepEqual(refreshes, [{ afi: 1, safi: 1, subtype: 0 }]);
  assert.deepEqual(eors, [{ afi: 1, safi: 1 }]);
  assert.equal(r.session.state, 'Established');
  assert.equal(r.session.requestRouteRefresh(1, 1), true);
  const f = await c.next({ skipKeepalives: true });
  assert.equal(f.type, 5);
  assert.equal(toHex(f.body), '00010001');
});

test('createSocket: the factory provides the outgoing socket; a throwing factory is a failed attempt, retried', async () => {
  let calls = 0;
  const r = await rig({}, {
    createSocket: () => {
      calls++;
      if (calls === 1) throw new Error('addon unavailable');
      return new net.Socket();
    },
  });
  r.session.start();
  await waitFor(() => r.session.state === 'Active', 2000, 'Active after the failed attempt');
  assert.equal(r.server.conns.length, 0);
  r.clock.advanceToNext(); // connect-retry
  const c = await r.server.accept();
  assert.equal((await c.next()).type, 1);
  assert.equal(calls, 2);
});

test('connect-retry backoff on the ManualClock: refused connections wait longer each time, within jitter', async () => {
  // Nothing listens on this port: every attempt is refused at once (Connect → Active).
  const port = nextPort++;
  const clock = new ManualClock();
  const session = new Session({
    peerAddress: '127.0.0.1', peerPort: port, clock, seed: 9,
    fsm: { localAs: 65000, localBgpId: '10.0.0.1', peerAs: 65001, connectRetrySec: 2, connectRetryMaxSec: 30 },
  });
  cleanups.push(() => session.destroy());
  session.start();
  const delays: number[] = [];
  for (let i = 0; i < 6; i++) {
    await waitFor(() => session.state === 'Active', 3000, `refusal ${i}`);
    delays.push(clock.nextDue()! - clock.now());
    clock.advanceToNext();
    assert.equal(session.state, 'Connect');
  }
  // Attempt n (1-based) after a refusal waits 2 × 2^(2n-1) s capped at 30 s: the Connect→Active failure and
  // the expiry each count one attempt.
  delays.forEach((ms, i) => {
    const base = Math.min(30, 2 * 2 ** (2 * i + 1)) * 1000;
    assert.ok(ms >= base * 0.75 && ms <= base, `delay ${i}: ${ms} ms vs base ${base}`);
  });
});

test('garbage from the peer never crashes the session: some NOTIFICATION, then Idle', async () => {
  let seed = 12345;
  const rnd = () => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32);
  for (let run = 0; run < 10; run++) {
    const r = await rig();
    const c = await establish(r);
    // A valid header with a random type and length, then random bytes; or pure noise.
    const body = Uint8Array.from({ length: 10 + Math.floor(rnd() * 200) }, () => Math.floor(rnd() * 256));
    // Types 1 (OPEN: unexpected in Established), 2 (UPDATE), 7 and 200 (unknown). Not 5: a long
    // ROUTE-REFRESH of subtype 0 is a valid request with ORF entries (RFC 7313 §5), served, no error.
    const type = [1, 2, 7, 200][Math.floor(rnd() * 4)]!;
    c.send(run % 2 === 0 ? message(type, body) : body);
    if (run % 2 === 1) c.send(new Uint8Array(4096).fill(0x11)); // make sure a full header arrives
    await waitFor(() => r.session.state !== 'Established', 3000, `session reacted (run ${run}, type ${type}, ${toHex(body.subarray(0, 24))})`);
    assert.equal(r.session.state, 'Idle');
    assert.equal(r.metrics.notificationsSent.length, 1);
  }
});

test('a graceful-restart capable peer that connects again while Established replaces the old connection', async () => {
  const r = await rig();
  const listenPort = nextPort++;
  const listener = new Listener({ host: '127.0.0.1', port: listenPort });
  listener.addSession(r.session);
  await listener.listen();
  cleanups.push(() => listener.close());
  const grOpen = openMessage({ as: 65001, hold: 9, id: '10.0.0.2', capsHex: GR_N + AS4 });
  const old = await establish(r, grOpen);
  const downs: string[] = [];
  r.session.on('down', (d) => downs.push(d.kind));
  // The restarted peer connects in (its old TCP connection is dead but we did not notice yet).
  const fresh = await rawConnect('127.0.0.1', listenPort);
  assert.equal((await fresh.next()).type, 1, 'our OPEN on the new connection');
  await old.waitClosed();
  assert.deepEqual(downs, ['tcp-failed']);
  fresh.send(grOpen);
  assert.equal((await fresh.next()).type, 4);
  fresh.send(KEEPALIVE);
  await waitFor(() => r.session.state === 'Established', 2000, 'Established again');
  assert.equal(r.session.establishedInfo?.localPort, listenPort);
});

test('peer de-configured: destroy() sends Cease 6/3 and releases every timer', async () => {
  const r = await rig();
  const c = await establish(r);
  await r.session.destroy();
  await expectNotification(c, '0603');
  assert.equal(r.clock.pendingCount(), 0, 'no timer left behind');
});
