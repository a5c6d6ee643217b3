// lode query: run a LogQL query against a lode server and print the lines.
#include <simdjson.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <cstdio>
#include <iostream>
#include <memory>

#include "base/json_writer.h"
#include "base/time.h"
#include "cli/commands.h"
#include "model/labels.h"
#include "server/http_client.h"

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
  std::string tenant;
  bool forward = false;
};

struct Line {
  int64_t timestamp;
  std::string labels;  // canonical {a="b"} text
  std::vector<Label> label_pairs;
  std::string line;
};

Result<std::vector<Line>> ParseStreamsResponse(const std::string& body) {
  simdjson::dom::parser parser;
  simdjson::dom::element root;
  if (parser.parse(body).get(root) != simdjson::SUCCESS) {
    return Status::Internal("server sent a response that is not JSON");
  }
  std::string_view type;
  if (root["data"]["resultType"].get_string().get(type) != simdjson::SUCCESS) {
    return Status::Internal("server response has no data.resultType");
  }
  if (type != "streams") {
    return Status::InvalidArgument("result type \"" + std::string(type) +
                                   "\" is not supported by this client yet");
  }
  simdjson::dom::array result;
  if (root["data"]["result"].get_array().get(result) != simdjson::SUCCESS) {
    return Status::Internal("server response has no data.result array");
  }
  std::vector<Line> lines;
  for (auto stream : result) {
    std::vector<Label> pairs;
    simdjson::dom::object labels;
    if (stream["stream"].get_object().get(labels) == simdjson::SUCCESS) {
      for (auto field : labels) {
        std::string_view v;
        if (field.value.get_string().get(v) == simdjson::SUCCESS) {
          pairs.push_back(Label{std::string(field.key), std::string(v)});
        }
      }
    }
    Labels set(pairs);
    std::string text = set.ToString();
    simdjson::dom::array values;
    if (stream["values"].get_array().get(values) != simdjson::SUCCESS) continue;
    for (auto value : values) {
      std::string_view ts, line;
      if (value.at(0).get_string().get(ts) != simdjson::SUCCESS ||
          value.at(1).get_string().get(line) != simdjson::SUCCESS) {
        return Status::Internal("malformed entry in server response");
      }
      Line out{0, text, set.items(), std::string(line)};
      out.timestamp = std::strtoll(std::string(ts).c_str(), nullptr, 10);
      lines.push_back(std::move(out));
    }
  }
  // Oldest first; stable so equal timestamps keep the server's order.
  std::stable_sort(lines.begin(), lines.end(),
                   [](const Line& a, const Line& b) { return a.timestamp < b.timestamp; });
  return lines;
}

void PrintJsonObject(std::string& out, const Line& l) {
  JsonWriter w(out);
  w.BeginObject();
  w.Key("timestamp");
  w.String(FormatRfc3339Nano(l.timestamp));
  w.Key("labels");
  w.BeginObject();
  for (const Label& p : l.label_pairs) {
    w.Key(p.name);
    w.String(p.value);
  }
  w.EndObject();
  w.Key("line");
  w.String(l.line);
  w.EndObject();
}

int RunQuery(const QueryFlags& flags) {
  auto fail = [](const std::string& msg) {
    std::cerr << "lode query: " << msg << "\n";
    return 1;
  };
  if (flags.output != "default" && flags.output != "raw" && flags.output != "json" &&
      flags.output != "jsonl") {
    return fail("invalid --output \"" + flags.output + "\": expected default, raw, json or jsonl");
  }
  int64_t end = NowNanos();
  if (!flags.to.empty()) {
    auto t = ParseApiTime(flags.to);
    if (!t.ok()) return fail("invalid --to: " + t.status().message());
    end = *t;
  }
  int64_t start;
  if (!flags.from.empty()) {
    auto t = ParseApiTime(flags.from);
    if (!t.ok()) return fail("invalid --from: " + t.status().message());
    start = *t;
  } else {
    auto d = ParseDuration(flags.since);
    if (!d.ok()) return fail("invalid --since: " + d.status().message());
    start = end - *d;
  }

  std::string base = flags.url;
  while (!base.empty() && base.back() == '/') base.pop_back();
  ClientRequest request;
  request.url = base + "/loki/api/v1/query_range?query=" + UrlEncode(flags.query) +
                "&start=" + std::to_string(start) + "&end=" + std::to_string(end) +
                "&limit=" + std::to_string(flags.limit) +
                "&direction=" + (flags.forward ? "forward" : "backward");
  if (!flags.tenant.empty()) request.headers.emplace_back("X-Scope-OrgID", flags.tenant);
  request.timeout = std::chrono::minutes(5);
  auto response = SendHttpRequest(request);
  if (!response.ok()) return fail("cannot reach " + base + ": " + response.status().message());
  if (response->status != 200) {
    std::string body = response->body;
    while (!body.empty() && body.back() == '\n') body.pop_back();
    return fail(body + " (HTTP " + std::to_string(response->status) + ")");
  }
  auto lines = ParseStreamsResponse(response->body);
  if (!lines.ok()) return fail(lines.status().message());

  std::string out;
  if (flags.output == "json") out += "[";
  for (size_t i = 0; i < lines->size(); ++i) {
    const Line& l = (*lines)[i];
    if (flags.output == "raw") {
      out += l.line;
    } else if (flags.output == "default") {
      out += FormatRfc3339Nano(l.timestamp) + " " + l.labels + " " + l.line;
    } else {
      if (flags.output == "json" && i > 0) out += ",\n";
      PrintJsonObject(out, l);
    }
    if (flags.output != "json") out += "\n";
    if (out.size() > (1 << 16)) {
      fwrite(out.data(), 1, out.size(), stdout);
      out.clear();
    }
  }
  if (flags.output == "json") out += "]\n";
  fwrite(out.data(), 1, out.size(), stdout);
  fflush(stdout);
  return 0;
}

}  // namespace

CommandRunner AddQueryCommand(CLI::App& app) {
  auto flags = std::make_shared<QueryFlags>();
  CLI::App* cmd =
      app.add_subcommand("query", "Run a LogQL query against a lode server and print the lines.");
  cmd->add_option("query", flags->query, "LogQL query, e.g. '{app=\"api\"} |= \"timeout\"'")
      ->required();
  cmd->add_option("--url", flags->url, "lode base URL (default http://127.0.0.1:3100)");
  cmd->add_option("--since", flags->since, "Look back this far from --to or now (default 1h)");
  cmd->add_option("--from", flags->from, "Start time: RFC3339, Unix seconds or nanoseconds");
  cmd->add_option("--to", flags->to, "End time (exclusive), same forms; default now");
  cmd->add_option("--limit", flags->limit, "Most lines to return (default 100)");
  cmd->add_option("--output,-o", flags->output, "default, raw, json or jsonl");
  cmd->add_option("--tenant", flags->tenant, "Tenant ID(s) sent as X-Scope-OrgID (a|b)");
  cmd->add_flag("--forward", flags->forward,
                "Return the first lines of the range instead of the most recent ones");
  return [flags] { return RunQuery(*flags); };
}

}  // namespace lode
