// lode trace ID: one request followed across services, from a lode
// server's /api/v1/trace: each service with its first and last line, then
// every line in time order, with the time since the first line and since
// the line before, so the gaps between services stand out.
#include <simdjson.h>

#include <CLI/CLI.hpp>
#include <cstdio>
#include <iostream>
#include <map>
#include <memory>

#include "base/time.h"
#include "cli/commands.h"
#include "transport/http_client.h"

namespace lode {
namespace {

struct TraceFlags {
  std::string id;
  std::string url = "http://127.0.0.1:3100";
  std::string since = "24h";
  std::string tenant;
  std::string token;
  std::string output = "text";
  size_t limit = 5000;
};

// "+1.234s", "+12.5ms", "+0ms".
std::string Offset(int64_t ns) {
  char buf[32];
  if (ns >= 1'000'000'000) {
    std::snprintf(buf, sizeof buf, "+%.3fs", ns / 1e9);
  } else {
    std::snprintf(buf, sizeof buf, "+%.1fms", ns / 1e6);
  }
  std::string s = buf;
  if (s.ends_with(".0ms")) s.erase(s.size() - 4, 2);
  return s;
}

int RunTrace(const TraceFlags& flags) {
  auto fail = [](const std::string& msg) {
    std::cerr << "lode trace: " << msg << "\n";
    return 1;
  };
  auto since = ParseDuration(flags.since);
  if (!since.ok()) return fail("invalid --since: " + since.status().message());
  std::string base = flags.url;
  while (!base.empty() && base.back() == '/') base.pop_back();
  ClientRequest request;
  request.url = base + "/api/v1/trace?id=" + UrlEncode(flags.id) +
                "&since=" + std::to_string(*since / 1'000'000'000) + "s" +
                "&limit=" + std::to_string(flags.limit);
  if (!flags.tenant.empty()) request.headers.emplace_back("X-Scope-OrgID", flags.tenant);
  if (!flags.token.empty()) request.headers.emplace_back("Authorization", "Bearer " + flags.token);
  request.timeout = std::chrono::minutes(5);
  auto response = SendHttpRequest(request);
  if (!response.ok()) return fail("cannot reach " + base + ": " + response.status().message());
  if (response->status != 200) {
    std::string body = response->body;
    while (!body.empty() && body.back() == '\n') body.pop_back();
    return fail(body + " (HTTP " + std::to_string(response->status) + ")");
  }
  simdjson::dom::parser parser;
  simdjson::dom::element root;
  simdjson::dom::array services, records;
  if (parser.parse(response->body).get(root) || root.at_pointer("/data/services").get(services) ||
      root.at_pointer("/data/records").get(records)) {
    return fail("the server's answer is not a trace");
  }
  std::string out;
  if (flags.output == "json") {
    out = simdjson::to_string(root["data"]) + "\n";
  } else if (flags.output == "jsonl") {
    for (auto r : records) out += simdjson::to_string(r) + "\n";
  } else {
    if (records.size() == 0) {
      std::cout << "no line holds " << flags.id << " in the last " << flags.since << "\n";
      return 0;
    }
    auto ts = [](simdjson::dom::element e, const char* key) {
      std::string_view v;
      if (e[key].get(v)) return int64_t{0};
      return static_cast<int64_t>(std::strtoll(std::string(v).c_str(), nullptr, 10));
    };
    int64_t first = INT64_MAX, last = 0;
    size_t width = 7;
    for (auto s : services) {
      first = std::min(first, ts(s, "first"));
      last = std::max(last, ts(s, "last"));
      std::string_view name;
      if (!s["service"].get(name)) width = std::max(width, name.size());
    }
    bool truncated = false;
    if (root.at_pointer("/data/truncated").get(truncated)) truncated = false;
    out += "trace " + flags.id + ": " + std::to_string(records.size()) + " lines from " +
           std::to_string(services.size()) + " services over " + Offset(last - first).substr(1) +
           (truncated ? " (more lines hold it: raise --limit)" : "") + "\n";
    for (auto s : services) {
      std::string_view name;
      uint64_t lines = 0;
      if (s["service"].get(name) || s["lines"].get(lines)) continue;
      out += "  " + std::string(name) + std::string(width - name.size(), ' ') + "  " +
             Offset(ts(s, "first") - first) + " .. " + Offset(ts(s, "last") - first) + "  " +
             std::to_string(lines) + (lines == 1 ? " line\n" : " lines\n");
    }
    out += "\n";
    int64_t previous = first;
    std::string previous_service;
    for (auto r : records) {
      const int64_t t = ts(r, "timestamp");
      std::string_view service, line;
      if (r["service"].get(service) || r["line"].get(line)) continue;
      // A change of service shows how long the hand-over took.
      if (!previous_service.empty() && service != previous_service) {
        out +=
            "  " + std::string(width, ' ') + "  ~ " + Offset(t - previous).substr(1) + " later ~\n";
      }
      out += FormatRfc3339Nano(t) + "  " + Offset(t - first) + "  " + std::string(service) +
             std::string(width - service.size(), ' ') + "  " + std::string(line) + "\n";
      previous = t;
      previous_service = service;
    }
  }
  std::cout << out << std::flush;
  return 0;
}

}  // namespace

CommandRunner AddTraceCommand(CLI::App& app) {
  auto flags = std::make_shared<TraceFlags>();
  CLI::App* cmd = app.add_subcommand(
      "trace",
      "Follow one request: every line of every stream holding an id (in the line or as "
      "structured metadata), by time and by service.");
  cmd->add_option("id", flags->id, "Trace, request or span id")->required();
  cmd->add_option("--url", flags->url, "lode base URL (default http://127.0.0.1:3100)");
  cmd->add_option("--since", flags->since, "Look back this far (default 24h)");
  cmd->add_option("--limit", flags->limit, "Most lines to show (default 5000)");
  cmd->add_option("--tenant", flags->tenant, "Tenant ID(s) sent as X-Scope-OrgID (a|b)");
  cmd->add_option("--token", flags->token, "Bearer token (default: $LODE_TOKEN)")
      ->envname("LODE_TOKEN");
  cmd->add_option("-o,--output", flags->output, "text (default), json or jsonl")
      ->check(CLI::IsMember({"text", "json", "jsonl"}));
  return [flags] { return RunTrace(*flags); };
}

}  // namespace lode
