// Keepalive lateness under route churn (the control-plane-stall risk of the field guide): one real
// Session + Speaker peering with a BIRD router, 100k /32 VIPs announced, then the whole set is
// re-announced with alternating communities every `periodMs` (each pass rewrites every route) for
// `durationMs`. Every KEEPALIVE's lateness against its schedule is recorded through BgpMetrics, plus
// the event-loop lag seen by a 10 ms interval timer. Run inside the speaker namespace:
//   node bench/support/speaker-churn.ts <peer> <peerAs> <localAs> <count> <durationMs> <periodMs>
// Prints one JSON line with the samples' statistics.

import { Session } from '../../packages/bgp/src/session.ts';
import { Speaker } from '../../packages/bgp/src/speaker.ts';
import { codecEncoder, linkInfoFromNegotiated } from '../../packages/bgp/src/speaker-wire.ts';
import { noopMetrics, type BgpMetrics } from '../../packages/bgp/src/observe.ts';
import type { RouteAttributes } from '../../packages/bgp/src/export-policy.ts';

const [peer, peerAsText, localAsText, countText, durationText, periodText] = process.argv.slice(2);
const count = Number(countText);
const localAs = Number(localAsText);

const lateness: number[] = [];
const metrics: BgpMetrics = { ...noopMetrics, keepaliveLateness: (_p, s) => void lateness.push(s * 1000) };

function routes(tag: number): Map<string, RouteAttributes> {
  const attrs: RouteAttributes = { communities: [65000 * 65536 + tag] };
  const m = new Map<string, RouteAttributes>();
  for (let i = 0; i < count; i++) m.set(`100.${64 + ((i >> 16) & 63)}.${(i >> 8) & 255}.${i & 255}/32`, attrs);
  return m;
}

function stats(xs: number[]): { n: number; max: number; p99: number; p50: number } {
  const s = [...xs].sort((a, b) => a - b);
  const at = (p: number) => s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))] ?? Number.NaN;
  return { n: s.length, max: s.at(-1) ?? Number.NaN, p99: at(99), p50: at(50) };
}

const speaker = new Speaker({ encoder: codecEncoder, metrics });
speaker.addPeer(peer!, { localAs, peerAs: Number(peerAsText), families: ['ipv4-unicast'] });
const session = new Session({
  peerAddress: peer!,
  fsm: {
    localAs,
    localBgpId: '10.255.0.9',
    peerAs: Number(peerAsText),
    holdTimeSec: 3,
    keepaliveSec: 0.25,
    families: [{ afi: 1, safi: 1 }],
  },
  metrics,
});
const sets = [routes(1), routes(2)];
await speaker.setDesired(sets[0]!);
const up = new Promise<void>((resolve) => {
  session.on('established', (info) => {
    speaker.peerUp(peer!, linkInfoFromNegotiated(info.negotiated, info.localAddress), { write: (m) => session.sendChunks(m) });
    resolve();
  });
});
let downs = 0;
session.on('down', () => {
  downs++;
  speaker.peerDown(peer!);
});
session.start();
await up;
await speaker.idle();
lateness.length = 0;
const lag: number[] = [];
let last = performance.now();
const lagTimer = setInterval(() => {
  const now = performance.now();
  lag.push(Math.max(0, now - last - 10));
  last = now;
}, 10);
const started = performance.now();
let passes = 0;
while (performance.now() - started < Number(durationText)) {
  void speaker.setDesired(sets[++passes % 2]!);
  await new Promise((r) => setTimeout(r, Number(periodText)));
}
await speaker.idle();
clearInterval(lagTimer);
const result = { passes, downs, keepalive: stats(lateness), loopLag: stats(lag), rssMb: process.memoryUsage().rss / 2 ** 20 };
process.stdout.write(`${JSON.stringify(result)}\n`);
await session.stop({ message: 'bench done' });
process.exit(0);
