// The Loki HTTP API as the UI uses it. Every call goes to the server that
// served the page; an optional bearer token (kept in localStorage) and
// tenant are sent with each request.

export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

// What to tell the user about a failed call: how to authenticate when
// the server wants a token, else the error's own message.
export function errorText(e: unknown): string {
  if (e instanceof ApiError && e.status === 401) {
    return "The server needs a token: press Auth (top right) and enter one.";
  }
  return e instanceof Error ? e.message : String(e);
}

export interface QueryStats {
  totalLinesProcessed?: number;
  totalBytesProcessed?: number;
  execTime?: number;
}

// A log line as the categorize-labels encoding returns it.
export interface LogEntry {
  ns: string; // nanoseconds since the epoch, as text (beyond 2^53)
  ms: number;
  line: string;
  stream: Record<string, string>;
  metadata: Record<string, string>;
  parsed: Record<string, string>;
  key: string; // unique within one result
  // The live tail's encoding has no categories: `stream` holds the parsed
  // labels and metadata too.
  mixedLabels?: boolean;
}

export interface Series {
  metric: Record<string, string>;
  values: [number, string][];
}

export type QueryResult =
  | { kind: "streams"; entries: LogEntry[]; stats: QueryStats }
  | { kind: "matrix"; series: Series[]; stats: QueryStats };

const TOKEN_KEY = "lode.token";
const TENANT_KEY = "lode.tenant";

export function token(): string {
  return localStorage.getItem(TOKEN_KEY) ?? "";
}
export function tenant(): string {
  return localStorage.getItem(TENANT_KEY) ?? "";
}
export function setCredentials(newToken: string, newTenant: string): void {
  if (newToken) localStorage.setItem(TOKEN_KEY, newToken);
  else localStorage.removeItem(TOKEN_KEY);
  if (newTenant) localStorage.setItem(TENANT_KEY, newTenant);
  else localStorage.removeItem(TENANT_KEY);
}

function headers(): Record<string, string> {
  const h: Record<string, string> = { "X-Loki-Response-Encoding-Flags": "categorize-labels" };
  if (token()) h["Authorization"] = "Bearer " + token();
  if (tenant()) h["X-Scope-OrgID"] = tenant();
  return h;
}

async function get(path: string, params: Record<string, string>, signal?: AbortSignal): Promise<any> {
  const url = path + "?" + new URLSearchParams(params).toString();
  const response = await fetch(url, { headers: headers(), signal });
  const text = await response.text();
  if (!response.ok) throw new ApiError(response.status, text.trim() || response.statusText);
  try {
    return JSON.parse(text);
  } catch {
    throw new ApiError(response.status, "the server's answer is not JSON: " + text.slice(0, 200));
  }
}

function nsToMs(ns: string): number {
  // Milliseconds from the leading digits; the full value stays in `ns`.
  return ns.length > 6 ? Number(ns.slice(0, ns.length - 6)) + Number("0." + ns.slice(-6)) : Number(ns) / 1e6;
}

function readStreams(result: any[]): LogEntry[] {
  const entries: LogEntry[] = [];
  let n = 0;
  for (const s of result) {
    const stream: Record<string, string> = s.stream ?? {};
    for (const v of s.values ?? []) {
      const extra = v[2] ?? {};
      entries.push({
        ns: v[0],
        ms: nsToMs(v[0]),
        line: v[1],
        stream,
        metadata: extra.structuredMetadata ?? {},
        parsed: extra.parsed ?? {},
        key: v[0] + ":" + n++,
      });
    }
  }
  return entries;
}

export async function queryRange(
  query: string,
  startNs: bigint,
  endNs: bigint,
  limit: number,
  direction: "backward" | "forward",
  stepSeconds?: number,
  signal?: AbortSignal,
): Promise<QueryResult> {
  const params: Record<string, string> = {
    query,
    start: startNs.toString(),
    end: endNs.toString(),
    limit: String(limit),
    direction,
  };
  if (stepSeconds) params.step = String(stepSeconds);
  const body = await get("/loki/api/v1/query_range", params, signal);
  const data = body.data ?? {};
  const stats: QueryStats = data.stats?.summary ?? {};
  if (data.resultType === "streams") {
    const entries = readStreams(data.result ?? []);
    // Streams come one after another; order the lines as asked.
    entries.sort((a, b) => compareNs(a.ns, b.ns) * (direction === "backward" ? -1 : 1));
    return { kind: "streams", entries, stats };
  }
  const series: Series[] = (data.result ?? []).map((r: any) => ({
    metric: r.metric ?? {},
    values: (r.values ?? []).map((p: [number, string]) => [Number(p[0]), p[1]]),
  }));
  return { kind: "matrix", series, stats };
}

// A kind of line the patterns API found: its pattern (`<_>` for the parts
// that vary), the level most of its lines have, and its lines per step as
// [unix seconds, count], steps without lines left out.
export interface Pattern {
  pattern: string;
  level: string;
  samples: [number, number][];
}

// The patterns of a log query's lines over the range, most lines first.
export async function patterns(query: string, startNs: bigint, endNs: bigint, stepSeconds: number, signal?: AbortSignal): Promise<Pattern[]> {
  const body = await get(
    "/loki/api/v1/patterns",
    { query, start: startNs.toString(), end: endNs.toString(), step: `${stepSeconds}s` },
    signal,
  );
  return (body.data ?? []).map((p: any) => ({
    pattern: String(p.pattern ?? ""),
    level: String(p.level ?? "unknown"),
    samples: (p.samples ?? []).map((s: [number, number | string]) => [Number(s[0]), Number(s[1])]),
  }));
}

// The lines holding a trace, span or request id (/api/v1/trace): every
// stream's lines with the id as a whole word in their text or a structured
// metadata value, oldest first, and per service its first and last line.
export interface TraceRecord {
  ns: string;
  ms: number;
  service: string;
  stream: Record<string, string>;
  metadata: Record<string, string>;
  line: string;
}

export interface TraceService {
  service: string;
  firstNs: string;
  lastNs: string;
  lines: number;
}

export interface Trace {
  id: string;
  truncated: boolean; // more lines than the limit held the id
  services: TraceService[];
  records: TraceRecord[];
}

export async function trace(id: string, startNs: bigint, endNs: bigint, limit: number, signal?: AbortSignal): Promise<Trace> {
  const body = await get(
    "/api/v1/trace",
    { id, start: startNs.toString(), end: endNs.toString(), limit: String(limit) },
    signal,
  );
  const data = body.data ?? {};
  return {
    id: String(data.id ?? id),
    truncated: data.truncated === true,
    services: (data.services ?? []).map((s: any) => ({
      service: String(s.service ?? ""),
      firstNs: String(s.first ?? "0"),
      lastNs: String(s.last ?? "0"),
      lines: Number(s.lines ?? 0),
    })),
    records: (data.records ?? []).map((r: any) => ({
      ns: String(r.timestamp),
      ms: nsToMs(String(r.timestamp)),
      service: String(r.service ?? ""),
      stream: r.stream ?? {},
      metadata: r.metadata ?? {},
      line: String(r.line ?? ""),
    })),
  };
}

export function compareNs(a: string, b: string): number {
  if (a.length !== b.length) return a.length < b.length ? -1 : 1;
  return a < b ? -1 : a > b ? 1 : 0;
}

// An instant query's vector: [labels, value].
export async function queryInstant(query: string, timeNs: bigint): Promise<[Record<string, string>, number][]> {
  const body = await get("/loki/api/v1/query", { query, time: timeNs.toString() });
  return (body.data?.result ?? []).map((r: any) => [r.metric ?? {}, Number(r.value?.[1] ?? 0)]);
}

export async function labelNames(startNs: bigint, endNs: bigint): Promise<string[]> {
  const body = await get("/loki/api/v1/labels", { start: startNs.toString(), end: endNs.toString() });
  return body.data ?? [];
}

export async function labelValues(name: string, startNs: bigint, endNs: bigint, query?: string): Promise<string[]> {
  const params: Record<string, string> = { start: startNs.toString(), end: endNs.toString() };
  if (query) params.query = query;
  const body = await get("/loki/api/v1/label/" + encodeURIComponent(name) + "/values", params);
  return body.data ?? [];
}

// The streams matching `match`, or every stream when it is empty.
export async function series(match: string, startNs: bigint, endNs: bigint, signal?: AbortSignal): Promise<Record<string, string>[]> {
  const params: Record<string, string> = { start: startNs.toString(), end: endNs.toString() };
  if (match) params["match[]"] = match;
  const body = await get("/loki/api/v1/series", params, signal);
  return body.data ?? [];
}

// Bytes per value of `label` (the index volume API).
export async function volume(label: string, startNs: bigint, endNs: bigint): Promise<Map<string, number>> {
  const body = await get("/loki/api/v1/index/volume", {
    query: `{${label}=~".+"}`,
    targetLabels: label,
    start: startNs.toString(),
    end: endNs.toString(),
    limit: "1000",
  });
  const out = new Map<string, number>();
  for (const r of body.data?.result ?? []) out.set(r.metric?.[label] ?? "", Number(r.value?.[1] ?? 0));
  return out;
}

// Browsers send no custom headers on a WebSocket: the token and tenant
// travel as offered subprotocols ("lode.token.<hex>", "lode.tenant.<hex>")
// beside "lode", the one the server picks.
export function tailProtocols(): string[] {
  const hex = (s: string) => [...new TextEncoder().encode(s)].map((b) => b.toString(16).padStart(2, "0")).join("");
  const out = ["lode"];
  if (token()) out.push("lode.token." + hex(token()));
  if (tenant()) out.push("lode.tenant." + hex(tenant()));
  return out;
}

export function tailUrl(query: string, startNs: bigint, limit: number): string {
  const scheme = location.protocol === "https:" ? "wss:" : "ws:";
  const params = new URLSearchParams({ query, start: startNs.toString(), limit: String(limit) });
  return `${scheme}//${location.host}/loki/api/v1/tail?${params.toString()}`;
}

// The ruler's state, as Prometheus' rules API (/prometheus/api/v1/rules)
// reports it. Times are RFC 3339 ("0001-01-01T00:00:00Z": never);
// durations are in seconds.
export type AlertState = "inactive" | "pending" | "firing";

export interface Alert {
  labels: Record<string, string>;
  annotations: Record<string, string>;
  state: AlertState;
  activeAt: string;
  value: string; // as Go prints a float: "8e+00", "NaN", "+Inf"
}

export interface Rule {
  type: "alerting" | "recording";
  name: string;
  query: string;
  labels: Record<string, string>;
  health: "unknown" | "ok" | "err";
  lastError: string;
  lastEvaluation: string;
  evaluationTime: number;
  // Alerting rules only.
  state?: AlertState;
  duration?: number; // `for`
  keepFiringFor?: number;
  annotations?: Record<string, string>;
  alerts?: Alert[];
}

export interface RuleGroup {
  name: string;
  file: string; // the namespace
  rules: Rule[];
  interval: number;
  limit: number;
  lastEvaluation: string;
  evaluationTime: number;
}

// The tenant's rule groups with their rules and alerts. A server without a
// ruler answers 404 (ApiError.status).
export async function ruleGroups(signal?: AbortSignal): Promise<RuleGroup[]> {
  const body = await get("/prometheus/api/v1/rules", {}, signal);
  return body.data?.groups ?? [];
}
