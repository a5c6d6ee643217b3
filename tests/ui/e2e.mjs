// End-to-end tests of the web UI in a real headless Chromium (Debian's
// /usr/bin/chromium driven by playwright-core) against the real
// `lode serve` on a loopback port. Each test saves a screenshot of the page
// state it checked under --out. Prints "N passed, N failed".
//
// usage: node tests/ui/e2e.mjs --lode build/lode --out build/ui-screenshots [--only NAME]
import { spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const require = createRequire(join(here, "../../web/package.json"));
const { chromium } = require("playwright-core");

const args = process.argv.slice(2);
const arg = (name, fallback) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : fallback;
};
const lodeBinary = resolve(arg("--lode", join(here, "../../build/lode")));
const outDir = resolve(arg("--out", join(here, "../../build/ui-screenshots")));
const only = arg("--only", null);
const chromiumPath = process.env.LODE_CHROMIUM ?? "/usr/bin/chromium";

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
function assert(cond, message) {
  if (!cond) throw new Error("assertion failed: " + message);
}
async function waitFor(fn, message, timeoutMs = 10000) {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > until) throw new Error("timed out waiting for " + message);
    await sleep(50);
  }
}

// --- the server ------------------------------------------------------------

// The default configuration unless `yaml` is given.
async function startServer(yaml = "") {
  const dir = mkdtempSync(join(tmpdir(), "lode-ui-"));
  const args = ["serve", "--data", join(dir, "data"), "--listen", "127.0.0.1:0"];
  if (yaml) {
    writeFileSync(join(dir, "lode.yaml"), yaml);
    args.push("--config", join(dir, "lode.yaml"));
  }
  const child = spawn(lodeBinary, args, { stdio: ["ignore", "ignore", "pipe"] });
  let log = "";
  child.stderr.on("data", (d) => (log += d));
  const url = await waitFor(() => {
    const m = /msg="lode is ready" listen=(\S+)/.exec(log);
    return m ? "http://" + m[1] : null;
  }, "lode to start\n" + log);
  return {
    url,
    log: () => log,
    stop() {
      child.kill("SIGTERM");
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

// Values are [ms, line] or [ms, line, structured metadata].
async function push(url, streams, headers = {}) {
  const body = JSON.stringify({
    streams: streams.map((s) => ({
      stream: s.labels,
      values: s.values.map(([ms, line, meta]) => (meta ? [String(BigInt(ms) * 1000000n), line, meta] : [String(BigInt(ms) * 1000000n), line])),
    })),
  });
  const r = await fetch(url + "/loki/api/v1/push", { method: "POST", headers: { "Content-Type": "application/json", ...headers }, body });
  if (r.status !== 204) throw new Error("push failed: " + r.status + " " + (await r.text()));
}

// Lines over the last 50 minutes: a shop service (logfmt and JSON lines,
// some with "timeout"), and 10,000 lines of a bulk stream.
async function seed(url) {
  const now = Date.now();
  const info = [];
  const errors = [];
  for (let i = 0; i < 300; i++) {
    const ms = now - 50 * 60e3 + i * 10e3;
    if (i % 10 === 3) errors.push([ms, `level=error msg="payment timeout" order=${1000 + i} took=${i % 7}s`]);
    else if (i % 10 === 7) info.push([ms, JSON.stringify({ level: "info", msg: "order placed", order: 1000 + i, user: { id: `u${i % 5}` } })]);
    else info.push([ms, `level=info msg="request served" path=/cart/${i} status=200`]);
  }
  // Payments: JSON lines with a trace id as structured metadata.
  const pay = [];
  for (let i = 0; i < 5; i++) {
    pay.push([now - 20 * 60e3 + i * 1000, JSON.stringify({ event: "charge", amount: 10 * i, user: { id: `u${i}` } }), { trace_id: `trace-${i}` }]);
  }
  await push(url, [
    { labels: { app: "shop", level: "info" }, values: info },
    { labels: { app: "shop", level: "error" }, values: errors },
    { labels: { app: "pay" }, values: pay },
  ]);
  const bulk = [];
  for (let i = 0; i < 10000; i++) bulk.push([now - 40 * 60e3 + i * 200, `bulk line ${i} ` + "x".repeat(i % 50)]);
  for (let i = 0; i < bulk.length; i += 2500) await push(url, [{ labels: { app: "bulk" }, values: bulk.slice(i, i + 2500) }]);
}

// --- helpers over the page ---------------------------------------------------

async function open(page, url, params) {
  await page.goto(url + "/?" + new URLSearchParams(params).toString());
  await page.waitForSelector(".editor .cm-content", { state: "attached" });
}
async function editorText(page) {
  return page.evaluate(() => document.querySelector(".editor .cm-content").innerText.replace(/\u00a0/g, " ").trim());
}
async function typeQuery(page, text) {
  await page.click(".editor .cm-content");
  await page.keyboard.press("Control+A");
  await page.keyboard.press("Delete");
  await page.keyboard.insertText(text);
}
async function stats(page) {
  return page.textContent(".stats");
}
async function waitForRows(page) {
  await page.waitForSelector(".results .row", { timeout: 10000 });
  return page.$$eval(".results .row", (rows) => rows.length);
}

// --- the tests ---------------------------------------------------------------

const tests = [];
const test = (name, fn) => tests.push({ name, fn });

test("query shows matching lines with the match highlighted", async (page, server) => {
  await open(page, server.url, { query: '{app="shop"} |= "timeout"', from: "now-1h", to: "now" });
  await waitForRows(page);
  const marks = await page.$$eval(".results .row mark", (m) => m.map((x) => x.textContent));
  assert(marks.length > 0, "some matches are marked");
  assert(marks.every((m) => m === "timeout"), "only the filter's text is marked: " + marks.slice(0, 3));
  const lines = await page.$$eval(".results .row .line", (l) => l.map((x) => x.textContent));
  assert(lines.every((l) => l.includes("payment timeout")), "every line matches");
  await waitFor(async () => /30 lines shown of 30 matching/.test(await stats(page)), "the stats line: " + (await stats(page)));
  assert(/lines scanned/.test(await stats(page)) && /ms/.test(await stats(page)), "query statistics are shown");
  // Newest first: times go down the list.
  const times = await page.$$eval(".results .row time", (t) => t.map((x) => x.getAttribute("datetime")));
  assert(times.length > 1 && times[0] > times[times.length - 1], "newest first");
  // Local time, as shown: YYYY-MM-DD HH:MM:SS.mmm
  assert(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3}$/.test(await page.textContent(".results .row time")), "time format");
});

test("histogram renders bars over the range", async (page, server) => {
  await open(page, server.url, { query: '{app="shop"}', from: "now-1h", to: "now" });
  await waitForRows(page);
  await page.waitForSelector(".histogram canvas");
  const bars = await waitFor(async () => Number(await page.getAttribute(".histogram", "data-bars")), "histogram bars");
  assert(bars >= 20, "bars with lines: " + bars);
  // Stacked by level, most severe first, each with its colour in the legend.
  assert((await page.getAttribute(".histogram", "data-levels")) === "error,info", "levels: " + (await page.getAttribute(".histogram", "data-levels")));
  const legend = await page.$$eval(".histogram .u-legend .u-series", (s) => s.map((x) => x.textContent.trim()));
  assert(legend.includes("error") && legend.includes("info"), "legend: " + legend);
  // The canvas really has ink: some pixels differ from the first one.
  const inked = await page.$eval(".histogram canvas", (c) => {
    const ctx = c.getContext("2d");
    const d = ctx.getImageData(0, 0, c.width, c.height).data;
    let n = 0;
    for (let i = 0; i < d.length; i += 4) if (d[i + 3] > 0) n++;
    return n;
  });
  assert(inked > 500, "the histogram canvas is drawn: " + inked);
});

test("dragging across the histogram zooms the time range", async (page, server) => {
  await open(page, server.url, { query: '{app="shop"}', from: "now-1h", to: "now" });
  await waitForRows(page);
  const over = await page.waitForSelector(".histogram .u-over");
  const box = await over.boundingBox();
  await page.mouse.move(box.x + box.width * 0.4, box.y + box.height / 2);
  await page.mouse.down();
  await page.mouse.move(box.x + box.width * 0.7, box.y + box.height / 2, { steps: 8 });
  await page.mouse.up();
  await waitFor(() => /from=\d{10,}/.test(page.url()), "absolute from in the URL: " + page.url());
  const p = new URL(page.url()).searchParams;
  const span = Number(p.get("to")) - Number(p.get("from"));
  assert(span > 5 * 60e3 && span < 30 * 60e3, "about 30% of the hour: " + span);
  assert(/ to /.test(await page.textContent(".range-button")), "the range button shows the absolute range");
});

test("a record expands to labels, metadata and fields, and adds a filter", async (page, server) => {
  await open(page, server.url, { query: '{app="shop"} |= "timeout"', from: "now-1h", to: "now" });
  await waitForRows(page);
  await page.click(".results .row .row-head");
  await page.waitForSelector(".results .row.open .details");
  const captions = await page.$$eval(".row.open table.fields caption", (c) => c.map((x) => x.textContent));
  assert(captions.includes("Stream labels"), "stream labels: " + captions);
  assert(captions.includes("Fields (logfmt)"), "logfmt fields: " + captions);
  const fieldNames = await page.$$eval(".row.open table.fields th", (t) => t.map((x) => x.textContent));
  for (const n of ["app", "level", "msg", "order", "took"]) assert(fieldNames.includes(n), "field " + n + " in " + fieldNames);
  await page.screenshot({ path: join(outDir, "04a-record-expanded.png") });
  // "+" on the parsed field `took` adds `| logfmt | took="..."`.
  const row = await page.$(".row.open table.fields tr:has(th:text-is('took'))");
  await (await row.$("button")).click();
  await waitFor(async () => /\| logfmt \| took="\d+s"/.test(await editorText(page)), "the filter in the query: " + (await editorText(page)));
  await waitFor(() => /logfmt/.test(new URL(page.url()).searchParams.get("query")), "the URL follows");
  // The new result: fewer lines (only those that took as long).
  await waitFor(async () => /^[1-9] lines shown of [1-9] matching/.test(await stats(page)), "the filtered result: " + (await stats(page)));
  // "−" on a stream label excludes it in the selector.
  await page.click(".results .row .row-head");
  const levelRow = await page.waitForSelector(".row.open table.fields tr:has(th:text-is('level'))");
  await (await levelRow.$$("button"))[1].click();
  await waitFor(async () => /level!="error"/.test(await editorText(page)), "the exclusion: " + (await editorText(page)));
  await waitFor(async () => /^0 lines shown/.test(await stats(page)), "no line left: " + (await stats(page)));
});

test("a metric query renders a graph with a legend", async (page, server) => {
  await open(page, server.url, { query: 'sum by (level) (count_over_time({app="shop"}[5m]))', from: "now-1h", to: "now" });
  await page.waitForSelector(".graph canvas");
  await waitFor(async () => (await page.getAttribute(".graph", "data-series")) === "2", "two series");
  const legend = await page.$$eval(".graph .u-legend .u-series", (s) => s.map((x) => x.textContent));
  assert(legend.some((l) => l.includes('{level="error"}')) && legend.some((l) => l.includes('{level="info"}')), "legend: " + legend);
  assert(await page.isHidden(".results-box"), "no log list for a metric query");
  assert(/2 series · 300 lines scanned/.test(await stats(page)), "stats: " + (await stats(page)));
});

test("live tail shows a line pushed after it started, and pauses", async (page, server) => {
  await open(page, server.url, { query: '{app="live"}', from: "now-5m", to: "now" });
  await page.click("button.live");
  await waitFor(async () => /^Live ·/.test(await stats(page)), "the tail to connect: " + (await stats(page)));
  assert(/live=1/.test(page.url()), "live mode is in the URL");
  await push(server.url, [{ labels: { app: "live" }, values: [[Date.now(), "hello from the tail 1"]] }]);
  await waitFor(async () => (await page.$$eval(".results .row .line", (l) => l.map((x) => x.textContent))).includes("hello from the tail 1"), "the pushed line");
  await page.screenshot({ path: join(outDir, "06a-live-tail.png") });
  // Paused: new lines wait; resumed: they appear.
  await page.click("button.pause");
  await push(server.url, [{ labels: { app: "live" }, values: [[Date.now(), "hello from the tail 2"]] }]);
  await waitFor(async () => /paused, 1 waiting/.test(await stats(page)), "the held line: " + (await stats(page)));
  assert((await page.$$(".results .row")).length === 1, "nothing added while paused");
  await page.click("button.pause");
  await waitFor(async () => (await page.$$(".results .row")).length === 2, "the held line after resuming");
  const first = await page.textContent(".results .row .line");
  assert(first === "hello from the tail 2", "newest first in the tail: " + first);
});

test("the URL holds the state: reload, share and back", async (page, server) => {
  await open(page, server.url, { query: '{app="shop"}', from: "now-1h", to: "now" });
  await waitForRows(page);
  await typeQuery(page, '{app="shop", level="error"}');
  await page.keyboard.press("Control+Enter");
  await waitFor(() => new URL(page.url()).searchParams.get("query") === '{app="shop", level="error"}', "the query in the URL");
  await page.click(".range-button");
  await page.click("button.preset:text-is('Last 15 minutes')");
  await waitFor(() => new URL(page.url()).searchParams.get("from") === "now-15m", "the range in the URL");
  await page.selectOption("select.limit", "100");
  await page.click("button.direction");
  await waitFor(() => /direction=forward/.test(page.url()) && /limit=100/.test(page.url()), "limit and direction in the URL");
  const shared = page.url();
  // A fresh page from the link shows the same.
  const other = await page.context().newPage();
  await other.goto(shared);
  await other.waitForSelector(".editor .cm-content");
  assert((await editorText(other)) === '{app="shop", level="error"}', "query from the link: " + (await editorText(other)));
  assert((await other.textContent(".range-button")).startsWith("Last 15 minutes"), "range from the link");
  assert((await other.inputValue("select.limit")) === "100", "limit from the link");
  assert((await other.textContent("button.direction")) === "Oldest first", "direction from the link");
  await other.close();
  // Back steps through the earlier states, and the page shows each.
  await page.goBack();
  await waitFor(async () => (await page.textContent("button.direction")) === "Newest first", "back: direction");
  await page.goBack();
  await waitFor(async () => (await page.inputValue("select.limit")) === "1000", "back: limit");
  await page.goBack();
  await waitFor(async () => (await page.textContent(".range-button")).startsWith("Last 1 hour"), "back: range");
  assert((await editorText(page)) === '{app="shop", level="error"}', "back: the query is still the second");
  await page.goBack();
  await waitFor(async () => (await editorText(page)) === '{app="shop"}', "back: the first query");
  await waitFor(async () => /^300 lines shown/.test(await stats(page)), "back: its result: " + (await stats(page)));
});

test("a bad query shows the error and its position", async (page, server) => {
  await open(page, server.url, { query: '{app="shop"} |= "a" | line_format', from: "now-1h", to: "now" });
  await page.waitForSelector(".error:not([hidden])");
  const text = await page.textContent(".error");
  assert(/parse error at line 1, col \d+/.test(text), "the message: " + text);
  assert(await page.$(".cm-error-at"), "the position is marked in the editor");
  assert(/\^/.test(await page.textContent(".error-context")), "a caret under the position");
  await page.screenshot({ path: join(outDir, "08a-query-error.png") });
  // Fixing the query clears it.
  await typeQuery(page, '{app="shop"} |= "a"');
  await page.keyboard.press("Control+Enter");
  await waitFor(async () => await page.isHidden(".error"), "the error to go");
});

test("10,000 lines: virtualised, and scrolling reaches the end", async (page, server) => {
  await open(page, server.url, { query: '{app="bulk"}', from: "now-1h", to: "now", limit: "10000" });
  await waitForRows(page);
  await waitFor(async () => /10,000 lines shown/.test(await stats(page)), "10,000 lines: " + (await stats(page)));
  const inDom = await page.$$eval(".results .row", (r) => r.length);
  assert(inDom < 200, "only the rows in view are in the DOM: " + inDom);
  const started = Date.now();
  await page.$eval(".results", (r) => (r.scrollTop = r.scrollHeight));
  await waitFor(async () => (await page.$$eval(".results .row .line", (l) => l.map((x) => x.textContent))).some((t) => t.startsWith("bulk line 0 ")), "the oldest line at the bottom");
  const afterScroll = await page.$$eval(".results .row", (r) => r.length);
  assert(afterScroll < 200, "still only the rows in view: " + afterScroll);
  console.log(`    (scrolled 10,000 lines to the end in ${Date.now() - started} ms)`);
});

test("label browser lists labels and values with counts, and queries a value", async (page, server) => {
  await open(page, server.url, { page: "labels", from: "now-1h", to: "now" });
  await page.waitForSelector(".label-name");
  const names = await page.$$eval(".label-name", (b) => b.map((x) => x.textContent));
  assert(names.includes("app") && names.includes("level"), "label names: " + names);
  await page.click(".label-name:text-is('app')");
  await page.waitForSelector(".value-link:text-is('shop')");
  const rows = await page.$$eval(".value-table tr", (trs) => trs.slice(1).map((tr) => [...tr.children].map((td) => td.textContent)));
  const bulk = rows.find((r) => r[0] === "bulk");
  const shop = rows.find((r) => r[0] === "shop");
  assert(bulk && bulk[1] === "10000", "bulk count: " + JSON.stringify(bulk));
  assert(shop && shop[1] === "300", "shop count: " + JSON.stringify(shop));
  await page.waitForSelector(".stream-link");
  const streams = await page.$$eval(".stream-link", (l) => l.map((x) => x.textContent));
  assert(streams.includes('{app="shop", level="error"}'), "streams: " + streams);
  await page.screenshot({ path: join(outDir, "10a-label-browser.png") });
  await page.click(".value-link:text-is('shop')");
  await waitForRows(page);
  assert((await editorText(page)) === '{app="shop"}', "the value's query: " + (await editorText(page)));
  assert(!/page=labels/.test(page.url()), "back on Explore");
});

test("the editor completes label names and values", async (page, server) => {
  await open(page, server.url, { from: "now-1h", to: "now" });
  await page.click(".editor .cm-content");
  await page.keyboard.type("{a");
  await page.waitForSelector(".cm-tooltip-autocomplete li:has-text('app')");
  // CodeMirror ignores Enter on a completion list shown less than its
  // interactionDelay (75 ms) ago, so that a fast typist's Enter is not
  // taken as a pick: a person waits that long, and so does the test.
  await page.waitForTimeout(200);
  await page.keyboard.press("Enter");
  await page.keyboard.type('"');
  await page.waitForSelector(".cm-tooltip-autocomplete li:has-text('shop')");
  const offered = await page.$$eval(".cm-tooltip-autocomplete li", (l) => l.map((x) => x.textContent));
  assert(offered.includes("bulk") && offered.includes("shop"), "values: " + offered);
  await page.screenshot({ path: join(outDir, "11a-completion.png") });
  await page.waitForTimeout(200);
  await page.keyboard.press("Enter");
  const text = await editorText(page);
  assert(/^\{app="(shop|bulk)/.test(text), "completed: " + text);
  // Keywords are highlighted by the LogQL grammar.
  await typeQuery(page, 'sum(count_over_time({app="shop"} |= "x" [5m]))');
  assert(await page.$(".editor .tok-function"), "functions highlighted");
  assert(await page.$(".editor .tok-string"), "strings highlighted");
  assert(await page.$(".editor .tok-label"), "label names highlighted");
});

test("dark mode follows the system setting", async (page, server) => {
  await page.emulateMedia({ colorScheme: "dark" });
  await open(page, server.url, { query: '{app="shop"} |= "timeout"', from: "now-1h", to: "now" });
  await waitForRows(page);
  const bg = await page.evaluate(() => getComputedStyle(document.body).backgroundColor);
  assert(bg === "rgb(17, 19, 24)", "dark background: " + bg);
  await page.emulateMedia({ colorScheme: "light" });
  const light = await page.evaluate(() => getComputedStyle(document.body).backgroundColor);
  assert(light === "rgb(255, 255, 255)", "light background: " + light);
  await page.emulateMedia({ colorScheme: "dark" });
});

test("keyboard: tab to the results, arrows move, Enter expands", async (page, server) => {
  await open(page, server.url, { query: '{app="shop"}', from: "now-1h", to: "now" });
  await waitForRows(page);
  // From the Run button, Tab reaches the Logs/Patterns tabs (one stop),
  // and the next Tab the list (one stop for all rows).
  await page.focus("button.run");
  await page.keyboard.press("Tab");
  assert(await page.evaluate(() => document.activeElement?.id === "tab-logs"), "Tab reaches the selected tab");
  await page.keyboard.press("Tab");
  const first = await page.evaluate(() => document.activeElement?.getAttribute("data-index"));
  assert(first === "0", "Tab reaches the first row: " + first);
  await page.keyboard.press("ArrowDown");
  await page.keyboard.press("ArrowDown");
  const index = await page.evaluate(() => document.activeElement?.getAttribute("data-index"));
  assert(index === "2", "focus moved down two rows: " + index);
  await page.keyboard.press("Enter");
  await page.waitForSelector(".row.open[data-index='2'] .details");
  assert((await page.getAttribute(".row.open .row-head", "aria-expanded")) === "true", "aria-expanded");
  const still = await page.evaluate(() => document.activeElement?.getAttribute("data-index"));
  assert(still === "2", "focus stays on the opened row: " + still);
  // Tab from the list leaves it (rows are not 60 tab stops).
  await page.keyboard.press("Shift+Tab");
  assert(await page.evaluate(() => document.activeElement?.id === "tab-logs"), "Shift+Tab goes back to the tabs");
});

test("structured metadata and JSON fields, with filters on both", async (page, server) => {
  await open(page, server.url, { query: '{app="pay"}', from: "now-1h", to: "now" });
  await waitForRows(page);
  await page.click(".results .row[data-index='0'] .row-head");
  await page.waitForSelector(".row.open .details");
  const captions = await page.$$eval(".row.open table.fields caption", (c) => c.map((x) => x.textContent));
  assert(captions.includes("Structured metadata") && captions.includes("Fields (json)"), "sections: " + captions);
  const fields = await page.$$eval(".row.open table.fields tr", (trs) => trs.map((tr) => [tr.children[1].textContent, tr.children[2].textContent]));
  assert(fields.some(([n, v]) => n === "user_id" && v === "u4"), "nested JSON field as json names it: " + JSON.stringify(fields));
  assert(fields.some(([n, v]) => n === "trace_id" && v === "trace-4"), "metadata: " + JSON.stringify(fields));
  await page.screenshot({ path: join(outDir, "14a-metadata-and-json.png") });
  const trace = await page.$(".row.open table.fields tr:has(th:text-is('trace_id'))");
  await (await trace.$("button")).click();
  await waitFor(async () => (await editorText(page)) === '{app="pay"} | trace_id="trace-4"', "metadata filter: " + (await editorText(page)));
  await waitFor(async () => /^1 lines shown/.test(await stats(page)), "one line: " + (await stats(page)));
  await page.click(".results .row .row-head");
  const user = await page.waitForSelector(".row.open table.fields tr:has(th:text-is('user_id'))");
  await (await user.$("button")).click();
  await waitFor(async () => (await editorText(page)) === '{app="pay"} | trace_id="trace-4" | json | user_id="u4"', "json filter: " + (await editorText(page)));
  await waitFor(async () => /^1 lines shown/.test(await stats(page)), "still one line: " + (await stats(page)));
});

test("an absolute time range from the picker", async (page, server) => {
  await open(page, server.url, { query: '{app="shop"}', from: "now-1h", to: "now" });
  await waitForRows(page);
  await page.click(".range-button");
  // Ten minutes that hold 60 of the shop's lines (one every 10 s).
  const pad = (n) => String(n).padStart(2, "0");
  const local = (ms) => {
    const d = new Date(ms);
    return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
  };
  const first = server.seededAt - 50 * 60e3; // the first shop line
  const from = Math.floor((first + 5 * 60e3) / 1000) * 1000 - 5000; // just before line 30
  await page.fill("input.from", local(from));
  await page.fill("input.to", local(from + 10 * 60e3));
  await page.click("button.apply");
  await waitFor(() => new URL(page.url()).searchParams.get("from") === String(from), "from in the URL: " + page.url());
  await waitFor(async () => /^60 lines shown/.test(await stats(page)), "60 lines: " + (await stats(page)));
  assert(/ to /.test(await page.textContent(".range-button")), "the button shows the range");
});

test("live tail keeps at most the limit", async (page, server) => {
  await open(page, server.url, { query: '{app="flood"}', from: "now-5m", to: "now", limit: "100", live: "1" });
  await waitFor(async () => /^Live ·/.test(await stats(page)), "the tail to connect: " + (await stats(page)));
  const now = Date.now();
  const values = [];
  for (let i = 0; i < 250; i++) values.push([now + i, `flood ${i}`]);
  await push(server.url, [{ labels: { app: "flood" }, values }]);
  await waitFor(async () => /250 lines received/.test(await stats(page)), "all received: " + (await stats(page)));
  assert(/100 shown \(at most 100\)/.test(await stats(page)), "bounded: " + (await stats(page)));
  const newest = await page.textContent(".results .row[data-index='0'] .line");
  assert(newest === "flood 249", "the newest kept: " + newest);
});

test("with auth on, the page asks for a token and then works", async (page) => {
  const secured = await startServer("auth:\n  tokens:\n    - {token: ui-secret-1, tenant: team-a, access: read-write}\n");
  try {
    await push(secured.url, [{ labels: { app: "secure" }, values: [[Date.now() - 1000, "only for team-a"]] }], { Authorization: "Bearer ui-secret-1" });
    await open(page, secured.url, { query: '{app="secure"}', from: "now-1h", to: "now" });
    await page.waitForSelector(".error:not([hidden])");
    assert(/needs a token/.test(await page.textContent(".error")), "asks for a token: " + (await page.textContent(".error")));
    const answers = ["ui-secret-1", ""];
    page.on("dialog", (d) => d.accept(answers.shift() ?? ""));
    await page.click("button.token-button");
    await waitForRows(page);
    // The label browser works with the token too; without one it says why.
    await page.click(".tab:text-is('Labels')");
    await page.waitForSelector(".label-name:text-is('app')");
    await page.evaluate(() => localStorage.clear());
    await page.reload();
    await page.waitForSelector(".error:not([hidden])");
    assert(/401|token/.test(await page.textContent(".error")), "the labels page shows the error: " + (await page.textContent(".error")));
    await page.screenshot({ path: join(outDir, "17a-labels-need-a-token.png") });
    answers.push("ui-secret-1", "");
    await page.click("button.token-button");
    await page.waitForSelector(".label-name:text-is('app')");
    await page.click(".tab:text-is('Explore')");
    await waitForRows(page);
    assert((await page.textContent(".results .row .line")) === "only for team-a", "the tenant's line");
    assert(await page.isHidden(".error"), "no error left");
    // Live tail carries the token too (as a WebSocket subprotocol).
    await page.click("button.live");
    await waitFor(async () => /^Live ·/.test(await stats(page)), "the tail to connect: " + (await stats(page)));
    await push(secured.url, [{ labels: { app: "secure" }, values: [[Date.now(), "tailed for team-a"]] }], { Authorization: "Bearer ui-secret-1" });
    await waitFor(async () => (await page.$$eval(".results .row .line", (l) => l.map((x) => x.textContent))).includes("tailed for team-a"), "the tailed line");
    await page.click("button.live");
  } finally {
    secured.stop();
  }
});

test("the alerts page without a ruler says how to configure one", async (page, server) => {
  await open(page, server.url, { from: "now-1h", to: "now" });
  await page.click(".tab:text-is('Alerts')");
  await page.waitForSelector(".alerts-notice");
  const text = await page.textContent(".alerts-notice");
  assert(text === "Alerting is not configured: add a ruler: section to the config (see README, Alerts).", "the message: " + text);
  assert(new URL(page.url()).searchParams.get("page") === "alerts", "the page is in the URL: " + page.url());
  assert((await page.getAttribute(".tab:text-is('Alerts')", "aria-current")) === "page", "the tab is current");
  assert(await page.isHidden("main.explore"), "Explore is hidden");
  assert(!(await page.$(".rule-group")) && (await page.isHidden(".alerts-status")), "no rules and no refresh line");
});

test("the alerts page shows firing alerts and rule groups, and opens a rule's query in Explore", async (page) => {
  const dir = mkdtempSync(join(tmpdir(), "lode-ui-rules-"));
  mkdirSync(join(dir, "rules", "fake"), { recursive: true });
  writeFileSync(
    join(dir, "rules", "fake", "shop.yaml"),
    [
      "groups:",
      "  - name: shop",
      "    interval: 1s",
      "    rules:",
      "      - alert: ShopErrors",
      '        expr: sum(count_over_time({app="shop"} |= "error" [1m])) > 1',
      "        for: 0s",
      "        labels: {severity: page, team: payments}",
      "        annotations:",
      "          summary: The shop logs errors",
      '          description: "{{ $value }} error lines in the last minute"',
      "      - record: shop:errors:count1m",
      '        expr: sum(count_over_time({app="shop"} |= "error" [1m]))',
      "",
    ].join("\n"),
  );
  const ruled = await startServer(`ruler:\n  rule_path: ${join(dir, "rules")}\n  evaluation_interval: 1s\n`);
  const rows = () =>
    page.$$eval(".rule-group .rule-table tbody tr", (trs) =>
      trs.map((tr) => ({
        name: tr.querySelector(".rule-name").textContent,
        query: tr.querySelector(".rule-query").textContent,
        type: tr.querySelector(".rule-type").textContent,
        state: tr.querySelector(".rule-state").textContent,
        health: tr.querySelector(".health").textContent,
        href: tr.querySelector(".explore-link").getAttribute("href"),
      })),
    );
  try {
    // Another tenant has no rules: the page says where rules come from.
    await open(page, ruled.url, { page: "alerts" });
    await page.evaluate(() => localStorage.setItem("lode.tenant", "nobody"));
    await page.reload();
    await page.waitForSelector(".alerts-empty-rules");
    assert(/No rules yet/.test(await page.textContent(".alerts-empty-rules")), "the empty state");
    await page.evaluate(() => localStorage.clear());
    await page.reload();

    // No error lines yet: both rules, nothing active.
    await page.waitForSelector(".rule-group");
    await page.waitForSelector(".alerts-empty");
    const before = await rows();
    assert(before.length === 2, "two rules: " + JSON.stringify(before));
    assert(before[0].name === "ShopErrors" && before[0].type === "alerting" && before[0].state === "inactive", "the alerting rule: " + JSON.stringify(before[0]));
    assert(before[1].name === "shop:errors:count1m" && before[1].type === "recording", "the recording rule: " + JSON.stringify(before[1]));
    assert(/^Updated .* refreshes every 10 s$/.test(await page.textContent(".alerts-status")), "the refresh line");

    // Three error lines within the minute: the rule fires at its next
    // evaluation (every second), and the page shows it at its next reload.
    const now = Date.now();
    await push(ruled.url, [{ labels: { app: "shop", level: "error" }, values: [[now - 3000, "level=error msg=a"], [now - 2000, "level=error msg=b"], [now - 1000, "level=error msg=c"]] }]);
    await page.waitForSelector(".alert-item.firing", { timeout: 20000 });
    const alert = await page.$eval(".alert-item.firing", (li) => ({
      name: li.querySelector(".alert-name").textContent,
      state: li.querySelector(".badge").textContent,
      since: li.querySelector(".alert-since").textContent,
      value: li.querySelector(".alert-value").textContent,
      summary: li.querySelector(".alert-summary").textContent,
      description: li.querySelector(".alert-description").textContent,
      chips: [...li.querySelectorAll(".chip")].map((c) => c.textContent),
    }));
    assert(alert.name === "ShopErrors" && alert.state === "firing", "the alert: " + JSON.stringify(alert));
    assert(alert.chips.join(" ") === "severity=page team=payments", "its labels: " + alert.chips);
    assert(alert.summary === "The shop logs errors", "the summary: " + alert.summary);
    assert(alert.description === "3 error lines in the last minute", "the description, templated: " + alert.description);
    assert(/^since (just now|\d+s ago) \(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\)$/.test(alert.since), "since when: " + alert.since);
    assert(alert.value === "value 3", "the value: " + alert.value);
    assert((await page.textContent(".active-alerts h2")) === "Active alerts 1 firing, 0 pending", "the count: " + (await page.textContent(".active-alerts h2")));

    assert((await page.textContent(".rule-group h3")) === "shop / shop", "the group: " + (await page.textContent(".rule-group h3")));
    const meta = await page.textContent(".rule-group .group-meta");
    assert(/^every 1s · last evaluated (just now|\d+s ago) · took /.test(meta), "the group's evaluation: " + meta);
    const after = await rows();
    const [rule, record] = after;
    assert(rule.state === "firing" && rule.health === "ok", "the alerting rule fires: " + JSON.stringify(rule));
    assert(rule.query.includes('count_over_time({app="shop"} |= "error"') && rule.query.endsWith("> 1"), "its query: " + rule.query);
    assert(record.type === "recording" && record.health === "ok" && record.state === "–", "the recording rule: " + JSON.stringify(record));
    const link = new URLSearchParams(rule.href.slice(1));
    assert(link.get("query") === rule.query && link.get("from") === "now-1h" && link.get("to") === "now" && !link.has("page"), "the Explore link: " + rule.href);
    assert(!(await page.$(".rule-error")), "no rule errors");
    await page.screenshot({ path: join(outDir, "19a-alerts-firing.png"), fullPage: true });

    // The rule's Explore link runs its query over the last hour.
    await page.click('.rule-table tr[data-rule="ShopErrors"] .explore-link');
    await waitFor(() => new URL(page.url()).searchParams.get("page") === null, "Explore in the URL: " + page.url());
    assert(new URL(page.url()).searchParams.get("query") === rule.query, "the query in the URL: " + page.url());
    assert((await editorText(page)) === rule.query, "the query in the editor: " + (await editorText(page)));
    assert((await page.textContent(".range-button")).startsWith("Last 1 hour"), "the last hour");
    await waitFor(async () => /series/.test(await stats(page)), "the graph's series: " + (await stats(page)));
    assert(await page.isVisible(".graph"), "a metric query shows the graph");
    // Back returns to the alerts, loaded again.
    await page.goBack();
    await page.waitForSelector(".alerts-page .alert-item.firing");
    assert(await page.isHidden("main.explore"), "back on Alerts");
  } finally {
    ruled.stop();
    rmSync(dir, { recursive: true, force: true });
  }
});

test("the Patterns tab lists the kinds of line with counts and sparklines, and keeps or excludes one", async (page, server) => {
  // Three kinds of line over the last 30 minutes: 30, 20 and 10 of them.
  const now = Date.now();
  const values = [];
  for (let i = 0; i < 60; i++) {
    const ms = now - 30 * 60e3 + i * 20e3;
    if (i % 2 === 0) values.push([ms, `level=info msg="request served" path=/cart/${i} took=${i}ms`]);
    else if (i % 6 !== 5) values.push([ms, `user ${i} logged in from "10.0.0.${i}"`]);
    else values.push([ms, `level=error msg="payment timeout" order=${i}`]);
  }
  await push(server.url, [{ labels: { app: "kinds" }, values }]);
  const served = 'level=info msg="request served" path=<_> took=<_>';
  const login = 'user <_> logged in from "<_>"';
  const timeout = 'level=error msg="payment timeout" order=<_>';
  const rows = () =>
    page.$$eval(".pattern-table tbody tr", (trs) =>
      trs.map((tr) => ({
        pattern: tr.dataset.pattern,
        shown: tr.querySelector(".pattern-button").textContent,
        count: tr.querySelector(".pattern-count").textContent,
        level: tr.querySelector(".level-chip").textContent,
        spark: tr.querySelector(".sparkline-line").getAttribute("d"),
      })),
    );

  await open(page, server.url, { query: '{app="kinds"}', from: "now-1h", to: "now" });
  await waitForRows(page);
  assert((await page.getAttribute("#tab-logs", "aria-selected")) === "true", "Logs first");
  await page.click("#tab-patterns");
  await waitFor(() => new URL(page.url()).searchParams.get("view") === "patterns", "the tab in the URL: " + page.url());
  assert(await page.isHidden(".results-box"), "the lines give way to the patterns");
  await page.waitForSelector(".pattern-table tbody tr");
  const listed = await rows();
  assert(listed.map((r) => r.pattern).join(" | ") === [served, login, timeout].join(" | "), "most lines first: " + JSON.stringify(listed));
  assert(listed.map((r) => r.count).join(",") === "30,20,10", "counts: " + listed.map((r) => r.count));
  assert(listed.map((r) => r.level).join(",") === "info,unknown,error", "levels: " + listed.map((r) => r.level));
  assert(listed.every((r) => r.shown === r.pattern), "the pattern as written");
  for (const r of listed) {
    // A point per minute over the hour, high where the lines are, at the
    // bottom (y = 23 of 24) before them.
    const ys = r.spark.slice(1).split("L").map((p) => Number(p.split(",")[1]));
    assert(ys.length >= 60 && ys.length <= 62, "a point per step: " + ys.length);
    assert(Math.min(...ys) < 12 && ys[0] === 23, "the sparkline rises where the lines are: " + r.spark);
  }
  assert(/^3 patterns over 60 lines/.test(await page.textContent(".patterns-status")), "the summary: " + (await page.textContent(".patterns-status")));
  await page.screenshot({ path: join(outDir, "20a-patterns.png") });

  // A click keeps the pattern's lines (its quotes escaped), on the Logs tab.
  await page.click(`.pattern-table tr[data-pattern='${login}'] .pattern-button`);
  await waitFor(async () => (await editorText(page)) === '{app="kinds"} |> "user <_> logged in from \\"<_>\\""', "the |> filter: " + (await editorText(page)));
  await waitFor(async () => /^20 lines shown of 20 matching/.test(await stats(page)), "only its lines: " + (await stats(page)));
  assert(!new URL(page.url()).searchParams.has("view") && (await page.isVisible(".results-box")), "back on Logs");
  const kept = await page.$$eval(".results .row .line", (l) => l.map((x) => x.textContent));
  assert(kept.length > 0 && kept.every((l) => /^user \d+ logged in from "10\.0\.0\.\d+"$/.test(l)), "only logins: " + kept.slice(0, 3));
  await page.screenshot({ path: join(outDir, "20b-pattern-kept.png") });

  // Back to the patterns; Exclude drops one and Patterns stays, without it.
  await page.goBack();
  await page.waitForSelector(`.pattern-table tr[data-pattern='${timeout}']`);
  await page.click(`.pattern-table tr[data-pattern='${timeout}'] .pattern-exclude`);
  await waitFor(async () => (await editorText(page)) === '{app="kinds"} !> "level=error msg=\\"payment timeout\\" order=<_>"', "the !> filter: " + (await editorText(page)));
  await waitFor(async () => (await rows()).map((r) => r.count).join(",") === "30,20", "two patterns left: " + JSON.stringify(await rows()));
  assert(new URL(page.url()).searchParams.get("view") === "patterns", "still on Patterns");
  // Shift+click excludes too.
  await page.click(`.pattern-table tr[data-pattern='${login}'] .pattern-button`, { modifiers: ["Shift"] });
  await waitFor(async () => (await editorText(page)).endsWith(' !> "user <_> logged in from \\"<_>\\""'), "the second !> filter: " + (await editorText(page)));
  await waitFor(async () => (await rows()).map((r) => r.pattern).join() === served, "one pattern left: " + JSON.stringify(await rows()));
  await page.click("#tab-logs");
  await waitFor(async () => /^30 lines shown of 30 matching/.test(await stats(page)), "the others excluded: " + (await stats(page)));
  const left = await page.$$eval(".results .row .line", (l) => l.map((x) => x.textContent));
  assert(left.length > 0 && left.every((l) => l.startsWith('level=info msg="request served"')), "only served: " + left.slice(0, 3));

  // Metric queries have no patterns: no tabs.
  await typeQuery(page, 'count_over_time({app="kinds"}[5m])');
  await page.keyboard.press("Control+Enter");
  await page.waitForSelector(".graph canvas");
  assert(await page.isHidden(".view-tabs"), "no tabs for a metric query");
});

test("show context on an expanded line: its stream's neighbours, the line marked, more before and after", async (page, server) => {
  // Two streams with interleaved times, and a line with a twin at its time.
  const t0 = Date.now() - 20 * 60e3;
  const a = [];
  const b = [];
  for (let i = 0; i < 30; i++) {
    a.push([t0 + i * 2000, `side a line ${i}`]);
    if (i === 15) a.push([t0 + i * 2000, "side a twin of 15"]);
    b.push([t0 + i * 2000 + 1000, `side b line ${i}`]);
  }
  await push(server.url, [{ labels: { app: "ctx", side: "a" }, values: a }, { labels: { app: "ctx", side: "b" }, values: b }]);
  const lines = () => page.$$eval(".row.open .context-line .context-text", (l) => l.map((x) => x.textContent));
  const range = (from, to) => Array.from({ length: to - from + 1 }, (_, i) => `side a line ${from + i}`);

  await open(page, server.url, { query: '{app="ctx"} |= "a line 15"', from: "now-1h", to: "now" });
  await waitForRows(page);
  await page.click(".results .row .row-head");
  // By keyboard: the button is in the details' Tab order.
  const button = await page.waitForSelector(".row.open .context-button");
  assert((await button.textContent()) === "Show context" && (await button.getAttribute("aria-expanded")) === "false", "the button, closed");
  await button.focus();
  await page.keyboard.press("Enter");
  await waitFor(async () => (await lines()).length === 21, "10 lines each side: " + JSON.stringify(await lines()));
  const expected = [...range(5, 15), "side a twin of 15", ...range(16, 24)];
  assert(JSON.stringify(await lines()) === JSON.stringify(expected), "its stream's lines around it, oldest first: " + JSON.stringify(await lines()));
  const anchors = await page.$$eval(".row.open .context-anchor", (l) => l.map((x) => [x.getAttribute("aria-current"), x.querySelector(".context-text").textContent]));
  assert(JSON.stringify(anchors) === JSON.stringify([["true", "side a line 15"]]), "the line is marked: " + JSON.stringify(anchors));
  assert((await page.textContent(".row.open .context-head code")) === '{app="ctx", side="a"}', "the stream's selector");
  assert((await page.getAttribute(".row.open .context-button", "aria-expanded")) === "true", "aria-expanded");
  assert((await page.textContent(".row.open .context-status")) === "10 before, 10 after", "the status: " + (await page.textContent(".row.open .context-status")));
  await page.screenshot({ path: join(outDir, "21a-context.png") });

  // More before: the five older lines, the focus stays on the button.
  await page.focus(".row.open .more-before");
  await page.keyboard.press("Enter");
  await waitFor(async () => (await lines()).length === 26, "five more before: " + (await lines()).length);
  assert(JSON.stringify((await lines()).slice(0, 11)) === JSON.stringify(range(0, 10)), "the oldest first: " + (await lines()).slice(0, 11));
  assert(await page.evaluate(() => document.activeElement?.classList.contains("more-before")), "the focus stays");
  // None older within 2 hours: it says so.
  await page.keyboard.press("Enter");
  await page.waitForSelector(".row.open .context-edge:not([hidden])");
  assert(/^No earlier lines since /.test(await page.textContent(".row.open .context-edge:not([hidden])")), "the edge");
  assert((await lines()).length === 26, "nothing added");
  // More after: from the newest shown (line 24, asked again and dropped).
  await page.click(".row.open .more-after");
  await waitFor(async () => (await lines()).length === 31, "five more after: " + (await lines()).length);
  assert(JSON.stringify((await lines()).slice(-7)) === JSON.stringify(range(23, 29)), "no line twice: " + (await lines()).slice(-7));
  assert((await lines()).every((l) => l.startsWith("side a ")), "only its stream");
  await page.screenshot({ path: join(outDir, "21b-context-more.png") });
  // The row's height follows: the context is inside the open row.
  const [rowBottom, contextBottom] = await page.$eval(".row.open", (r) => [r.getBoundingClientRect().bottom, r.querySelector(".context").getBoundingClientRect().bottom]);
  assert(contextBottom <= rowBottom, "the row holds its context");
  await page.click(".row.open .context-button");
  assert(!(await page.$(".row.open .context")), "Hide context closes it");
});

test("a trace id's Trace link shows its lines across services on a timeline", async (page, server) => {
  // One request through three services: frontend (2 lines), checkout (2,
  // 210 ms after frontend's last) and payment (1, the id in its text only,
  // 1.2 s after checkout's last); beside them lines of another trace and
  // lines without one, and a line where the id is only part of a word.
  const id = "4bf92f3577b34da6a3ce929d0e0e4736";
  const t0 = Date.now() - 10 * 60e3;
  const meta = { trace_id: id };
  await push(server.url, [
    {
      labels: { service_name: "frontend" },
      values: [
        [t0 - 5000, "GET /health 200"],
        [t0, "GET /cart started", meta],
        [t0 + 40, "GET /cart rendered", meta],
        [t0 + 60, "GET /cart other user", { trace_id: "0af7651916cd43dd8448eb211c80319c" }],
      ],
    },
    {
      labels: { service_name: "checkout" },
      values: [
        [t0 + 250, "reserve stock", { trace_id: id, span_id: "00f067aa0ba902b7" }],
        [t0 + 300, "stock reserved", meta],
        [t0 + 310, `audit x${id}y`],
      ],
    },
    {
      labels: { service_name: "payment" },
      values: [
        [t0 + 1000, "charge for another order"],
        [t0 + 1500, `charge accepted trace=${id} amount=42`],
      ],
    },
  ]);

  await open(page, server.url, { query: '{service_name="frontend"} |= "GET /cart"', from: "now-1h", to: "now" });
  await waitForRows(page);
  await page.click(".results .row .row-head:has-text('GET /cart started')");
  const links = await page.$$eval(".row.open table.fields tr", (trs) =>
    trs.filter((tr) => tr.querySelector(".trace-link")).map((tr) => tr.querySelector("th").textContent),
  );
  assert(JSON.stringify(links) === '["trace_id"]', "a Trace link beside trace_id only: " + JSON.stringify(links));
  await page.click(".row.open tr:has(th:text-is('trace_id')) .trace-link");

  await waitFor(() => new URL(page.url()).searchParams.get("page") === "trace", "the Trace page in the URL: " + page.url());
  const params = new URL(page.url()).searchParams;
  assert(params.get("id") === id, "the id in the URL: " + page.url());
  assert(params.get("from") === "now-24h" && params.get("to") === "now", "the last hour widens to a day: " + page.url());
  assert(await page.isHidden("main.explore"), "Explore gives way");
  assert((await page.getAttribute(".tab.active", "href")) === "?page=trace", "the Trace tab is current");
  await page.waitForSelector(".trace-timeline");
  assert((await page.inputValue(".trace-id")) === id, "the id in the input");
  const lanes = await page.$$eval(".trace-lane-label", (t) => t.map((x) => x.textContent));
  assert(lanes.join() === "frontend,checkout,payment", "lanes in order of first line: " + lanes);
  assert((await page.$$(".trace-mark")).length === 5, "a mark per line: " + (await page.$$(".trace-mark")).length);
  const gaps = await page.$$eval(".trace-gap", (t) => t.map((x) => [x.getAttribute("data-to"), x.textContent]));
  assert(JSON.stringify(gaps) === JSON.stringify([["checkout", "+210 ms"], ["payment", "+1.2 s"]]), "the gaps: " + JSON.stringify(gaps));
  const rows = await page.$$eval(".trace-records tbody tr", (trs) =>
    trs.map((tr) => [tr.querySelector(".trace-offset").textContent, tr.querySelector(".trace-service").textContent, tr.querySelector(".trace-text").textContent]),
  );
  assert(
    JSON.stringify(rows) ===
      JSON.stringify([
        ["+0 ms", "frontend", "GET /cart started"],
        ["+40 ms", "frontend", "GET /cart rendered"],
        ["+250 ms", "checkout", "reserve stock"],
        ["+300 ms", "checkout", "stock reserved"],
        ["+1.5 s", "payment", `charge accepted trace=${id} amount=42`],
      ]),
    "the lines, oldest first: " + JSON.stringify(rows),
  );
  const chips = await page.$$eval(".trace-records tbody tr:nth-child(3) .chip", (c) => c.map((x) => x.textContent));
  assert(chips.join(" ") === `span_id=00f067aa0ba902b7 trace_id=${id}`, "metadata chips: " + chips);
  assert(/^5 lines from 3 services over 1\.5 s/.test(await page.textContent(".trace-status")), "the summary: " + (await page.textContent(".trace-status")));
  await page.screenshot({ path: join(outDir, "22a-trace.png"), fullPage: true });

  // An id nothing holds, from the form.
  await page.fill(".trace-id", "deadbeefdeadbeef");
  await page.click(".trace-form button[type=submit]");
  await waitFor(async () => /^no line holds deadbeefdeadbeef/.test((await page.textContent(".trace-empty").catch(() => "")) ?? ""), "the empty result");
  assert(new URL(page.url()).searchParams.get("id") === "deadbeefdeadbeef", "the new id in the URL");
  // Back shows the trace again.
  await page.goBack();
  await waitFor(async () => (await page.$$(".trace-mark")).length === 5, "back: the trace");

  // The id only in a line's text: listed under the line's ids, with a
  // Trace link to the same page; none for a line with no id in its text.
  await open(page, server.url, { query: '{service_name="payment"}', from: "now-1h", to: "now" });
  await waitForRows(page);
  await page.click(".results .row .row-head:has-text('charge for another order')");
  assert(!(await page.$(".row.open table.line-ids")), "no ids in a line without one");
  await page.click(".results .row .row-head:has-text('charge accepted')");
  await page.waitForSelector(".row.open:has-text('charge accepted') table.line-ids");
  const lineIds = await page.$$eval(".row.open:has-text('charge accepted') table.line-ids tr", (trs) =>
    trs.map((tr) => [tr.querySelector(".line-id").textContent, !!tr.querySelector(".trace-link")]),
  );
  assert(JSON.stringify(lineIds) === JSON.stringify([[id, true]]), "the id in the text, with a Trace link: " + JSON.stringify(lineIds));
  await page.screenshot({ path: join(outDir, "22c-line-ids.png") });
  await page.click(".row.open:has-text('charge accepted') table.line-ids .trace-link");
  await waitFor(() => new URL(page.url()).searchParams.get("id") === id, "the Trace page for the line's id: " + page.url());
  assert(new URL(page.url()).searchParams.get("page") === "trace", "the Trace page in the URL: " + page.url());
  await waitFor(async () => (await page.$$(".trace-mark")).length === 5, "the trace from the line's id");
  assert((await page.inputValue(".trace-id")) === id, "the line's id in the input");
  await page.screenshot({ path: join(outDir, "22d-trace-from-line.png"), fullPage: true });

  // A direct visit with a too short id: the server's message, inline.
  await page.goto(server.url + "/?page=trace&id=ab");
  await page.waitForSelector(".trace-page .error:not([hidden])");
  const error = await page.textContent(".trace-page .error");
  assert(/at least 4 characters/.test(error), "the server's message: " + error);
  assert((await page.textContent(".trace-range option:checked")) === "Last 24 hours", "a day by default");
  await page.screenshot({ path: join(outDir, "22b-trace-error.png") });
});

// --- runner ------------------------------------------------------------------

mkdirSync(outDir, { recursive: true });
const server = await startServer();
let passed = 0;
let failed = 0;
let browser;
try {
  server.seededAt = Date.now();
  await seed(server.url);
  browser = await chromium.launch({
    executablePath: chromiumPath,
    args: ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-background-networking", "--no-first-run"],
  });
  let n = 0;
  for (const t of tests) {
    n++;
    if (only && !t.name.includes(only)) continue;
    const context = await browser.newContext({ viewport: { width: 1366, height: 820 }, colorScheme: "light" });
    const page = await context.newPage();
    const errors = [];
    page.on("pageerror", (e) => errors.push(String(e)));
    const shot = join(outDir, `${String(n).padStart(2, "0")}-${t.name.replace(/[^a-z0-9]+/gi, "-").toLowerCase()}.png`);
    try {
      await t.fn(page, server);
      if (errors.length) throw new Error("errors in the page: " + errors.join("; "));
      await page.screenshot({ path: shot });
      console.log(`PASS ${t.name}`);
      passed++;
    } catch (e) {
      await page.screenshot({ path: shot }).catch(() => {});
      console.log(`FAIL ${t.name}\n    ${String(e && e.stack ? e.stack : e).split("\n").slice(0, 4).join("\n    ")}`);
      failed++;
    }
    await context.close();
  }
} finally {
  await browser?.close();
  server.stop();
}
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed === 0 && passed > 0 ? 0 : 1);
