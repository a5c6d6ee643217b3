// uPlot charts: the histogram of matching lines above log results (drag
// across it to zoom the time range) and the graph of a metric query.
import uPlot from "uplot";

import type { Series } from "./api";
import { LEVELS, LEVEL_COLORS, normalLevel } from "./levels";

const PALETTE = ["#3274d9", "#e0752d", "#56a64b", "#c4162a", "#8f3bb8", "#f2cc0c", "#1f9e9e", "#a35a2c", "#6e7b8b", "#de4f8a"];

function cssVar(name: string): string {
  return getComputedStyle(document.documentElement).getPropertyValue(name).trim() || "#888";
}

function axes(): uPlot.Axis[] {
  const stroke = cssVar("--muted");
  const grid = { stroke: cssVar("--grid"), width: 1 };
  return [
    { stroke, grid, ticks: grid },
    { stroke, grid, ticks: grid, size: 60 },
  ];
}

export function seriesName(metric: Record<string, string>): string {
  const keys = Object.keys(metric).sort();
  if (keys.length === 0) return "{}";
  return "{" + keys.map((k) => `${k}="${metric[k]}"`).join(", ") + "}";
}

// A step that gives about `buckets` bars over the range: a round number
// of seconds, at least one.
export function histogramStep(rangeMs: number, buckets = 100): number {
  const raw = rangeMs / 1000 / buckets;
  const steps = [1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 10800, 21600, 43200, 86400];
  return steps.find((s) => s >= raw) ?? Math.ceil(raw / 86400) * 86400;
}

// About `target` windows over a range: a whole number of milliseconds
// each (at least a second), `count` of them covering the range from its
// start (the last may end up to `count` ms past its end).
export function histogramBuckets(rangeMs: number, target = 100): { stepMs: number; count: number } {
  const stepMs = Math.max(1000, Math.round(rangeMs / target));
  return { stepMs, count: Math.max(1, Math.ceil(rangeMs / stepMs)) };
}

// The smallest of 1, 2, 5 times a power of ten that is at least `v` (and
// at least 1), so the top of the axis is a labelled round number.
function niceCeil(v: number): number {
  if (!(v > 1)) return 1;
  const p = Math.pow(10, Math.floor(Math.log10(v)));
  for (const m of [1, 2, 5, 10]) if (m * p >= v) return m * p;
  return 10 * p;
}

abstract class Chart {
  protected plot: uPlot | null = null;
  private readonly resize = new ResizeObserver(() => {
    if (this.plot) this.plot.setSize({ width: this.width(), height: this.height });
  });

  constructor(
    protected readonly root: HTMLElement,
    protected readonly height: number,
  ) {
    this.resize.observe(root);
  }

  protected width(): number {
    return Math.max(200, this.root.clientWidth);
  }

  clear(): void {
    this.plot?.destroy();
    this.plot = null;
    this.root.replaceChildren();
  }
}

export class Histogram extends Chart {
  // Called with the selected range, in milliseconds.
  constructor(
    root: HTMLElement,
    private readonly onZoom: (fromMs: number, toMs: number) => void,
  ) {
    super(root, 110);
  }

  // Stacked bars of line counts by level: the series of a `sum by (level)
  // (count_over_time(...))` query with a `stepMs` window evaluated at
  // startMs + i * stepMs for i = 1..count, so bar i counts the lines of
  // (startMs + (i-1) step, startMs + i step]. Returns their sum.
  show(series: Series[], startMs: number, stepMs: number, count: number): number {
    this.clear();
    // One row of counts per level, most severe on top of the stack.
    const byLevel = new Map<string, (number | null)[]>();
    let total = 0;
    for (const s of series) {
      const level = normalLevel(s.metric.level);
      let row = byLevel.get(level);
      if (!row) byLevel.set(level, (row = new Array(count).fill(null)));
      for (const [t, v] of s.values) {
        const i = Math.round((t * 1000 - startMs) / stepMs) - 1;
        if (i < 0 || i >= count) continue;
        row[i] = (row[i] ?? 0) + Number(v);
        total += Number(v);
      }
    }
    const levels = [...byLevel.keys()].sort((a, b) => LEVELS.indexOf(a) - LEVELS.indexOf(b));
    // uPlot draws each series from zero, so series k is the running sum of
    // the levels up to k, drawn from the tallest down.
    const stacked: (number | null)[][] = [];
    const sums: number[] = new Array(count).fill(0);
    for (const level of [...levels].reverse()) {
      const row = byLevel.get(level)!;
      stacked.unshift(row.map((v, i) => (v ? (sums[i] += v) : sums[i] || null)));
    }
    // A bar sits over the middle of its window.
    const xs = Array.from({ length: count }, (_, i) => (startMs + (i + 0.5) * stepMs) / 1000);
    const endMs = startMs + count * stepMs;
    const bars = uPlot.paths.bars!({ size: [0.9, 100], align: 0 });
    const opts: uPlot.Options = {
      width: this.width(),
      height: this.height,
      legend: { show: levels.length > 1 || levels[0] !== "unknown", live: false },
      cursor: { drag: { x: true, y: false, setScale: false } },
      scales: { x: { time: true, range: [startMs / 1000, endMs / 1000] }, y: { range: (_u, _min, max) => [0, niceCeil(max)] } },
      axes: axes(),
      series: [
        {},
        ...levels.map((level) => ({
          label: level,
          fill: LEVEL_COLORS[level] ?? cssVar("--accent-soft"),
          stroke: LEVEL_COLORS[level] ?? cssVar("--accent"),
          paths: bars,
          points: { show: false },
        })),
      ],
      hooks: {
        setSelect: [
          (u) => {
            if (u.select.width < 2) return;
            const from = u.posToVal(u.select.left, "x") * 1000;
            const to = u.posToVal(u.select.left + u.select.width, "x") * 1000;
            u.setSelect({ left: 0, top: 0, width: 0, height: 0 }, false);
            this.onZoom(Math.round(from), Math.round(to));
          },
        ],
      },
    };
    this.plot = new uPlot(opts, [xs, ...stacked] as uPlot.AlignedData, this.root);
    this.root.dataset.bars = String(sums.filter((y) => y > 0).length);
    this.root.dataset.levels = levels.join(",");
    return total;
  }
}

export class MetricGraph extends Chart {
  constructor(root: HTMLElement) {
    super(root, 300);
  }

  show(series: Series[], startMs: number, endMs: number): void {
    this.clear();
    const times = new Set<number>();
    for (const s of series) for (const [t] of s.values) times.add(t);
    const xs = [...times].sort((a, b) => a - b);
    const index = new Map(xs.map((t, i) => [t, i]));
    const data: (number | null)[][] = [xs];
    const config: uPlot.Series[] = [{}];
    series.forEach((s, i) => {
      const ys: (number | null)[] = new Array(xs.length).fill(null);
      for (const [t, v] of s.values) ys[index.get(t)!] = Number(v);
      data.push(ys);
      const color = PALETTE[i % PALETTE.length];
      config.push({ label: seriesName(s.metric), stroke: color, width: 1.5, points: { show: xs.length < 60 }, spanGaps: false });
    });
    const opts: uPlot.Options = {
      width: this.width(),
      height: this.height,
      scales: { x: { time: true, range: [startMs / 1000, endMs / 1000] } },
      axes: axes(),
      series: config,
      legend: { show: true, live: true },
    };
    this.plot = new uPlot(opts, data as uPlot.AlignedData, this.root);
    this.root.dataset.series = String(series.length);
  }
}
