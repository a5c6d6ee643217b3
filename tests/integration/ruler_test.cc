// The ruler against the real servers it talks to: Debian's Prometheus
// Alertmanager receives lode's alerts and Debian's Prometheus (with its
// remote write receiver) its recorded series, each started by the
// project's scripts (scripts/ruler/) on a free loopback port and stopped
// by pid. A server that does not start fails the test.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <simdjson.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <thread>

#include "lode_process.h"

namespace lode::testing {
namespace {

constexpr int64_t kSec = 1'000'000'000;

int64_t NowNs() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// A port nothing listens on now (the kernel's choice for an ephemeral bind).
int FreePort() {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
  socklen_t len = sizeof addr;
  getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  close(fd);
  return ntohs(addr.sin_port);
}

std::string Script(const std::string& name) {
  return std::string(LODE_SOURCE_DIR) + "/scripts/ruler/" + name;
}

// Alertmanager or Prometheus, started and stopped by the project's scripts.
class ExternalServer {
 public:
  ExternalServer(std::string name, std::string dir)
      : name_(std::move(name)), dir_(std::move(dir)), port_(FreePort()) {
    CommandResult r = RunProgram({"bash", Script(name_ + "-up.sh"), dir_, std::to_string(port_)});
    started_ = r.exit_code == 0;
    error_ = r.err;
  }
  ~ExternalServer() { RunProgram({"bash", Script("down.sh"), dir_, name_}); }
  bool started() const { return started_; }
  const std::string& error() const { return error_; }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }

 private:
  std::string name_;
  std::string dir_;
  int port_;
  bool started_ = false;
  std::string error_;
};

HttpResponse HttpGet(const std::string& url) {
  CommandResult r = RunProgram({"curl", "-sS", "-w", "\n%{http_code}", url});
  HttpResponse response;
  const size_t nl = r.out.rfind('\n');
  if (nl == std::string::npos) return response;
  response.status = std::atoi(r.out.c_str() + nl + 1);
  response.body = r.out.substr(0, nl);
  return response;
}

void WriteFile(const std::string& path, const std::string& text) {
  std::filesystem::create_directories(std::filesystem::path(path).parent_path());
  std::ofstream(path) << text;
}

// Polls `fn` every 200 ms for up to `seconds`.
template <typename F>
bool WaitUntil(F fn, int seconds) {
  const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(seconds);
  while (std::chrono::steady_clock::now() < until) {
    if (fn()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
  return fn();
}

// The alert of that name in a JSON array of alerts (Alertmanager's list,
// or data.alerts of lode's /prometheus/api/v1/alerts), as its raw JSON.
struct FoundAlert {
  bool found = false;
  std::string state;
  std::string active_at;
  std::map<std::string, std::string> labels;
  std::map<std::string, std::string> annotations;
  std::string generator_url;
};

FoundAlert FindAlert(const std::string& json, const std::string& alertname, bool lode_format) {
  FoundAlert out;
  simdjson::dom::parser parser;
  simdjson::dom::element root;
  if (parser.parse(json).get(root)) return out;
  simdjson::dom::array alerts;
  if (lode_format) {
    if (root.at_pointer("/data/alerts").get(alerts)) return out;
  } else if (root.get(alerts)) {
    return out;
  }
  for (simdjson::dom::element a : alerts) {
    simdjson::dom::object labels;
    if (a["labels"].get(labels)) continue;
    std::map<std::string, std::string> l;
    for (auto [k, v] : labels) l[std::string(k)] = std::string(v.get_string().value());
    if (l["alertname"] != alertname) continue;
    out.found = true;
    out.labels = l;
    simdjson::dom::object annotations;
    if (!a["annotations"].get(annotations)) {
      for (auto [k, v] : annotations) {
        out.annotations[std::string(k)] = std::string(v.get_string().value());
      }
    }
    std::string_view s;
    if (!a["state"].get(s)) out.state = s;
    if (!a["activeAt"].get(s)) out.active_at = s;
    if (!a["generatorURL"].get(s)) out.generator_url = s;
    if (!lode_format && !a.at_pointer("/status/state").get(s)) out.state = s;
    return out;
  }
  return out;
}

std::string ShopRules(const std::string& window, const std::string& for_duration) {
  return R"(groups:
  - name: shop
    interval: 1s
    rules:
      - alert: ShopErrors
        expr: sum by (app) (count_over_time({app="shop"} |= "error" [)" +
         window + R"(])) > 5
        for: )" +
         for_duration +
         R"(
        labels:
          severity: page
        annotations:
          summary: "{{ $labels.app }} logged {{ $value }} errors"
      - record: shop:errors:count
        expr: sum(count_over_time({app="shop"} |= "error" [)" +
         window + R"(]))
)";
}

void PushErrors(const LodeServer& lode, int count) {
  if (count == 0) return;
  std::vector<std::pair<int64_t, std::string>> values;
  const int64_t now = NowNs();
  for (int i = 0; i < count; ++i) values.emplace_back(now - i * 1000, "error " + std::to_string(i));
  ASSERT_EQ(lode.PushJson(PushBody(R"({"app":"shop"})", values)).status, 204);
}

class RulerAlertmanagerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    am_ = std::make_unique<ExternalServer>("alertmanager", dir_.path() + "/am");
    ASSERT_TRUE(am_->started()) << "Alertmanager did not start: " << am_->error();
  }

  std::vector<std::string> Config(const std::string& rules) {
    WriteFile(dir_.path() + "/rules/fake/shop.yaml", rules);
    return ConfigArgs(dir_.path(), "ruler:\n  rule_path: " + dir_.path() +
                                       "/rules\n  evaluation_interval: 1s\n  resend_delay: 1s\n"
                                       "  alertmanager_url: " +
                                       am_->url() + "\n  external_url: http://lode.test:3100\n");
  }

  TempDir dir_;
  std::unique_ptr<ExternalServer> am_;
};

TEST_F(RulerAlertmanagerTest, AnAlertFiresAfterItsForReachesAlertmanagerAndResolves) {
  LodeServer lode(dir_.path() + "/data", Config(ShopRules("6s", "3s")));
  PushErrors(lode, 10);
  const int64_t pushed = NowNs();

  // Pending first, then firing once active for 3 s.
  FoundAlert alert;
  ASSERT_TRUE(WaitUntil(
      [&] {
        alert = FindAlert(lode.Get("/prometheus/api/v1/alerts").body, "ShopErrors", true);
        return alert.found;
      },
      10));
  EXPECT_EQ(alert.state, "pending");
  ASSERT_TRUE(WaitUntil(
      [&] {
        alert = FindAlert(lode.Get("/prometheus/api/v1/alerts").body, "ShopErrors", true);
        return alert.state == "firing";
      },
      10));
  EXPECT_GE(NowNs() - pushed, 3 * kSec) << "fired before its `for`";

  // Alertmanager lists it with the rule's labels and expanded annotations.
  FoundAlert received;
  ASSERT_TRUE(WaitUntil(
      [&] {
        received = FindAlert(HttpGet(am_->url() + "/api/v2/alerts").body, "ShopErrors", false);
        return received.found;
      },
      10))
      << "Alertmanager never listed the alert";
  EXPECT_EQ(received.state, "active");
  EXPECT_EQ(received.labels["severity"], "page");
  EXPECT_EQ(received.labels["app"], "shop");
  EXPECT_EQ(received.annotations["summary"], "shop logged 10 errors");
  EXPECT_TRUE(received.generator_url.starts_with("http://lode.test:3100/?query=sum%20by"))
      << received.generator_url;

  // The errors fall out of the 6 s window: the alert resolves, and
  // Alertmanager stops listing it as active.
  ASSERT_TRUE(WaitUntil(
      [&] {
        return !FindAlert(lode.Get("/prometheus/api/v1/alerts").body, "ShopErrors", true).found;
      },
      20));
  ASSERT_TRUE(WaitUntil(
      [&] {
        return !FindAlert(HttpGet(am_->url() + "/api/v2/alerts").body, "ShopErrors", false).found;
      },
      15))
      << "Alertmanager still lists the alert as active";

  // Counted in /metrics.
  const std::string metrics = lode.Get("/metrics").body;
  EXPECT_NE(metrics.find(R"(lode_ruler_evaluations_total{tenant="fake",rule_group="shop;shop"})"),
            std::string::npos);
  EXPECT_NE(
      metrics.find("lode_ruler_notifications_sent_total{alertmanager=\"" + am_->url() + "\"}"),
      std::string::npos)
      << metrics.substr(0, 2000);
}

TEST_F(RulerAlertmanagerTest, AFiringAlertStaysFiringAcrossAKill9WithoutWaitingForAgain) {
  const auto args = Config(ShopRules("10m", "5s"));
  std::string active_at;
  {
    LodeServer lode(dir_.path() + "/data", args);
    PushErrors(lode, 10);
    ASSERT_TRUE(WaitUntil(
        [&] {
          FoundAlert a = FindAlert(lode.Get("/prometheus/api/v1/alerts").body, "ShopErrors", true);
          active_at = a.active_at;
          return a.state == "firing";
        },
        15));
    // Let the state of an evaluation after firing be written.
    std::this_thread::sleep_for(std::chrono::milliseconds(1500));
    lode.Kill9();
  }
  LodeServer lode(dir_.path() + "/data", args);
  const auto restarted = std::chrono::steady_clock::now();
  FoundAlert a;
  ASSERT_TRUE(WaitUntil(
      [&] {
        a = FindAlert(lode.Get("/prometheus/api/v1/alerts").body, "ShopErrors", true);
        return a.state == "firing";
      },
      10));
  // Well within the 5 s `for`: it did not start pending again.
  EXPECT_LT(std::chrono::steady_clock::now() - restarted, std::chrono::seconds(4));
  EXPECT_EQ(a.active_at, active_at) << "the alert restarted its active period";
  // And it is still sent to Alertmanager.
  EXPECT_TRUE(WaitUntil(
      [&] {
        return FindAlert(HttpGet(am_->url() + "/api/v2/alerts").body, "ShopErrors", false).found;
      },
      10));
}

class RulerRemoteWriteTest : public ::testing::Test {
 protected:
  void SetUp() override {
    prometheus_ = std::make_unique<ExternalServer>("prometheus", dir_.path() + "/prometheus");
    ASSERT_TRUE(prometheus_->started()) << "Prometheus did not start: " << prometheus_->error();
  }
  TempDir dir_;
  std::unique_ptr<ExternalServer> prometheus_;
};

// The value of the first series of an instant query to Prometheus, or "".
std::string PrometheusValue(const std::string& base, const std::string& query) {
  HttpResponse r = HttpGet(base + "/api/v1/query?query=" + UrlEncode(query));
  simdjson::dom::parser parser;
  simdjson::dom::element root;
  if (parser.parse(r.body).get(root)) return "";
  simdjson::dom::array result;
  if (root.at_pointer("/data/result").get(result) || result.size() == 0) return "";
  std::string_view v;
  if (result.at(0).at_pointer("/value/1").get(v)) return "";
  return std::string(v);
}

TEST_F(RulerRemoteWriteTest, ARecordedSeriesAndALERTSArriveInPrometheus) {
  WriteFile(dir_.path() + "/rules/fake/shop.yaml", ShopRules("10m", "0s"));
  LodeServer lode(dir_.path() + "/data",
                  ConfigArgs(dir_.path(), "ruler:\n  rule_path: " + dir_.path() +
                                              "/rules\n  remote_write:\n    url: " +
                                              prometheus_->url() + "/api/v1/write\n"));
  PushErrors(lode, 7);
  EXPECT_TRUE(WaitUntil(
      [&] { return PrometheusValue(prometheus_->url(), "shop:errors:count") == "7"; }, 20))
      << PrometheusValue(prometheus_->url(), "shop:errors:count");
  EXPECT_TRUE(WaitUntil(
      [&] {
        return PrometheusValue(prometheus_->url(),
                               R"(ALERTS{alertname="ShopErrors",alertstate="firing"})") == "1";
      },
      20));
  EXPECT_NE(PrometheusValue(prometheus_->url(), R"(ALERTS_FOR_STATE{alertname="ShopErrors"})"), "");
  const std::string metrics = lode.Get("/metrics").body;
  EXPECT_EQ(metrics.find("lode_ruler_remote_write_samples_sent_total 0"), std::string::npos);
}

TEST(RulerConfigTest, ABadRuleFileStopsTheStartNamingFileLineAndReason) {
  TempDir dir;
  const std::string file = dir.path() + "/rules/fake/broken.yaml";
  WriteFile(file, R"(groups:
  - name: g
    rules:
      - alert: Broken
        expr: sum(count_over_time({app="x"}[1m]) > 
)");
  CommandResult r = RunLode(
      {"serve", "--data", dir.path() + "/data", "--listen", "127.0.0.1:0", "--config", [&] {
         WriteFile(dir.path() + "/lode.yaml", "ruler:\n  rule_path: " + dir.path() + "/rules\n");
         return dir.path() + "/lode.yaml";
       }()});
  EXPECT_NE(r.exit_code, 0);
  // The log line is logfmt: the message's quotes are escaped.
  EXPECT_NE(
      r.err.find(file + R"(:5:15: group \"g\", rule 1, \"Broken\": could not parse expression)"),
      std::string::npos)
      << r.err;
}

TEST(RulerApiTest, RulesAreAddedReplacedAndDeletedOverTheApiAndKeptInRulePath) {
  TempDir dir;
  LodeServer lode(dir.path() + "/data",
                  ConfigArgs(dir.path(), "ruler:\n  rule_path: " + dir.path() + "/rules\n"));
  EXPECT_EQ(lode.Get("/loki/api/v1/rules").status, 404);
  EXPECT_EQ(lode.Get("/loki/api/v1/rules").body, "no rule groups found\n");

  const std::vector<std::pair<std::string, std::string>> yaml = {
      {"Content-Type", "application/yaml"}};
  const std::string group = R"(name: checkout
interval: 30s
rules:
  - alert: CheckoutErrors
    expr: sum(rate({app="checkout"} |= "error" [5m])) > 1
    for: 2m
    labels:
      severity: warn
)";
  HttpResponse r = lode.Post("/loki/api/v1/rules/shop", group, yaml);
  EXPECT_EQ(r.status, 202) << r.body;
  EXPECT_EQ(r.body, R"({"status":"success","data":null,"errorType":"","error":""})");
  const std::string path = dir.path() + "/rules/fake/shop.yaml";
  ASSERT_TRUE(std::filesystem::exists(path));

  r = lode.Get("/loki/api/v1/rules/shop/checkout");
  EXPECT_EQ(r.status, 200);
  EXPECT_NE(r.body.find("alert: CheckoutErrors"), std::string::npos) << r.body;
  EXPECT_NE(r.body.find("for: 2m"), std::string::npos) << r.body;
  r = lode.Get("/loki/api/v1/rules");
  EXPECT_TRUE(r.body.starts_with("shop:\n")) << r.body;

  // A bad rule is a 400 and changes nothing, in the API or on disk.
  std::ifstream before_file(path);
  const std::string before((std::istreambuf_iterator<char>(before_file)), {});
  r = lode.Post("/loki/api/v1/rules/shop",
                "name: checkout\nrules:\n  - alert: X\n    expr: '{app=\"checkout\"}'\n", yaml);
  EXPECT_EQ(r.status, 400);
  EXPECT_NE(r.body.find("could not parse expression"), std::string::npos) << r.body;
  std::ifstream after_file(path);
  EXPECT_EQ(std::string((std::istreambuf_iterator<char>(after_file)), {}), before);
  EXPECT_NE(lode.Get("/loki/api/v1/rules/shop/checkout").body.find("CheckoutErrors"),
            std::string::npos);

  // The running group shows in Prometheus' rules API.
  EXPECT_TRUE(WaitUntil(
      [&] {
        return lode.Get("/prometheus/api/v1/rules").body.find(R"("name":"CheckoutErrors")") !=
               std::string::npos;
      },
      5));

  HttpResponse del = lode.Post("/loki/api/v1/rules/shop/checkout", "", {});
  EXPECT_EQ(del.status, 405);
  CommandResult d = RunProgram({"curl", "-sS", "-o", "/dev/null", "-w", "%{http_code}", "-X",
                                "DELETE", lode.base_url() + "/loki/api/v1/rules/shop/checkout"});
  EXPECT_EQ(d.out, "202");
  EXPECT_EQ(lode.Get("/loki/api/v1/rules").status, 404);
  EXPECT_FALSE(std::filesystem::exists(path));
  EXPECT_EQ(lode.Get("/prometheus/api/v1/rules").body.find("CheckoutErrors"), std::string::npos);
}

TEST(RulerApiTest, EachTenantSeesAndChangesOnlyItsOwnRulesWithTheRightToken) {
  TempDir dir;
  LodeServer lode(dir.path() + "/data",
                  ConfigArgs(dir.path(),
                             "auth:\n  tokens:\n"
                             "    - {token: writer-token-a, tenant: team-a, access: write}\n"
                             "    - {token: reader-token-a, tenant: team-a, access: read}\n"
                             "    - {token: both-token-b1, tenant: team-b}\n"
                             "ruler:\n  rule_path: " +
                                 dir.path() + "/rules\n"));
  auto bearer = [](const std::string& token) {
    return std::vector<std::pair<std::string, std::string>>{{"Authorization", "Bearer " + token}};
  };
  const std::string group =
      "name: g\nrules:\n  - record: x:count\n    expr: sum(count_over_time({app=\"x\"}[1m]))\n";
  EXPECT_EQ(lode.Post("/loki/api/v1/rules/ns", group, {}).status, 401);
  EXPECT_EQ(lode.Post("/loki/api/v1/rules/ns", group, bearer("reader-token-a")).status, 403);
  EXPECT_EQ(lode.Post("/loki/api/v1/rules/ns", group, bearer("writer-token-a")).status, 202);
  EXPECT_TRUE(std::filesystem::exists(dir.path() + "/rules/team-a/ns.yaml"));

  HttpResponse a = lode.Get("/loki/api/v1/rules", bearer("reader-token-a"));
  EXPECT_EQ(a.status, 200);
  EXPECT_NE(a.body.find("record: x:count"), std::string::npos) << a.body;
  HttpResponse b = lode.Get("/loki/api/v1/rules", bearer("both-token-b1"));
  EXPECT_EQ(b.status, 404) << b.body;
  EXPECT_EQ(lode.Get("/prometheus/api/v1/rules", bearer("both-token-b1")).body.find("x:count"),
            std::string::npos);
  EXPECT_TRUE(WaitUntil(
      [&] {
        return lode.Get("/prometheus/api/v1/rules", bearer("reader-token-a"))
                   .body.find(R"("name":"x:count")") != std::string::npos;
      },
      5));
}

TEST(RulesCommandTest, CheckReportsEachFileAsPromtoolDoes) {
  TempDir dir;
  const std::string good = dir.path() + "/good.yaml", bad = dir.path() + "/bad.yaml";
  WriteFile(good, ShopRules("1m", "5m"));
  WriteFile(bad, R"(groups:
  - name: g
    rules:
      - alert: Templated
        expr: sum(rate({app="x"}[1m])) > 1
        annotations:
          summary: "{{ $value | nosuchfunction }}"
)");
  CommandResult r = RunLode({"rules", "check", good});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "Checking " + good + "\n  SUCCESS: 2 rules found\n\n");

  r = RunLode({"rules", "check", good, bad});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.out.find("Checking " + bad), std::string::npos);
  EXPECT_NE(r.err.find("  FAILED:\n" + bad +
                       ":7:20: group \"g\", rule 1, \"Templated\": "
                       "annotation \"summary\": template: __alert_Templated:1: function "
                       "\"nosuchfunction\" not defined"),
            std::string::npos)
      << r.err;
}

TEST(RulesCommandTest, ListShowsARunningServersRulesAndTheirState) {
  TempDir dir;
  WriteFile(dir.path() + "/rules/fake/shop.yaml", ShopRules("10m", "0s"));
  LodeServer lode(dir.path() + "/data",
                  ConfigArgs(dir.path(), "ruler:\n  rule_path: " + dir.path() + "/rules\n"));
  PushErrors(lode, 8);
  CommandResult r;
  ASSERT_TRUE(WaitUntil(
      [&] {
        r = RunLode({"rules", "list", "--url", lode.base_url()});
        return r.out.find("firing") != std::string::npos;
      },
      10))
      << r.out << r.err;
  EXPECT_NE(r.out.find("shop/shop"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("alert  ShopErrors  firing (1 active)  health=ok"), std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find("record shop:errors:count  health=ok"), std::string::npos) << r.out;
}

}  // namespace
}  // namespace lode::testing
