// The Alerts page: what the ruler does for the tenant, from Prometheus'
// rules API. First the alerts that fire or wait out their `for`, then
// every rule group with its rules' state, health and last evaluation; each
// rule's query opens in Explore. Reloaded every 10 s while it is shown.
import * as api from "./api";
import { el } from "./dom";
import { formatAgo, formatDuration, formatElapsed, formatValue } from "./format";
import { defaultState, formatLocal, writeUrl } from "./state";

const REFRESH_MS = 10_000;

// Milliseconds since the epoch of an API time, or null for Go's zero time
// (never). Date.parse is only sure to read milliseconds; the server writes
// nanoseconds.
export function parseApiTime(text: string | undefined): number | null {
  if (!text || text.startsWith("0001-01-01")) return null;
  const ms = Date.parse(text.replace(/(\.\d{3})\d+/, "$1"));
  return Number.isFinite(ms) ? ms : null;
}

export interface ActiveAlert {
  alert: api.Alert;
  rule: api.Rule;
}

// The alerts that fire, then those pending; by name, then the longest
// active first. Resolved alerts (kept by the ruler a while, "inactive")
// are left out.
export function activeAlerts(groups: api.RuleGroup[]): ActiveAlert[] {
  const out: ActiveAlert[] = [];
  for (const g of groups) {
    for (const rule of g.rules) {
      for (const alert of rule.alerts ?? []) {
        if (alert.state === "firing" || alert.state === "pending") out.push({ alert, rule });
      }
    }
  }
  const rank = (a: ActiveAlert) => (a.alert.state === "firing" ? 0 : 1);
  const name = (a: ActiveAlert) => a.alert.labels.alertname ?? a.rule.name;
  const since = (a: ActiveAlert) => parseApiTime(a.alert.activeAt) ?? Infinity;
  return out.sort((a, b) => rank(a) - rank(b) || name(a).localeCompare(name(b)) || since(a) - since(b));
}

// Explore over the last hour with `query`, in the app's URL format.
export function exploreUrl(query: string): string {
  return writeUrl({ ...defaultState(), query, from: "now-1h", to: "now" });
}

export class AlertsPage {
  private readonly errorBox = el("div", { className: "error", role: "alert", hidden: true });
  // Off for screen readers: it changes with every reload.
  private readonly status = el("div", { className: "stats alerts-status", "aria-live": "off" });
  private readonly content = el("div", { className: "alerts-content" });
  private abort: AbortController | null = null;
  private timer: ReturnType<typeof setTimeout> | null = null;

  constructor(
    root: HTMLElement,
    private readonly onExplore: (query: string) => void,
  ) {
    root.append(this.errorBox, this.status, this.content);
  }

  // Loads now, then REFRESH_MS after each load ends (so slow answers do
  // not pile up), until stop().
  start(): void {
    this.stop();
    const abort = new AbortController();
    this.abort = abort;
    const tick = async () => {
      await this.load(abort.signal);
      if (!abort.signal.aborted) this.timer = setTimeout(tick, REFRESH_MS);
    };
    void tick();
  }

  stop(): void {
    this.abort?.abort();
    this.abort = null;
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
  }

  private async load(signal: AbortSignal): Promise<void> {
    let groups: api.RuleGroup[];
    try {
      groups = await api.ruleGroups(signal);
    } catch (e) {
      if (signal.aborted) return;
      if (e instanceof api.ApiError && e.status === 404) {
        this.showNotConfigured();
        return;
      }
      // What was shown stays, under the error, until a reload works.
      const message = api.errorText(e);
      this.errorBox.replaceChildren(el("strong", {}, "Cannot load the rules"), " ", message);
      this.errorBox.hidden = false;
      return;
    }
    if (signal.aborted) return;
    this.errorBox.hidden = true;
    this.render(groups);
  }

  private showNotConfigured(): void {
    this.errorBox.hidden = true;
    this.status.hidden = true;
    this.content.replaceChildren(
      el(
        "div",
        { className: "notice alerts-notice" },
        el("strong", {}, "Alerting is not configured"),
        ": add a ",
        el("code", {}, "ruler:"),
        " section to the config (see README, Alerts).",
      ),
    );
  }

  private render(groups: api.RuleGroup[]): void {
    const now = Date.now();
    // Keyboard focus outlives the reload: the new element with the same
    // key takes it.
    const active = document.activeElement;
    const focusKey = active instanceof HTMLElement && this.content.contains(active) ? active.dataset.focus : undefined;
    this.status.hidden = false;
    this.status.textContent = `Updated ${formatLocal(now, false)} · refreshes every ${REFRESH_MS / 1000} s`;
    if (groups.length === 0) {
      this.content.replaceChildren(
        el(
          "div",
          { className: "notice alerts-empty-rules" },
          el("strong", {}, "No rules yet."),
          " Rule files (Prometheus' format, with LogQL queries) go in the ruler's rule_path as ",
          el("code", {}, "<rule_path>/<tenant>/<namespace>.yaml"),
          ", or are uploaded to ",
          el("code", {}, "/loki/api/v1/rules/<namespace>"),
          ".",
        ),
      );
      return;
    }
    this.content.replaceChildren(this.alertsSection(activeAlerts(groups), now), this.groupsSection(groups, now));
    if (focusKey) {
      for (const e of this.content.querySelectorAll<HTMLElement>("[data-focus]")) {
        if (e.dataset.focus === focusKey) {
          e.focus();
          break;
        }
      }
    }
  }

  private alertsSection(alerts: ActiveAlert[], now: number): HTMLElement {
    const firing = alerts.filter((a) => a.alert.state === "firing").length;
    const section = el(
      "section",
      { className: "active-alerts", "aria-labelledby": "active-alerts-title" },
      el(
        "h2",
        { id: "active-alerts-title" },
        "Active alerts ",
        el("span", { className: "count" }, `${firing} firing, ${alerts.length - firing} pending`),
      ),
    );
    if (alerts.length === 0) {
      section.append(el("p", { className: "alerts-empty" }, "No alerts are firing or pending."));
      return section;
    }
    const list = el("ul", { className: "alert-list" });
    alerts.forEach((a, i) => list.append(this.alertItem(a, i, now)));
    section.append(list);
    return section;
  }

  private alertItem({ alert, rule }: ActiveAlert, index: number, now: number): HTMLElement {
    const name = alert.labels.alertname ?? rule.name;
    const head = el("div", { className: "alert-head" }, badge(alert.state), el("strong", { className: "alert-name" }, name));
    const since = parseApiTime(alert.activeAt);
    if (since !== null) {
      head.append(el("span", { className: "alert-since" }, `since ${formatAgo(since, now)} (${formatLocal(since, false)})`));
    }
    head.append(
      el("span", { className: "alert-value" }, "value ", el("span", { className: "num" }, formatValue(alert.value))),
      this.exploreLink(rule.query, `alert:${index}:${name}`),
    );
    const item = el("li", { className: `alert-item ${alert.state}`, "data-alert": name }, head);
    // Summary and description are what the rule's author wrote for people.
    const { summary, description, ...rest } = alert.annotations;
    if (summary) item.append(el("p", { className: "alert-summary" }, summary));
    if (description) item.append(el("p", { className: "alert-description" }, description));
    const labels = Object.entries(alert.labels).filter(([k]) => k !== "alertname");
    if (labels.length) item.append(chips(labels, "Labels"));
    const others = Object.entries(rest);
    if (others.length) {
      const dl = el("dl", { className: "annotations" });
      for (const [k, v] of others) {
        // Only web links become links (a runbook_url, a dashboard).
        const value = /^https?:\/\//.test(v) ? el("a", { href: v, target: "_blank", rel: "noopener noreferrer" }, v) : v;
        dl.append(el("dt", {}, k), el("dd", {}, value));
      }
      item.append(dl);
    }
    return item;
  }

  private groupsSection(groups: api.RuleGroup[], now: number): HTMLElement {
    const section = el(
      "section",
      { className: "rule-groups", "aria-labelledby": "rule-groups-title" },
      el("h2", { id: "rule-groups-title" }, "Rule groups ", el("span", { className: "count" }, String(groups.length))),
    );
    for (const g of groups) section.append(this.groupBox(g, now));
    return section;
  }

  private groupBox(g: api.RuleGroup, now: number): HTMLElement {
    const last = parseApiTime(g.lastEvaluation);
    const meta = [`every ${formatDuration(g.interval)}`];
    meta.push(last === null ? "not evaluated yet" : `last evaluated ${formatAgo(last, now)}`);
    if (last !== null) meta.push(`took ${formatElapsed(g.evaluationTime)}`);
    if (g.limit > 0) meta.push(`limit ${g.limit} alerts or series`);
    const title = `${g.file} / ${g.name}`;
    const table = el("table", { className: "rule-table" });
    const head = el("tr", {});
    for (const h of ["Rule", "Type", "State", "Health", "Last evaluation", "Evaluation time", ""]) {
      head.append(el("th", { scope: "col" }, h));
    }
    const body = el("tbody", {});
    g.rules.forEach((r, i) => body.append(this.ruleRow(r, `rule:${title}:${i}`, now)));
    table.append(el("thead", {}, head), body);
    return el(
      "section",
      { className: "rule-group", "aria-label": title, "data-group": title },
      el("h3", {}, el("span", { className: "group-file" }, g.file), " / ", el("span", { className: "group-name" }, g.name)),
      el("p", { className: "group-meta", title: last === null ? "" : formatLocal(last) }, meta.join(" · ")),
      table,
    );
  }

  private ruleRow(r: api.Rule, key: string, now: number): HTMLElement {
    const alerting = r.type === "alerting";
    const nameCell = el(
      "td",
      { className: "rule-cell" },
      el("strong", { className: "rule-name" }, r.name),
      el("code", { className: "rule-query" }, r.query),
    );
    const labels = Object.entries(r.labels ?? {});
    if (labels.length) nameCell.append(chips(labels, "Labels added"));
    if (r.health === "err" || r.lastError) nameCell.append(el("div", { className: "rule-error" }, r.lastError || "evaluation failed"));

    const typeCell = el("td", { className: "rule-type" }, r.type);
    if (alerting && r.duration) typeCell.append(el("div", { className: "muted" }, `for ${formatDuration(r.duration)}`));
    if (alerting && r.keepFiringFor) typeCell.append(el("div", { className: "muted" }, `keep firing ${formatDuration(r.keepFiringFor)}`));

    const stateCell = el("td", { className: "rule-state" });
    if (alerting) {
      stateCell.append(badge(r.state ?? "inactive"));
      const n = (r.alerts ?? []).filter((a) => a.state !== "inactive").length;
      if (n > 1) stateCell.append(el("span", { className: "muted" }, ` ${n} alerts`));
    } else {
      stateCell.append(el("span", { className: "muted", "aria-label": "no state (recording rule)" }, "–"));
    }

    const last = parseApiTime(r.lastEvaluation);
    return el(
      "tr",
      { "data-rule": r.name },
      nameCell,
      typeCell,
      stateCell,
      el("td", {}, el("span", { className: `health ${r.health}` }, r.health)),
      el("td", { className: "rule-last", title: last === null ? "" : formatLocal(last) }, last === null ? "never" : formatAgo(last, now)),
      el("td", { className: "num" }, last === null ? "–" : formatElapsed(r.evaluationTime)),
      el("td", {}, this.exploreLink(r.query, key)),
    );
  }

  // A link to Explore with `query` that also opens in a new tab.
  private exploreLink(query: string, focusKey: string): HTMLAnchorElement {
    const link = el(
      "a",
      { href: exploreUrl(query), className: "explore-link", title: "Open the query in Explore (last hour)", "data-focus": focusKey },
      "Explore",
    );
    link.addEventListener("click", (ev) => {
      if (ev.button !== 0 || ev.ctrlKey || ev.metaKey || ev.shiftKey || ev.altKey) return;
      ev.preventDefault();
      this.onExplore(query);
    });
    return link;
  }
}

function badge(state: api.AlertState): HTMLElement {
  return el("span", { className: `badge ${state}` }, state);
}

function chips(pairs: [string, string][], label: string): HTMLElement {
  const list = el("ul", { className: "chips", "aria-label": label });
  for (const [k, v] of pairs) {
    list.append(el("li", { className: "chip" }, el("span", { className: "chip-name" }, k), "=", el("span", { className: "chip-value" }, v)));
  }
  return list;
}
