// Standalone mode's BFD ↔ BGP coupling after it moved to standalone/bfd-coupling.ts (shared with
// Kubernetes mode), on loopback (ports 19430–19432): realSessionLayer starts a BFD session (RFC 5881)
// for a peer with `bfd: {profile: fast}` against a BfdService playing the router; the router's BFD
// going AdminDown makes vipd close the BGP session with Cease 6/10 (RFC 9384); the BFD state reaches
// the observer and bfdState(); vipd's BFD process killed → Cease 6/10 at once, the restart counted by
// the observer, BFD back Up. Needs the native addon; skipped without it.

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, test } from 'node:test';
import { Listener } from '@vipd/bgp/listener.ts';
import { Session } from '@vipd/bgp/session.ts';
import { noopLogger } from '@vipd/bgp/observe.ts';
import { BfdService } from '@vipd/bgp/bfd/service.ts';
import { sockoptAvailable } from '@vipd/bgp/net/sockopt.ts';
import { validateConfig } from '../../src/standalone/config.ts';
import { realSessionLayer } from '../../src/standalone/real-session-layer.ts';

const ROUTER = '127.0.0.2';
const VIPD = '127.0.0.3';
const skip = sockoptAvailable() ? false : 'native addon not built';
const cleanups: (() => Promise<unknown>)[] = [];
after(async () => {
  for (const c of cleanups.reverse()) await c();
});

async function until(what: string, cond: () => boolean, ms: number): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) assert.fail(`timed out: ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

test('standalone: bfd profile → BFD Up; router BFD AdminDown → Cease 6/10 to the router', { skip, timeout: 20_000 }, async () => {
  const listener = new Listener({ host: ROUTER, port: 19430 });
  const router = new Session({
    peerAddress: VIPD,
    fsm: { localAs: 65001, localBgpId: '10.255.0.2', peerAs: 65000, holdTimeSec: 9, passive: true, families: [{ afi: 1, safi: 1 }] },
  });
  const downs: { code?: number; subcode?: number }[] = [];
  router.on('down', (d) => {
    downs.push({ code: d.notification?.code, subcode: d.notification?.subcode });
    // A router keeps accepting its configured passive peer; this stand-in has to be told.
    setImmediate(() => router.start());
  });
  listener.addSession(router);
  await listener.listen();
  router.start();
  cleanups.push(async () => { await router.stop(); await listener.close(); });
  const routerBfd = new BfdService();
  cleanups.push(() => routerBfd.close());
  routerBfd.addPeer({ id: 'vipd', peerAddress: VIPD, localAddress: ROUTER, multihop: false,
    timers: { desiredMinTxUs: 100_000, requiredMinRxUs: 100_000, detectMult: 3 }, listenPort: 19432, peerPort: 19431 });
  const states: string[] = [];
  let restarts = 0;
  const layer = realSessionLayer(noopLogger, undefined, {
    observer: { connectTimeout() {}, diagnosis() {}, bfdState: (_p, s) => states.push(s), bfdTransition() {}, bfdProcessRestart: () => restarts++ },
    bfdPorts: { listen: 19431, peer: 19432 },
  });
  const cfg = validateConfig({
    localAsn: 65000, routerId: '10.0.0.1', listen: { enabled: false },
    bfdProfiles: { fast: { minTxMs: 100, minRxMs: 100, multiplier: 3 } },
    peers: [{ address: ROUTER, port: 19430, asn: 65001, sourceAddress: VIPD, holdTimeSec: 9, bfd: { profile: 'fast' } }],
  });
  const port = layer.createSession(cfg.peers[0]!, { localAsn: 65000, routerId: '10.0.0.1', restarting: false }, { established() {}, down() {}, routeRefresh() {} });
  cleanups.push(async () => { await port.stop(6, 'test over'); await layer.close?.(); });
  port.start();
  await until('BGP Established', () => router.state === 'Established', 10_000);
  await until('BFD Up', () => port.bfdState?.() === 'Up', 10_000);
  assert.ok(states.includes('Up'));
  routerBfd.setAdminDown('vipd', true);
  await until('router got a NOTIFICATION', () => downs.length > 0, 5_000);
  assert.deepEqual(downs[0], { code: 6, subcode: 10 });

  // vipd's BFD process dies: the session is closed with Cease 6/10 at once (our BFD packets stopped, the
  // router would say so too), the restart reaches the observer, and BFD and BGP come back.
  routerBfd.setAdminDown('vipd', false);
  await until('BFD Up again', () => port.bfdState?.() === 'Up', 10_000);
  await until('BGP Established again', () => router.state === 'Established', 10_000);
  const pid = bfdChildOtherThan(routerBfd.pid);
  process.kill(pid, 'SIGKILL');
  await until('router got a second NOTIFICATION', () => downs.length > 1, 2_000);
  assert.deepEqual(downs[1], { code: 6, subcode: 10 });
  await until('restart observed', () => restarts === 1, 3_000);
  await until('BFD Up after the restart', () => port.bfdState?.() === 'Up', 10_000);
  assert.notEqual(bfdChildOtherThan(routerBfd.pid), pid);
});

/** The PID of this process's BFD child that is not `other` (the router stand-in's). */
function bfdChildOtherThan(other: number | undefined): number {
  const kids = readFileSync(`/proc/${process.pid}/task/${process.pid}/children`, 'utf8').trim().split(/\s+/).map(Number);
  const bfd = kids.filter((k) => k !== other && /bfd-process\.ts/.test(readFileSync(`/proc/${k}/cmdline`, 'utf8')));
  assert.equal(bfd.length, 1, `BFD children: ${bfd.join(', ')}`);
  return bfd[0]!;
}
