// lode's web UI: the Explore page (query, histogram, results or graph, live
// tail, patterns, a line's context), the label browser and the ruler's
// alerts, and the Trace page (an id's lines across services), with the
// state in the URL.
import { AlertsPage } from "./alerts";
import * as api from "./api";
import { Histogram, MetricGraph, histogramBuckets, histogramStep } from "./charts";
import { el } from "./dom";
import { QueryEditor } from "./editor";
import { formatBytes, formatCount } from "./format";
import { LabelBrowser } from "./labels";
import {
  addPatternFilter, addPipelineFilter, addStreamMatcher, errorPosition, highlightPattern, isMetricQuery, stripComments,
} from "./logql";
import { PatternsPanel } from "./patterns";
import { FilterRequest, ResultsList } from "./results";
import {
  AppState, LIMITS, Page, RELATIVE_RANGES, View, describeRange, fromDateTimeLocal, parseTime, readUrl,
  resolveRange, toDateTimeLocal, traceRange, writeUrl,
} from "./state";
import { LiveTail } from "./tail";
import { TracePage, traceLink } from "./trace";

class App {
  private state: AppState = readUrl(location.search);
  private readonly editor: QueryEditor;
  private readonly histogram: Histogram;
  private readonly graph: MetricGraph;
  private readonly results: ResultsList;
  private readonly labels: LabelBrowser;
  private readonly alerts: AlertsPage;
  private readonly trace: TracePage;
  private readonly tail: LiveTail;
  private readonly patterns: PatternsPanel;
  private abort: AbortController | null = null;
  private queryBar!: HTMLElement;

  // Page parts.
  private readonly explore = el("main", { className: "explore", "aria-label": "Explore" });
  private readonly labelsPage = el("main", { className: "labels-page", "aria-label": "Labels", hidden: true });
  private readonly alertsPage = el("main", { className: "alerts-page", "aria-label": "Alerts", hidden: true });
  private readonly tracePage = el("main", { className: "trace-page", "aria-label": "Trace", hidden: true });
  private readonly errorBox = el("div", { className: "error", role: "alert", hidden: true });
  private readonly statsBar = el("div", { className: "stats", "aria-live": "polite" });
  private readonly histogramBox = el("div", { className: "histogram", "aria-label": "Matching lines over time" });
  private readonly graphBox = el("div", { className: "graph", hidden: true, "aria-label": "Metric graph" });
  private readonly resultsBox = el("div", { className: "results-box", id: "view-logs" });
  private readonly patternsBox = el("div", { className: "patterns-box", id: "view-patterns", role: "tabpanel", "aria-labelledby": "tab-patterns", hidden: true });
  // Logs or Patterns below a log query's histogram (tabs, Left/Right between them).
  private readonly viewTabs = el("div", { className: "view-tabs", role: "tablist", "aria-label": "Results" });
  private readonly logsTab = el("button", { type: "button", className: "view-tab", role: "tab", id: "tab-logs", "aria-controls": "view-logs" }, "Logs");
  private readonly patternsTab = el("button", { type: "button", className: "view-tab", role: "tab", id: "tab-patterns", "aria-controls": "view-patterns" }, "Patterns");
  private readonly rangeButton = el("button", { type: "button", className: "range-button", "aria-haspopup": "dialog" });
  private readonly rangePanel = el("div", { className: "range-panel", hidden: true, role: "dialog", "aria-label": "Time range" });
  private readonly limitSelect = el("select", { className: "limit", "aria-label": "Line limit" });
  private readonly directionButton = el("button", { type: "button", className: "direction" });
  private readonly liveButton = el("button", { type: "button", className: "live", "aria-pressed": "false" });
  private readonly pauseButton = el("button", { type: "button", className: "pause", hidden: true, "aria-pressed": "false" });
  private readonly runButton = el("button", { type: "button", className: "run primary" }, "Run query");
  private readonly tabExplore = el("a", { href: "?", className: "tab" }, "Explore");
  private readonly tabLabels = el("a", { href: "?page=labels", className: "tab" }, "Labels");
  private readonly tabAlerts = el("a", { href: "?page=alerts", className: "tab" }, "Alerts");
  private readonly tabTrace = el("a", { href: "?page=trace", className: "tab" }, "Trace");

  constructor(root: HTMLElement) {
    const editorBox = el("div", { className: "editor" });
    this.editor = new QueryEditor(editorBox, this.state.query, () => this.runFromUi(), {
      labelNames: () => {
        const r = resolveRange(this.state);
        return api.labelNames(r.startNs, r.endNs).catch(() => []);
      },
      labelValues: (name) => {
        const r = resolveRange(this.state);
        return api.labelValues(name, r.startNs, r.endNs).catch(() => []);
      },
    });
    for (const n of LIMITS) this.limitSelect.append(el("option", { value: String(n) }, `${formatCount(n)} lines`));
    this.limitSelect.addEventListener("change", () => {
      this.state.limit = Number(this.limitSelect.value);
      this.runFromUi();
    });
    this.directionButton.addEventListener("click", () => {
      this.state.direction = this.state.direction === "backward" ? "forward" : "backward";
      this.runFromUi();
    });
    this.liveButton.addEventListener("click", () => {
      this.state.live = !this.state.live;
      this.runFromUi();
    });
    this.pauseButton.addEventListener("click", () => {
      this.tail.paused = !this.tail.paused;
      this.syncControls();
    });
    this.runButton.addEventListener("click", () => this.runFromUi());
    this.rangeButton.addEventListener("click", () => this.toggleRangePanel());
    this.buildRangePanel();

    this.histogram = new Histogram(this.histogramBox, (from, to) => {
      this.state.from = String(from);
      this.state.to = String(to);
      this.runFromUi();
    });
    this.graph = new MetricGraph(this.graphBox);
    this.results = new ResultsList(
      this.resultsBox,
      (f) => this.addFilter(f),
      (id) => traceLink(id, this.state.from, this.state.to, (v) => this.openTrace(v)),
    );
    this.patterns = new PatternsPanel(this.patternsBox, (pattern, exclude) => this.addPattern(pattern, exclude));
    this.viewTabs.append(this.logsTab, this.patternsTab);
    for (const [tab, view] of this.viewTabList()) tab.addEventListener("click", () => this.setView(view));
    this.viewTabs.addEventListener("keydown", (ev) => {
      const order = this.viewTabList();
      const at = order.findIndex(([tab]) => tab === document.activeElement);
      if (at < 0) return;
      let next = at;
      if (ev.key === "ArrowRight") next = (at + 1) % order.length;
      else if (ev.key === "ArrowLeft") next = (at + order.length - 1) % order.length;
      else if (ev.key === "Home") next = 0;
      else if (ev.key === "End") next = order.length - 1;
      else return;
      ev.preventDefault();
      order[next][0].focus();
      this.setView(order[next][1]);
    });
    this.tail = new LiveTail(
      this.results,
      (text) => (this.statsBar.textContent = text),
      (message) => this.showError(message),
      () => {
        // The server ended the tail: the button offers to start it again.
        this.state.live = false;
        history.replaceState(null, "", writeUrl(this.state));
        this.syncControls();
      },
    );
    this.labels = new LabelBrowser(this.labelsPage, (q) => {
      this.state.page = "explore";
      this.state.query = q;
      this.editor.text = q;
      this.runFromUi();
    }, (m) => this.showError(m));
    // A rule's query over the last hour, as its Explore link says.
    this.alerts = new AlertsPage(this.alertsPage, (q) => {
      this.state.page = "explore";
      this.state.query = q;
      this.state.from = "now-1h";
      this.state.to = "now";
      this.state.live = false;
      this.editor.text = q;
      this.runFromUi();
    });

    this.trace = new TracePage(this.tracePage, (id, from, to) => {
      this.state.trace = id;
      this.state.from = from;
      this.state.to = to;
      this.runFromUi();
    });

    const tokenButton = el("button", { type: "button", className: "token-button", title: "Token and tenant" }, "Auth");
    tokenButton.addEventListener("click", () => this.askCredentials());
    const header = el(
      "header",
      { className: "top" },
      el("a", { href: "?", className: "brand", "aria-label": "lode home" }, "lode"),
      el("nav", { className: "tabs", "aria-label": "Pages" }, this.tabExplore, this.tabLabels, this.tabAlerts, this.tabTrace),
      el("div", { className: "spacer" }),
      tokenButton,
    );
    for (const [tab, page] of this.tabs()) {
      tab.addEventListener("click", (ev) => {
        ev.preventDefault();
        if (page === "trace" && this.state.page !== "trace") Object.assign(this.state, traceRange(this.state.from, this.state.to));
        this.state.page = page;
        this.runFromUi();
      });
    }
    const bar = el(
      "div",
      { className: "query-bar" },
      editorBox,
      el("div", { className: "controls" }, this.rangeButton, this.limitSelect, this.directionButton, this.liveButton, this.pauseButton, this.runButton),
      this.rangePanel,
    );
    this.queryBar = bar;
    this.explore.append(bar, this.errorBox, this.statsBar, this.histogramBox, this.graphBox, this.viewTabs, this.resultsBox, this.patternsBox);
    root.append(header, this.explore, this.labelsPage, this.alertsPage, this.tracePage);

    window.addEventListener("popstate", () => {
      this.state = readUrl(location.search);
      this.editor.text = this.state.query;
      void this.run();
    });
    document.addEventListener("keydown", (ev) => {
      if (ev.key === "Escape" && !this.rangePanel.hidden) this.closeRangePanel();
    });
    history.replaceState(null, "", writeUrl(this.state));
    void this.run();
    if (this.state.page === "explore") this.editor.focus();
    if (this.state.page === "trace" && !this.state.trace) this.trace.focus();
  }

  // The Trace page for an id from a line's details, over Explore's range
  // (widened to a day when shorter).
  private openTrace(id: string): void {
    Object.assign(this.state, traceRange(this.state.from, this.state.to));
    this.state.page = "trace";
    this.state.trace = id;
    this.state.live = false;
    this.runFromUi();
  }

  private tabs(): [HTMLAnchorElement, Page][] {
    return [[this.tabExplore, "explore"], [this.tabLabels, "labels"], [this.tabAlerts, "alerts"], [this.tabTrace, "trace"]];
  }

  private viewTabList(): [HTMLButtonElement, View][] {
    return [[this.logsTab, "logs"], [this.patternsTab, "patterns"]];
  }

  // Another tab below the histogram: the query does not run again (the
  // lines are there already; patterns load the first time they show).
  private setView(view: View): void {
    if (this.state.view === view) return;
    this.state.view = view;
    history.pushState(null, "", writeUrl(this.state));
    this.syncView();
  }

  // What shows below the query for the state: the graph of a metric
  // query, or a log query's histogram and its lines or patterns. A live
  // tail shows lines only.
  private syncView(): void {
    const s = this.state;
    const metric = s.query !== "" && isMetricQuery(s.query);
    const tabs = s.query !== "" && !metric && !s.live;
    const patterns = tabs && s.view === "patterns";
    this.viewTabs.hidden = !tabs;
    this.graphBox.hidden = !metric;
    this.histogramBox.hidden = metric;
    this.resultsBox.hidden = metric || patterns;
    this.patternsBox.hidden = !patterns;
    for (const [tab, view] of this.viewTabList()) {
      const selected = view === (patterns ? "patterns" : "logs");
      tab.setAttribute("aria-selected", String(selected));
      tab.classList.toggle("active", selected);
      tab.tabIndex = selected ? 0 : -1;
    }
    if (patterns) this.patterns.show();
  }

  // A new state from the controls: a history entry, then run it.
  private runFromUi(): void {
    // The editor shows what runs, so error positions point into it.
    this.state.query = this.editor.text.trim();
    this.editor.text = this.state.query;
    const url = writeUrl(this.state);
    if (url !== location.search) history.pushState(null, "", url);
    void this.run();
  }

  private syncControls(): void {
    const s = this.state;
    this.rangeButton.textContent = describeRange(s) + " ▾";
    this.limitSelect.value = String(s.limit);
    if (this.limitSelect.value !== String(s.limit)) {
      this.limitSelect.append(el("option", { value: String(s.limit) }, `${formatCount(s.limit)} lines`));
      this.limitSelect.value = String(s.limit);
    }
    this.directionButton.textContent = s.direction === "backward" ? "Newest first" : "Oldest first";
    this.directionButton.title = "Toggle the order of lines";
    this.liveButton.textContent = s.live ? "■ Stop live" : "▶ Live";
    this.liveButton.setAttribute("aria-pressed", String(s.live));
    this.liveButton.classList.toggle("active", s.live);
    this.pauseButton.hidden = !s.live;
    this.pauseButton.textContent = this.tail.paused ? "Resume" : "Pause";
    this.pauseButton.setAttribute("aria-pressed", String(this.tail.paused));
    for (const [tab, page] of this.tabs()) {
      tab.classList.toggle("active", s.page === page);
      tab.setAttribute("aria-current", s.page === page ? "page" : "false");
    }
    this.explore.hidden = s.page !== "explore";
    this.labelsPage.hidden = s.page !== "labels";
    this.alertsPage.hidden = s.page !== "alerts";
    this.tracePage.hidden = s.page !== "trace";
    // Errors show on either page: under the query bar, or above the labels.
    if (s.page === "labels") this.labelsPage.before(this.errorBox);
    else this.queryBar.after(this.errorBox);
    document.title =
      s.page === "alerts" ? "Alerts · lode"
      : s.page === "trace" ? (s.trace ? `Trace ${s.trace} · lode` : "Trace · lode")
      : s.query ? `${s.query} · lode` : "lode";
  }

  private showError(message: string): void {
    this.errorBox.hidden = false;
    const pos = errorPosition(message);
    this.errorBox.replaceChildren(el("strong", {}, "Query error"), " ", message);
    if (pos) {
      this.editor.markError(pos.line, pos.col);
      // The query with a caret under the position, as a terminal shows it.
      const lines = this.state.query.split("\n");
      const line = lines[pos.line - 1] ?? "";
      this.errorBox.append(el("pre", { className: "error-context" }, line + "\n" + " ".repeat(Math.max(0, pos.col - 1)) + "^"));
    }
  }

  private clearError(): void {
    this.errorBox.hidden = true;
    this.errorBox.replaceChildren();
    this.editor.clearError();
  }

  private async run(): Promise<void> {
    this.abort?.abort();
    this.abort = new AbortController();
    const signal = this.abort.signal;
    this.tail.stop();
    this.alerts.stop();
    this.patterns.setSource(null);
    this.syncControls();
    this.clearError();
    const s = this.state;
    if (s.page === "alerts") {
      // It reloads itself every 10 s until the next run() stops it.
      this.alerts.start();
      return;
    }
    const range = resolveRange(s);
    if (s.page === "trace") {
      await this.trace.show(s.trace, s.from, s.to, range, s.limit, signal);
      return;
    }
    if (s.page === "labels") {
      await this.labels.show(range);
      return;
    }
    const metric = s.query !== "" && isMetricQuery(s.query);
    this.patterns.setSource(
      s.query && !metric && !s.live ? { query: s.query, range, stepSeconds: histogramStep(range.endMs - range.startMs, 60) } : null,
    );
    this.syncView();
    if (!s.query) {
      this.statsBar.textContent = "Type a LogQL query, e.g. {app=\"api\"} |= \"error\", and press Ctrl+Enter.";
      this.histogram.clear();
      this.graph.clear();
      this.results.set([], null);
      return;
    }
    this.statsBar.setAttribute("aria-live", s.live && !metric ? "off" : "polite");
    if (s.live && !metric) {
      this.histogram.clear();
      this.results.set([], highlightPattern(s.query));
      this.tail.start(s.query, s.limit, s.direction === "backward");
      this.syncControls();
      return;
    }
    this.statsBar.textContent = "Running…";
    const started = performance.now();
    try {
      if (metric) {
        const step = histogramStep(range.endMs - range.startMs, 250);
        const result = await api.queryRange(s.query, range.startNs, range.endNs, s.limit, s.direction, step, signal);
        if (result.kind !== "matrix") throw new Error("expected a metric result");
        this.graph.show(result.series, range.startMs, range.endMs);
        this.showStats(result.stats, started, `${formatCount(result.series.length)} series`);
        if (result.series.length === 0) this.statsBar.textContent += " · no data in this range";
        return;
      }
      // The histogram's windows tile the range exactly (a whole number of
      // milliseconds each), so their sum is the number of matching lines.
      const buckets = histogramBuckets(range.endMs - range.startMs);
      const volume = `sum by (level) (count_over_time(${stripComments(s.query)}\n[${buckets.stepMs}ms]))`;
      const first = BigInt(range.startMs + buckets.stepMs) * 1000000n;
      const last = BigInt(range.startMs + buckets.count * buckets.stepMs) * 1000000n;
      const [logs, hist] = await Promise.all([
        api.queryRange(s.query, range.startNs, range.endNs, s.limit, s.direction, undefined, signal),
        api.queryRange(volume, first, last, 1, "forward", buckets.stepMs / 1000, signal).catch(() => null),
      ]);
      if (logs.kind !== "streams") throw new Error("expected log lines");
      let total: number | null = null;
      if (hist && hist.kind === "matrix") total = this.histogram.show(hist.series, range.startMs, buckets.stepMs, buckets.count);
      else this.histogram.clear();
      this.results.set(logs.entries, highlightPattern(s.query));
      let summary = `${formatCount(logs.entries.length)} lines shown`;
      if (total !== null) summary += ` of ${formatCount(total)} matching`;
      if (logs.entries.length >= s.limit) summary += ` (limit ${formatCount(s.limit)})`;
      this.showStats(logs.stats, started, summary);
    } catch (e) {
      if (signal.aborted) return;
      this.statsBar.textContent = "";
      this.histogram.clear();
      this.histogramBox.hidden = true;
      this.results.set([], null);
      // The patterns would fail the same way: one error says it.
      this.patterns.setSource(null);
      this.viewTabs.hidden = true;
      this.patternsBox.hidden = true;
      this.showError(api.errorText(e));
    }
  }

  private showStats(stats: api.QueryStats, started: number, summary: string): void {
    const ms = performance.now() - started;
    const parts = [summary];
    if (stats.totalLinesProcessed !== undefined) parts.push(`${formatCount(stats.totalLinesProcessed)} lines scanned`);
    if (stats.totalBytesProcessed !== undefined) parts.push(`${formatBytes(stats.totalBytesProcessed)} scanned`);
    parts.push(`${ms.toFixed(0)} ms`);
    if (stats.execTime !== undefined) parts.push(`server ${(stats.execTime * 1000).toFixed(1)} ms`);
    this.statsBar.textContent = parts.join(" · ");
  }

  private addFilter(f: FilterRequest): void {
    const q = this.editor.text;
    this.editor.text = f.kind === "stream" ? addStreamMatcher(q, f.name, f.value, f.op) : addPipelineFilter(q, f.name, f.value, f.op, f.parser);
    this.runFromUi();
  }

  // Keeping a pattern's lines is to read them: Logs shows them. Excluding
  // one is to see what else there is: Patterns stays, without it.
  private addPattern(pattern: string, exclude: boolean): void {
    this.editor.text = addPatternFilter(this.editor.text, pattern, exclude);
    if (!exclude) this.state.view = "logs";
    this.runFromUi();
    // The pressed button is gone; the selected tab keeps the focus nearby.
    (exclude ? this.patternsTab : this.logsTab).focus();
  }

  private buildRangePanel(): void {
    const presets = el("div", { className: "presets", role: "group", "aria-label": "Relative ranges" });
    for (const [from, label] of RELATIVE_RANGES) {
      const b = el("button", { type: "button", className: "preset" }, label);
      b.addEventListener("click", () => {
        this.state.from = from;
        this.state.to = "now";
        this.closeRangePanel();
        this.runFromUi();
      });
      presets.append(b);
    }
    const fromInput = el("input", { type: "datetime-local", step: "1", className: "from", id: "range-from" });
    const toInput = el("input", { type: "datetime-local", step: "1", className: "to", id: "range-to" });
    const apply = el("button", { type: "button", className: "apply primary" }, "Apply");
    apply.addEventListener("click", () => {
      const from = fromDateTimeLocal(fromInput.value);
      const to = fromDateTimeLocal(toInput.value);
      if (from === null || to === null || to <= from) {
        this.showError("The absolute range needs a start before its end.");
        return;
      }
      this.state.from = String(from);
      this.state.to = String(to);
      this.closeRangePanel();
      this.runFromUi();
    });
    this.rangePanel.append(
      presets,
      el(
        "div",
        { className: "absolute" },
        el("label", { for: "range-from" }, "From"),
        fromInput,
        el("label", { for: "range-to" }, "To"),
        toInput,
        apply,
      ),
    );
    this.rangePanel.addEventListener("focusin", () => {
      if (fromInput.value) return;
      fromInput.value = toDateTimeLocal(parseTime(this.state.from) ?? Date.now() - 3600e3);
      toInput.value = toDateTimeLocal(parseTime(this.state.to) ?? Date.now());
    });
  }

  private closeRangePanel(): void {
    this.rangePanel.hidden = true;
    this.rangeButton.setAttribute("aria-expanded", "false");
    this.rangeButton.focus();
  }

  private toggleRangePanel(): void {
    if (!this.rangePanel.hidden) return this.closeRangePanel();
    this.rangePanel.hidden = false;
    this.rangeButton.setAttribute("aria-expanded", "true");
    if (!this.rangePanel.hidden) {
      const inputs = this.rangePanel.querySelectorAll("input");
      (inputs[0] as HTMLInputElement).value = toDateTimeLocal(parseTime(this.state.from) ?? Date.now() - 3600e3);
      (inputs[1] as HTMLInputElement).value = toDateTimeLocal(parseTime(this.state.to) ?? Date.now());
      (this.rangePanel.querySelector("button") as HTMLButtonElement).focus();
    }
  }

  private askCredentials(): void {
    const t = prompt("Bearer token (empty: none)", api.token());
    if (t === null) return;
    const tenant = prompt("Tenant (X-Scope-OrgID; empty: the server's default)", api.tenant());
    if (tenant === null) return;
    api.setCredentials(t.trim(), tenant.trim());
    void this.run();
  }
}

new App(document.getElementById("app")!);
