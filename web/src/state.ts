// What the page shows, kept in the URL so that a link reproduces it and
// the back button steps through earlier queries.

export type Page = "explore" | "labels" | "alerts" | "trace";
export type Direction = "backward" | "forward";
// Below a log query's histogram: its lines, or the patterns of its lines.
export type View = "logs" | "patterns";

export interface AppState {
  page: Page;
  query: string;
  from: string; // "now-1h" or milliseconds since the epoch
  to: string; // "now" or milliseconds since the epoch
  limit: number;
  direction: Direction;
  live: boolean;
  view: View;
  trace: string; // the Trace page's id
}

export const RELATIVE_RANGES: [string, string][] = [
  ["now-5m", "Last 5 minutes"],
  ["now-15m", "Last 15 minutes"],
  ["now-1h", "Last 1 hour"],
  ["now-6h", "Last 6 hours"],
  ["now-24h", "Last 24 hours"],
  ["now-7d", "Last 7 days"],
];

export const LIMITS = [100, 500, 1000, 5000, 10000];

export function defaultState(): AppState {
  return {
    page: "explore",
    query: "",
    from: "now-1h",
    to: "now",
    limit: 1000,
    direction: "backward",
    live: false,
    view: "logs",
    trace: "",
  };
}

export function readUrl(search: string): AppState {
  const p = new URLSearchParams(search);
  const s = defaultState();
  const page = p.get("page");
  if (page === "labels" || page === "alerts" || page === "trace") s.page = page;
  s.trace = p.get("id") ?? "";
  // A trace's lines span services whose clocks and retries stray: the
  // Trace page looks further back than Explore unless told.
  if (s.page === "trace") s.from = "now-24h";
  s.query = p.get("query") ?? s.query;
  if (p.get("from") && parseTime(p.get("from")!) !== null) s.from = p.get("from")!;
  if (p.get("to") && parseTime(p.get("to")!) !== null) s.to = p.get("to")!;
  const limit = Number(p.get("limit"));
  if (Number.isInteger(limit) && limit > 0) s.limit = limit;
  if (p.get("direction") === "forward") s.direction = "forward";
  s.live = p.get("live") === "1";
  if (p.get("view") === "patterns") s.view = "patterns";
  return s;
}

export function writeUrl(s: AppState): string {
  const p = new URLSearchParams();
  if (s.page !== "explore") p.set("page", s.page);
  if (s.page === "trace" && s.trace) p.set("id", s.trace);
  if (s.query) p.set("query", s.query);
  p.set("from", s.from);
  p.set("to", s.to);
  p.set("limit", String(s.limit));
  if (s.direction !== "backward") p.set("direction", s.direction);
  if (s.live) p.set("live", "1");
  if (s.view !== "logs") p.set("view", s.view);
  return "?" + p.toString();
}

const UNIT_MS: Record<string, number> = { s: 1e3, m: 60e3, h: 3600e3, d: 86400e3, w: 7 * 86400e3 };

// The range a trace is looked for in, from Explore's: a relative range
// shorter than a day widens to the last 24 hours (the line that led there is
// in it, but the other services' lines may be older); others are kept.
export function traceRange(from: string, to: string, now = Date.now()): { from: string; to: string } {
  const start = parseTime(from, now);
  if (to === "now" && from.startsWith("now-") && start !== null && now - start < 86400e3) return { from: "now-24h", to: "now" };
  return { from, to };
}

// Milliseconds since the epoch for "now", "now-<n><unit>" or a number of
// milliseconds; null for anything else.
export function parseTime(text: string, now = Date.now()): number | null {
  if (text === "now") return now;
  const rel = /^now-(\d+)([smhdw])$/.exec(text);
  if (rel) return now - Number(rel[1]) * UNIT_MS[rel[2]];
  if (/^\d{1,16}$/.test(text)) return Number(text);
  return null;
}

export interface Range {
  startMs: number;
  endMs: number;
  startNs: bigint;
  endNs: bigint;
}

export function resolveRange(s: AppState, now = Date.now()): Range {
  let startMs = parseTime(s.from, now) ?? now - 3600e3;
  let endMs = parseTime(s.to, now) ?? now;
  if (endMs <= startMs) endMs = startMs + 1000;
  return {
    startMs,
    endMs,
    startNs: BigInt(Math.floor(startMs)) * 1000000n,
    endNs: BigInt(Math.ceil(endMs)) * 1000000n,
  };
}

export function describeRange(s: AppState): string {
  const preset = RELATIVE_RANGES.find(([from]) => from === s.from);
  if (preset && s.to === "now") return preset[1];
  const fmt = (t: string) => {
    const ms = parseTime(t);
    return t.startsWith("now") || ms === null ? t : formatLocal(ms, false);
  };
  return `${fmt(s.from)} to ${fmt(s.to)}`;
}

function pad(n: number, width = 2): string {
  return String(n).padStart(width, "0");
}

// Local time as YYYY-MM-DD HH:MM:SS(.mmm).
export function formatLocal(ms: number, millis = true): string {
  const d = new Date(ms);
  const base =
    `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ` +
    `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
  return millis ? `${base}.${pad(d.getMilliseconds(), 3)}` : base;
}

// The value of an <input type="datetime-local"> for `ms`, and back.
export function toDateTimeLocal(ms: number): string {
  const d = new Date(ms);
  return (
    `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T` +
    `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`
  );
}
export function fromDateTimeLocal(text: string): number | null {
  const ms = new Date(text).getTime();
  return Number.isFinite(ms) ? ms : null;
}
