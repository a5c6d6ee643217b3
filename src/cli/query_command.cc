// lode query: run a LogQL query against a lode server and print the lines
// (or, for a metric query, a table of samples); --follow tails live.
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <cstdio>
#include <iostream>
#include <memory>

#include "base/json_writer.h"
#include "base/time.h"
#include "cli/commands.h"
#include "cli/query_output.h"
#include "logql/parser.h"
#include "model/labels.h"
#include "transport/http_client.h"
#include "transport/websocket_client.h"

namespace lode {
namespace {

struct QueryFlags {
  std::string url = "http://127.0.0.1:3100";
  std::string query;
  std::string since = "1h";
  std::string from;
  std::string to;
  size_t limit = 100;
  std::string output = "default";
  std::string color = "auto";
  std::string tenant;
  std::string token;
  std::string step;
  std::string delay_for;
  bool forward = false;
  bool follow = false;
  bool instant = false;
  int context = 0;  // lines of context around each match, as grep -C
};

Result<int64_t> ReadTime(const std::string& text, const char* what) {
  auto t = ParseApiTime(text);
  if (!t.ok())
    return Status::InvalidArgument(std::string("invalid ") + what + ": " + t.status().message());
  return t;
}

// A parse error with a caret under the column it names.
std::string ShowParseError(const std::string& query, const std::string& message) {
  std::string out = message;
  const std::string marker = "col ";
  size_t at = message.find(marker);
  if (at == std::string::npos || message.find("line 1,") == std::string::npos) return out;
  int col = std::atoi(message.c_str() + at + marker.size());
  if (col < 1 || static_cast<size_t>(col) > query.size() + 1 ||
      query.find('\n') != std::string::npos) {
    return out;
  }
  out += "\n  " + query + "\n  " + std::string(static_cast<size_t>(col - 1), ' ') + "^";
  return out;
}

std::vector<std::pair<std::string, std::string>> Headers(const QueryFlags& flags) {
  std::vector<std::pair<std::string, std::string>> h;
  if (!flags.tenant.empty()) h.emplace_back("X-Scope-OrgID", flags.tenant);
  if (!flags.token.empty()) h.emplace_back("Authorization", "Bearer " + flags.token);
  return h;
}

Result<std::string> Get(const QueryFlags& flags, const std::string& base, const std::string& path,
                        bool categorized = false) {
  ClientRequest request;
  request.url = base + path;
  request.headers = Headers(flags);
  if (categorized) {
    request.headers.emplace_back("X-Loki-Response-Encoding-Flags", "categorize-labels");
  }
  request.timeout = std::chrono::minutes(5);
  auto response = SendHttpRequest(request);
  if (!response.ok()) {
    return Status::Unavailable("cannot reach " + base + ": " + response.status().message());
  }
  if (response->status != 200) {
    std::string body = response->body;
    while (!body.empty() && body.back() == '\n') body.pop_back();
    return Status::InvalidArgument(body + " (HTTP " + std::to_string(response->status) + ")");
  }
  return std::move(response->body);
}

void Write(std::string* out, bool force = false) {
  if (!force && out->size() < (1 << 16)) return;
  fwrite(out->data(), 1, out->size(), stdout);
  fflush(stdout);
  out->clear();
}

// A stream selector naming exactly these labels.
std::string SelectorOf(const Labels& labels) {
  std::string s = "{";
  for (const Label& l : labels) {
    if (s.size() > 1) s += ",";
    s += l.name + "=";
    AppendQuoted(s, l.value);
  }
  return s + "}";
}

// --context N: each match with the N lines before and after it in its
// stream, as `grep -C N` prints them: blocks in time order, separated by
// "--", a block growing when the next match is inside it.
Status PrintWithContext(const QueryFlags& flags, const std::string& base,
                        const std::vector<LogLine>& matches, int64_t start, int64_t end,
                        const OutputStyle& style, std::string* out) {
  auto fetch = [&](const LogLine& m, bool before) -> Result<std::vector<LogLine>> {
    const std::string path = "/loki/api/v1/query_range?query=" + UrlEncode(SelectorOf(m.stream)) +
                             "&start=" + std::to_string(before ? start : m.timestamp) +
                             "&end=" + std::to_string(before ? m.timestamp : end) +
                             "&limit=" + std::to_string(flags.context + 1) +
                             "&direction=" + (before ? "backward" : "forward");
    LODE_ASSIGN_OR_RETURN(std::string body, Get(flags, base, path, true));
    return ParseLogLines(body, false);
  };
  // The lines printed in the current block (one stream), to merge blocks.
  Labels block_stream;
  std::vector<std::pair<int64_t, std::string>> block;
  bool first = true;
  for (const LogLine& m : matches) {
    const std::pair<int64_t, std::string> key{m.timestamp, m.line};
    const bool in_block = !block.empty() && m.stream == block_stream &&
                          std::find(block.begin(), block.end(), key) != block.end();
    std::vector<LogLine> lines;
    if (!in_block) {
      LODE_ASSIGN_OR_RETURN(std::vector<LogLine> before, fetch(m, true));
      // Lines at the match's own time come back from the after side.
      std::erase_if(before, [&](const LogLine& l) { return l.timestamp >= m.timestamp; });
      // Context that reaches back into the block, or ends right after it
      // (the one line more fetched is in it), continues it, as grep
      // prints contiguous lines as one block.
      const bool touches = !block.empty() && m.stream == block_stream &&
                           std::any_of(before.begin(), before.end(), [&](const LogLine& l) {
                             return std::find(block.begin(), block.end(),
                                              std::make_pair(l.timestamp, l.line)) != block.end();
                           });
      if (before.size() > static_cast<size_t>(flags.context)) {
        before.erase(before.begin(), before.end() - flags.context);
      }
      if (!touches) {
        if (!block.empty()) out->append(style.color ? "\x1b[36m--\x1b[0m\n" : "--\n");
        block.clear();
        block_stream = m.stream;
      }
      lines = std::move(before);
    }
    LODE_ASSIGN_OR_RETURN(std::vector<LogLine> after, fetch(m, false));
    // From the match on: skip what comes before it at the same time.
    size_t from = 0;
    while (from < after.size() &&
           !(after[from].timestamp == m.timestamp && after[from].line == m.line)) {
      ++from;
    }
    if (from == after.size()) {
      lines.push_back(m);
      from = 0;
      after.clear();
    }
    for (size_t i = from; i < after.size() && i <= from + flags.context; ++i) {
      lines.push_back(after[i]);
    }
    std::vector<LogLine> fresh;
    for (LogLine& l : lines) {
      std::pair<int64_t, std::string> k{l.timestamp, l.line};
      if (std::find(block.begin(), block.end(), k) != block.end()) continue;
      block.push_back(std::move(k));
      fresh.push_back(std::move(l));
    }
    FormatLogLines(fresh, style, first, out);
    first = false;
    Write(out);
  }
  return Status::Ok();
}

int RunQuery(const QueryFlags& flags) {
  auto fail = [](const std::string& msg) {
    std::cerr << "lode query: " << msg << "\n";
    return 1;
  };
  static const char* const kFormats[] = {"default", "table", "raw", "json", "jsonl"};
  if (std::find_if(std::begin(kFormats), std::end(kFormats),
                   [&](const char* f) { return flags.output == f; }) == std::end(kFormats)) {
    return fail("invalid --output \"" + flags.output +
                "\": expected default, table, raw, json or jsonl");
  }
  if (flags.color != "auto" && flags.color != "always" && flags.color != "never") {
    return fail("invalid --color \"" + flags.color + "\": expected auto, always or never");
  }
  auto expr = logql::ParseQuery(flags.query);
  if (!expr.ok()) return fail(ShowParseError(flags.query, expr.status().message()));
  const bool metric = !expr->is_log();

  OutputStyle style;
  style.format = flags.output;
  style.color = flags.color == "always" || (flags.color == "auto" && isatty(STDOUT_FILENO) &&
                                            (flags.output == "default" || flags.output == "table"));

  int64_t end = NowNanos();
  if (!flags.to.empty()) {
    auto t = ReadTime(flags.to, "--to");
    if (!t.ok()) return fail(t.status().message());
    end = *t;
  }
  int64_t start;
  if (!flags.from.empty()) {
    auto t = ReadTime(flags.from, "--from");
    if (!t.ok()) return fail(t.status().message());
    start = *t;
  } else {
    auto d = ParseDuration(flags.since);
    if (!d.ok()) return fail("invalid --since: " + d.status().message());
    start = end - *d;
  }
  std::string base = flags.url;
  while (!base.empty() && base.back() == '/') base.pop_back();
  std::string out;

  if (metric) {
    if (flags.follow) return fail("--follow needs a log query, not a metric query");
    std::string path;
    if (flags.instant) {
      path = "/loki/api/v1/query?query=" + UrlEncode(flags.query) + "&time=" + std::to_string(end);
    } else {
      path = "/loki/api/v1/query_range?query=" + UrlEncode(flags.query) +
             "&start=" + std::to_string(start) + "&end=" + std::to_string(end);
      if (!flags.step.empty()) path += "&step=" + UrlEncode(flags.step);
    }
    auto body = Get(flags, base, path);
    if (!body.ok()) return fail(body.status().message());
    auto result = ParseMetricResult(*body);
    if (!result.ok()) return fail(result.status().message());
    FormatMetricResult(*result, style, &out);
    Write(&out, true);
    return 0;
  }

  if (flags.follow) {
    // The tail WebSocket: the newest lines since the start, then new ones
    // as they arrive, until interrupted.
    std::string url = base + "/loki/api/v1/tail?query=" + UrlEncode(flags.query) +
                      "&start=" + std::to_string(start) + "&limit=" + std::to_string(flags.limit);
    if (!flags.delay_for.empty()) url += "&delay_for=" + UrlEncode(flags.delay_for);
    bool first = true;
    if (style.format == "json") style.format = "jsonl";  // an endless array helps nobody
    std::string stopped_because;                         // why this side ended the tail
    Status s = ReadWebSocket(url, Headers(flags), [&](const std::string& message) {
      auto lines = ParseLogLines(message, true);
      if (!lines.ok()) {
        stopped_because = lines.status().message();
        return false;
      }
      FormatLogLines(*lines, style, first, &out);
      first = false;
      Write(&out, true);
      if (ferror(stdout)) stopped_because = "stdout closed";
      return stopped_because.empty();
    });
    if (!s.ok()) return fail(s.message());
    if (stopped_because == "stdout closed") return 0;  // `| head` and the like
    if (!stopped_because.empty()) return fail(stopped_because);
    // Otherwise the server ended the tail (it is stopping): say so.
    return fail("the server closed the connection");
  }

  std::string path = "/loki/api/v1/query_range?query=" + UrlEncode(flags.query) +
                     "&start=" + std::to_string(start) + "&end=" + std::to_string(end) +
                     "&limit=" + std::to_string(flags.limit) +
                     "&direction=" + (flags.forward ? "forward" : "backward");
  const bool context = flags.context > 0;
  auto body = Get(flags, base, path, context);
  if (!body.ok()) return fail(body.status().message());
  auto lines = ParseLogLines(*body, false);
  if (!lines.ok()) return fail(lines.status().message());
  if (context) {
    if (style.format == "json") style.format = "jsonl";
    Status s = PrintWithContext(flags, base, *lines, start, end, style, &out);
    Write(&out, true);
    return s.ok() ? 0 : fail(s.message());
  }
  if (style.format == "json") out += "[";
  FormatLogLines(*lines, style, true, &out);
  if (style.format == "json") out += "]\n";
  Write(&out, true);
  return 0;
}

}  // namespace

CommandRunner AddQueryCommand(CLI::App& app) {
  auto flags = std::make_shared<QueryFlags>();
  CLI::App* cmd = app.add_subcommand(
      "query", "Run a LogQL query against a lode server and print the lines or samples.");
  cmd->add_option("query", flags->query, "LogQL query, e.g. '{app=\"api\"} |= \"timeout\"'")
      ->required();
  cmd->add_option("--url", flags->url, "lode base URL (default http://127.0.0.1:3100)");
  cmd->add_option("--since", flags->since, "Look back this far from --to or now (default 1h)");
  cmd->add_option("--from", flags->from, "Start time: RFC3339, Unix seconds or nanoseconds");
  cmd->add_option("--to", flags->to, "End time (exclusive), same forms; default now");
  cmd->add_option("--limit", flags->limit, "Most lines to return (default 100)");
  cmd->add_option("--output,-o", flags->output,
                  "default, table, raw, json or jsonl (metric queries print a table by default)");
  cmd->add_option("--color", flags->color, "auto (on a terminal), always or never");
  cmd->add_option("--tenant", flags->tenant, "Tenant ID(s) sent as X-Scope-OrgID (a|b)");
  cmd->add_option("--token", flags->token, "Bearer token (default: $LODE_TOKEN)")
      ->envname("LODE_TOKEN");
  cmd->add_option("--step", flags->step,
                  "Metric queries: resolution, e.g. 30s (default: range/250)");
  cmd->add_flag("--instant", flags->instant, "Metric queries: evaluate once, at --to (or now)");
  cmd->add_option("--context,-C", flags->context,
                  "Log queries: also print N lines before and after each match in its stream, "
                  "as grep -C (blocks separated by --)");
  cmd->add_flag("--forward", flags->forward,
                "Return the first lines of the range instead of the most recent ones");
  cmd->add_flag("--follow,-f", flags->follow,
                "Keep printing new lines as they arrive (live tail), until interrupted");
  cmd->add_option("--delay-for", flags->delay_for,
                  "With --follow: seconds to wait for late lines before printing (at most 5)");
  return [flags] { return RunQuery(*flags); };
}

}  // namespace lode
