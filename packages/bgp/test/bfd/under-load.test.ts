// BFD timers hold under route work (issue 8): two BFD services at 100 ms × 3 over loopback (ports
// 18921/18922) stay Up while the daemon's process churns 100,000 routes for ~4 s: each round builds a
// new 100k desired set, encodes the whole table at once with the codec (packUpdates, synchronous) and
// hands the set to the real Speaker (which yields as it goes). The test also measures the main
// thread's longest stall and requires it to exceed the 300 ms detection time — so a BFD running on
// the main thread would have gone Down here, and the test proves the design rather than passing on an
// idle machine. It runs in the parallel unit run on purpose: the other test files load both cores.
// With BFD in a worker thread of the same process this setup once took both sessions Down (transmits
// 200–223 ms late behind the main isolate's heap work); BFD now runs in a process of its own, so the
// bound on transmit lateness is tight.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { BfdService, type BfdStateEvent } from '../../src/bfd/service.ts';
import { Speaker } from '../../src/speaker.ts';
import { codecEncoder } from '../../src/speaker-wire.ts';
import type { RouteAttributes } from '../../src/export-policy.ts';
import type { PeerLinkInfo } from '../../src/export-policy.ts';
import { packUpdates } from '../../src/wire/pack.ts';
import type { Prefix } from '../../src/wire/types.ts';

const T100 = { desiredMinTxUs: 100_000, requiredMinRxUs: 100_000, detectMult: 3 };
const CTX = { fourOctetAs: true, extendedMessage: false, addPathSend: new Set<string>() };
const COUNT = 100_000;
const services: BfdService[] = [];
after(async () => {
  await Promise.all(services.map((s) => s.close()));
});

function routes(round: number): Map<string, RouteAttributes> {
  // New prefix text each round (parsed again) and new attributes: every route changes.
  const attrs: RouteAttributes = { communities: [65000 * 65536 + round] };
  const m = new Map<string, RouteAttributes>();
  const base = (round % 2) * 64;
  for (let i = 0; i < COUNT; i++) m.set(`100.${base + ((i >> 16) & 63)}.${(i >> 8) & 255}.${i & 255}/32`, attrs);
  return m;
}

test('BFD 100 ms × 3 stays Up while 100k routes churn in the daemon process', async () => {
  const a = new BfdService();
  const b = new BfdService();
  services.push(a, b);
  await Promise.all([a.ready, b.ready]);
  a.addPeer({ id: 'b', peerAddress: '127.0.0.1', localAddress: '127.0.0.1', multihop: false, timers: T100, listenPort: 18921, peerPort: 18922 });
  b.addPeer({ id: 'a', peerAddress: '127.0.0.1', localAddress: '127.0.0.1', multihop: false, timers: T100, listenPort: 18922, peerPort: 18921 });
  const deadline = Date.now() + 5000;
  while (!(a.state('b') === 'Up' && b.state('a') === 'Up') && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  assert.equal(a.state('b'), 'Up');
  // Wait for the poll sequence to settle on 100 ms before loading the machine.
  while ((await a.snapshot())[0]?.detectTimeMs !== 300 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  const before = (await a.snapshot())[0]!.txLatenessMaxMs;
  const downs: BfdStateEvent[] = [];
  a.on('down', (e) => downs.push(e));
  b.on('down', (e) => downs.push(e));

  const speaker = new Speaker({ encoder: codecEncoder });
  speaker.addPeer('10.0.0.2', { localAs: 65001, peerAs: 65002, families: ['ipv4-unicast'] });
  const link: PeerLinkInfo = {
    families: new Set(['ipv4-unicast']), fourOctetAs: true, extendedMessage: false, routeRefresh: true,
    enhancedRouteRefresh: false, extendedNextHopIpv4: false, localAddress: '10.0.0.1',
  };
  let bytes = 0;
  speaker.peerUp('10.0.0.2', link, { write: async (msgs) => { for (const m of msgs) bytes += m.length; } });

  let maxStallMs = 0;
  let last = performance.now();
  const tick = setInterval(() => {
    const t = performance.now();
    maxStallMs = Math.max(maxStallMs, t - last - 10);
    last = t;
  }, 10);
  const end = Date.now() + 4000;
  let rounds = 0;
  try {
    while (Date.now() < end && rounds < 40) {
      // A burst the event loop cannot interleave: build two full sets and encode the whole table at once.
      const a = routes(rounds++);
      const b = routes(rounds++);
      for (const set of [a, b]) {
        const prefixes: Prefix[] = [];
        for (const k of set.keys()) {
          const [ip, len] = k.split('/');
          prefixes.push({ afi: 1, length: Number(len), addr: Uint8Array.from(ip!.split('.').map(Number)) });
        }
        bytes += packUpdates(prefixes, { origin: 0, asPath: [{ type: 2, asns: [65001] }], nextHop: '10.0.0.1' }, CTX).reduce((n, m) => n + m.length, 0);
      }
      void speaker.setDesired(a);
      void speaker.setDesired(b);
      await speaker.idle();
      await new Promise((r) => setImmediate(r));
    }
  } finally {
    clearInterval(tick);
  }
  const [sa] = await a.snapshot();
  const [sb] = await b.snapshot();
  assert.ok(rounds >= 2 && bytes > 0, 'route work ran');
  assert.ok(maxStallMs > 300, `the main thread stalled ${maxStallMs.toFixed(0)} ms (must exceed the 300 ms detection time to prove anything)`);
  assert.deepEqual(downs, [], 'no BFD Down during the churn');
  assert.equal(sa!.state, 'Up');
  assert.equal(sb!.state, 'Up');
  assert.equal(sa!.downTransitions + sb!.downTransitions, 0);
  // The BFD process runs at SCHED_RR (as root here) and shares no address space with the route work:
  // its transmits stay within a quarter of the 100 ms interval (the jitter RFC 5880 §6.8.7 allows
  // anyway). Typically ~1 ms; the worst seen in parallel suite runs is in docs/security-and-failover.md.
  const boundMs = a.priority === 'rr' ? 25 : 300;
  assert.ok(sa!.txLatenessMaxMs < boundMs && sb!.txLatenessMaxMs < boundMs, `tx lateness ${sa!.txLatenessMaxMs} / ${sb!.txLatenessMaxMs} ms (bound ${boundMs})`);
  console.log(JSON.stringify({ priority: a.priority, before, rounds, bytes, maxStallMs: Math.round(maxStallMs), txLatenessMaxMs: [sa!.txLatenessMaxMs, sb!.txLatenessMaxMs] }));
});
