// lode labels [NAME], lode series SELECTOR and lode patterns QUERY: what
// streams a lode server holds, one per line, and what kinds of line they
// hold.
#include <simdjson.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <iostream>
#include <memory>

#include "base/json_writer.h"
#include "base/time.h"
#include "cli/commands.h"
#include "model/labels.h"
#include "transport/http_client.h"

namespace lode {
namespace {

struct LookupFlags {
  std::string url = "http://127.0.0.1:3100";
  std::string since = "6h";
  std::string from;
  std::string to;
  std::string tenant;
  std::string token;
  std::string query;  // labels: a selector narrowing the streams
  std::string name;   // labels: whose values; series and patterns: the query
  // patterns:
  std::string output = "text";  // text, json or jsonl
  std::string new_since;        // only patterns first seen this close to --to
  int width = 40;               // sparkline buckets
};

int Fail(const char* command, const std::string& msg) {
  std::cerr << "lode " << command << ": " << msg << "\n";
  return 1;
}

// The time range and tenant of a lookup as query parameters.
Result<std::string> RangeQuery(const LookupFlags& flags) {
  int64_t end = NowNanos();
  if (!flags.to.empty()) {
    auto t = ParseApiTime(flags.to);
    if (!t.ok()) return Status::InvalidArgument("invalid --to: " + t.status().message());
    end = *t;
  }
  int64_t start;
  if (!flags.from.empty()) {
    auto t = ParseApiTime(flags.from);
    if (!t.ok()) return Status::InvalidArgument("invalid --from: " + t.status().message());
    start = *t;
  } else {
    auto d = ParseDuration(flags.since);
    if (!d.ok()) return Status::InvalidArgument("invalid --since: " + d.status().message());
    start = end - *d;
  }
  return "start=" + std::to_string(start) + "&end=" + std::to_string(end);
}

Result<simdjson::dom::element> Fetch(const LookupFlags& flags, const std::string& path,
                                     simdjson::dom::parser& parser, std::string* body) {
  std::string base = flags.url;
  while (!base.empty() && base.back() == '/') base.pop_back();
  ClientRequest request;
  request.url = base + path;
  if (!flags.tenant.empty()) request.headers.emplace_back("X-Scope-OrgID", flags.tenant);
  if (!flags.token.empty()) request.headers.emplace_back("Authorization", "Bearer " + flags.token);
  auto response = SendHttpRequest(request);
  if (!response.ok()) {
    return Status::Unavailable("cannot reach " + base + ": " + response.status().message());
  }
  *body = std::move(response->body);
  if (response->status != 200) {
    while (!body->empty() && body->back() == '\n') body->pop_back();
    return Status::InvalidArgument(*body + " (HTTP " + std::to_string(response->status) + ")");
  }
  simdjson::dom::element root;
  if (parser.parse(*body).get(root) != simdjson::SUCCESS) {
    return Status::Internal("server sent a response that is not JSON");
  }
  return root;
}

void AddCommon(CLI::App* cmd, LookupFlags& flags) {
  cmd->add_option("--url", flags.url, "lode base URL (default http://127.0.0.1:3100)");
  cmd->add_option("--since", flags.since, "Look back this far from --to or now (default 6h)");
  cmd->add_option("--from", flags.from, "Start time: RFC3339, Unix seconds or nanoseconds");
  cmd->add_option("--to", flags.to, "End time, same forms; default now");
  cmd->add_option("--tenant", flags.tenant, "Tenant ID(s) sent as X-Scope-OrgID (a|b)");
  cmd->add_option("--token", flags.token, "Bearer token (default: $LODE_TOKEN)")
      ->envname("LODE_TOKEN");
}

int RunLabels(const LookupFlags& flags) {
  auto range = RangeQuery(flags);
  if (!range.ok()) return Fail("labels", range.status().message());
  std::string path = flags.name.empty()
                         ? "/loki/api/v1/labels?" + *range
                         : "/loki/api/v1/label/" + UrlEncode(flags.name) + "/values?" + *range;
  if (!flags.query.empty()) path += "&query=" + UrlEncode(flags.query);
  simdjson::dom::parser parser;
  std::string body;
  auto root = Fetch(flags, path, parser, &body);
  if (!root.ok()) return Fail("labels", root.status().message());
  simdjson::dom::array data;
  if ((*root)["data"].get_array().get(data) != simdjson::SUCCESS) {
    return Fail("labels", "server response has no data array");
  }
  std::string out;
  for (auto v : data) {
    std::string_view s;
    if (v.get_string().get(s) == simdjson::SUCCESS) out += std::string(s) + "\n";
  }
  std::cout << out << std::flush;
  return 0;
}

int RunSeries(const LookupFlags& flags) {
  auto range = RangeQuery(flags);
  if (!range.ok()) return Fail("series", range.status().message());
  std::string path = "/loki/api/v1/series?" + *range + "&match[]=" + UrlEncode(flags.name);
  simdjson::dom::parser parser;
  std::string body;
  auto root = Fetch(flags, path, parser, &body);
  if (!root.ok()) return Fail("series", root.status().message());
  simdjson::dom::array data;
  if ((*root)["data"].get_array().get(data) != simdjson::SUCCESS) {
    return Fail("series", "server response has no data array");
  }
  std::string out;
  for (auto item : data) {
    std::vector<Label> pairs;
    simdjson::dom::object obj;
    if (item.get_object().get(obj) != simdjson::SUCCESS) continue;
    for (auto field : obj) {
      std::string_view v;
      if (field.value.get_string().get(v) == simdjson::SUCCESS) {
        pairs.push_back(Label{std::string(field.key), std::string(v)});
      }
    }
    out += Labels(std::move(pairs)).ToString() + "\n";
  }
  std::cout << out << std::flush;
  return 0;
}

}  // namespace

// The range's end and start (RangeQuery's), as numbers.
Result<std::pair<int64_t, int64_t>> RangeBounds(const LookupFlags& flags) {
  LODE_ASSIGN_OR_RETURN(std::string q, RangeQuery(flags));
  const size_t amp = q.find('&');
  return std::pair<int64_t, int64_t>{std::stoll(q.substr(6, amp - 6)),
                                     std::stoll(q.substr(amp + 5))};
}

// ▁▂▃▄▅▆▇█ for each bucket's count (blank for none), scaled to the peak.
std::string Sparkline(const std::vector<uint64_t>& counts) {
  static const char* const kBars[] = {"▁", "▂", "▃", "▄", "▅", "▆", "▇", "█"};
  const uint64_t peak = counts.empty() ? 0 : *std::max_element(counts.begin(), counts.end());
  std::string out;
  for (uint64_t n : counts) {
    if (n == 0 || peak == 0) {
      out += " ";
    } else {
      out += kBars[std::min<uint64_t>(7, (n * 8 - 1) / peak)];
    }
  }
  return out;
}

int RunPatterns(const LookupFlags& flags) {
  auto bounds = RangeBounds(flags);
  if (!bounds.ok()) return Fail("patterns", bounds.status().message());
  const auto [start, end] = *bounds;
  const int width = std::max(1, flags.width);
  // Whole seconds, as the API's steps are.
  const int64_t step =
      std::max<int64_t>((end - start + width * kNanosPerSecond - 1) / (width * kNanosPerSecond),
                        1) *
      kNanosPerSecond;
  int64_t cutoff = INT64_MIN;
  if (!flags.new_since.empty()) {
    auto d = ParseDuration(flags.new_since);
    if (!d.ok()) return Fail("patterns", "invalid --new-since: " + d.status().message());
    cutoff = end - *d;
  }
  std::string path = "/loki/api/v1/patterns?query=" + UrlEncode(flags.name) +
                     "&start=" + std::to_string(start) + "&end=" + std::to_string(end) +
                     "&step=" + std::to_string(step / kNanosPerSecond) + "s";
  simdjson::dom::parser parser;
  std::string body;
  auto root = Fetch(flags, path, parser, &body);
  if (!root.ok()) return Fail("patterns", root.status().message());
  simdjson::dom::array data;
  if ((*root)["data"].get_array().get(data) != simdjson::SUCCESS) {
    return Fail("patterns", "server response has no data array");
  }
  struct Row {
    std::string pattern;
    uint64_t count = 0;
    int64_t first = INT64_MAX;
    std::vector<std::pair<int64_t, uint64_t>> samples;  // seconds, count
  };
  std::vector<Row> rows;
  for (auto item : data) {
    Row row;
    std::string_view text;
    simdjson::dom::array samples;
    if (item["pattern"].get(text) || item["samples"].get(samples)) continue;
    row.pattern = text;
    for (auto s : samples) {
      int64_t t = 0;
      uint64_t n = 0;
      if (s.at(0).get(t) || s.at(1).get(n)) continue;
      row.samples.emplace_back(t, n);
      row.count += n;
      row.first = std::min(row.first, t * kNanosPerSecond);
    }
    // --new-since: only patterns that no line had before the cutoff.
    if (row.first < cutoff) continue;
    rows.push_back(std::move(row));
  }
  std::stable_sort(rows.begin(), rows.end(),
                   [](const Row& a, const Row& b) { return a.count > b.count; });
  std::string out;
  if (flags.output == "json" || flags.output == "jsonl") {
    const bool lines = flags.output == "jsonl";
    if (!lines) out += "[";
    for (size_t i = 0; i < rows.size(); ++i) {
      std::string one;
      JsonWriter w(one);
      w.BeginObject();
      w.Key("pattern");
      w.String(rows[i].pattern);
      w.Key("count");
      w.Uint(rows[i].count);
      w.Key("samples");
      w.BeginArray();
      for (const auto& [t, n] : rows[i].samples) {
        w.BeginArray();
        w.Int(t);
        w.Uint(n);
        w.EndArray();
      }
      w.EndArray();
      w.EndObject();
      if (!lines && i > 0) out += ",";
      out += one;
      if (lines) out += "\n";
    }
    if (!lines) out += "]\n";
  } else {
    const bool terminal = isatty(STDOUT_FILENO) != 0;
    size_t digits = 1;
    for (const Row& r : rows) digits = std::max(digits, std::to_string(r.count).size());
    for (const Row& r : rows) {
      std::string count = std::to_string(r.count);
      out += std::string(digits - count.size(), ' ') + count + "  ";
      if (terminal) {
        std::vector<uint64_t> buckets(width, 0);
        for (const auto& [t, n] : r.samples) {
          const int64_t at = (t * kNanosPerSecond - start) / step;
          if (at >= 0 && at < width) buckets[at] += n;
        }
        out += Sparkline(buckets) + "  ";
      }
      out += r.pattern + "\n";
    }
    if (rows.empty() && terminal) out += "no patterns\n";
  }
  std::cout << out << std::flush;
  return 0;
}

CommandRunner AddLabelsCommand(CLI::App& app) {
  auto flags = std::make_shared<LookupFlags>();
  CLI::App* cmd = app.add_subcommand(
      "labels", "List label names, or with NAME the values of that label, of stored streams.");
  cmd->add_option("name", flags->name, "Label whose values to list");
  cmd->add_option("--query,-q", flags->query, "Only streams matching this selector");
  AddCommon(cmd, *flags);
  return [flags] { return RunLabels(*flags); };
}

CommandRunner AddSeriesCommand(CLI::App& app) {
  auto flags = std::make_shared<LookupFlags>();
  CLI::App* cmd = app.add_subcommand("series", "List the streams matching a selector.");
  cmd->add_option("selector", flags->name, "Stream selector, e.g. '{app=~\"api|web\"}'")
      ->required();
  AddCommon(cmd, *flags);
  return [flags] { return RunSeries(*flags); };
}

CommandRunner AddPatternsCommand(CLI::App& app) {
  auto flags = std::make_shared<LookupFlags>();
  flags->since = "1h";
  CLI::App* cmd = app.add_subcommand(
      "patterns", "List the kinds of line a query's lines hold, most frequent first.");
  cmd->add_option("query", flags->name,
                  "Log query, e.g. '{app=\"api\"}' or '{app=\"api\"} |= \"err\"'")
      ->required();
  cmd->add_option("-o,--output", flags->output, "text (default), json or jsonl")
      ->check(CLI::IsMember({"text", "json", "jsonl"}));
  cmd->add_option("--new-since", flags->new_since,
                  "Only patterns no line had before this long before --to (e.g. 1h: what is new "
                  "since a deploy)");
  cmd->add_option("--width", flags->width, "Sparkline buckets on a terminal (default 40)");
  AddCommon(cmd, *flags);
  return [flags] { return RunPatterns(*flags); };
}

}  // namespace lode
