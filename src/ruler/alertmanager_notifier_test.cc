// Tests of the Alertmanager notifier (alertmanager_notifier.h): the JSON
// body of POST /api/v2/alerts as Prometheus' notifier writes it, and how
// queued alerts are batched, split by tenant and sent to each
// Alertmanager (through a sender that records the requests).
#include "ruler/alertmanager_notifier.h"

#include <gtest/gtest.h>

#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "base/metrics.h"
#include "model/labels.h"
#include "ruler/http_sender.h"

namespace lode {
namespace {

constexpr int64_t kSecond = 1'000'000'000;
// 2023-11-14T22:13:20Z.
constexpr int64_t kT0 = 1'700'000'000 * kSecond;

NotifierAlert MakeAlert(std::string tenant, std::string name) {
  NotifierAlert a;
  a.tenant = std::move(tenant);
  a.labels = Labels{{"alertname", std::move(name)}, {"severity", "page"}};
  a.annotations = Labels{{"summary", "it broke"}};
  a.starts_at_ns = kT0;
  a.generator_url = "http://lode.example:3100/graph?g0.expr=x&g0.tab=1";
  return a;
}

size_t Count(const std::string& text, const std::string& what) {
  size_t n = 0;
  for (size_t at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
  return n;
}

// ---- The body ---------------------------------------------------------------------

TEST(EncodeAlertmanagerAlertsTest, WritesEachAlertsAnnotationsTimesGeneratorAndLabels) {
  NotifierAlert a;
  a.labels = Labels{{"severity", "page"}, {"alertname", "DiskFull"}};
  a.annotations = Labels{{"summary", "Disk full"}, {"description", "on /var"}};
  a.starts_at_ns = kT0 + 123'456'789;
  a.ends_at_ns = kT0 + 300 * kSecond + 456'000'000;
  a.generator_url = "http://lode.example:3100/graph?g0.expr=x&g0.tab=1";
  EXPECT_EQ(EncodeAlertmanagerAlerts({a}),
            "[{\"annotations\":{\"description\":\"on /var\",\"summary\":\"Disk full\"},"
            "\"endsAt\":\"2023-11-14T22:18:20.456Z\","
            "\"startsAt\":\"2023-11-14T22:13:20.123Z\","
            "\"generatorURL\":\"http://lode.example:3100/graph?g0.expr=x&g0.tab=1\","
            "\"labels\":{\"alertname\":\"DiskFull\",\"severity\":\"page\"}}]");
}

TEST(EncodeAlertmanagerAlertsTest, AnAlertWithoutAnEndHasNoEndsAt) {
  NotifierAlert a = MakeAlert("t", "A");
  a.starts_at_ns = kT0 + 5'000'000;
  const std::string body = EncodeAlertmanagerAlerts({a});
  EXPECT_EQ(body.find("endsAt"), std::string::npos) << body;
  EXPECT_NE(body.find("\"startsAt\":\"2023-11-14T22:13:20.005Z\""), std::string::npos) << body;
}

TEST(EncodeAlertmanagerAlertsTest, TimesAreTruncatedToMilliseconds) {
  NotifierAlert a = MakeAlert("t", "A");
  a.starts_at_ns = kT0 + 999'999'999;
  a.ends_at_ns = kT0 + 1'999'999;
  const std::string body = EncodeAlertmanagerAlerts({a});
  EXPECT_NE(body.find("\"startsAt\":\"2023-11-14T22:13:20.999Z\""), std::string::npos) << body;
  EXPECT_NE(body.find("\"endsAt\":\"2023-11-14T22:13:20.001Z\""), std::string::npos) << body;
}

// Prometheus writes startsAt and endsAt with strfmt.DateTime, whose JSON
// form always has three digits of milliseconds (RFC3339Millis).
TEST(EncodeAlertmanagerAlertsTest, TimesHaveThreeMillisecondDigitsAsPrometheusWritesThem) {
  NotifierAlert a = MakeAlert("t", "A");
  a.starts_at_ns = kT0;
  a.ends_at_ns = kT0 + 120'000'000;
  const std::string body = EncodeAlertmanagerAlerts({a});
  EXPECT_NE(body.find("\"startsAt\":\"2023-11-14T22:13:20.000Z\""), std::string::npos) << body;
  EXPECT_NE(body.find("\"endsAt\":\"2023-11-14T22:13:20.120Z\""), std::string::npos) << body;
}

TEST(EncodeAlertmanagerAlertsTest, NoAlertsIsAnEmptyArray) {
  EXPECT_EQ(EncodeAlertmanagerAlerts({}), "[]");
}

TEST(EncodeAlertmanagerAlertsTest, SeveralAlertsAreElementsOfOneArrayInOrder) {
  const std::string body =
      EncodeAlertmanagerAlerts({MakeAlert("t", "First"), MakeAlert("t", "Second")});
  EXPECT_TRUE(body.starts_with("[{\"annotations\":")) << body;
  EXPECT_TRUE(body.ends_with("}}]")) << body;
  EXPECT_EQ(Count(body, "},{\"annotations\":"), 1u) << body;
  EXPECT_LT(body.find("\"alertname\":\"First\""), body.find("\"alertname\":\"Second\"")) << body;
}

TEST(EncodeAlertmanagerAlertsTest, StringsAreEscaped) {
  NotifierAlert a = MakeAlert("t", "A");
  a.annotations = Labels{{"description", "say \"hi\"\nback\\slash"}};
  const std::string body = EncodeAlertmanagerAlerts({a});
  EXPECT_NE(body.find("{\"description\":\"say \\\"hi\\\"\\nback\\\\slash\"}"), std::string::npos)
      << body;
}

// ---- Sending ------------------------------------------------------------------

class RecordingSender : public HttpSender {
 public:
  Result<OutboundResponse> Post(const OutboundRequest& request) override {
    std::lock_guard<std::mutex> lock(mu_);
    requests_.push_back(request);
    OutboundResponse response;
    response.status = status_;
    return response;
  }

  std::vector<OutboundRequest> requests() {
    std::lock_guard<std::mutex> lock(mu_);
    return requests_;
  }
  void set_status(int status) {
    std::lock_guard<std::mutex> lock(mu_);
    status_ = status;
  }

 private:
  std::mutex mu_;
  std::vector<OutboundRequest> requests_;
  int status_ = 200;
};

std::string Header(const OutboundRequest& request, const std::string& name) {
  for (const auto& [k, v] : request.headers) {
    if (k == name) return v;
  }
  return "<absent>";
}

TEST(AlertmanagerNotifierTest, SendsEachTenantsAlertsToEveryAlertmanager) {
  RecordingSender sender;
  MetricsRegistry metrics;
  NotifierOptions options;
  options.alertmanager_urls = {"http://am1:9093/", "http://am2:9093"};
  AlertmanagerNotifier notifier(options, sender, metrics);
  const NotifierAlert a1 = MakeAlert("tenant-a", "A1");
  const NotifierAlert b1 = MakeAlert("tenant-b", "B1");
  const NotifierAlert a2 = MakeAlert("tenant-a", "A2");
  // Queued before the notifier starts, so that they make one batch.
  notifier.Send({a1, b1, a2});
  EXPECT_EQ(notifier.QueueLength(), 3u);
  notifier.Start();
  notifier.Stop();  // sends what is queued first
  EXPECT_EQ(notifier.QueueLength(), 0u);

  const std::vector<OutboundRequest> requests = sender.requests();
  ASSERT_EQ(requests.size(), 4u);
  const std::string body_a = EncodeAlertmanagerAlerts({a1, a2});
  const std::string body_b = EncodeAlertmanagerAlerts({b1});
  const std::pair<std::string, std::string> want[] = {
      {"http://am1:9093/api/v2/alerts", "tenant-a"},
      {"http://am2:9093/api/v2/alerts", "tenant-a"},
      {"http://am1:9093/api/v2/alerts", "tenant-b"},
      {"http://am2:9093/api/v2/alerts", "tenant-b"},
  };
  for (size_t i = 0; i < requests.size(); ++i) {
    EXPECT_EQ(requests[i].url, want[i].first) << i;
    EXPECT_EQ(Header(requests[i], "X-Scope-OrgID"), want[i].second) << i;
    EXPECT_EQ(Header(requests[i], "Content-Type"), "application/json") << i;
    EXPECT_EQ(requests[i].body, want[i].second == "tenant-a" ? body_a : body_b) << i;
  }
}

TEST(AlertmanagerNotifierTest, SendsBatchesOfAtMostMaxBatchAlerts) {
  RecordingSender sender;
  MetricsRegistry metrics;
  NotifierOptions options;
  options.alertmanager_urls = {"http://am:9093"};
  options.max_batch = 2;
  AlertmanagerNotifier notifier(options, sender, metrics);
  std::vector<NotifierAlert> alerts;
  for (int i = 0; i < 5; ++i) alerts.push_back(MakeAlert("t", "A" + std::to_string(i)));
  notifier.Send(alerts);
  notifier.Start();
  notifier.Stop();

  const std::vector<OutboundRequest> requests = sender.requests();
  ASSERT_EQ(requests.size(), 3u);
  EXPECT_EQ(requests[0].body, EncodeAlertmanagerAlerts({alerts[0], alerts[1]}));
  EXPECT_EQ(requests[1].body, EncodeAlertmanagerAlerts({alerts[2], alerts[3]}));
  EXPECT_EQ(requests[2].body, EncodeAlertmanagerAlerts({alerts[4]}));
}

TEST(AlertmanagerNotifierTest, AFullQueueDropsItsOldestAlerts) {
  RecordingSender sender;
  MetricsRegistry metrics;
  NotifierOptions options;
  options.alertmanager_urls = {"http://am:9093"};
  options.queue_capacity = 2;
  AlertmanagerNotifier notifier(options, sender, metrics);
  const std::vector<NotifierAlert> alerts = {MakeAlert("t", "Oldest"), MakeAlert("t", "Middle"),
                                             MakeAlert("t", "Newest")};
  notifier.Send(alerts);
  EXPECT_EQ(notifier.QueueLength(), 2u);
  EXPECT_NE(metrics.Render().find("lode_ruler_notifications_dropped_total 1\n"), std::string::npos)
      << metrics.Render();
  notifier.Start();
  notifier.Stop();

  const std::vector<OutboundRequest> requests = sender.requests();
  ASSERT_EQ(requests.size(), 1u);
  EXPECT_EQ(requests[0].body, EncodeAlertmanagerAlerts({alerts[1], alerts[2]}));
}

TEST(AlertmanagerNotifierTest, WithoutAlertmanagersNothingIsQueued) {
  RecordingSender sender;
  MetricsRegistry metrics;
  AlertmanagerNotifier notifier(NotifierOptions{}, sender, metrics);
  notifier.Send({MakeAlert("t", "A")});
  EXPECT_EQ(notifier.QueueLength(), 0u);
  notifier.Start();
  notifier.Stop();
  EXPECT_TRUE(sender.requests().empty());
}

TEST(AlertmanagerNotifierTest, AlertsNoAlertmanagerTookAreCountedAsDropped) {
  RecordingSender sender;
  sender.set_status(500);
  MetricsRegistry metrics;
  NotifierOptions options;
  options.alertmanager_urls = {"http://am1:9093", "http://am2:9093"};
  AlertmanagerNotifier notifier(options, sender, metrics);
  notifier.Send({MakeAlert("t", "A"), MakeAlert("t", "B")});
  notifier.Start();
  notifier.Stop();
  EXPECT_EQ(sender.requests().size(), 2u);  // no retry
  const std::string rendered = metrics.Render();
  EXPECT_NE(rendered.find("lode_ruler_notifications_dropped_total 2\n"), std::string::npos)
      << rendered;
  EXPECT_NE(
      rendered.find("lode_ruler_notifications_errors_total{alertmanager=\"http://am1:9093\"} 2\n"),
      std::string::npos)
      << rendered;
}

}  // namespace
}  // namespace lode
