// Data-path traffic: pure statistics over a UDP stream record (udp-stream.ts) or an HTTP run record
// (http-load.ts): loss, loss windows (runs of consecutive lost packets in send order), per-node
// delivery, flows answered by more than one node, RTT percentiles, and a bucketed timeline for plots.
import type { UdpRecord } from './udp-stream.ts';

export interface LossWindow {
  /** Send time of the first and last lost packet of the run (epoch ms). */
  readonly fromMs: number;
  readonly toMs: number;
  readonly packets: number;
}

export interface UdpSummary {
  readonly sent: number;
  readonly received: number;
  readonly lost: number;
  readonly duplicates: number;
  readonly reordered: number;
  readonly foreign: number;
  readonly perNode: Record<string, number>;
  /** Flows whose echoes came from more than one node (expected only while the ECMP set changes). */
  readonly flowsOnSeveralNodes: number;
  /** Node each flow was answered by (the last one when several). */
  readonly flowNode: string[];
  readonly lossWindows: LossWindow[];
  /** Longest loss window: last lost send time − first lost send time + one flow period (packet spacing). */
  readonly maxLossWindowMs: number;
  readonly rttMs: { readonly p50: number; readonly p99: number; readonly max: number };
}

function pct(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}

/**
 * Statistics over packets sent in [sinceMs, untilMs]. Lost packets whose send times are at most `gapMs`
 * apart (default 250 ms) form one loss window: with ECMP only the flows hashed to a dead node lose, so
 * lost packets interleave with delivered ones and a window is a run of nearby losses, not of adjacent ones.
 */
export function summarizeUdp(r: UdpRecord, opts: { sinceMs?: number; untilMs?: number; gapMs?: number } = {}): UdpSummary {
  const gapMs = opts.gapMs ?? 250;
  const since = opts.sinceMs ?? -Infinity;
  const until = opts.untilMs ?? Infinity;
  const perNode: Record<string, number> = {};
  const flowNodes: Array<Set<number>> = Array.from({ length: r.flows }, () => new Set());
  const flowLast = new Array<number>(r.flows).fill(-1);
  const rtts: number[] = [];
  const windows: LossWindow[] = [];
  let sent = 0;
  let lost = 0;
  let open: { fromMs: number; toMs: number; packets: number } | undefined;
  for (let i = 0; i < r.sentAtMs.length; i++) {
    const t = r.sentAtMs[i]!;
    if (t < since || t > until) continue;
    sent++;
    const n = r.node[i]!;
    if (n < 0) {
      lost++;
      if (open !== undefined && t - open.toMs > gapMs) {
        windows.push(open);
        open = undefined;
      }
      if (open === undefined) open = { fromMs: t, toMs: t, packets: 1 };
      else {
        open.toMs = t;
        open.packets++;
      }
      continue;
    }
    const name = r.nodes[n]!;
    perNode[name] = (perNode[name] ?? 0) + 1;
    flowNodes[r.flow[i]!]!.add(n);
    flowLast[r.flow[i]!] = n;
    rtts.push(r.rttMs[i]!);
  }
  if (open !== undefined) windows.push(open);
  rtts.sort((a, b) => a - b);
  const flowPeriodMs = (1000 * r.flows) / r.ratePps;
  const maxLossWindowMs = windows.reduce((m, w) => Math.max(m, w.toMs - w.fromMs + flowPeriodMs), 0);
  return {
    sent,
    received: sent - lost,
    lost,
    duplicates: r.duplicates,
    reordered: r.reordered,
    foreign: r.foreign,
    perNode,
    flowsOnSeveralNodes: flowNodes.filter((s) => s.size > 1).length,
    flowNode: flowLast.map((n) => (n < 0 ? '' : r.nodes[n]!)),
    lossWindows: windows,
    maxLossWindowMs,
    rttMs: { p50: pct(rtts, 50), p99: pct(rtts, 99), max: rtts.at(-1) ?? Number.NaN },
  };
}

/** Packets per bucket and node over time (for timeline plots); 'lost' counts unanswered packets. */
export function udpTimeline(r: UdpRecord, bucketMs: number, originMs = r.startedAtMs): { t: number[]; series: Record<string, number[]> } {
  const nb = Math.max(1, Math.ceil((r.endedAtMs - originMs) / bucketMs));
  const series: Record<string, number[]> = { lost: new Array<number>(nb).fill(0) };
  for (const n of r.nodes) series[n] = new Array<number>(nb).fill(0);
  for (let i = 0; i < r.sentAtMs.length; i++) {
    const b = Math.floor((r.sentAtMs[i]! - originMs) / bucketMs);
    if (b < 0 || b >= nb) continue;
    const n = r.node[i]!;
    series[n < 0 ? 'lost' : r.nodes[n]!]![b]!++;
  }
  return { t: Array.from({ length: nb }, (_, i) => (i * bucketMs) / 1000), series };
}
