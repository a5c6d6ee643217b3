// The label browser: every label name, a chosen label's values with how
// many lines and bytes each holds over the time range, and the streams;
// one click queries a value or a stream.
import * as api from "./api";
import { formatBytes } from "./format";
import { quote, selectorOf } from "./logql";
import type { Range } from "./state";

export class LabelBrowser {
  private selected: string | null = null;
  private shown = 0; // which showValues call is the latest

  constructor(
    private readonly root: HTMLElement,
    private readonly onQuery: (query: string) => void,
    private readonly onError: (message: string) => void,
  ) {}

  async show(range: Range): Promise<void> {
    this.root.replaceChildren();
    const names = document.createElement("nav");
    names.className = "label-names";
    names.setAttribute("aria-label", "Label names");
    const values = document.createElement("section");
    values.className = "label-values";
    const streams = document.createElement("section");
    streams.className = "streams";
    this.root.append(names, values, streams);
    try {
      const all = await api.labelNames(range.startNs, range.endNs);
      const heading = document.createElement("h2");
      heading.textContent = `Labels (${all.length})`;
      names.append(heading);
      for (const name of all) {
        const b = document.createElement("button");
        b.type = "button";
        b.className = "label-name" + (name === this.selected ? " selected" : "");
        b.setAttribute("aria-pressed", String(name === this.selected));
        b.textContent = name;
        b.addEventListener("click", () => {
          this.selected = name;
          names.querySelectorAll(".label-name").forEach((el) => {
            el.classList.toggle("selected", el === b);
            el.setAttribute("aria-pressed", String(el === b));
          });
          void this.showValues(values, name, range);
        });
        names.append(b);
      }
      if (all.length === 0) names.append(Object.assign(document.createElement("p"), { textContent: "No labels in this time range." }));
      const pick = this.selected && all.includes(this.selected) ? this.selected : all[0];
      if (pick) {
        this.selected = pick;
        names.querySelectorAll(".label-name").forEach((el) => {
          el.classList.toggle("selected", el.textContent === pick);
          el.setAttribute("aria-pressed", String(el.textContent === pick));
        });
        await this.showValues(values, pick, range);
      }
      await this.showStreams(streams, range);
    } catch (e) {
      this.onError(e instanceof Error ? e.message : String(e));
    }
  }

  private async showValues(box: HTMLElement, name: string, range: Range): Promise<void> {
    const call = ++this.shown;
    box.replaceChildren(Object.assign(document.createElement("h2"), { textContent: `Values of ${name}` }));
    const rangeSeconds = Math.max(1, Math.ceil((range.endMs - range.startMs) / 1000));
    const [values, counts, bytes] = await Promise.all([
      api.labelValues(name, range.startNs, range.endNs),
      api.queryInstant(`sum by (${name}) (count_over_time({${name}=~".+"}[${rangeSeconds}s]))`, range.endNs),
      api.volume(name, range.startNs, range.endNs).catch(() => new Map<string, number>()),
    ]);
    if (call !== this.shown) return; // another label was picked meanwhile
    const lines = new Map(counts.map(([m, v]) => [m[name] ?? "", v]));
    values.sort((a, b) => (lines.get(b) ?? 0) - (lines.get(a) ?? 0) || a.localeCompare(b));
    const table = document.createElement("table");
    table.className = "value-table";
    const head = document.createElement("tr");
    for (const h of ["Value", "Lines", "Bytes"]) head.append(Object.assign(document.createElement("th"), { textContent: h }));
    table.append(head);
    for (const v of values) {
      const tr = document.createElement("tr");
      const cell = document.createElement("td");
      cell.append(this.queryLink(v, `{${name}=${quote(v)}}`, "value-link"));
      tr.append(
        cell,
        Object.assign(document.createElement("td"), { textContent: String(lines.get(v) ?? 0), className: "num" }),
        Object.assign(document.createElement("td"), { textContent: formatBytes(bytes.get(v) ?? 0), className: "num" }),
      );
      table.append(tr);
    }
    box.append(table);
  }

  // A link that runs `query` on Explore (and can be opened in a new tab).
  private queryLink(text: string, query: string, className: string): HTMLAnchorElement {
    const link = document.createElement("a");
    link.href = "?" + new URLSearchParams({ query }).toString();
    link.textContent = text;
    link.className = className;
    link.addEventListener("click", (ev) => {
      ev.preventDefault();
      this.onQuery(query);
    });
    return link;
  }

  private async showStreams(box: HTMLElement, range: Range): Promise<void> {
    const all = await api.series("", range.startNs, range.endNs);
    all.sort((a, b) => selectorOf(a).localeCompare(selectorOf(b)));
    box.replaceChildren(Object.assign(document.createElement("h2"), { textContent: `Streams (${all.length})` }));
    const list = document.createElement("ul");
    list.className = "stream-list";
    for (const labels of all.slice(0, 500)) {
      const li = document.createElement("li");
      const query = selectorOf(labels);
      li.append(this.queryLink(query, query, "stream-link"));
      list.append(li);
    }
    box.append(list);
  }
}
