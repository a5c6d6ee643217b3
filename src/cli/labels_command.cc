// lode labels [NAME] and lode series SELECTOR: what streams a lode server
// holds, one per line.
#include <simdjson.h>

#include <CLI/CLI.hpp>
#include <iostream>
#include <memory>

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
  std::string name;   // labels: whose values; series: the selector
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

}  // namespace lode
