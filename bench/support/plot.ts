// Line charts rendered to PNG with the dependency-free canvas (png.ts): axes with "nice" ticks, a title,
// axis labels, a legend, and vertical event markers. Used for the latency CDFs and failover timelines
// the data-path bench writes to docs/.
import { Canvas } from './png.ts';
import type { Rgb } from './png.ts';

export interface Series {
  readonly name: string;
  readonly color: Rgb;
  readonly points: ReadonlyArray<readonly [number, number]>;
}

export interface ChartOptions {
  readonly title: string;
  readonly xLabel: string;
  readonly yLabel: string;
  readonly series: readonly Series[];
  readonly markers?: ReadonlyArray<{ readonly x: number; readonly label: string; readonly color?: Rgb }>;
  readonly xMin?: number;
  readonly xMax?: number;
  readonly yMax?: number;
  readonly width?: number;
  readonly height?: number;
  /** Draw each series as steps (value holds until the next point). */
  readonly step?: boolean;
}

export const COLORS = {
  blue: [31, 119, 180], orange: [255, 127, 14], green: [44, 160, 44], red: [214, 39, 40],
  purple: [148, 103, 189], grey: [127, 127, 127], black: [0, 0, 0],
} as const satisfies Record<string, Rgb>;

/** Tick positions at 1/2/5×10^k steps covering [lo, hi] with about `n` ticks. */
export function niceTicks(lo: number, hi: number, n = 6): number[] {
  if (!(hi > lo)) return [lo];
  const raw = (hi - lo) / n;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * mag).find((s) => s >= raw) ?? 10 * mag;
  const out: number[] = [];
  for (let v = Math.ceil(lo / step) * step; v <= hi + step * 1e-9 && out.length < 50; v += step) out.push(Number(v.toPrecision(12)));
  return out;
}

function fmt(v: number): string {
  if (v === 0) return '0';
  if (Math.abs(v) >= 1000) return String(Math.round(v));
  return String(Number(v.toPrecision(3)));
}

export function lineChart(o: ChartOptions): Buffer {
  const W = o.width ?? 960;
  const H = o.height ?? 440;
  const L = 90;
  const R = 20;
  const T = 46;
  const B = 64;
  const c = new Canvas(W, H);
  const all = o.series.flatMap((s) => s.points);
  const xMin = o.xMin ?? Math.min(...all.map((p) => p[0]), 0);
  const xMax = o.xMax ?? Math.max(...all.map((p) => p[0]), xMin + 1);
  const yMax = o.yMax ?? Math.max(...all.map((p) => p[1]), 1) * 1.08;
  const px = (x: number) => L + ((x - xMin) / (xMax - xMin || 1)) * (W - L - R);
  const py = (y: number) => H - B - (y / (yMax || 1)) * (H - T - B);
  const grid: Rgb = [230, 230, 230];
  const ink: Rgb = COLORS.black;
  for (const t of niceTicks(0, yMax)) {
    c.line(L, py(t), W - R, py(t), grid);
    const s = fmt(t);
    c.text(L - 8 - Canvas.textWidth(s), py(t) - 7, s, ink);
  }
  for (const t of niceTicks(xMin, xMax)) {
    c.line(px(t), T, px(t), H - B, grid);
    const s = fmt(t);
    c.text(px(t) - Canvas.textWidth(s) / 2, H - B + 8, s, ink);
  }
  c.line(L, H - B, W - R, H - B, ink, 2);
  c.line(L, T, L, H - B, ink, 2);
  for (const m of o.markers ?? []) {
    const col = m.color ?? COLORS.grey;
    for (let y = T; y < H - B; y += 8) c.line(px(m.x), y, px(m.x), Math.min(y + 4, H - B), col, 2);
    c.text(px(m.x) + 4, T + 4, m.label, col, 1);
  }
  for (const s of o.series) {
    const pts = [...s.points].sort((a, b) => a[0] - b[0]);
    for (let i = 1; i < pts.length; i++) {
      const [x0, y0] = pts[i - 1]!;
      const [x1, y1] = pts[i]!;
      if (o.step) {
        c.line(px(x0), py(y0), px(x1), py(y0), s.color, 2);
        c.line(px(x1), py(y0), px(x1), py(y1), s.color, 2);
      } else c.line(px(x0), py(y0), px(x1), py(y1), s.color, 2);
    }
  }
  c.text(L, 12, o.title, ink, 2);
  c.text(L + (W - L - R) / 2 - Canvas.textWidth(o.xLabel) / 2, H - 26, o.xLabel, ink);
  c.text(6, T - 18, o.yLabel, ink, 1);
  let lx = W - R - 10;
  for (const s of [...o.series].reverse()) {
    const w = Canvas.textWidth(s.name, 1) + 22;
    lx -= w;
    c.rect(lx, T - 14, 14, 8, s.color);
    c.text(lx + 18, T - 16, s.name, ink, 1);
  }
  return c.png();
}

/** Empirical CDF points of `values` (sorted copy), thinned to at most `max` points. */
export function cdfPoints(values: readonly number[], max = 400): Array<[number, number]> {
  const v = [...values].sort((a, b) => a - b);
  const out: Array<[number, number]> = [];
  const step = Math.max(1, Math.floor(v.length / max));
  for (let i = 0; i < v.length; i += step) out.push([v[i]!, (100 * (i + 1)) / v.length]);
  if (v.length > 0) out.push([v.at(-1)!, 100]);
  return out;
}
