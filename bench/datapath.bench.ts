// Bench: the data path with real traffic (e2e/support/datapath): steady-state latency through BIRD and
// FRR with ECMP over three vipd nodes, rolling restart with and without a GSHUT drain period, node death
// detected by hold timer or BFD (loss windows), graceful restart, router restart (time to full table).
// Each scenario repeats (medians); flows use fixed source ports and a fixed multipath hash seed.
// Writes PNG plots to docs/ (latency CDFs, failover timelines).
import { writeFileSync, mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { DatapathLab } from '../e2e/support/datapath/lab.ts';
import type { DatapathOptions } from '../e2e/support/datapath/lab.ts';
import { runSteady, runRollingRestart, runNodeDeath, runGrRestart, runRouterRestart, extraVips } from '../e2e/support/datapath/scenarios.ts';
import { summarizeUdp, udpTimeline } from '../e2e/support/traffic/analyze.ts';
import { summarizeHttp } from '../e2e/support/traffic/http-load.ts';
import type { UdpRecord } from '../e2e/support/traffic/udp-stream.ts';
import type { HttpRecord } from '../e2e/support/traffic/http-load.ts';
import { K8sDatapath, runEndpointUnready, runNodeDrain } from '../e2e/support/datapath/k8s.ts';
import { markdownTable, median } from './support/section.ts';
import type { BenchSection } from './support/section.ts';
import { lineChart, cdfPoints, COLORS } from './support/plot.ts';

export const title = 'Data path: real traffic through a ToR router (ECMP, drain, failover, restarts)';
export const order = 70;

const REPEATS = Math.max(1, Math.min(7, Number(process.env.VIPD_BENCH_DATAPATH_REPEATS ?? 3)));
const DOCS = fileURLToPath(new URL('../docs/', import.meta.url));
const f0 = (v: number) => (Number.isFinite(v) ? v.toFixed(0) : '—');
const spread = (vs: readonly number[], f: (v: number) => string) => `${f(median(vs))} (${vs.map(f).join(', ')})`;

/** Rows of scenarios that failed outright (recorded, so one broken scenario does not hide the others). */
const failures: string[] = [];

async function withLab(o: DatapathOptions, fn: (lab: DatapathLab) => Promise<void>): Promise<void> {
  const lab = await DatapathLab.create(o);
  try {
    await lab.start();
    await fn(lab);
  } catch (err) {
    const e = err as { code?: string; message?: string };
    failures.push(`${o.router}${o.daemon === 'kubernetes' ? ' (Kubernetes)' : ''} ${JSON.stringify({ ...o, prefix: undefined })}: ${e.code ?? 'Error'} ${(e.message ?? '').slice(0, 200)}`);
    process.stderr.write(`bench datapath: scenario failed: ${failures.at(-1)}\n`);
  } finally {
    await lab.destroy();
  }
}

function plot(name: string, png: Buffer): string {
  mkdirSync(DOCS, { recursive: true });
  writeFileSync(`${DOCS}${name}`, png);
  return `docs/${name}`;
}

export async function run(): Promise<BenchSection> {
  const rows: Array<Array<string | number>> = [];
  const plots: string[] = [];

  // 1. Steady state: RTT through each router, spread over the nodes.
  const cdf: Record<string, { udp: number[]; http: number[] }> = {};
  for (const router of ['bird', 'frr'] as const) {
    await withLab({ prefix: 'vdp-x-', router }, async (lab) => {
      const u50: number[] = [];
      const u99: number[] = [];
      const h50: number[] = [];
      const h99: number[] = [];
      const lost: number[] = [];
      let last: { udp: UdpRecord; http: HttpRecord } | undefined;
      for (let i = 0; i < REPEATS; i++) {
        last = await runSteady(lab, 3000);
        const u = summarizeUdp(last.udp);
        const h = summarizeHttp(last.http);
        u50.push(u.rttMs.p50);
        u99.push(u.rttMs.p99);
        h50.push(h.latencyMs.p50);
        h99.push(h.latencyMs.p99);
        lost.push(u.lost + h.failures);
      }
      const u = summarizeUdp(last!.udp);
      const share = Object.entries(u.perNode).sort().map(([n, c]) => `${n} ${((100 * c) / u.received).toFixed(0)}%`).join(' / ');
      rows.push([`steady ECMP via ${router}`, `UDP RTT p50 ${spread(u50, (v) => v.toFixed(2))} ms, p99 ${spread(u99, (v) => v.toFixed(2))} ms; HTTP p50 ${spread(h50, (v) => v.toFixed(2))} ms, p99 ${spread(h99, (v) => v.toFixed(2))} ms; spread ${share}`, spread(lost, f0)]);
      cdf[router] = { udp: last!.udp.rttMs.filter((x) => x > 0), http: last!.http.requests.filter((q) => q.node !== '').map((q) => q.ms) };
    });
  }
  plots.push(plot('datapath-latency.png', lineChart({
    title: 'Round-trip latency through the ToR (ECMP, 3 nodes)', xLabel: 'latency (ms)', yLabel: '% of packets / requests',
    xMin: 0, xMax: Math.max(1, ...Object.values(cdf).flatMap((c) => [pctOf(c.udp, 99.5), pctOf(c.http, 99.5)])), yMax: 100,
    series: [
      { name: 'UDP via BIRD', color: COLORS.blue, points: cdfPoints(cdf.bird?.udp ?? []) },
      { name: 'HTTP via BIRD', color: COLORS.orange, points: cdfPoints(cdf.bird?.http ?? []) },
      { name: 'UDP via FRR', color: COLORS.green, points: cdfPoints(cdf.frr?.udp ?? []) },
      { name: 'HTTP via FRR', color: COLORS.purple, points: cdfPoints(cdf.frr?.http ?? []) },
    ],
  })));

  // 2. Rolling restart of vipd on all three nodes; each node stops serving when its vipd exits.
  let rollingPlot: UdpRecord | undefined;
  let rollingEvents: Array<{ atMs: number; what: string }> = [];
  for (const drain of [{ mode: 'graceful-shutdown', periodSec: 1 }, { mode: 'withdraw', periodSec: 0 }] as const) {
    await withLab({ prefix: 'vdp-x-', router: 'bird', drain }, async (lab) => {
      const lost: number[] = [];
      const sent: number[] = [];
      const httpFail: number[] = [];
      const httpReq: number[] = [];
      const moved: number[] = [];
      for (let i = 0; i < REPEATS; i++) {
        const r = await runRollingRestart(lab);
        const s = summarizeUdp(r.udp);
        const h = summarizeHttp(r.http);
        lost.push(s.lost);
        sent.push(s.sent);
        httpFail.push(h.failures);
        httpReq.push(h.requests);
        moved.push(s.flowsOnSeveralNodes);
        if (drain.mode === 'graceful-shutdown' && i === 0) {
          rollingPlot = r.udp;
          rollingEvents = r.events;
        }
      }
      const what = drain.mode === 'graceful-shutdown' ? 'GSHUT (65535:0), 1 s drain, withdraw, Cease' : 'withdraw then Cease at once (no drain period)';
      rows.push([`rolling restart, ${what}`, `UDP packets lost of ~${f0(median(sent))} sent; UDP flows (of 24) answered by more than one node ${spread(moved, f0)}; HTTP keep-alive requests failed ${spread(httpFail, f0)} of ~${f0(median(httpReq))} (connections re-hashed to another node are reset)`, spread(lost, f0)]);
    });
  }
  if (rollingPlot) {
    const origin = rollingPlot.startedAtMs;
    const tl = udpTimeline(rollingPlot, 100, origin);
    plots.push(plot('datapath-rolling-restart.png', lineChart({
      title: 'Rolling restart with GSHUT drain: packets per 100 ms per node', xLabel: 'time (s)', yLabel: 'packets / 100 ms', step: true,
      series: seriesOf(tl), markers: rollingEvents.filter((e) => e.what.startsWith('SIGTERM')).map((e) => ({ x: (e.atMs - origin) / 1000, label: e.what })),
    })));
  }

  // 3. Node death (link black-holed, vipd SIGKILLed): detection by hold timer or BFD.
  const deaths: Array<{ name: string; o: Partial<DatapathOptions>; color: readonly [number, number, number] }> = [
    { name: 'hold timer 9 s', o: { holdTimeSec: 9 }, color: COLORS.red },
    { name: 'hold timer 3 s', o: { holdTimeSec: 3 }, color: COLORS.orange },
    { name: 'BFD 300 ms x 3', o: { holdTimeSec: 9, bfd: { intervalMs: 300, multiplier: 3 } }, color: COLORS.blue },
    { name: 'BFD 100 ms x 3', o: { holdTimeSec: 9, bfd: { intervalMs: 100, multiplier: 3 } }, color: COLORS.green },
  ];
  const deathSeries: Array<{ name: string; color: readonly [number, number, number]; points: Array<[number, number]> }> = [];
  for (const d of deaths) {
    await withLab({ prefix: 'vdp-x-', router: 'bird', ...d.o }, async (lab) => {
      const win: number[] = [];
      const fib: number[] = [];
      const lost: number[] = [];
      for (let i = 0; i < REPEATS; i++) {
        const r = await runNodeDeath(lab);
        const s = summarizeUdp(r.udp);
        win.push(s.maxLossWindowMs);
        fib.push(r.fibGoneMs);
        lost.push(s.lost);
        if (i === 0) {
          const tl = udpTimeline(r.udp, 50, r.cutAtMs - 1000);
          deathSeries.push({ name: d.name, color: d.color, points: tl.t.map((t, k) => [t - 1, tl.series.lost![k]!] as [number, number]) });
        }
      }
      rows.push([`node death, ${d.name}`, `loss window ${spread(win, f0)} ms; router FIB without the node after ${spread(fib, f0)} ms`, spread(lost, f0)]);
    });
  }
  plots.push(plot('datapath-failover.png', lineChart({
    title: 'Node death: packets lost per 50 ms (24 flows, 1000 pps)', xLabel: 'time since the node died (s)', yLabel: 'lost / 50 ms', step: true,
    xMin: -1, series: deathSeries, markers: [{ x: 0, label: 'node dies', color: COLORS.black }],
  })));

  // 4. Graceful restart of vipd on one node (router keeps the routes stale, node keeps serving).
  await withLab({ prefix: 'vdp-x-', router: 'bird', gracefulRestartSec: 30, vipdArgs: ['--graceful-restart-stop'] }, async (lab) => {
    const lost: number[] = [];
    const clear: number[] = [];
    for (let i = 0; i < REPEATS; i++) {
      const r = await runGrRestart(lab, { awayMs: 1500 });
      lost.push(summarizeUdp(r.udp).lost);
      clear.push(r.staleClearedMs);
    }
    rows.push(['vipd graceful restart (1.5 s away)', `routes stale, kept in the FIB; vipd start → routes fresh ${spread(clear, f0)} ms`, spread(lost, f0)]);
  });

  // 5. Router restart with 201 VIPs × 3 nodes.
  // A fresh lab per run: restarts within 60 s of each other would measure vipd's idle-hold damping
  // (RFC 4271 §8.1.1: 1, 2, 4 s … until a session stays up 60 s), not a router restart.
  for (const router of ['bird', 'frr'] as const) {
    const est: number[] = [];
    const full: number[] = [];
    for (let i = 0; i < REPEATS; i++) {
      await withLab({ prefix: 'vdp-x-', router, extraVips: extraVips(200) }, async (lab) => {
        await lab.waitNextHops(3, 20_000, '198.51.101.199');
        const r = await runRouterRestart(lab, 201);
        est.push(r.establishedMs);
        full.push(r.fullTableMs);
      });
    }
    rows.push([`${router} restart (201 VIPs × 3 nodes)`, `router start → 3 sessions Established ${spread(est, f0)} ms → 603 next hops in the FIB ${spread(full, f0)} ms`, '—']);
  }

  // 6. Kubernetes mode (`vipd daemon` + test API server, Local policy, drainBehaviour graceful-shutdown).
  await withLab({ prefix: 'vdp-x-', router: 'bird', daemon: 'kubernetes' }, async (lab) => {
    const k = await K8sDatapath.start(lab, { externalTrafficPolicy: 'Local', drainBehaviour: 'graceful-shutdown', drainPeriodSec: 1 });
    const win: number[] = [];
    const fib: number[] = [];
    const lostU: number[] = [];
    const lostD: number[] = [];
    const gshut: number[] = [];
    const lostR: number[] = [];
    for (let i = 0; i < REPEATS; i++) {
      const u = await runEndpointUnready(k);
      const su = summarizeUdp(u.udp);
      win.push(su.maxLossWindowMs);
      fib.push(u.fibMs);
      lostU.push(su.lost);
      const d = await runNodeDrain(k, 1000);
      lostD.push(summarizeUdp(d.udp).lost);
      gshut.push(d.gshutMs);
    }
    for (let i = 0; i < REPEATS; i++) lostR.push(summarizeUdp((await runRollingRestart(lab, { ops: k.ops() })).udp).lost);
    rows.push(['k8s: Local endpoint unready (server stops at the same instant)', `loss window ${spread(win, f0)} ms; FIB without the node after ${spread(fib, f0)} ms`, spread(lostU, f0)]);
    rows.push(['k8s: node drain (cordon + taint, GSHUT; eviction 1 s later)', `GSHUT route at BIRD ${spread(gshut, f0)} ms after the cordon`, spread(lostD, f0)]);
    rows.push(['k8s: rolling restart of vipd daemon (GSHUT, 1 s drain period)', 'each node stops serving when its vipd exits', spread(lostR, f0)]);
  });

  return {
    method:
      `Lab in network namespaces (e2e/support/datapath/lab.ts): a client, one ToR router (BIRD 2.0.12 or FRR 8.4.4, ECMP on, ` +
      `routes in its kernel FIB, L4 multipath hash with a fixed seed) and three nodes, each running \`vipd run\` and a UDP-echo + HTTP ` +
      `server bound to the VIP on lo. Traffic comes from our own generators (e2e/support/traffic): a UDP stream of 24 flows ` +
      `(fixed source ports) at 600–1000 pps with sequence numbers, echoed with the answering node's name, and 12 HTTP keep-alive ` +
      `connections. Loss window = send time of the last lost packet − the first, plus one packet spacing. Node death = nftables ` +
      `drop on the node's link, then SIGKILL of its vipd (no FIN/NOTIFICATION reaches the router). Rolling restart: after each vipd ` +
      `exits, the node's link is cut for 300 ms (the node stops serving), then vipd starts again. Kubernetes rows: \`vipd daemon\` ` +
      `on each node against the in-process test API server (e2e/support/datapath/k8s.ts). API server outage (60 s, routes stay, ` +
      `no UPDATE, 0 lost) is asserted in e2e/datapath-k8s.test.ts, not repeated here. Each row: median over ${REPEATS} ` +
      `runs (the runs in parentheses). Timings hold for this 2-core VM, shared by router, three vipd, servers and generators.`,
    results: `${markdownTable(['scenario', 'measured', 'packets lost (median, runs)'], rows)}\n\nPlots: ${plots.map((p) => `[${p}](${p})`).join(', ')}` +
      (failures.length > 0 ? `\n\n**Scenarios that failed in this run:**\n${failures.map((f) => `- ${f}`).join('\n')}` : ''),
  };
}

function pctOf(v: readonly number[], p: number): number {
  const s = [...v].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))] ?? 1;
}

function seriesOf(tl: { t: number[]; series: Record<string, number[]> }) {
  const palette = [COLORS.blue, COLORS.orange, COLORS.green, COLORS.purple];
  return Object.entries(tl.series)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([name, ys], i) => ({ name, color: name === 'lost' ? COLORS.red : palette[i % palette.length]!, points: tl.t.map((t, k) => [t, ys[k]!] as [number, number]) }));
}
