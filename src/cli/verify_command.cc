// lode verify: checks the audit chains of a stopped store (--data DIR,
// opened read-only) or of a running server (--url, its
// /api/v1/audit/verify), optionally against chain heads published
// earlier (--expect-heads FILE). Exits 0 when every chain is intact, 1
// when one is not (printing, per broken stream, the first record that does
// not chain), 2 when it cannot check.
#include <CLI/CLI.hpp>
#include <algorithm>
#include <iostream>

#include "audit/audit_json.h"
#include "base/log.h"
#include "base/time.h"
#include "cli/commands.h"
#include "io/env.h"
#include "storage/local_store.h"
#include "transport/http_client.h"

namespace lode {
namespace {

struct VerifyFlags {
  std::string data;
  std::string url;
  std::string tenant;
  std::string token;
  std::string expect_heads;
  std::string output = "text";
};

constexpr int kIntact = 0;
constexpr int kBroken = 1;
constexpr int kCannotCheck = 2;

int Fail(const std::string& msg) {
  std::cerr << "lode verify: " << msg << "\n";
  return kCannotCheck;
}

std::string WithCommas(uint64_t n) {
  std::string digits = std::to_string(n), out;
  for (size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) out += ',';
    out += digits[i];
  }
  return out;
}

// `scope`: which tenants were looked at, said when none has an audit stream.
void PrintText(const std::vector<ChainVerdict>& verdicts, const std::string& scope) {
  if (verdicts.empty()) std::cout << "no audit streams " << scope << "\n";
  for (const ChainVerdict& v : verdicts) {
    std::cout << "tenant " << v.tenant << " " << v.stream.ToString() << ": ";
    if (v.intact()) {
      std::cout << "intact, " << WithCommas(v.records_checked) << " records checked";
    } else {
      std::cout << "BROKEN";
    }
    std::cout << "; chain of " << WithCommas(v.head.count) << " records";
    if (v.head.count > 0) {
      std::cout << ", last at " << FormatRfc3339Nano(v.head.last_time) << ", head "
                << HashToHex(v.head.hash);
    }
    std::cout << "\n";
    if (v.first) {
      const ChainFinding& f = *v.first;
      std::cout << "  first record that does not chain: ";
      if (f.position > 0) std::cout << "position " << WithCommas(f.position);
      if (f.has_time) {
        std::cout << (f.position > 0 ? ", " : "") << "time " << FormatRfc3339Nano(f.time);
      }
      std::cout << ": " << ChainProblemName(f.problem) << ": " << f.detail << "\n";
      if (v.problems > 1) {
        std::cout << "  " << WithCommas(v.problems - 1) << " more records do not chain\n";
      }
    }
    for (const RetentionCut& cut : v.cuts) {
      if (cut.first == cut.last) {
        std::cout << "  record " << WithCommas(cut.first) << " was removed by retention";
      } else {
        std::cout << "  records " << WithCommas(cut.first) << " to " << WithCommas(cut.last)
                  << " were removed by retention";
      }
      std::cout << " (cut at " << FormatRfc3339Nano(cut.at_ns)
                << "); the chain goes on from record " << WithCommas(cut.last) << "'s hash "
                << HashToHex(cut.hash).substr(0, 16) << "...\n";
    }
    if (v.before_chain > 0) {
      std::cout << "  " << WithCommas(v.before_chain)
                << " records older than the chain are not covered by it\n";
    }
    if (v.heads_checked > 0) {
      std::cout << "  " << WithCommas(v.heads_checked) << " heads compared\n";
    }
    for (const std::string& note : v.notes) std::cout << "  note: " << note << "\n";
  }
}

int Report(const VerifyFlags& flags, const std::vector<ChainVerdict>& verdicts,
           const std::string& scope) {
  if (flags.output == "json") {
    // As /api/v1/audit/verify answers.
    std::string body;
    JsonWriter w(body);
    w.BeginObject();
    w.Key("status");
    w.String("success");
    w.Key("data");
    WriteVerifyReport(w, verdicts);
    w.EndObject();
    std::cout << body << "\n";
  } else {
    PrintText(verdicts, scope);
  }
  const bool intact = std::all_of(verdicts.begin(), verdicts.end(),
                                  [](const ChainVerdict& v) { return v.intact(); });
  return intact ? kIntact : kBroken;
}

int VerifyStore(const VerifyFlags& flags, const std::vector<ExpectedHead>& expected) {
  log::SetMinLevel(log::Level::kWarn);  // a check, not a server: only what went wrong
  LocalStoreOptions options;
  options.data_dir = flags.data;
  options.log.read_only = true;
  auto store = LocalStore::Open(Env::Default(), options);
  if (!store.ok()) {
    std::string why = "cannot open " + flags.data + ": " + store.status().message();
    // Locked by a running server: what it is writing is no state to check.
    if (store.status().code() == StatusCode::kUnavailable) {
      why += "; stop it first, or check it running with --url";
    }
    return Fail(why);
  }
  std::vector<std::string> tenants = (*store)->Tenants();
  if (!flags.tenant.empty()) {
    const bool heads_given =
        std::any_of(expected.begin(), expected.end(),
                    [&](const ExpectedHead& e) { return e.tenant == flags.tenant; });
    if (std::find(tenants.begin(), tenants.end(), flags.tenant) == tenants.end() && !heads_given) {
      return Fail("tenant " + flags.tenant + " has no data in " + flags.data);
    }
    tenants = {flags.tenant};
  }
  for (const ExpectedHead& e : expected) {
    if (std::find(tenants.begin(), tenants.end(), e.tenant) != tenants.end()) continue;
    if (!flags.tenant.empty()) {
      return Fail("a head of tenant " + e.tenant + " was given, but only tenant " + flags.tenant +
                  " is checked");
    }
    // A tenant whose whole directory is gone: its chains are missing.
    tenants.push_back(e.tenant);
  }
  VerifyOptions verify;
  verify.expected = expected;
  std::vector<ChainVerdict> verdicts;
  for (const std::string& tenant : tenants) {
    auto checked = VerifyTenant(**store, tenant, verify);
    if (!checked.ok()) return Fail("tenant " + tenant + ": " + checked.status().message());
    for (ChainVerdict& v : *checked) verdicts.push_back(std::move(v));
  }
  (void)(*store)->Close();
  return Report(
      flags, verdicts,
      flags.tenant.empty() ? "in any tenant of " + flags.data : "in tenant " + flags.tenant);
}

int VerifyServer(const VerifyFlags& flags, const std::string& expected_text) {
  std::string base = flags.url;
  while (!base.empty() && base.back() == '/') base.pop_back();
  ClientRequest request;
  request.url = base + "/api/v1/audit/verify";
  if (!expected_text.empty()) {
    request.method = "POST";
    request.body = expected_text;
    request.headers.emplace_back("Content-Type", "application/json");
  }
  if (!flags.tenant.empty()) request.headers.emplace_back("X-Scope-OrgID", flags.tenant);
  if (!flags.token.empty()) request.headers.emplace_back("Authorization", "Bearer " + flags.token);
  request.timeout = std::chrono::hours(1);  // reads every record of the audit streams
  auto response = SendHttpRequest(request);
  if (!response.ok()) return Fail("cannot reach " + base + ": " + response.status().message());
  if (response->status != 200) {
    std::string body = response->body;
    while (!body.empty() && body.back() == '\n') body.pop_back();
    return Fail(body + " (HTTP " + std::to_string(response->status) + ")");
  }
  auto verdicts = ParseVerifyReport(response->body);
  if (!verdicts.ok()) return Fail(verdicts.status().message());
  // A server answers for the tenants a request names, as every Loki API
  // does: without --tenant, the token's, or the single-tenant "fake".
  std::string scope = !flags.tenant.empty() ? "in tenant " + flags.tenant
                      : !flags.token.empty()
                          ? "in the token's tenant (--tenant names others)"
                          : "in tenant fake, the default (--tenant names others; a|b several)";
  return Report(flags, *verdicts, scope);
}

int RunVerify(const VerifyFlags& flags) {
  if (flags.data.empty() == flags.url.empty()) return Fail("give either --data or --url");
  if (flags.output != "text" && flags.output != "json") {
    return Fail("--output must be text or json");
  }
  std::string expected_text;
  std::vector<ExpectedHead> expected;
  if (!flags.expect_heads.empty()) {
    auto text = Env::Default()->ReadFile(flags.expect_heads);
    if (!text.ok())
      return Fail("cannot read " + flags.expect_heads + ": " + text.status().message());
    auto parsed = ParseExpectedHeads(*text, flags.tenant);
    if (!parsed.ok()) return Fail(flags.expect_heads + ": " + parsed.status().message());
    expected_text = std::move(*text);
    expected = std::move(*parsed);
  }
  return flags.data.empty() ? VerifyServer(flags, expected_text) : VerifyStore(flags, expected);
}

}  // namespace

CommandRunner AddVerifyCommand(CLI::App& app) {
  auto flags = std::make_shared<VerifyFlags>();
  CLI::App* cmd = app.add_subcommand(
      "verify",
      "Check the audit chains: that no record of an audit stream was altered, removed, "
      "reordered or inserted. Exit 0: intact; 1: a chain is broken; 2: could not check.");
  cmd->add_option("--data", flags->data, "Data directory of a stopped lode (opened read-only)");
  cmd->add_option("--url", flags->url, "Or: a running lode's base URL (http://127.0.0.1:3100)");
  cmd->add_option("--tenant", flags->tenant,
                  "Only this tenant (--data), or the tenant(s) to check (--url, a|b)");
  cmd->add_option("--token", flags->token, "Bearer token for --url (default: $LODE_TOKEN)")
      ->envname("LODE_TOKEN");
  cmd->add_option("--expect-heads", flags->expect_heads,
                  "File of chain heads published earlier (what GET /api/v1/audit/heads "
                  "answered, one answer per line): each must still be part of its chain");
  cmd->add_option("-o,--output", flags->output, "text or json (default text)");
  return [flags] { return RunVerify(*flags); };
}

}  // namespace lode
