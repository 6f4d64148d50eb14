// Failure detection: how long a router keeps sending traffic to a dead vipd node. vipd standalone peers
// with BIRD 2 in network namespaces (prefix vbf-x-); the link is black-holed with nftables inside
// vipd's namespace and `birdc show route` is polled until BIRD no longer has vipd's VIP. Compared:
// BFD (RFC 5880/5881) at 100 ms × 3 and 300 ms × 3 against the BGP hold timer alone at 3 s and 9 s.
// Medians over a few repeats; each repeat heals the link and waits for the session and route first.

import { BirdRouter } from '../e2e/support/routers/bird.ts';
import { waitFor } from '../e2e/support/exec.ts';
import { cutLink, msUntil } from '../e2e/support/link-cut.ts';
import { VIPD_AS, VIPS4, baseConfig, createSpeakerLab, startVipd } from '../e2e/support/speaker-lab.ts';
import { markdownTable, median, type BenchSection } from './support/section.ts';

export const title = 'Failure detection: BFD vs hold timer';
export const order = 90;

interface Scenario {
  readonly name: string;
  readonly bfdMs?: number;
  readonly holdTimeSec: number;
  /** Time the router should take: detection time (BFD mult × interval, or the hold time). */
  readonly detectMs: number;
}

const SCENARIOS: readonly Scenario[] = [
  { name: 'BFD 100 ms × 3', bfdMs: 100, holdTimeSec: 9, detectMs: 300 },
  { name: 'BFD 300 ms × 3', bfdMs: 300, holdTimeSec: 9, detectMs: 900 },
  { name: 'hold timer 3 s (no BFD)', holdTimeSec: 3, detectMs: 3000 },
  { name: 'hold timer 9 s (no BFD)', holdTimeSec: 9, detectMs: 9000 },
];
const REPEATS = 3;

async function measure(s: Scenario, idx: number): Promise<number[]> {
  const lab = await createSpeakerLab(`vbf-x${idx}-`, [{ name: 'r' }]);
  try {
    const l = lab.routers.get('r')!.link;
    const bird = new BirdRouter(lab.topo, {
      ns: lab.routers.get('r')!.ns,
      routerId: '10.0.1.1',
      localAs: 65001,
      neighbors: [{
        address: l.b.v4!, remoteAs: VIPD_AS, families: ['ipv4'], holdTimeSec: s.holdTimeSec,
        ...(s.bfdMs === undefined ? {} : { bfd: { intervalMs: s.bfdMs, multiplier: 3 } }),
      }],
    });
    await bird.start();
    const peer = {
      address: l.a.v4!, asn: 65001, families: ['ipv4-unicast'], holdTimeSec: s.holdTimeSec,
      ...(s.bfdMs === undefined ? {} : { bfd: { minTxMs: s.bfdMs, minRxMs: s.bfdMs, multiplier: 3 } }),
    };
    const vipd = startVipd(lab, baseConfig([peer], [VIPS4[0]], { logLevel: 'info' }));
    await vipd.start();
    const out: number[] = [];
    for (let i = 0; i < REPEATS; i++) {
      await bird.waitEstablished(l.b.v4!, 30_000);
      await bird.waitForPrefix(VIPS4[0], true, 15_000);
      if (s.bfdMs !== undefined) {
        // Up, and BIRD's detection time down to the configured one: the poll sequence that leaves the
        // slow pre-Up rate (RFC 5880 §6.8.3: ≥ 1 s) has finished, so the cut measures the fast timers.
        await waitFor(async () => (await bird.bfdSessions()).some((b) => b.state === 'Up' && b.timeoutMs !== undefined && b.timeoutMs <= s.detectMs), { timeoutMs: 15_000, what: 'BFD Up at the configured timers' });
      }
      const { cutAtMs, restore } = await cutLink(lab.topo, lab.vns, 'to-r');
      try {
        out.push(await msUntil(cutAtMs, async () => !(await bird.routes('ipv4')).some((r) => r.prefix === VIPS4[0]), s.detectMs + 5000));
      } finally {
        await restore();
      }
    }
    return out;
  } finally {
    await lab.topo.destroy();
  }
}

export async function run(): Promise<BenchSection> {
  const rows: (string | number)[][] = [];
  let idx = 0;
  for (const s of SCENARIOS) {
    const ms = await measure(s, idx++);
    const med = median(ms);
    rows.push([s.name, s.detectMs, Math.round(med), ms.map((x) => Math.round(x)).join(', '), `${(med - s.detectMs >= 0 ? '+' : '')}${Math.round(med - s.detectMs)}`]);
  }
  return {
    method:
      'vipd standalone (BFD in its own process) peers over one veth link with BIRD 2.0.12 (`protocol bfd`, `bfd on`; ' +
      'hold time set on both sides). For each case the link is black-holed with an nftables drop rule (input and output) ' +
      `inside vipd's namespace, then \`birdc show route\` is polled (15–25 ms per call) until BIRD no longer has vipd's VIP; ` +
      `the time counts from just before \`nft -f\` runs (so it slightly over-states). ${REPEATS} repeats per case, healing ` +
      "the link and waiting for the session, the route (and BFD Up with BIRD's detection time at the configured value, " +
      'i.e. the poll sequence done) between repeats. The BFD cases keep a 9 s hold time, ' +
      'so only BFD can explain a sub-second withdrawal. Detection time expected: multiplier × interval, or the hold time ' +
      '(the last KEEPALIVE arrived up to hold/3 before the cut, so hold-timer medians fall below the hold time).',
    results: markdownTable(['case', 'expected detection (ms)', 'median until BIRD withdrew (ms)', 'samples (ms)', 'median − expected (ms)'], rows),
  };
}
