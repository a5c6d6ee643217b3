// The Patterns tab beside a log query's lines: the kinds of line they are
// (from /loki/api/v1/patterns), most lines first, each with its count,
// level and a sparkline over the range. A click on a pattern keeps only its
// lines (`|> "<pattern>"`); Shift+click or its Exclude button drops them
// (`!> "<pattern>"`), so noise can be peeled off one kind at a time.
import * as api from "./api";
import { el } from "./dom";
import { formatCount } from "./format";
import { LEVEL_COLORS, normalLevel } from "./levels";
import type { Range } from "./state";

// Beyond this many rows the table would only be slow to build; the rest
// are the rarest, and a filter finds them.
const MAX_ROWS = 500;
const SPARK_WIDTH = 120;
const SPARK_HEIGHT = 24;
const SVG = "http://www.w3.org/2000/svg";

// Lines per step over [startS, endS): one count per step of the API's grid
// (steps start at multiples of `stepS`, and the API leaves out the empty
// ones), from the step holding startS to the one holding the end. A sample
// outside counts in the nearest step, so the line's total stays whole.
export function sparklineCounts(samples: [number, number][], startS: number, endS: number, stepS: number): number[] {
  const first = Math.floor(startS / stepS) * stepS;
  const n = Math.min(2000, Math.max(1, Math.ceil((endS - first) / stepS)));
  const counts = new Array<number>(n).fill(0);
  for (const [t, c] of samples) {
    const i = Math.min(n - 1, Math.max(0, Math.floor((t - first) / stepS)));
    counts[i] += c;
  }
  return counts;
}

// The SVG paths of a sparkline of `counts` in a width × height box: the
// line, and the area under it. The highest count touches the top (1 px in,
// so the stroke is not clipped) and zero lies on the bottom.
export function sparklinePaths(counts: number[], width: number, height: number): { line: string; area: string } {
  const max = Math.max(1, ...counts);
  const pad = 1;
  const round = (v: number) => Math.round(v * 10) / 10;
  const x = (i: number) => (counts.length === 1 ? width / 2 : round((i * width) / (counts.length - 1)));
  const y = (c: number) => round(height - pad - (c / max) * (height - 2 * pad));
  const points = counts.map((c, i) => `${x(i)},${y(c)}`);
  const line = "M" + points.join("L");
  const area = `${line}L${x(counts.length - 1)},${height}L${x(0)},${height}Z`;
  return { line, area };
}

export class PatternsPanel {
  private readonly status = el("div", { className: "stats patterns-status", "aria-live": "polite" });
  private readonly errorBox = el("div", { className: "inline-error", role: "alert", hidden: true });
  private readonly content = el("div", { className: "patterns-content" });
  private source: { query: string; range: Range; stepSeconds: number } | null = null;
  private loaded = false; // for this source, or loading it
  private abort: AbortController | null = null;

  constructor(
    root: HTMLElement,
    private readonly onPick: (pattern: string, exclude: boolean) => void,
  ) {
    root.classList.add("patterns");
    root.append(this.status, this.errorBox, this.content);
  }

  // A new query and range (null: none, e.g. a metric query). Its patterns
  // load when the tab shows them: the Logs tab alone does not pay for them.
  setSource(source: { query: string; range: Range; stepSeconds: number } | null): void {
    this.abort?.abort();
    this.abort = null;
    this.source = source;
    this.loaded = false;
  }

  // Loads the source's patterns unless that is done or under way.
  show(): void {
    if (this.loaded || !this.source) return;
    this.loaded = true;
    void this.load(this.source);
  }

  private async load(source: { query: string; range: Range; stepSeconds: number }): Promise<void> {
    const abort = new AbortController();
    this.abort = abort;
    const { query, range, stepSeconds } = source;
    this.status.textContent = "Loading patterns…";
    this.errorBox.hidden = true;
    this.content.replaceChildren();
    this.content.setAttribute("aria-busy", "true");
    let patterns: api.Pattern[];
    try {
      patterns = await api.patterns(query, range.startNs, range.endNs, stepSeconds, abort.signal);
    } catch (e) {
      if (abort.signal.aborted) return;
      const message = api.errorText(e);
      this.status.textContent = "";
      this.errorBox.replaceChildren(el("strong", {}, "Cannot load the patterns"), " ", message);
      this.errorBox.hidden = false;
      this.content.removeAttribute("aria-busy");
      // Another look at the tab tries again.
      this.loaded = false;
      return;
    }
    if (abort.signal.aborted) return;
    this.content.removeAttribute("aria-busy");
    this.render(patterns, range, stepSeconds);
  }

  private render(patterns: api.Pattern[], range: Range, stepSeconds: number): void {
    const rows = patterns.map((p) => ({ ...p, total: p.samples.reduce((n, [, c]) => n + c, 0) }));
    // The API sends the most lines first; sorted again (stably) so the
    // order holds whatever sent them.
    rows.sort((a, b) => b.total - a.total);
    const lines = rows.reduce((n, r) => n + r.total, 0);
    if (rows.length === 0) {
      this.status.textContent = "";
      this.content.replaceChildren(el("p", { className: "notice patterns-empty" }, "No patterns: no lines match in this range."));
      return;
    }
    const plural = (n: number, word: string) => `${formatCount(n)} ${word}${n === 1 ? "" : "s"}`;
    let summary = `${plural(rows.length, "pattern")} over ${plural(lines, "line")}`;
    if (rows.length > MAX_ROWS) summary += ` · the ${formatCount(MAX_ROWS)} with the most lines shown`;
    this.status.textContent = summary + ` · click one to show only its lines, Shift+click to exclude them`;

    const startS = range.startMs / 1000;
    const endS = range.endMs / 1000;
    const head = el("tr", {});
    for (const h of ["Lines", "Share", "Level", `Per ${stepSeconds}s`, "Pattern", ""]) head.append(el("th", { scope: "col" }, h));
    const body = el("tbody", {});
    for (const r of rows.slice(0, MAX_ROWS)) {
      const counts = sparklineCounts(r.samples, startS, endS, stepSeconds);
      const include = el(
        "button",
        { type: "button", className: "pattern-button", title: "Show only the lines of this pattern (Shift+click: exclude them)" },
        ...patternText(r.pattern),
      );
      include.addEventListener("click", (ev) => this.onPick(r.pattern, ev.shiftKey));
      const exclude = el(
        "button",
        { type: "button", className: "pattern-exclude", title: "Exclude the lines of this pattern", "aria-label": `Exclude ${r.pattern}` },
        "Exclude",
      );
      exclude.addEventListener("click", () => this.onPick(r.pattern, true));
      body.append(
        el(
          "tr",
          { "data-pattern": r.pattern, "data-count": String(r.total) },
          el("td", { className: "num pattern-count" }, formatCount(r.total)),
          el("td", { className: "num pattern-share" }, share(r.total, lines)),
          el("td", { className: "pattern-level" }, levelChip(normalLevel(r.level), r.level || "unknown")),
          el("td", { className: "pattern-spark" }, sparkline(counts, stepSeconds)),
          el("td", { className: "pattern-cell" }, include),
          el("td", { className: "pattern-actions" }, exclude),
        ),
      );
    }
    this.content.replaceChildren(el("table", { className: "pattern-table" }, el("thead", {}, head), body));
  }
}

// The level as the API names it, in the histogram's colour for its kind.
function levelChip(level: string, text: string): HTMLElement {
  const chip = el("span", { className: `level-chip level-${level}` }, text);
  chip.style.setProperty("--level", LEVEL_COLORS[level] ?? LEVEL_COLORS.unknown);
  return chip;
}

function share(n: number, total: number): string {
  if (total === 0) return "–";
  const p = (100 * n) / total;
  return p >= 10 || p === 0 ? `${p.toFixed(0)}%` : p >= 0.1 ? `${p.toFixed(1)}%` : "<0.1%";
}

// The pattern with its variable parts (`<_>`) set apart.
function patternText(pattern: string): (string | HTMLElement)[] {
  const out: (string | HTMLElement)[] = [];
  const parts = pattern.split("<_>");
  parts.forEach((part, i) => {
    if (i > 0) out.push(el("span", { className: "pattern-var" }, "<_>"));
    if (part) out.push(part);
  });
  return out;
}

function sparkline(counts: number[], stepSeconds: number): SVGSVGElement {
  const { line, area } = sparklinePaths(counts, SPARK_WIDTH, SPARK_HEIGHT);
  const svg = document.createElementNS(SVG, "svg");
  svg.setAttribute("class", "sparkline");
  svg.setAttribute("viewBox", `0 0 ${SPARK_WIDTH} ${SPARK_HEIGHT}`);
  svg.setAttribute("width", String(SPARK_WIDTH));
  svg.setAttribute("height", String(SPARK_HEIGHT));
  svg.setAttribute("preserveAspectRatio", "none");
  svg.setAttribute("role", "img");
  const peak = Math.max(0, ...counts);
  const label = `at most ${formatCount(peak)} lines per ${stepSeconds}s over the range`;
  svg.setAttribute("aria-label", label);
  const title = document.createElementNS(SVG, "title");
  title.textContent = label;
  const fill = document.createElementNS(SVG, "path");
  fill.setAttribute("class", "sparkline-area");
  fill.setAttribute("d", area);
  const stroke = document.createElementNS(SVG, "path");
  stroke.setAttribute("class", "sparkline-line");
  stroke.setAttribute("d", line);
  svg.append(title, fill, stroke);
  return svg;
}
