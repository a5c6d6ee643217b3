// The list of log lines: virtualised (only the rows in view are in the
// DOM, so 10,000 lines scroll smoothly), newest or oldest first, matches
// highlighted, each row expandable to its labels, metadata and fields,
// with buttons that add a filter to the query, and the line's context in
// its stream on demand.
import type { LogEntry } from "./api";
import { LineContext } from "./context";
import { parseLine } from "./fields";
import { formatLocal } from "./state";
import { idsInLine, isIdName } from "./trace";

const ROW_HEIGHT = 22; // px; a collapsed row is one line
const OVERSCAN = 20;

export interface FilterRequest {
  name: string;
  value: string;
  op: "=" | "!=";
  // Where the field comes from: a stream label goes in the selector, the
  // others become a pipeline label filter (after their parser).
  kind: "stream" | "metadata" | "parsed";
  parser?: "json" | "logfmt";
}

export class ResultsList {
  private entries: LogEntry[] = [];
  private highlight: RegExp | null = null;
  private readonly expanded = new Set<string>();
  private readonly heights = new Map<string, number>(); // measured, expanded rows
  // Open contexts by key: they outlive their row's DOM (rebuilt when it
  // scrolls back into view) until the row is closed or the lines change.
  private readonly contexts = new Map<string, LineContext>();
  private offsets: number[] = [0];
  private readonly spacer: HTMLDivElement;
  private frame = 0;
  // Rows in the DOM by key: kept while they stay in view, so scrolling
  // neither rebuilds them nor loses focus or a text selection in them.
  private rendered = new Map<string, HTMLElement>();
  private active = 0; // the row Tab reaches (roving tabindex)

  constructor(
    private readonly root: HTMLElement,
    private readonly onFilter: (f: FilterRequest) => void,
    // A "Trace" link for an id value (the Trace page's), when offered.
    private readonly traceLink?: (id: string) => HTMLElement,
  ) {
    root.classList.add("results");
    root.setAttribute("role", "list");
    root.tabIndex = -1;
    this.spacer = document.createElement("div");
    this.spacer.className = "results-spacer";
    root.append(this.spacer);
    root.addEventListener("scroll", () => this.schedule());
    new ResizeObserver(() => this.schedule()).observe(root);
    root.addEventListener("keydown", (e) => this.onKey(e));
  }

  get size(): number {
    return this.entries.length;
  }

  set(entries: LogEntry[], highlight: RegExp | null): void {
    this.entries = entries;
    this.highlight = highlight;
    this.expanded.clear();
    this.heights.clear();
    for (const c of this.contexts.values()) c.close();
    this.contexts.clear();
    this.rendered.clear();
    this.spacer.replaceChildren();
    this.active = 0;
    this.root.scrollTop = 0;
    this.layout();
  }

  // Live tail: adds lines at the top (newest first) or the bottom, keeping
  // at most `max`.
  add(entries: LogEntry[], newestFirst: boolean, max: number): void {
    if (entries.length === 0) return;
    if (newestFirst) {
      this.entries = [...entries.slice().reverse(), ...this.entries];
      if (this.entries.length > max) this.entries.length = max;
      // Keep what the reader is looking at in place below the new rows.
      if (this.root.scrollTop > 0) this.root.scrollTop += entries.length * ROW_HEIGHT;
      this.active = Math.min(this.entries.length - 1, this.active + entries.length);
    } else {
      const atBottom = this.root.scrollTop + this.root.clientHeight >= this.root.scrollHeight - ROW_HEIGHT;
      this.entries = [...this.entries, ...entries];
      if (this.entries.length > max) this.entries = this.entries.slice(this.entries.length - max);
      this.layout();
      if (atBottom) this.root.scrollTop = this.root.scrollHeight;
      return;
    }
    this.layout();
  }

  private layout(): void {
    const offsets = new Array<number>(this.entries.length + 1);
    offsets[0] = 0;
    for (let i = 0; i < this.entries.length; i++) {
      const key = this.entries[i].key;
      const h = this.expanded.has(key) ? (this.heights.get(key) ?? ROW_HEIGHT * 6) : ROW_HEIGHT;
      offsets[i + 1] = offsets[i] + h;
    }
    this.offsets = offsets;
    this.spacer.style.height = offsets[this.entries.length] + "px";
    this.render();
  }

  private schedule(): void {
    if (this.frame) return;
    this.frame = requestAnimationFrame(() => {
      this.frame = 0;
      this.render();
    });
  }

  // The first row whose bottom is below `y`.
  private rowAt(y: number): number {
    let lo = 0;
    let hi = this.entries.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.offsets[mid + 1] <= y) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  private render(): void {
    const top = this.root.scrollTop;
    const first = Math.max(0, this.rowAt(top) - OVERSCAN);
    const last = Math.min(this.entries.length, this.rowAt(top + this.root.clientHeight) + OVERSCAN + 1);
    const wanted: HTMLElement[] = [];
    const next = new Map<string, HTMLElement>();
    for (let i = first; i < last; i++) {
      const key = this.entries[i].key;
      const row = this.rendered.get(key) ?? this.row(i);
      row.style.top = this.offsets[i] + "px";
      row.dataset.index = String(i);
      row.tabIndex = i === this.active ? 0 : -1;
      row.setAttribute("aria-posinset", String(i + 1));
      row.setAttribute("aria-setsize", String(this.entries.length));
      wanted.push(row);
      next.set(key, row);
    }
    // Rows that stay are never moved (moving a node drops its focus); new
    // ones go in order around them, so Tab order follows the list.
    for (const [key, row] of this.rendered) if (!next.has(key)) row.remove();
    let cursor = this.spacer.firstChild;
    for (const row of wanted) {
      if (row === cursor) cursor = cursor.nextSibling;
      else this.spacer.insertBefore(row, cursor);
    }
    this.rendered = next;
    let remeasure = false;
    for (const row of wanted) {
      const key = row.dataset.key!;
      if (this.expanded.has(key) && this.heights.get(key) !== row.offsetHeight) {
        this.heights.set(key, row.offsetHeight);
        remeasure = true;
      }
    }
    if (remeasure) this.layout();
  }

  private row(i: number): HTMLElement {
    const e = this.entries[i];
    const open = this.expanded.has(e.key);
    const row = document.createElement("div");
    row.className = "row" + (open ? " open" : "");
    row.style.top = this.offsets[i] + "px";
    row.dataset.key = e.key;
    row.dataset.index = String(i);
    row.tabIndex = -1;
    row.setAttribute("role", "listitem");
    row.addEventListener("focus", () => {
      const i = Number(row.dataset.index);
      if (i === this.active) return;
      (this.spacer.querySelector(`[data-index="${this.active}"]`) as HTMLElement | null)?.setAttribute("tabindex", "-1");
      this.active = i;
      row.tabIndex = 0;
    });
    const head = document.createElement("div");
    head.className = "row-head";
    head.setAttribute("role", "button");
    head.setAttribute("aria-expanded", String(open));
    const caret = document.createElement("span");
    caret.className = "caret";
    caret.textContent = open ? "▾" : "▸";
    const time = document.createElement("time");
    time.dateTime = new Date(e.ms).toISOString();
    time.textContent = formatLocal(e.ms);
    time.title = e.ns + " ns";
    const line = document.createElement("span");
    line.className = "line";
    this.fillLine(line, e.line);
    head.append(caret, time, line);
    head.addEventListener("click", () => this.toggle(e.key));
    row.append(head);
    if (open) row.append(this.details(e));
    return row;
  }

  private fillLine(el: HTMLElement, text: string): void {
    const re = this.highlight;
    if (!re) {
      el.textContent = text;
      return;
    }
    re.lastIndex = 0;
    let at = 0;
    let m: RegExpExecArray | null;
    const parts: (string | HTMLElement)[] = [];
    while ((m = re.exec(text))) {
      if (m[0] === "") {
        re.lastIndex++;
        continue;
      }
      if (m.index > at) parts.push(text.slice(at, m.index));
      const mark = document.createElement("mark");
      mark.textContent = m[0];
      parts.push(mark);
      at = m.index + m[0].length;
    }
    if (at < text.length) parts.push(text.slice(at));
    el.replaceChildren(...parts);
  }

  private details(e: LogEntry): HTMLElement {
    const box = document.createElement("div");
    box.className = "details";
    const full = document.createElement("pre");
    full.className = "full-line";
    this.fillLine(full, e.line);
    box.append(full, this.contextBar(e));
    const context = this.contexts.get(e.key);
    if (context) box.append(context.root);
    const parsed = parseLine(e.line);
    const sections: [string, [string, string][], FilterRequest["kind"]][] = [
      ["Stream labels", Object.entries(e.stream).sort(), "stream"],
      ["Structured metadata", Object.entries(e.metadata).sort(), "metadata"],
      ["Parsed labels", Object.entries(e.parsed).sort(), "metadata"],
      [parsed.parser ? `Fields (${parsed.parser})` : "Fields", parsed.fields, "parsed"],
    ];
    for (const [title, pairs, kind] of sections) {
      if (pairs.length === 0) continue;
      const table = document.createElement("table");
      table.className = "fields";
      const caption = document.createElement("caption");
      caption.textContent = title;
      table.append(caption);
      for (const [name, value] of pairs) {
        const tr = document.createElement("tr");
        const actions = document.createElement("td");
        actions.className = "actions";
        for (const op of ["=", "!="] as const) {
          const b = document.createElement("button");
          b.type = "button";
          b.className = "filter-button";
          b.textContent = op === "=" ? "+" : "−";
          b.title = (op === "=" ? "Filter for " : "Filter out ") + `${name}="${value}"`;
          b.setAttribute("aria-label", b.title);
          b.addEventListener("click", (ev) => {
            ev.stopPropagation();
            this.onFilter({ name, value, op, kind, parser: kind === "parsed" ? parsed.parser ?? undefined : undefined });
          });
          actions.append(b);
        }
        const n = document.createElement("th");
        n.textContent = name;
        const v = document.createElement("td");
        v.textContent = value;
        tr.append(actions, n, v);
        // In a cell of its own, so the value's cell holds the value alone
        // (to copy it). The server looks for ids of 4 characters or more:
        // shorter ones would match too much to follow.
        if (this.traceLink && title === "Structured metadata" && isIdName(name) && value.length >= 4) {
          const cell = document.createElement("td");
          cell.className = "trace-cell";
          cell.append(this.traceLink(value));
          tr.append(cell);
        }
        table.append(tr);
      }
      box.append(table);
    }
    // Ids in the line's text, each with a Trace link too (those linked
    // from the metadata above aside).
    if (this.traceLink) {
      const linked = Object.entries(e.metadata).filter(([n, v]) => isIdName(n) && v.length >= 4).map(([, v]) => v);
      const ids = idsInLine(e.line, linked);
      if (ids.length) {
        const table = document.createElement("table");
        table.className = "fields line-ids";
        const caption = document.createElement("caption");
        caption.textContent = "Ids in the line";
        table.append(caption);
        for (const id of ids) {
          const tr = document.createElement("tr");
          const v = document.createElement("td");
          v.className = "line-id";
          v.textContent = id;
          const cell = document.createElement("td");
          cell.className = "trace-cell";
          cell.append(this.traceLink(id));
          tr.append(v, cell);
          table.append(tr);
        }
        box.append(table);
      }
    }
    box.addEventListener("click", (ev) => ev.stopPropagation());
    return box;
  }

  // The "Show context" button, which opens the context below it.
  private contextBar(e: LogEntry): HTMLElement {
    const bar = document.createElement("div");
    bar.className = "detail-actions";
    const b = document.createElement("button");
    b.type = "button";
    b.className = "context-button";
    const sync = () => {
      const c = this.contexts.get(e.key);
      b.textContent = c ? "Hide context" : "Show context";
      b.title = "The lines before and after this one in its stream";
      b.setAttribute("aria-expanded", String(c !== undefined));
      if (c) b.setAttribute("aria-controls", c.id);
      else b.removeAttribute("aria-controls");
    };
    b.addEventListener("click", (ev) => {
      ev.stopPropagation();
      const open = this.contexts.get(e.key);
      if (open) {
        open.close();
        open.root.remove();
        this.contexts.delete(e.key);
      } else {
        const c = new LineContext(e, () => this.schedule());
        this.contexts.set(e.key, c);
        bar.after(c.root);
        void c.start();
      }
      sync();
      this.schedule();
    });
    sync();
    bar.append(b);
    return bar;
  }

  private toggle(key: string): void {
    if (this.expanded.has(key)) {
      this.expanded.delete(key);
      this.contexts.get(key)?.close();
      this.contexts.delete(key);
    } else this.expanded.add(key);
    // The row is rebuilt open or closed; focus stays on it.
    const old = this.rendered.get(key);
    const hadFocus = old !== undefined && old.contains(document.activeElement);
    if (old) {
      const fresh = this.row(Number(old.dataset.index));
      old.replaceWith(fresh);
      this.rendered.set(key, fresh);
      if (hadFocus) fresh.focus({ preventScroll: true });
    }
    this.layout();
  }

  // Up/Down move between rows, Enter or Space opens and closes one.
  private onKey(ev: KeyboardEvent): void {
    const row = (ev.target as HTMLElement).closest?.(".row") as HTMLElement | null;
    if (!row || ev.target !== row) return;
    const i = Number(row.dataset.index);
    if (ev.key === "Enter" || ev.key === " ") {
      ev.preventDefault();
      this.toggle(row.dataset.key!);
    } else if (ev.key === "ArrowDown" || ev.key === "ArrowUp") {
      ev.preventDefault();
      const next = Math.min(this.entries.length - 1, Math.max(0, i + (ev.key === "ArrowDown" ? 1 : -1)));
      const y = this.offsets[next];
      if (y < this.root.scrollTop) this.root.scrollTop = y;
      else if (this.offsets[next + 1] > this.root.scrollTop + this.root.clientHeight) {
        this.root.scrollTop = this.offsets[next + 1] - this.root.clientHeight;
      }
      this.render();
      (this.spacer.querySelector(`[data-index="${next}"]`) as HTMLElement | null)?.focus({ preventScroll: true });
    }
  }
}
