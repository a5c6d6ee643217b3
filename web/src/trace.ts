// The Trace page: every line holding one trace, span or request id
// (/api/v1/trace over the range), across services. A timeline has a lane
// per service in the order they first logged, each line a mark at its
// offset from the first line, and between consecutive services a
// connector labelled with the gap ("+210 ms"), so a slow hop stands out;
// below, the lines themselves, oldest first.
import * as api from "./api";
import { el } from "./dom";
import { formatCount, formatOffset } from "./format";
import { RELATIVE_RANGES, Range, describeRange, defaultState, formatLocal, traceRange, writeUrl } from "./state";

const SVG = "http://www.w3.org/2000/svg";
const LABEL_WIDTH = 160; // px, the lanes' service names
const RIGHT_PAD = 30; // room for the last tick's label
const AXIS_HEIGHT = 24;
const LANE_HEIGHT = 32;
// Lanes take these in turn; the records' service names take their lane's.
const COLORS = ["#2f6fd6", "#d6582f", "#1a9f5b", "#9b4dca", "#c79a00", "#0b8ea0", "#d63f86", "#6b7a8f"];

// Metadata names whose values are ids worth following: the usual trace,
// span and request ids, and any other *_id or *Id.
export function isIdName(name: string): boolean {
  return name === "traceid" || /(_id|Id)$/.test(name);
}

// The id-like words in a line's text, to follow on the Trace page: UUIDs,
// hex strings of 16 or more digits with a digit and a letter in them (trace
// and span ids), and the values of trace_id=…, "request_id":"…" and the
// like. In order of appearance, each once, none of `skip` (those linked
// already), at most `max`; a match inside an earlier, longer one is left out.
const LINE_IDS = [
  /(?<![\w.-])(?:trace_?id|trace|span_id|req(?:uest)?_id|correlation_id)\s*=\s*"?([^\s"',;{}()[\]&]{4,})/gi,
  /"(?:trace_?id|trace|span_id|req(?:uest)?_id|correlation_id)"\s*:\s*"([^"\s]{4,})"/gi,
  /\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b/gi,
  /\b(?=[0-9a-f]*[0-9])(?=[0-9a-f]*[a-f])[0-9a-f]{16,}\b/gi,
];
export function idsInLine(line: string, skip: Iterable<string> = [], max = 5): string[] {
  const found: { at: number; end: number; id: string }[] = [];
  for (const re of LINE_IDS) {
    for (const m of line.matchAll(re)) {
      const id = m[1] ?? m[0];
      const at = m.index! + m[0].lastIndexOf(id);
      found.push({ at, end: at + id.length, id });
    }
  }
  found.sort((a, b) => a.at - b.at || b.end - a.end);
  const seen = new Set(skip);
  const ids: string[] = [];
  let end = -1;
  for (const f of found) {
    if (f.at < end) continue;
    end = f.end;
    if (seen.has(f.id)) continue;
    seen.add(f.id);
    ids.push(f.id);
    if (ids.length >= max) break;
  }
  return ids;
}

// The Trace page's URL for `id`, over the range traceRange() makes of
// Explore's.
export function traceUrl(id: string, from: string, to: string): string {
  return writeUrl({ ...defaultState(), page: "trace", trace: id, ...traceRange(from, to) });
}

export interface Lane {
  service: string;
  color: string;
  offsets: number[]; // ms after the trace's first line
}

// Between a lane and the one before it: where the latest line of the
// previous service before this one's first line is, and how long after it
// this service first logged. (The previous service's very last line may
// come later still, when it waits on this one; the hop is what precedes.)
export interface Gap {
  from: number; // lane index
  to: number;
  fromMs: number;
  toMs: number;
}

export interface Timeline {
  lanes: Lane[];
  gaps: Gap[];
  spanMs: number;
  offsets: number[]; // per record
}

// Records oldest first, as the API sends them.
export function timeline(records: { ns: string; service: string }[]): Timeline {
  const lanes: Lane[] = [];
  const byService = new Map<string, Lane>();
  const offsets: number[] = [];
  if (records.length === 0) return { lanes, gaps: [], spanMs: 0, offsets };
  const first = BigInt(records[0].ns);
  for (const r of records) {
    // Differences in ns stay exact as BigInt; as ms they fit a double.
    const off = Number(BigInt(r.ns) - first) / 1e6;
    offsets.push(off);
    let lane = byService.get(r.service);
    if (!lane) {
      lane = { service: r.service, color: COLORS[lanes.length % COLORS.length], offsets: [] };
      byService.set(r.service, lane);
      lanes.push(lane);
    }
    lane.offsets.push(off);
  }
  const gaps: Gap[] = [];
  for (let i = 1; i < lanes.length; i++) {
    const toMs = lanes[i].offsets[0];
    const before = lanes[i - 1].offsets.filter((o) => o <= toMs);
    gaps.push({ from: i - 1, to: i, fromMs: before[before.length - 1] ?? lanes[i - 1].offsets[0], toMs });
  }
  return { lanes, gaps, spanMs: offsets[offsets.length - 1], offsets };
}

// A tick step of 1, 2 or 5 × 10^k ms giving about `ticks` ticks over the span.
export function tickStep(spanMs: number, ticks = 6): number {
  const raw = Math.max(spanMs, 1e-3) / ticks;
  // From the exponent's text, so 2e-4 is 0.0002 and not 1.9999…e-4.
  const k = Math.floor(Math.log10(raw));
  for (const m of [1, 2, 5, 10]) if (m * Math.pow(10, k) >= raw) return Number(`${m}e${k}`);
  return Number(`1e${k + 1}`);
}

function svg<K extends keyof SVGElementTagNameMap>(tag: K, attrs: Record<string, string | number>, text?: string): SVGElementTagNameMap[K] {
  const e = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, String(v));
  if (text !== undefined) e.textContent = text;
  return e;
}

export class TracePage {
  private readonly idInput = el("input", { type: "search", className: "trace-id", id: "trace-id", placeholder: "a trace, span or request id", spellcheck: false });
  private readonly rangeSelect = el("select", { className: "trace-range", "aria-label": "Time range" });
  private readonly errorBox = el("div", { className: "error", role: "alert", hidden: true });
  private readonly status = el("div", { className: "stats trace-status", "aria-live": "polite" });
  private readonly content = el("div", { className: "trace-content" });

  constructor(
    root: HTMLElement,
    private readonly onFind: (id: string, from: string, to: string) => void,
  ) {
    const form = el(
      "form",
      { className: "trace-form", role: "search" },
      el("label", { for: "trace-id" }, "Trace id"),
      this.idInput,
      this.rangeSelect,
      el("button", { type: "submit", className: "primary" }, "Find"),
    );
    form.addEventListener("submit", (ev) => {
      ev.preventDefault();
      const [from, to] = this.rangeSelect.value.split("|");
      this.onFind(this.idInput.value.trim(), from, to);
    });
    root.append(form, this.errorBox, this.status, this.content);
  }

  focus(): void {
    this.idInput.focus();
  }

  async show(id: string, from: string, to: string, range: Range, limit: number, signal: AbortSignal): Promise<void> {
    this.idInput.value = id;
    this.syncRange(from, to);
    this.errorBox.hidden = true;
    this.content.replaceChildren();
    if (!id) {
      this.status.textContent = "";
      this.content.append(
        el("p", { className: "notice trace-empty" }, "Enter an id (a trace_id, span_id, request_id…) to see every line holding it, across services."),
      );
      return;
    }
    this.status.textContent = "Searching…";
    let t: api.Trace;
    try {
      t = await api.trace(id, range.startNs, range.endNs, limit, signal);
    } catch (e) {
      if (signal.aborted) return;
      const message = api.errorText(e);
      this.status.textContent = "";
      this.errorBox.replaceChildren(el("strong", {}, "Cannot find the trace"), " ", message);
      this.errorBox.hidden = false;
      return;
    }
    if (signal.aborted) return;
    if (t.records.length === 0) {
      this.status.textContent = "";
      this.content.append(el("p", { className: "notice trace-empty" }, "no line holds ", el("code", {}, id), ` (${describeRange({ ...defaultState(), from, to })})`));
      return;
    }
    const tl = timeline(t.records);
    const plural = (n: number, word: string) => `${formatCount(n)} ${word}${n === 1 ? "" : "s"}`;
    let summary = `${plural(t.records.length, "line")} from ${plural(tl.lanes.length, "service")} over ${formatOffset(tl.spanMs)}`;
    if (t.truncated) summary += ` · only the first ${formatCount(t.records.length)} (limit)`;
    this.status.textContent = summary;
    this.content.append(this.chart(tl), this.table(t.records, tl));
  }

  // The range select: the presets, and the range shown when it is another.
  private syncRange(from: string, to: string): void {
    const options: [string, string][] = RELATIVE_RANGES.map(([f, label]) => [`${f}|now`, label]);
    const value = `${from}|${to}`;
    if (!options.some(([v]) => v === value)) options.push([value, describeRange({ ...defaultState(), from, to })]);
    this.rangeSelect.replaceChildren(...options.map(([v, label]) => el("option", { value: v }, label)));
    this.rangeSelect.value = value;
  }

  private chart(tl: Timeline): HTMLElement {
    const width = Math.max(520, this.content.clientWidth || 1000);
    const plot = width - LABEL_WIDTH - RIGHT_PAD;
    const height = AXIS_HEIGHT + tl.lanes.length * LANE_HEIGHT + 6;
    const span = Math.max(tl.spanMs, 1e-3);
    const x = (ms: number) => Math.round((LABEL_WIDTH + (ms / span) * plot) * 10) / 10;
    const y = (lane: number) => AXIS_HEIGHT + lane * LANE_HEIGHT + LANE_HEIGHT / 2;
    const root = svg("svg", {
      class: "trace-timeline",
      width,
      height,
      viewBox: `0 0 ${width} ${height}`,
      role: "img",
      "aria-label": `Timeline: ${tl.lanes.map((l) => l.service).join(", ")} over ${formatOffset(tl.spanMs)}`,
    });
    const step = tickStep(span);
    for (let t = 0; t <= span + step / 1000; t += step) {
      root.append(
        svg("line", { class: "trace-grid", x1: x(t), x2: x(t), y1: AXIS_HEIGHT - 4, y2: height }),
        svg("text", { class: "trace-tick", x: x(t), y: 14, "text-anchor": "middle" }, formatOffset(t)),
      );
    }
    tl.lanes.forEach((lane, i) => {
      root.append(
        svg("line", { class: "trace-lane-line", x1: LABEL_WIDTH, x2: LABEL_WIDTH + plot, y1: y(i), y2: y(i) }),
        svg("text", { class: "trace-lane-label", x: 8, y: y(i) + 4, "data-service": lane.service }, lane.service || "(no service)"),
      );
    });
    // Connectors under the marks, their labels above everything.
    const labels: SVGElement[] = [];
    for (const g of tl.gaps) {
      const x1 = x(g.fromMs);
      const x2 = x(g.toMs);
      root.append(svg("line", { class: "trace-connector", x1, y1: y(g.from), x2, y2: y(g.to) }));
      labels.push(
        svg("text", { class: "trace-gap", x: (x1 + x2) / 2, y: (y(g.from) + y(g.to)) / 2 - 4, "text-anchor": "middle", "data-to": tl.lanes[g.to].service }, "+" + formatOffset(g.toMs - g.fromMs)),
      );
    }
    tl.lanes.forEach((lane, i) => {
      for (const off of lane.offsets) {
        const mark = svg("circle", { class: "trace-mark", cx: x(off), cy: y(i), r: 5, fill: lane.color });
        mark.append(svg("title", {}, `${lane.service} +${formatOffset(off)}`));
        root.append(mark);
      }
    });
    root.append(...labels);
    return el("div", { className: "trace-chart" }, root as unknown as Node);
  }

  private table(records: api.TraceRecord[], tl: Timeline): HTMLElement {
    const colors = new Map(tl.lanes.map((l) => [l.service, l.color]));
    const head = el("tr", {});
    for (const h of ["Time", "Offset", "Service", "Line"]) head.append(el("th", { scope: "col" }, h));
    const body = el("tbody", {});
    records.forEach((r, i) => {
      const service = el("td", { className: "trace-service" }, r.service || "(no service)");
      service.style.setProperty("--lane", colors.get(r.service) ?? COLORS[0]);
      const line = el("td", { className: "trace-line" }, el("div", { className: "trace-text" }, r.line));
      const meta = Object.entries(r.metadata).sort();
      if (meta.length) {
        const chips = el("ul", { className: "chips", "aria-label": "Structured metadata" });
        for (const [k, v] of meta) {
          chips.append(el("li", { className: "chip" }, el("span", { className: "chip-name" }, k), "=", el("span", { className: "chip-value" }, v)));
        }
        line.append(chips);
      }
      body.append(
        el(
          "tr",
          { "data-service": r.service },
          el("td", { className: "trace-time", title: r.ns + " ns" }, formatLocal(r.ms)),
          el("td", { className: "num trace-offset" }, "+" + formatOffset(tl.offsets[i])),
          service,
          line,
        ),
      );
    });
    return el("table", { className: "trace-records" }, el("thead", {}, head), body);
  }
}

// A "Trace" link for an id in a line's details; a plain click stays in the
// page (onOpen), others open the URL (a new tab).
export function traceLink(id: string, from: string, to: string, onOpen: (id: string) => void): HTMLAnchorElement {
  const a = el("a", { href: traceUrl(id, from, to), className: "trace-link", title: `Every line holding ${id}, across services` }, "Trace");
  a.addEventListener("click", (ev) => {
    if (ev.button !== 0 || ev.ctrlKey || ev.metaKey || ev.shiftKey || ev.altKey) return;
    ev.preventDefault();
    onOpen(id);
  });
  return a;
}
