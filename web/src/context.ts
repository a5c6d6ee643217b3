// "Show context" on an expanded line: the lines around it in its own
// stream (a selector of its stream labels alone, so the query's filters do
// not apply, as in Grafana), shown in place under it, oldest first, with
// the line itself marked. "More before" and "More after" fetch further from
// the oldest and newest lines shown.
//
// The calls are Grafana's: before, backward over the 2 h up to the line
// (its time excluded); after, forward over the 2 h from the line (its time
// included, so the line and its same-time neighbours come first). Lines at
// a bound's time may be shown already; they are asked for again (the limit
// grows by as many) and dropped, so none is lost or shown twice.
import * as api from "./api";
import { el } from "./dom";
import { selectorOf } from "./logql";
import { formatLocal } from "./state";

export const CONTEXT_LINES = 10;
export const CONTEXT_WINDOW_NS = 2n * 3600n * 1_000_000_000n;

interface Timed {
  ns: string;
  line: string;
}

// The lines of `fetched` not in `shown`. Lines at the same time are told
// apart by their text, each shown line matching one fetched line at most.
export function unseen<T extends Timed>(fetched: T[], shown: Timed[]): T[] {
  const times = new Set(fetched.map((f) => f.ns));
  const left = new Map<string, number>();
  for (const s of shown) {
    if (!times.has(s.ns)) continue;
    const k = s.ns + "\n" + s.line;
    left.set(k, (left.get(k) ?? 0) + 1);
  }
  return fetched.filter((f) => {
    const k = f.ns + "\n" + f.line;
    const n = left.get(k) ?? 0;
    if (n > 0) left.set(k, n - 1);
    return n === 0;
  });
}

// How many of `shown` lie in [start, end) (nanoseconds).
export function countIn(shown: Timed[], start: bigint, end: bigint): number {
  let n = 0;
  for (const s of shown) {
    const t = BigInt(s.ns);
    if (t >= start && t < end) n++;
  }
  return n;
}

export type Side = "before" | "after";

// The next window to search on one side: [start, end) in nanoseconds and
// the limit that yields `want` new lines if the window has them.
export function contextWindow(side: Side, bound: bigint, shown: Timed[], want = CONTEXT_LINES): { start: bigint; end: bigint; limit: number } {
  const start = side === "before" ? bound - CONTEXT_WINDOW_NS : bound;
  const end = side === "before" ? bound : bound + CONTEXT_WINDOW_NS;
  return { start, end, limit: want + countIn(shown, start, end) };
}

// The bound of the side's next window after a fetch: from the oldest
// (newest) line shown, that time included, when new lines came; past the
// searched window when it held no more; else where it was.
export function nextBound(
  side: Side,
  bound: bigint,
  window: { start: bigint; end: bigint; limit: number },
  fetched: number,
  fresh: number,
  shown: Timed[],
): bigint {
  if (fresh > 0 && shown.length > 0) return side === "before" ? BigInt(shown[0].ns) + 1n : BigInt(shown[shown.length - 1].ns);
  if (fetched < window.limit) return side === "before" ? window.start : window.end;
  return bound;
}

// The stream labels among `labels` (a live tail line's, which hold its
// parsed labels and metadata too): the largest label set, among the
// streams with lines at its time, that `labels` hold; null if none does.
export function streamOf(labels: Record<string, string>, streams: Record<string, string>[]): Record<string, string> | null {
  let best: Record<string, string> | null = null;
  for (const s of streams) {
    const keys = Object.keys(s);
    if (keys.length === 0 || !keys.every((k) => labels[k] === s[k])) continue;
    if (!best || keys.length > Object.keys(best).length) best = s;
  }
  return best;
}

let ids = 0;

export class LineContext {
  readonly root: HTMLElement;
  readonly id = `context-${++ids}`;
  private shown: api.LogEntry[]; // oldest first
  private readonly bounds: Record<Side, bigint>;
  private readonly busy: Record<Side, boolean> = { before: false, after: false };
  private readonly buttons: Record<Side, HTMLButtonElement>;
  private readonly edges: Record<Side, HTMLElement>;
  private readonly list = el("ol", { className: "context-lines" });
  private readonly status = el("span", { className: "context-status", "aria-live": "polite" });
  private readonly errorBox = el("div", { className: "inline-error context-error", role: "alert", hidden: true });
  private readonly abort = new AbortController();
  private selector = ""; // once the stream is known
  private readonly selectorText = el("code", {});

  constructor(
    private readonly anchor: api.LogEntry,
    private readonly onChange: () => void,
  ) {
    this.shown = [anchor];
    const ns = BigInt(anchor.ns);
    this.bounds = { before: ns, after: ns };
    const button = (side: Side) => {
      const b = el("button", { type: "button", className: `context-more more-${side}` }, side === "before" ? "▲ More before" : "▼ More after");
      b.addEventListener("click", () => void this.fetch(side));
      return b;
    };
    this.buttons = { before: button("before"), after: button("after") };
    this.edges = {
      before: el("div", { className: "context-edge", hidden: true }),
      after: el("div", { className: "context-edge", hidden: true }),
    };
    this.root = el(
      "section",
      { className: "context", id: this.id, "aria-label": "Context of the line in its stream" },
      el("div", { className: "context-head" }, "Context in ", this.selectorText, " ", this.status),
      this.errorBox,
      this.buttons.before,
      this.edges.before,
      this.list,
      this.edges.after,
      this.buttons.after,
    );
    this.render();
  }

  async start(): Promise<void> {
    let stream: Record<string, string> | null = this.anchor.stream;
    if (this.anchor.mixedLabels) {
      this.status.textContent = "Finding its stream…";
      try {
        const ns = BigInt(this.anchor.ns);
        stream = streamOf(this.anchor.stream, await api.series("", ns, ns + 1n, this.abort.signal));
      } catch (e) {
        if (this.abort.signal.aborted) return;
        this.showError(e instanceof Error ? e.message : String(e));
        return;
      }
    }
    if (!stream || Object.keys(stream).length === 0) {
      this.showError("no stream holds this line's labels");
      return;
    }
    this.selector = selectorOf(stream);
    this.selectorText.textContent = this.selector;
    void this.fetch("before");
    void this.fetch("after");
  }

  close(): void {
    this.abort.abort();
  }

  private async fetch(side: Side): Promise<void> {
    // aria-disabled, not disabled: a disabled button would drop the focus
    // of whoever pressed it.
    if (this.busy[side] || this.abort.signal.aborted || !this.selector) return;
    this.busy[side] = true;
    const button = this.buttons[side];
    button.setAttribute("aria-disabled", "true");
    this.list.setAttribute("aria-busy", "true");
    this.status.textContent = "Loading…";
    const bound = this.bounds[side];
    const window = contextWindow(side, bound, this.shown);
    try {
      const r = await api.queryRange(
        this.selector,
        window.start,
        window.end,
        window.limit,
        side === "before" ? "backward" : "forward",
        undefined,
        this.abort.signal,
      );
      if (r.kind !== "streams") throw new Error("expected log lines");
      // Backward answers come newest first.
      const fresh = unseen(r.entries, this.shown);
      if (side === "before") this.shown = [...fresh.reverse(), ...this.shown];
      else this.shown = [...this.shown, ...fresh];
      this.bounds[side] = nextBound(side, bound, window, r.entries.length, fresh.length, this.shown);
      const edge = this.edges[side];
      edge.hidden = fresh.length > 0;
      edge.textContent =
        side === "before"
          ? `No earlier lines since ${formatLocal(Number(window.start / 1000000n), false)} (2 hours); More before looks further back.`
          : `No later lines until ${formatLocal(Number(window.end / 1000000n), false)} (2 hours); More after looks further on.`;
      this.errorBox.hidden = true;
    } catch (e) {
      if (this.abort.signal.aborted) return;
      this.showError(e instanceof Error ? e.message : String(e));
    } finally {
      this.busy[side] = false;
      button.removeAttribute("aria-disabled");
      if (!this.busy.before && !this.busy.after) this.list.removeAttribute("aria-busy");
    }
    this.render();
  }

  private showError(message: string): void {
    this.errorBox.replaceChildren(el("strong", {}, "Cannot load the context"), " ", message);
    this.errorBox.hidden = false;
    this.status.textContent = "";
    this.onChange();
  }

  private render(): void {
    const at = this.shown.indexOf(this.anchor);
    const items = this.shown.map((e) => {
      const isAnchor = e === this.anchor;
      const time = el("time", { dateTime: new Date(e.ms).toISOString(), title: e.ns + " ns" }, formatLocal(e.ms));
      const li = el("li", { className: "context-line" + (isAnchor ? " context-anchor" : ""), "data-ns": e.ns }, time, el("span", { className: "context-text" }, e.line));
      if (isAnchor) li.setAttribute("aria-current", "true");
      return li;
    });
    this.list.replaceChildren(...items);
    if (!this.busy.before && !this.busy.after) {
      this.status.textContent = `${at} before, ${this.shown.length - at - 1} after`;
    }
    this.onChange();
  }
}
