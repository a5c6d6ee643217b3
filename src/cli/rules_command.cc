// lode rules check FILE... (as `promtool check rules`: YAML, fields,
// names, each LogQL expression and template, duplicate groups and
// duplicate recorded series), and lode rules list (what a running
// server's ruler is doing, from its Prometheus rules API).
#include <simdjson.h>

#include <CLI/CLI.hpp>
#include <fstream>
#include <iostream>
#include <map>
#include <memory>
#include <sstream>

#include "base/time.h"
#include "cli/commands.h"
#include "ruler/rule_file.h"
#include "transport/http_client.h"

namespace lode {
namespace {

struct RulesFlags {
  std::vector<std::string> files;
  std::string url = "http://127.0.0.1:3100";
  std::string tenant;
  std::string token;
  std::string output = "text";
};

// Recording rules that write the same series (name and labels), as
// promtool's duplicate-rules lint finds them.
std::vector<std::string> DuplicateRecords(const std::vector<RuleGroupDefinition>& groups) {
  std::map<std::string, int> seen;
  std::vector<std::string> out;
  for (const auto& g : groups) {
    for (const auto& r : g.rules) {
      if (r.kind != RuleDefinition::Kind::kRecord) continue;
      std::string key = r.name + "{";
      for (const auto& [k, v] : r.labels) key += k + "=\"" + v + "\",";
      key += "}";
      if (++seen[key] == 2) out.push_back(key);
    }
  }
  return out;
}

int RunCheck(const RulesFlags& flags) {
  bool failed = false;
  for (const std::string& file : flags.files) {
    std::cout << "Checking " << file << "\n";
    std::ifstream in(file, std::ios::binary);
    if (!in) {
      std::cout.flush();
      std::cerr << "  FAILED:\n" << file << ": cannot open the file\n";
      std::cout << "\n";
      failed = true;
      continue;
    }
    std::stringstream text;
    text << in.rdbuf();
    auto groups = ParseRuleFile(text.str(), file);
    if (!groups.ok()) {
      std::cout.flush();
      std::cerr << "  FAILED:\n" << groups.status().message() << "\n";
      std::cout << "\n";
      failed = true;
      continue;
    }
    size_t rules = 0;
    for (const auto& g : *groups) rules += g.rules.size();
    const auto duplicates = DuplicateRecords(*groups);
    if (!duplicates.empty()) {
      std::cout.flush();
      std::cerr << "  FAILED:\nlint error " << duplicates.size()
                << " duplicate rule(s) found (they write the same series):\n";
      for (const auto& d : duplicates) std::cerr << "  " << d << "\n";
      std::cout << "\n";
      failed = true;
      continue;
    }
    std::cout << "  SUCCESS: " << rules << " rules found\n\n";
  }
  return failed ? 1 : 0;
}

// A field of a JSON object, left as it was when absent.
template <typename T>
void Read(simdjson::dom::element object, const char* key, T& out) {
  if (object[key].get(out) != simdjson::SUCCESS) return;
}

std::string Ago(std::string_view rfc3339) {
  if (rfc3339.starts_with("0001-")) return "never";
  auto t = ParseRfc3339(rfc3339);
  if (!t.ok()) return std::string(rfc3339);
  const int64_t seconds = (NowNanos() - *t) / 1'000'000'000;
  if (seconds < 120) return std::to_string(seconds) + "s ago";
  if (seconds < 7200) return std::to_string(seconds / 60) + "m ago";
  return std::to_string(seconds / 3600) + "h ago";
}

int RunList(const RulesFlags& flags) {
  std::string base = flags.url;
  while (!base.empty() && base.back() == '/') base.pop_back();
  ClientRequest request;
  request.url = base + "/prometheus/api/v1/rules";
  if (!flags.tenant.empty()) request.headers.emplace_back("X-Scope-OrgID", flags.tenant);
  if (!flags.token.empty()) request.headers.emplace_back("Authorization", "Bearer " + flags.token);
  auto response = SendHttpRequest(request);
  if (!response.ok()) {
    std::cerr << "lode rules list: cannot reach " << base << ": " << response.status().message()
              << "\n";
    return 1;
  }
  if (response->status == 404) {
    std::cerr << "lode rules list: " << base << " has no ruler (no `ruler:` in its config)\n";
    return 1;
  }
  if (response->status != 200) {
    std::cerr << "lode rules list: " << response->body << " (HTTP " << response->status << ")\n";
    return 1;
  }
  simdjson::dom::parser parser;
  simdjson::dom::element root;
  simdjson::dom::array groups;
  if (parser.parse(response->body).get(root) || root.at_pointer("/data/groups").get(groups)) {
    std::cerr << "lode rules list: the server's answer is not a rules listing\n";
    return 1;
  }
  if (flags.output == "json") {
    std::cout << simdjson::to_string(root["data"]) << "\n";
    return 0;
  }
  if (groups.size() == 0) {
    std::cout << "no rules\n";
    return 0;
  }
  for (simdjson::dom::element g : groups) {
    std::string_view name, file, last;
    Read(g, "name", name);
    Read(g, "file", file);
    Read(g, "lastEvaluation", last);
    double interval = 0;
    Read(g, "interval", interval);
    std::cout << file << "/" << name << " (every " << interval << "s, evaluated " << Ago(last)
              << ")\n";
    simdjson::dom::array rules;
    if (g["rules"].get(rules)) continue;
    for (simdjson::dom::element r : rules) {
      std::string_view rule, type, state = "-", health, error, rule_last;
      Read(r, "name", rule);
      Read(r, "type", type);
      Read(r, "state", state);
      Read(r, "health", health);
      Read(r, "lastError", error);
      simdjson::dom::array alerts;
      size_t active = r["alerts"].get(alerts) ? 0 : alerts.size();
      std::cout << "  " << (type == "alerting" ? "alert  " : "record ") << rule;
      if (type == "alerting") {
        std::cout << "  " << state;
        if (active > 0) std::cout << " (" << active << " active)";
      }
      std::cout << "  health=" << health;
      if (!error.empty()) std::cout << "  error: " << error;
      std::cout << "\n";
    }
  }
  return 0;
}

}  // namespace

CommandRunner AddRulesCommand(CLI::App& app) {
  auto flags = std::make_shared<RulesFlags>();
  CLI::App* cmd = app.add_subcommand("rules", "Check rule files; list a server's rules.");
  cmd->require_subcommand(1);
  CLI::App* check = cmd->add_subcommand(
      "check", "Check rule files as the ruler reads them (YAML, LogQL, templates, names).");
  check->add_option("files", flags->files, "Rule files")->required();
  CLI::App* list =
      cmd->add_subcommand("list", "List the rules a running server evaluates, with their state.");
  list->add_option("--url", flags->url, "lode base URL (default http://127.0.0.1:3100)");
  list->add_option("--tenant", flags->tenant, "Tenant (X-Scope-OrgID)");
  list->add_option("--token", flags->token, "Bearer token");
  list->add_option("-o,--output", flags->output, "text or json")
      ->check(CLI::IsMember({"text", "json"}));
  return [flags, check] { return check->parsed() ? RunCheck(*flags) : RunList(*flags); };
}

}  // namespace lode
