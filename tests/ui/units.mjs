// Unit tests of the web UI's pure functions (web/src/logql.ts, state.ts,
// fields.ts, format.ts, alerts.ts's helpers), bundled by esbuild and run in node.
// Prints "N passed, N failed".
import { mkdtempSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const web = join(here, "../../web");
const require = createRequire(join(web, "package.json"));
const esbuild = require("esbuild");

const dir = mkdtempSync(join(tmpdir(), "lode-ui-units-"));
const entry = `export * from ${JSON.stringify(join(web, "src/logql.ts"))};
export * from ${JSON.stringify(join(web, "src/state.ts"))};
export * from ${JSON.stringify(join(web, "src/fields.ts"))};
export * from ${JSON.stringify(join(web, "src/format.ts"))};
export { activeAlerts, exploreUrl, parseApiTime } from ${JSON.stringify(join(web, "src/alerts.ts"))};`;
await esbuild.build({ stdin: { contents: entry, resolveDir: web, loader: "ts" }, bundle: true, format: "esm", platform: "node", outfile: join(dir, "m.mjs"), logLevel: "error" });
const m = await import(pathToFileURL(join(dir, "m.mjs")).href);
rmSync(dir, { recursive: true, force: true });

let passed = 0;
let failed = 0;
function eq(actual, expected, name) {
  const a = JSON.stringify(actual);
  const e = JSON.stringify(expected);
  if (a === e) passed++;
  else {
    failed++;
    console.log(`FAIL ${name}\n    got      ${a}\n    expected ${e}`);
  }
}
const matches = (query, line) => {
  const re = m.highlightPattern(query);
  return re ? line.match(re) ?? [] : null;
};

// Bytes and counts as shown.
eq(m.formatBytes(0), "0 B", "bytes: zero");
eq(m.formatBytes(1023), "1023 B", "bytes: under a KiB");
eq(m.formatBytes(1536), "1.5 KiB", "bytes: KiB");
eq(m.formatBytes(5 * 1024 * 1024), "5.0 MiB", "bytes: MiB");
eq(m.formatBytes(3 * 1024 ** 4), "3.0 TiB", "bytes: TiB");
eq(m.formatBytes(2048 * 1024 ** 4), "2048.0 TiB", "bytes: beyond the largest unit");
eq(m.formatCount(10000), "10,000", "count: separators");

// Which queries are metric queries.
eq(m.isMetricQuery('{a="b"} |= "x"'), false, "log query");
eq(m.isMetricQuery('  # note\n{a="b"}'), false, "log query after a comment");
eq(m.isMetricQuery('sum(rate({a="b"}[1m]))'), true, "aggregation");
eq(m.isMetricQuery("(1 + 2)"), true, "parenthesis");

// Line filters and what gets highlighted.
eq(m.lineFilters('{a="}"} |= "x" or "y" != "z"'), [{ op: "|=", value: "x" }, { op: "|=", value: "y" }, { op: "!=", value: "z" }], "filters after a brace in a string, with or");
eq(m.lineFilters('{a="b"} | json | level != "x" or "y"'), [], "label filters are not line filters");
eq(matches('{a="b"} |= "x" or "y"', "x-y-z"), ["x", "y"], "or alternatives highlight");
eq(matches('{a="b"} |~ "(?i)err"', "ERR and err"), ["ERR", "err"], "case-insensitive regex");
eq(matches('{a="b"} |= `a.b`', "a.b axb"), ["a.b"], "backticks are literal");
eq(matches('{a="b"} |= "issue #42" # why', "see issue #42"), ["issue #42"], "a # inside a string is not a comment");
eq(matches('{a="b"} != "x"', "x"), null, "negative filters highlight nothing");
eq(matches('{a="b"} |~ "(a+)+b"', "aaaa"), null, "nested quantifiers are not run");
eq(matches('{a="b"} |= "caf\\xe9"', "caf\\xe9 ouvert"), ["caf\\xe9"], "a byte escape matches the server's \\xHH text");

// Filters added by the buttons.
eq(m.addStreamMatcher('{app="shop"} |= "x"', "level", "error", "="), '{app="shop", level="error"} |= "x"', "add a matcher");
eq(m.addStreamMatcher('{app=~"api|web"}', "app", "web", "="), '{app="web"}', "= replaces the label's matchers");
eq(m.addStreamMatcher('{app=~"api|web"}', "app", "web", "!="), '{app=~"api|web", app!="web"}', "!= is added beside them");
eq(m.addStreamMatcher('{a="}"}', "b", 'x"y', "="), '{a="}", b="x\\"y"}', "quotes and braces in values");
eq(m.addPipelineFilter('{a="b"} # note', "took", "3s", "=", "logfmt"), '{a="b"} | logfmt | took="3s"', "after a trailing comment");
eq(m.addPipelineFilter('{a="b"} | json', "user_id", "u1", "!=", "json"), '{a="b"} | json | user_id!="u1"', "the parser is not repeated");
eq(m.selectorOf({ b: 'q"x', a: "1" }), '{a="1", b="q\\"x"}', "a stream's selector");
eq(m.errorPosition("parse error at line 2, col 7: syntax error"), { line: 2, col: 7 }, "error position");

// Fields of a line.
eq(m.parseLine('{"level":"info","user":{"id":"u1"},"n":3}'), { parser: "json", fields: [["level", "info"], ["user_id", "u1"], ["n", "3"]] }, "json fields");
eq(m.parseLine('level=error msg="a \\"b\\"" took=3s'), { parser: "logfmt", fields: [["level", "error"], ["msg", 'a "b"'], ["took", "3s"]] }, "logfmt fields");
eq(m.parseLine("plain prose with a=b once"), { parser: null, fields: [] }, "prose");

// URL state and times.
const s = { page: "explore", query: '{a="b"} |= "x y"', from: "now-15m", to: "now", limit: 5000, direction: "forward", live: true };
eq(m.readUrl(m.writeUrl(s)), s, "the URL round-trips the state");
eq(m.readUrl("?from=garbage&limit=-3").from, "now-1h", "bad values fall back");
eq(m.parseTime("now-2h", 10_000_000), 10_000_000 - 7_200_000, "relative time");
eq(m.parseTime("1700000000000"), 1700000000000, "absolute time");
const r = m.resolveRange({ ...s, from: "1000", to: "5000" });
eq([r.startNs.toString(), r.endNs.toString()], ["1000000000", "5000000000"], "range in ns");

eq(m.readUrl("?page=alerts").page, "alerts", "the alerts page");
eq(m.readUrl("?page=nope").page, "explore", "an unknown page is Explore");

// Durations, times and values on the Alerts page.
eq(m.formatDuration(0), "0s", "duration: zero");
eq(m.formatDuration(0.25), "250ms", "duration: under a second");
eq(m.formatDuration(90), "1m30s", "duration: two units");
eq(m.formatDuration(3600), "1h", "duration: a round hour");
eq(m.formatDuration(2 * 86400 + 3 * 3600 + 59), "2d3h", "duration: the two largest units");
eq(m.formatAgo(1_000_000 - 42_500, 1_000_000), "42s ago", "ago: seconds");
eq(m.formatAgo(1_000_000 + 5_000, 1_000_000), "just now", "ago: a clock ahead of this one");
eq(m.formatElapsed(0.000183408), "183 µs", "elapsed: µs");
eq(m.formatElapsed(0.0123), "12.3 ms", "elapsed: ms");
eq(m.formatElapsed(2.5), "2.50 s", "elapsed: s");
eq(m.formatValue("8e+00"), "8", "value: Go's exponent form");
eq(m.formatValue("1.5e-01"), "0.15", "value: a fraction");
eq(m.formatValue("+Inf"), "+Inf", "value: infinity as written");
eq(m.formatValue("NaN"), "NaN", "value: NaN as written");
eq(m.parseApiTime("2026-12-06T00:18:11.052400273Z"), Date.UTC(2026, 11, 6, 0, 18, 11, 52), "API time with nanoseconds");
eq(m.parseApiTime("0001-01-01T00:00:00Z"), null, "Go's zero time is never");
eq(m.exploreUrl('sum(x{a="b"}) > 1'), "?" + new URLSearchParams({ query: 'sum(x{a="b"}) > 1', from: "now-1h", to: "now", limit: "1000" }), "a rule's Explore link");
const alert = (name, state, activeAt) => ({ labels: { alertname: name }, annotations: {}, state, activeAt, value: "1e+00" });
const groups = [{ name: "g", file: "ns", interval: 60, limit: 0, lastEvaluation: "", evaluationTime: 0, rules: [
  { type: "alerting", name: "B", query: "q", labels: {}, health: "ok", lastError: "", lastEvaluation: "", evaluationTime: 0,
    alerts: [alert("B", "pending", "2026-01-01T00:00:00Z"), alert("B", "inactive", "2026-01-01T00:00:00Z")] },
  { type: "alerting", name: "C", query: "q", labels: {}, health: "ok", lastError: "", lastEvaluation: "", evaluationTime: 0,
    alerts: [alert("C", "firing", "2026-01-01T00:00:02Z"), alert("C", "firing", "2026-01-01T00:00:01Z")] },
  { type: "recording", name: "r", query: "q", labels: {}, health: "ok", lastError: "", lastEvaluation: "", evaluationTime: 0 },
] }];
eq(m.activeAlerts(groups).map((a) => `${a.alert.labels.alertname} ${a.alert.state} ${a.alert.activeAt.slice(-3)}`), ["C firing 01Z", "C firing 02Z", "B pending 00Z"], "active alerts: firing first, the longest active first, no resolved ones");

console.log(`${passed} passed, ${failed} failed`);
process.exit(failed === 0 ? 0 : 1);
