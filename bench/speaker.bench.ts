// Speaker bench (issue 3): (1) time from Established until a BIRD router holds all of 10k / 100k /32
// VIPs, for vipd (`vipd run`), BIRD itself as the speaker and an ideal pre-encoded sender, same
// machine, same run; (2) keepalive lateness while 100k routes churn; (3) vipd RSS with 10k / 100k
// VIPs and 4 peers. Real routers in network namespaces (prefix vsp-bench-); bounded in time.

import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { BirdRouter } from '../e2e/support/routers/bird.ts';
import { waitFor, LabError } from '../e2e/support/exec.ts';
import { createSpeakerLab, type SpeakerLab } from '../e2e/support/speaker-lab.ts';
import { VipdProcess } from '../e2e/support/vipd-process.ts';
import { markdownTable, median, type BenchSection } from './support/section.ts';

export const title = 'Speaker: convergence at a BIRD router, keepalive lateness under churn, memory';
export const order = 30;

const SENDER_AS = 4200000010;
const ROUTER_AS = 65000;
/** VIPD_BENCH_QUICK=1: one small run of each part (for developing the bench itself). */
const QUICK = process.env.VIPD_BENCH_QUICK === '1';
const SIZES: readonly number[] = QUICK ? [10_000] : [10_000, 100_000];
const REPEATS = QUICK ? 1 : 3;
const CHURN_ROUTES = QUICK ? 10_000 : 100_000;
const CHURN_MS = QUICK ? 5_000 : 20_000;
const IDEAL = fileURLToPath(new URL('./support/ideal-sender.ts', import.meta.url));
const CHURN = fileURLToPath(new URL('./support/speaker-churn.ts', import.meta.url));

function vipText(i: number): string {
  return `100.${64 + ((i >> 16) & 63)}.${(i >> 8) & 255}.${i & 255}/32`;
}

/** BIRD's log time "2026-11-21 11:42:02.564" (UTC here) → epoch ms. */
function birdLogTime(line: string): number {
  const m = /^(\d{4}-\d\d-\d\d) (\d\d:\d\d:\d\d\.\d{3})/.exec(line);
  if (m === null) throw new LabError('LAB_PARSE', `no time in ${line}`);
  return Date.parse(`${m[1]}T${m[2]}Z`);
}

async function routeCount(r: BirdRouter): Promise<number> {
  const out = await r.birdc(['show', 'route', 'protocol', 'feed', 'count']);
  return Number(/(\d+) of \d+ routes/.exec(out)?.[1] ?? 0);
}

/** The measured router: a fresh BIRD (no kernel protocol) waiting passively for the sender. */
async function freshReceiver(lab: SpeakerLab, senderAddress: string, run: number): Promise<BirdRouter> {
  const r = new BirdRouter(lab.topo, {
    ns: lab.routers.get('r1')!.ns,
    routerId: '10.0.1.1',
    localAs: ROUTER_AS,
    instance: `recv${run}`,
    neighbors: [{ address: senderAddress, remoteAs: SENDER_AS, families: ['ipv4'], passive: true, name: 'feed' }],
  });
  await r.start();
  return r;
}

/** Established (from BIRD's log, ms precision) → every route in BIRD's table (polled). */
async function measure(r: BirdRouter, n: number, timeoutMs: number): Promise<number> {
  const done = await waitFor(async () => ((await routeCount(r)) >= n ? Date.now() : undefined), { timeoutMs, intervalMs: 5, what: `${n} routes at BIRD` });
  const log = readFileSync(`${r.dir}/bird.log`, 'utf8').split('\n');
  const up = log.find((l) => /feed: State changed to up/.test(l));
  if (up === undefined) throw new LabError('LAB_PARSE', 'no Established line in bird.log');
  return (done - birdLogTime(up)) / 1000;
}

async function runVipd(lab: SpeakerLab, n: number, run: number): Promise<number> {
  const l1 = lab.routers.get('r1')!.link;
  const r = await freshReceiver(lab, l1.b.v4!, run);
  const vips: string[] = [];
  for (let i = 0; i < n; i++) vips.push(vipText(i));
  const v = new VipdProcess(lab.topo, lab.vns, {
    localAsn: SENDER_AS,
    routerId: '10.0.1.2',
    listen: { enabled: false },
    logLevel: 'warn',
    peers: [{ address: l1.a.v4!, asn: ROUTER_AS, families: ['ipv4-unicast'], holdTimeSec: 90 }],
    vips,
  }, `vipd${run}`);
  await v.start({ waitReady: false });
  try {
    return await measure(r, n, 60_000);
  } finally {
    await v.stop('SIGKILL', 5000).catch(() => undefined);
    await r.stop();
  }
}

async function runBird(lab: SpeakerLab, n: number, run: number): Promise<number> {
  const l1 = lab.routers.get('r1')!.link;
  const r = await freshReceiver(lab, l1.b.v4!, run);
  const originate = [];
  for (let i = 0; i < n; i++) originate.push({ prefix: vipText(i) });
  const s = new BirdRouter(lab.topo, {
    ns: lab.vns,
    routerId: '10.0.1.2',
    localAs: SENDER_AS,
    instance: `send${run}`,
    originate,
    neighbors: [{ address: l1.a.v4!, remoteAs: ROUTER_AS, families: ['ipv4'], name: 'm' }],
  });
  await s.start();
  try {
    return await measure(r, n, 60_000);
  } finally {
    await s.stop();
    await r.stop();
  }
}

async function runIdeal(lab: SpeakerLab, n: number, run: number): Promise<number> {
  const l1 = lab.routers.get('r1')!.link;
  const r = await freshReceiver(lab, l1.b.v4!, run);
  const p = lab.topo.spawnIn(lab.vns, [process.execPath, IDEAL, l1.a.v4!, String(SENDER_AS), '10.0.1.2', String(n), l1.b.v4!]);
  try {
    return await measure(r, n, 60_000);
  } finally {
    await p.stop(1000);
    await r.stop();
  }
}

async function convergence(lab: SpeakerLab): Promise<{ rows: (string | number)[][]; ratios: string[] }> {
  const rows: (string | number)[][] = [];
  const ratios: string[] = [];
  let run = 0;
  for (const n of SIZES) {
    const t: Record<string, number[]> = { vipd: [], bird: [], ideal: [] };
    for (let i = 0; i < REPEATS; i++) {
      t.ideal!.push(await runIdeal(lab, n, run++));
      t.bird!.push(await runBird(lab, n, run++));
      t.vipd!.push(await runVipd(lab, n, run++));
    }
    const m = { vipd: median(t.vipd!), bird: median(t.bird!), ideal: median(t.ideal!) };
    const fmt = (xs: number[]) => xs.map((x) => x.toFixed(2)).join(' / ');
    rows.push([n.toLocaleString('en'), m.vipd.toFixed(2), m.bird.toFixed(2), m.ideal.toFixed(2), (m.vipd / m.bird).toFixed(2), (m.vipd / m.ideal).toFixed(2), fmt(t.vipd!), fmt(t.bird!), fmt(t.ideal!)]);
    ratios.push(`${n}: ${(m.vipd / m.bird).toFixed(2)}`);
  }
  return { rows, ratios };
}

async function churn(lab: SpeakerLab): Promise<Record<string, { n: number; max: number; p99: number; p50: number } | number>> {
  const l1 = lab.routers.get('r1')!.link;
  const r = await freshReceiver(lab, l1.b.v4!, 900);
  try {
    const res = await lab.topo.execIn(lab.vns, process.execPath, [CHURN, l1.a.v4!, String(ROUTER_AS), String(SENDER_AS), String(CHURN_ROUTES), String(CHURN_MS), '250'], { timeoutMs: 90_000 });
    return JSON.parse(res.stdout.trim().split('\n').pop()!) as Record<string, { n: number; max: number; p99: number; p50: number } | number>;
  } finally {
    await r.stop();
  }
}

function rssKb(pid: number): number {
  return Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? Number.NaN);
}

// The image (Dockerfile) ships NODE_OPTIONS=--max-semi-space-size=2; Node's own default is shown for comparison.
const MEMORY_VARIANTS: readonly { name: string; env: NodeJS.ProcessEnv }[] = [
  { name: 'Node default heap', env: {} },
  { name: 'as shipped (image: NODE_OPTIONS=--max-semi-space-size=2)', env: { NODE_OPTIONS: '--max-semi-space-size=2' } },
];

async function memory(): Promise<(string | number)[][]> {
  const lab = await createSpeakerLab('vsp-bm-', [{ name: 'r1' }, { name: 'r2' }, { name: 'r3' }, { name: 'r4' }]);
  try {
    const routers: BirdRouter[] = [];
    const peers: unknown[] = [];
    for (const [name, { ns, link }] of lab.routers) {
      const r = new BirdRouter(lab.topo, { ns, routerId: link.a.v4!, localAs: ROUTER_AS, neighbors: [{ address: link.b.v4!, remoteAs: SENDER_AS, families: ['ipv4'], passive: true, name: 'feed' }] });
      await r.start();
      routers.push(r);
      peers.push({ address: link.a.v4!, asn: ROUTER_AS, families: ['ipv4-unicast'], holdTimeSec: 90, description: name });
    }
    const rows: (string | number)[][] = [];
    let k = 0;
    for (const variant of MEMORY_VARIANTS) {
      let base = Number.NaN;
      for (const n of [0, ...SIZES]) {
        const vips: string[] = [];
        for (let i = 0; i < n; i++) vips.push(vipText(i));
        const rss: number[] = [];
        const startToAll: number[] = [];
        for (let rep = 0; rep < REPEATS; rep++) {
          const v = new VipdProcess(lab.topo, lab.vns, { localAsn: SENDER_AS, routerId: '10.0.9.9', listen: { enabled: false }, logLevel: 'warn', peers, vips }, `mem${k++}`);
          const t0 = Date.now();
          await v.start({ waitReady: false, env: variant.env });
          for (const r of routers) {
            await r.waitEstablished(undefined, 30_000);
            await waitFor(async () => (await routeCount(r)) >= n, { timeoutMs: 90_000, intervalMs: 50, what: 'routes at BIRD' });
          }
          startToAll.push((Date.now() - t0) / 1000);
          // Let the heap settle after the initial sends.
          await new Promise((res) => setTimeout(res, 3000));
          rss.push(rssKb(v.pid!));
          await v.stop('SIGKILL', 5000).catch(() => undefined);
          for (const r of routers) await waitFor(async () => (await routeCount(r)) === 0, { timeoutMs: 20_000, what: 'routes gone' }).catch(() => undefined);
        }
        const kb = median(rss);
        if (n === 0) base = kb;
        rows.push([
          variant.name,
          n.toLocaleString('en'),
          4,
          (kb / 1024).toFixed(1),
          n === 0 ? '—' : (((kb - base) * 1024) / (n * 4)).toFixed(0),
          rss.map((x) => (x / 1024).toFixed(0)).join(' / '),
          median(startToAll).toFixed(1),
        ]);
      }
    }
    return rows;
  } finally {
    await lab.topo.destroy();
  }
}

export async function run(): Promise<BenchSection> {
  const lab = await createSpeakerLab('vsp-bc-', [{ name: 'r1' }]);
  let conv: Awaited<ReturnType<typeof convergence>>;
  let ch: Awaited<ReturnType<typeof churn>>;
  try {
    conv = await convergence(lab);
    ch = await churn(lab);
  } finally {
    await lab.topo.destroy();
  }
  const mem = await memory();
  const ka = ch.keepalive as { n: number; max: number; p99: number; p50: number };
  const lag = ch.loopLag as { n: number; max: number; p99: number; p50: number };
  const results = [
    '**(1) Established → all routes in BIRD\'s RIB** (seconds, median of the runs; BIRD 2.0.12 receiver without kernel protocol):',
    '',
    markdownTable(['VIPs', 'vipd', 'BIRD as speaker', 'ideal sender', 'vipd / BIRD', 'vipd / ideal', 'vipd runs', 'BIRD runs', 'ideal runs'], conv.rows),
    '',
    `Target vipd / BIRD ≤ 1.1: ${conv.ratios.join(', ')}.`,
    '',
    `**(2) Keepalive lateness while ${CHURN_ROUTES.toLocaleString('en')} routes churn** (hold 3 s, keepalive every 250 ms, the whole set re-announced with alternating communities every 250 ms for ${CHURN_MS / 1000} s: ${ch.passes} setDesired calls, ${ch.downs} session drops):`,
    '',
    markdownTable(['measure', 'samples', 'p50 ms', 'p99 ms', 'max ms'], [
      ['KEEPALIVE lateness vs schedule', ka.n, ka.p50.toFixed(1), ka.p99.toFixed(1), ka.max.toFixed(1)],
      ['event-loop lag (10 ms timer)', lag.n, lag.p50.toFixed(1), lag.p99.toFixed(1), lag.max.toFixed(1)],
    ]),
    '',
    `Target ≤ 100 ms (max and p99).`,
    '',
    `**(3) vipd RSS with 4 peers** (\`vipd run\`, 4 BIRD routers, measured 3 s after all 4 hold every route; median of ${REPEATS} processes):`,
    '',
    markdownTable(['node flags', 'VIPs', 'peers', 'RSS MiB (median)', 'bytes per VIP·peer above 0 VIPs', 'runs (MiB)', 'process start → all 4 routers have all (s)'], mem),
    '',
    'Target ≤ 300 B per VIP·peer.',
  ].join('\n');
  const method = [
    'Network namespaces joined by veth pairs; every sender runs in the same namespace and address and peers with a fresh BIRD 2.0.12 (passive, no kernel protocol) for each run.',
    'Time starts at the "State changed to up" line of the receiving BIRD\'s log (ms resolution) and ends at the first `birdc show route protocol feed count` poll (every ~5 ms + birdc latency) that shows all routes.',
    'Senders: `vipd run` (standalone, the YAML lists the VIPs); a second BIRD with the VIPs as static routes exporting over eBGP; and an ideal sender (bench/support/ideal-sender.ts) that pre-encodes packed 4096-byte UPDATEs and writes them in one write right after a hand-made OPEN/KEEPALIVE exchange.',
    'Runs interleave ideal, BIRD, vipd per repeat.',
    'Churn (bench/support/speaker-churn.ts): one Session + Speaker in-process against BIRD; KEEPALIVE lateness is what the session reports through BgpMetrics.keepaliveLateness.',
    'Memory: VmRSS of the `vipd run` process with 4 peers after convergence, minus the same with 0 VIPs.',
  ].join(' ');
  return { method, results };
}
