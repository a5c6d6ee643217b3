// What the UI needs to know about a LogQL query without a full parser:
// whether it is a metric query, which line filters to highlight, and how
// to add a filter to it.

// A log query starts with its stream selector; anything else (a function,
// an aggregation, a number, a parenthesis) is a metric query.
export function isMetricQuery(query: string): boolean {
  const q = stripComments(query).trim();
  return q !== "" && !q.startsWith("{");
}

// The query without its `#` comments (a `#` inside a string is kept).
export function stripComments(query: string): string {
  let out = "";
  for (let i = 0; i < query.length; i++) {
    const c = query[i];
    if (c === '"' || c === "`") {
      const s = readString(query, i);
      const end = s ? s[1] : query.length;
      out += query.slice(i, end);
      i = end - 1;
    } else if (c === "#") {
      while (i < query.length && query[i] !== "\n") i++;
      if (i < query.length) out += "\n";
    } else {
      out += c;
    }
  }
  return out;
}

// Reads a Go-style quoted string (double quotes or backticks) starting at
// `i`; returns its value and the index after it, or null.
function readString(q: string, i: number): [string, number] | null {
  const quote = q[i];
  if (quote === "`") {
    const end = q.indexOf("`", i + 1);
    return end < 0 ? null : [q.slice(i + 1, end), end + 1];
  }
  if (quote !== '"') return null;
  let out = "";
  for (let j = i + 1; j < q.length; j++) {
    const c = q[j];
    if (c === '"') return [out, j + 1];
    if (c !== "\\") {
      out += c;
      continue;
    }
    const n = q[++j];
    if (n === "n") out += "\n";
    else if (n === "t") out += "\t";
    else if (n === "x" && /^[0-9a-fA-F]{2}$/.test(q.slice(j + 1, j + 3))) {
      // A byte escape: shown by the server as the text \xHH when the line
      // is not UTF-8, so that is what is highlighted.
      out += "\\x" + q.slice(j + 1, j + 3).toLowerCase();
      j += 2;
    } else out += n ?? "";
  }
  return null;
}

export interface LineFilter {
  op: "|=" | "|~" | "!=" | "!~";
  value: string;
}

// The line filters of the query, in order (`or` alternatives included).
export function lineFilters(query: string): LineFilter[] {
  const q = stripComments(query);
  const out: LineFilter[] = [];
  const re = /(\|=|\|~|!=|!~)\s*|\bor\s+/g;
  let m: RegExpExecArray | null;
  let last: LineFilter["op"] | null = null;
  // Matchers inside the selector's braces are not line filters.
  re.lastIndex = (selectorBounds(q)?.[1] ?? -1) + 1;
  while ((m = re.exec(q))) {
    const op: LineFilter["op"] | null = (m[1] as LineFilter["op"] | undefined) ?? last;
    const at = re.lastIndex;
    const s = readString(q, at);
    if (!op || !s) continue;
    // `|=` directly after a label name is a label filter (`| a != "b"`).
    if (m[1] && (m[1] === "!=" || m[1] === "!~")) {
      const before = q.slice(0, m.index).trimEnd();
      if (/[A-Za-z0-9_]$/.test(before) && !/\)$/.test(before)) {
        last = null; // its `or` alternatives are not line filters either
        continue;
      }
    }
    out.push({ op, value: s[0] });
    last = op;
    re.lastIndex = s[1];
  }
  return out;
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

// One regular expression that finds what the query's positive line
// filters match, for highlighting; null when there is none (or a regex
// that JavaScript cannot read).
export function highlightPattern(query: string): RegExp | null {
  const parts: string[] = [];
  let ignoreCase = false;
  for (const f of lineFilters(query)) {
    if (f.op === "|=" && f.value) parts.push(escapeRegExp(f.value));
    if (f.op === "|~" && f.value) {
      let re = f.value;
      if (re.startsWith("(?i)")) {
        ignoreCase = true;
        re = re.slice(4);
      }
      // JavaScript's regexes backtrack (RE2 does not): a nested
      // quantifier could hang the page on a long line, so it is not
      // highlighted.
      if (/\([^)]*[+*}][^)]*\)\s*[+*{]/.test(re)) continue;
      try {
        new RegExp(re);
        parts.push("(?:" + re + ")");
      } catch {
        // RE2 syntax JavaScript lacks; the match is just not highlighted.
      }
    }
  }
  if (parts.length === 0) return null;
  try {
    return new RegExp(parts.join("|"), ignoreCase ? "gi" : "g");
  } catch {
    return null;
  }
}

// The selector of a stream: {a="b", c="d"}, values quoted for LogQL.
export function selectorOf(labels: Record<string, string>): string {
  const keys = Object.keys(labels).sort();
  return "{" + keys.map((k) => `${k}=${quote(labels[k])}`).join(", ") + "}";
}

export function quote(value: string): string {
  return '"' + value.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n") + '"';
}

// Adds a matcher to the query's first stream selector. An `=` replaces the
// label's other matchers (it is more specific than any of them); a `!=`
// is added beside them.
export function addStreamMatcher(query: string, name: string, value: string, op: "=" | "!="): string {
  const q = query.trim();
  const added = `${name}${op}${quote(value)}`;
  const bounds = selectorBounds(q);
  if (!bounds) return q.includes("{") ? q : `{${added}}`;
  const [open, close] = bounds;
  const kept = splitMatchers(q.slice(open + 1, close)).filter(
    (m) => m !== added && !(op === "=" && new RegExp(`^${name}\\s*(=|!=|=~|!~)`).test(m)),
  );
  kept.push(added);
  return q.slice(0, open + 1) + kept.join(", ") + q.slice(close);
}

// The indexes of the first stream selector's braces, skipping braces
// inside strings; null when there is none (or it is not closed).
function selectorBounds(q: string): [number, number] | null {
  const open = q.indexOf("{");
  if (open < 0) return null;
  let depth = 0;
  for (let i = open; i < q.length; i++) {
    if (q[i] === '"' || q[i] === "`") {
      const s = readString(q, i);
      if (!s) return null;
      i = s[1] - 1;
    } else if (q[i] === "{") depth++;
    else if (q[i] === "}" && --depth === 0) return [open, i];
  }
  return null;
}

function splitMatchers(inner: string): string[] {
  const out: string[] = [];
  let start = 0;
  for (let i = 0; i < inner.length; i++) {
    if (inner[i] === '"' || inner[i] === "`") {
      const s = readString(inner, i);
      if (!s) break;
      i = s[1] - 1;
    } else if (inner[i] === ",") {
      out.push(inner.slice(start, i).trim());
      start = i + 1;
    }
  }
  out.push(inner.slice(start).trim());
  return out.filter((m) => m !== "");
}

// Appends a label filter stage, after `parser` when the field comes from
// one the query does not use yet.
export function addPipelineFilter(
  query: string,
  name: string,
  value: string,
  op: "=" | "!=",
  parser?: "json" | "logfmt",
): string {
  // Comments go: a stage after a trailing one would be commented out.
  let q = stripComments(query).trim();
  if (parser && !new RegExp(`\\|\\s*${parser}\\b`).test(q)) q += ` | ${parser}`;
  return `${q} | ${name}${op}${quote(value)}`;
}

// Appends a pattern filter that keeps (`|>`) or drops (`!>`) the lines of
// `pattern`, as the patterns API writes it (`<_>` for the variable parts).
// It goes last, like the other filters the buttons add; comments go so it
// is not commented out.
export function addPatternFilter(query: string, pattern: string, exclude: boolean): string {
  return `${stripComments(query).trim()} ${exclude ? "!>" : "|>"} ${quote(pattern)}`;
}

// The position of a parse error message ("parse error at line L, col C").
export function errorPosition(message: string): { line: number; col: number } | null {
  const m = /line (\d+), col (\d+)/.exec(message);
  return m ? { line: Number(m[1]), col: Number(m[2]) } : null;
}

export const FUNCTIONS = [
  "count_over_time", "rate", "bytes_over_time", "bytes_rate", "rate_counter",
  "avg_over_time", "sum_over_time", "min_over_time", "max_over_time",
  "stddev_over_time", "stdvar_over_time", "quantile_over_time",
  "first_over_time", "last_over_time", "absent_over_time",
  "sum", "avg", "min", "max", "count", "stddev", "stdvar", "topk", "bottomk",
  "approx_topk", "sort", "sort_desc", "label_replace", "vector",
];

export const PIPELINE_STAGES = [
  "json", "logfmt", "pattern", "regexp", "unpack", "line_format", "label_format",
  "drop", "keep", "decolorize", "unwrap",
];
