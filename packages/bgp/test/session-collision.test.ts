// §6.8 connection collisions over real sockets: the session connects out to a scripted peer while the
// same peer connects in through the Listener; both connections exchange OPENs and the session must close
// the right one with Cease 6/7 (RFC 6286 §2.3 tie rule for equal identifiers), keep the other and reach
// Established on it. Both ways round, and both OPEN arrival orders. Ports 18170-18189.

import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { ManualClock } from '../src/clock.ts';
import { Listener } from '../src/listener.ts';
import { Session } from '../src/session.ts';
import { KEEPALIVE, RawServer, openMessage, rawConnect, toHex, waitFor, type RawConn } from './support/raw-peer.ts';

let nextPort = 18170;
const cleanups: (() => Promise<void> | void)[] = [];
after(async () => {
  for (const c of cleanups.reverse()) await c();
});

interface Case {
  readonly name: string;
  readonly localId: string;
  readonly localAs: number;
  readonly peerId: string;
  readonly winner: 'outgoing' | 'incoming';
  readonly openFirstOn: 'outgoing' | 'incoming';
}

const cases: readonly Case[] = [
  { name: 'our ID lower → the peer-initiated connection survives', localId: '10.0.0.1', localAs: 65000, peerId: '10.0.0.9', winner: 'incoming', openFirstOn: 'outgoing' },
  { name: 'our ID higher → our connection survives', localId: '10.0.0.9', localAs: 65000, peerId: '10.0.0.1', winner: 'outgoing', openFirstOn: 'outgoing' },
  { name: 'our ID lower, OPEN first on the incoming connection', localId: '10.0.0.1', localAs: 65000, peerId: '10.0.0.9', winner: 'incoming', openFirstOn: 'incoming' },
  { name: 'our ID higher, OPEN first on the incoming connection', localId: '10.0.0.9', localAs: 65000, peerId: '10.0.0.1', winner: 'outgoing', openFirstOn: 'incoming' },
  { name: 'IDs compare as u32 (9.x < 10.x)', localId: '9.255.255.255', localAs: 65000, peerId: '10.0.0.0', winner: 'incoming', openFirstOn: 'outgoing' },
  { name: 'equal IDs, our AS lower → the peer keeps its connection (RFC 6286)', localId: '10.0.0.5', localAs: 65000, peerId: '10.0.0.5', winner: 'incoming', openFirstOn: 'outgoing' },
  { name: 'equal IDs, our AS higher → we keep ours (RFC 6286)', localId: '10.0.0.5', localAs: 65002, peerId: '10.0.0.5', winner: 'outgoing', openFirstOn: 'incoming' },
];

async function firstNonKeepalive(c: RawConn) {
  return c.next({ skipKeepalives: true });
}

for (const k of cases) {
  test(`collision: ${k.name}`, async () => {
    const peerPort = nextPort++;
    const listenPort = nextPort++;
    const server = await RawServer.listen('127.0.0.2', peerPort);
    const listener = new Listener({ host: '127.0.0.1', port: listenPort });
    const session = new Session({
      peerAddress: '127.0.0.2', peerPort, localAddress: '127.0.0.1', clock: new ManualClock(), seed: 3,
      fsm: { localAs: k.localAs, localBgpId: k.localId, peerAs: 65001, holdTimeSec: 9 },
    });
    listener.addSession(session);
    await listener.listen();
    cleanups.push(async () => { await session.destroy(); await listener.close(); await server.close(); });

    session.start();
    const out = await server.accept();
    assert.equal((await out.next()).type, 1, 'our OPEN on the outgoing connection');
    await waitFor(() => session.state === 'OpenSent');
    const inc = await rawConnect('127.0.0.1', listenPort, '127.0.0.2');
    assert.equal((await inc.next()).type, 1, 'our OPEN on the incoming connection (tracked separately)');

    const open = openMessage({ as: 65001, hold: 9, id: k.peerId });
    const [first, second] = k.openFirstOn === 'outgoing' ? [out, inc] : [inc, out];
    first.send(open);
    await new Promise((r) => setTimeout(r, 20));
    second.send(open);

    const [winner, loser] = k.winner === 'outgoing' ? [out, inc] : [inc, out];
    const n = await firstNonKeepalive(loser);
    assert.equal(n.type, 3, 'the loser gets a NOTIFICATION');
    assert.equal(toHex(n.body), '0607', 'Cease / Connection Collision Resolution');
    await loser.waitClosed();

    await waitFor(() => winner.frames.some((f) => f.type === 4), 2000, 'KEEPALIVE on the winner');
    assert.ok(!winner.frames.some((f) => f.type === 3), 'no NOTIFICATION on the winner');
    winner.send(KEEPALIVE);
    await waitFor(() => session.state === 'Established', 2000, 'Established');
    const info = session.establishedInfo!;
    if (k.winner === 'outgoing') assert.equal(info.remotePort, peerPort);
    else assert.equal(info.localPort, listenPort);
    assert.equal(session.negotiated?.peerBgpId, k.peerId);
  });
}
