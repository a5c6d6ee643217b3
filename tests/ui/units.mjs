// Unit tests of the web UI's pure functions (web/src/logql.ts, state.ts,
// fields.ts, format.ts, and the helpers of alerts.ts, patterns.ts and
// context.ts and trace.ts), bundled by esbuild and run in node.
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
export { activeAlerts, exploreUrl, parseApiTime } from ${JSON.stringify(join(web, "src/alerts.ts"))};
export { sparklineCounts, sparklinePaths } from ${JSON.stringify(join(web, "src/patterns.ts"))};
export { CONTEXT_WINDOW_NS, contextWindow, countIn, nextBound, streamOf, unseen } from ${JSON.stringify(join(web, "src/context.ts"))};
export { idsInLine, isIdName, tickStep, timeline, traceUrl } from ${JSON.stringify(join(web, "src/trace.ts"))};`;
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
eq(m.addPatternFilter('{a="b"} |= "x" # note', 'level=info msg="done" took=<_>', false), '{a="b"} |= "x" |> "level=info msg=\\"done\\" took=<_>"', "keep a pattern, its quotes escaped");
eq(m.addPatternFilter('{a="b"}', "path=C:\\tmp\\<_>", true), '{a="b"} !> "path=C:\\\\tmp\\\\<_>"', "exclude a pattern, its backslashes escaped");
eq(m.errorPosition("parse error at line 2, col 7: syntax error"), { line: 2, col: 7 }, "error position");

// Fields of a line.
eq(m.parseLine('{"level":"info","user":{"id":"u1"},"n":3}'), { parser: "json", fields: [["level", "info"], ["user_id", "u1"], ["n", "3"]] }, "json fields");
eq(m.parseLine('level=error msg="a \\"b\\"" took=3s'), { parser: "logfmt", fields: [["level", "error"], ["msg", 'a "b"'], ["took", "3s"]] }, "logfmt fields");
eq(m.parseLine("plain prose with a=b once"), { parser: null, fields: [] }, "prose");

// URL state and times.
const s = { page: "explore", query: '{a="b"} |= "x y"', from: "now-15m", to: "now", limit: 5000, direction: "forward", live: true, view: "patterns", trace: "" };
eq(m.readUrl(m.writeUrl(s)), s, "the URL round-trips the state");
eq(m.readUrl("?from=garbage&limit=-3").from, "now-1h", "bad values fall back");
eq(m.parseTime("now-2h", 10_000_000), 10_000_000 - 7_200_000, "relative time");
eq(m.parseTime("1700000000000"), 1700000000000, "absolute time");
const r = m.resolveRange({ ...s, from: "1000", to: "5000" });
eq([r.startNs.toString(), r.endNs.toString()], ["1000000000", "5000000000"], "range in ns");

eq(m.readUrl("?page=alerts").page, "alerts", "the alerts page");
eq([m.readUrl("").view, m.readUrl("?view=nope").view], ["logs", "logs"], "the Logs tab unless the URL says Patterns");
eq(m.writeUrl({ ...m.defaultState(), query: "{a=\"b\"}" }).includes("view"), false, "the Logs tab is not written");
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

// Sparklines on the Patterns tab: one count per step of the API's grid
// (steps at multiples of the step), gaps as zeros, scaled to the box.
eq(m.sparklineCounts([[120, 2], [240, 5]], 100, 400, 60), [0, 2, 0, 5, 0, 0], "counts per step from 60 to 360, gaps filled");
eq(m.sparklineCounts([[0, 1], [900, 3]], 100, 400, 60), [1, 0, 0, 0, 0, 3], "samples outside the range count at its edges");
eq(m.sparklineCounts([[120, 2]], 120, 240, 60), [2, 0], "an end on a step's start ends the grid there");
eq(m.sparklineCounts([], 100, 100, 60), [0], "an empty range has one step");
eq(m.sparklinePaths([0, 5, 10], 100, 22), { line: "M0,21L50,11L100,1", area: "M0,21L50,11L100,1L100,22L0,22Z" }, "the peak at the top, zero at the bottom");
eq(m.sparklinePaths([0, 0], 10, 10).line, "M0,9L10,9", "all zeros lie on the bottom");
eq(m.sparklinePaths([4], 10, 10).line, "M5,1", "one step is a point in the middle");

// Context around a line: windows, limits and lines seen twice.
const t = (ns, line) => ({ ns: String(ns), line });
const W = m.CONTEXT_WINDOW_NS;
const anchor = t(5000, "me");
eq(m.unseen([t(5000, "me"), t(5000, "twin"), t(6000, "next")], [anchor]).map((e) => e.line), ["twin", "next"], "the line itself is dropped, its same-time twin kept");
eq(m.unseen([t(1, "a"), t(1, "a"), t(1, "b")], [t(1, "a")]).map((e) => e.line), ["a", "b"], "equal lines: each shown one drops one fetched");
eq(m.countIn([t(1, "a"), t(5, "b"), t(9, "c")], 5n, 9n), 1, "count in [start, end)");
const before0 = m.contextWindow("before", 5000n, [anchor]);
eq([before0.start, before0.end, before0.limit].map(String), [String(5000n - W), "5000", "10"], "before: the 2 h up to the line, its time excluded, 10 lines");
const after0 = m.contextWindow("after", 5000n, [anchor]);
eq([after0.start, after0.end, after0.limit].map(String), ["5000", String(5000n + W), "11"], "after: the 2 h from the line, its time included, 11 lines");
const shown = [t(3000, "x"), t(3000, "y"), anchor];
eq(String(m.nextBound("before", 5000n, before0, 10, 2, shown)), "3001", "more before: up to the oldest shown, its time included");
eq(m.contextWindow("before", 3001n, shown).limit, 12, "more before asks again for the lines shown at that time");
eq(String(m.nextBound("before", 5000n, before0, 0, 0, [anchor])), String(5000n - W), "none in the window: the next looks further back");
eq(String(m.nextBound("after", 5000n, after0, 4, 3, [anchor, t(6000, "z")])), "6000", "more after: from the newest shown");
eq(String(m.nextBound("after", 5000n, after0, 1, 0, [anchor])), String(5000n + W), "none after in the window: the next looks further on");
const tailed = { app: "a", env: "prod", trace_id: "t1" }; // a live tail line's labels, its metadata among them
eq(m.streamOf(tailed, [{ app: "b" }, { app: "a" }, { app: "a", env: "prod" }, { app: "a", env: "dev" }]), { app: "a", env: "prod" }, "a tail line's stream: the largest set its labels hold");
eq(m.streamOf(tailed, [{ app: "b" }]), null, "no stream holds them");

// The Trace page.
eq(["trace_id", "span_id", "request_id", "traceid", "traceId", "orderId", "user_id", "id", "idle", "valid"].map(m.isIdName), [true, true, true, true, true, true, true, false, false, false], "id names");
const tid = "4bf92f3577b34da6a3ce929d0e0e4736";
eq(m.idsInLine(`charge accepted trace=${tid} amount=42`), [tid], "a trace id in the text (key=value and hex, once)");
eq(m.idsInLine(`{"msg":"ok","Trace_ID":"t-123","span_id": "s-99","user":"u1"}`), ["t-123", "s-99"], "JSON keys, any case");
eq(m.idsInLine(`req_id=r-42 correlation_id="c 1" request_id=abcd TraceId=T777 traceid=xy`), ["r-42", "abcd", "T777"], "logfmt keys; values of 4 or more characters");
eq(m.idsInLine("user 123e4567-E89B-12d3-a456-426614174000 span 00f067aa0ba902b7"), ["123e4567-E89B-12d3-a456-426614174000", "00f067aa0ba902b7"], "a UUID and a span id");
eq(m.idsInLine("ts 1700000000000000000 hash deadbeefdeadbeefdeadbeef cafe0123 x4bf92f3577b34da6a3ce929d0e0e4736y"), [], "digits only, letters only, short, or part of a word: none");
eq(m.idsInLine("subtrace=abcd mytrace_id=efgh trace: starting"), [], "other keys, and no = or quoted key");
eq(m.idsInLine(`trace_id=req-${tid}`), [`req-${tid}`], "a hex inside a value: the value alone");
eq(m.idsInLine(`trace=${tid} span_id=00f067aa0ba902b7`, [tid]), ["00f067aa0ba902b7"], "ids linked already left out");
eq(m.idsInLine("a=1 " + ["aaaa", "bbbb", "cccc", "dddd", "eeee", "ffff", "aaaa"].map((v) => `trace=${v}`).join(" ")), ["aaaa", "bbbb", "cccc", "dddd", "eeee"], "each once, at most 5");
eq([0, 0.25, 40, 210, 999, 1200, 1500, 12345, 75000].map(m.formatOffset), ["0 ms", "0.25 ms", "40 ms", "210 ms", "999 ms", "1.2 s", "1.5 s", "12.3 s", "75 s"], "trace offsets");
eq([1500, 210, 60000, 0].map((s) => m.tickStep(s)), [500, 50, 10000, 0.0002], "tick steps of 1, 2, 5 × 10^k");
eq(m.traceRange("now-1h", "now", 0), { from: "now-24h", to: "now" }, "a short relative range widens to a day");
eq(m.traceRange("now-7d", "now", 0), { from: "now-7d", to: "now" }, "a longer one is kept");
eq(m.traceRange("1000", "2000", 0), { from: "1000", to: "2000" }, "an absolute one is kept");
eq(m.traceUrl("abcd", "now-1h", "now"), "?page=trace&id=abcd&from=now-24h&to=now&limit=1000", "the Trace page's URL");
eq(m.readUrl("?page=trace&id=abcd"), { ...m.defaultState(), page: "trace", trace: "abcd", from: "now-24h" }, "the Trace page from its URL, a day by default");
const ms = (n) => String(1700000000000000000n + BigInt(n) * 1000000n);
const tl = m.timeline([
  { ns: ms(0), service: "a" },
  { ns: ms(40), service: "a" },
  { ns: ms(250), service: "b" },
  { ns: ms(260), service: "a" },
  { ns: ms(300), service: "b" },
  { ns: ms(1500), service: "c" },
]);
eq(tl.lanes.map((l) => [l.service, l.offsets]), [["a", [0, 40, 260]], ["b", [250, 300]], ["c", [1500]]], "lanes in order of first line");
eq(tl.gaps.map((g) => [g.from, g.to, g.fromMs, g.toMs]), [[0, 1, 40, 250], [1, 2, 300, 1500]], "a gap from the previous service's latest line before");
eq([tl.spanMs, tl.offsets], [1500, [0, 40, 250, 260, 300, 1500]], "offsets from the first line");
eq(m.timeline([]).lanes, [], "no lines, no lanes");

console.log(`${passed} passed, ${failed} failed`);
process.exit(failed === 0 ? 0 : 1);
