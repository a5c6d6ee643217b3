#include "ingest/ingester.h"

#include <gtest/gtest.h>

#include "base/time.h"
#include "storage/test_store.h"

namespace lode {
namespace {

// The Ingester in front of a real embedded store, as `lode serve` runs it.
class IngesterTest : public ::testing::Test {
 protected:
  Ingester& Make(IngesterOptions options = {}) {
    ingester_ = std::make_unique<Ingester>(sink_, metrics_, std::move(options));
    return *ingester_;
  }

  static IngestRequest Request(std::string tenant = "t", std::string protocol = "loki") {
    IngestRequest r;
    r.tenant = std::move(tenant);
    r.protocol = std::move(protocol);
    r.now = kNow;
    return r;
  }

  static std::vector<StreamBatch> Batch(const std::string& app, std::vector<std::string> lines) {
    StreamBatch b;
    b.labels = Labels({{"app", app}});
    int64_t t = kNow - 1000;
    for (std::string& line : lines) b.entries.push_back(Entry{t++, std::move(line), {}});
    return {b};
  }

  std::vector<std::string> Stored(const std::string& tenant) {
    SelectRequest req;
    req.tenant = tenant;
    req.start = 0;
    req.end = kNow + 1;
    req.direction = Direction::kForward;
    req.matchers = {*Matcher::Create(MatchType::kRegexMatch, "app", ".+")};
    auto it = store_.storage().Select(req);
    EXPECT_TRUE(it.ok());
    std::vector<std::string> out;
    while ((*it)->Next()) out.push_back((*it)->record().line);
    return out;
  }

  bool MetricHas(const std::string& line) {
    return metrics_.Render().find(line) != std::string::npos;
  }

  static constexpr int64_t kNow = 1'700'000'000'000'000'000;
  TestStore store_;
  StorageSink sink_{store_.storage()};
  MetricsRegistry metrics_;
  std::unique_ptr<Ingester> ingester_;
};

TEST_F(IngesterTest, StoresValidStreamsAndCountsThem) {
  Ingester& ingester = Make();
  auto batches = Batch("api", {"one", "two"});
  PushReport report;
  ASSERT_TRUE(ingester.Ingest(Request(), batches, report).ok());
  EXPECT_EQ(report.accepted_records, 2u);
  EXPECT_EQ(report.accepted_bytes, 6u);
  EXPECT_EQ(report.refusal, PushRefusal::kNone);
  EXPECT_EQ(Stored("t"), (std::vector<std::string>{"one", "two"}));
  EXPECT_TRUE(MetricHas(R"(lode_ingested_records_total{tenant="t"} 2)"));
  EXPECT_TRUE(MetricHas(R"(lode_ingested_bytes_total{tenant="t"} 6)"));
  EXPECT_TRUE(MetricHas(R"(lode_pushes_total{tenant="t",durability="best-effort"} 1)"));
}

TEST_F(IngesterTest, RefusedEntriesAreReportedAndTheRestStored) {
  IngesterOptions options;
  options.limits.max_line_size = 4;
  Ingester& ingester = Make(options);
  auto batches = Batch("api", {"ok", "far too long"});
  PushReport report;
  ASSERT_TRUE(ingester.Ingest(Request(), batches, report).ok());
  EXPECT_EQ(report.accepted_records, 1u);
  EXPECT_EQ(report.rejected_records, 1u);
  EXPECT_EQ(report.rejected_by_reason.at("line_too_long"), 1u);
  EXPECT_EQ(Stored("t"), std::vector<std::string>{"ok"});
  EXPECT_TRUE(MetricHas(R"(lode_discarded_samples_total{tenant="t",reason="line_too_long"} 1)"));
}

TEST_F(IngesterTest, TenantLimitsOverrideTheDefault) {
  IngesterOptions options;
  options.limits.max_line_size = 4;
  options.tenant_limits["big"].max_line_size = 100;
  Ingester& ingester = Make(options);
  EXPECT_EQ(ingester.LimitsFor("big").max_line_size, 100u);
  EXPECT_EQ(ingester.LimitsFor("other").max_line_size, 4u);
  auto batches = Batch("api", {"a longer line"});
  PushReport report;
  ASSERT_TRUE(ingester.Ingest(Request("big"), batches, report).ok());
  EXPECT_EQ(report.accepted_records, 1u);
}

TEST_F(IngesterTest, OverTheRateTheWholePushIsRefusedAsRateLimited) {
  IngesterOptions options;
  options.limits.ingestion_rate_bytes = 10;
  options.limits.ingestion_burst_bytes = 10;
  Ingester& ingester = Make(options);
  auto first = Batch("api", {"12345678"});
  PushReport ok;
  ASSERT_TRUE(ingester.Ingest(Request(), first, ok).ok());
  auto second = Batch("api", {"12345678"});
  PushReport report;
  Status s = ingester.Ingest(Request(), second, report);
  EXPECT_EQ(s.code(), StatusCode::kRateLimited);
  EXPECT_NE(s.message().find("Ingestion rate limit exceeded for user t"), std::string::npos);
  EXPECT_EQ(report.refusal, PushRefusal::kRateLimited);
  EXPECT_EQ(report.accepted_records, 0u);
  EXPECT_EQ(Stored("t"), std::vector<std::string>{"12345678"});
  EXPECT_TRUE(MetricHas(R"(lode_push_refused_total{tenant="t",reason="rate_limited"} 1)"));
  EXPECT_TRUE(MetricHas(R"(lode_discarded_samples_total{tenant="t",reason="rate_limited"} 1)"));
}

TEST_F(IngesterTest, NewStreamsPastTheLimitRefuseThePushAsStreamLimit) {
  IngesterOptions options;
  options.limits.max_global_streams_per_user = 1;
  Ingester& ingester = Make(options);
  auto a = Batch("a", {"x"});
  PushReport ok;
  ASSERT_TRUE(ingester.Ingest(Request(), a, ok).ok());
  auto b = Batch("b", {"y"});
  PushReport report;
  EXPECT_EQ(ingester.Ingest(Request(), b, report).code(), StatusCode::kRateLimited);
  EXPECT_EQ(report.refusal, PushRefusal::kStreamLimit);
  EXPECT_TRUE(MetricHas(R"(lode_push_refused_total{tenant="t",reason="stream_limit"} 1)"));
  // The stream already active is still admitted.
  auto again = Batch("a", {"z"});
  PushReport later;
  EXPECT_TRUE(ingester.Ingest(Request(), again, later).ok());
}

TEST_F(IngesterTest, DurabilityIsAskedForByProtocolOrByAStreamRule) {
  IngesterOptions options;
  options.protocol_durability["syslog"] = Durability::kDurable;
  options.durable_streams.push_back({*Matcher::Create(MatchType::kEqual, "app", "ledger")});
  Ingester& ingester = Make(options);
  EXPECT_EQ(ingester.RequestedDurability(Request("t", "loki")), Durability::kBestEffort);
  EXPECT_EQ(ingester.RequestedDurability(Request("t", "syslog")), Durability::kDurable);
  IngestRequest asked = Request("t", "syslog");
  asked.durability = Durability::kBestEffort;
  EXPECT_EQ(ingester.RequestedDurability(asked), Durability::kBestEffort);

  auto plain = Batch("web", {"a"});
  PushReport r1;
  ASSERT_TRUE(ingester.Ingest(Request(), plain, r1).ok());
  EXPECT_FALSE(r1.durable);
  auto ledger = Batch("ledger", {"b"});
  PushReport r2;
  ASSERT_TRUE(ingester.Ingest(Request(), ledger, r2).ok());
  EXPECT_TRUE(r2.durable);
  EXPECT_TRUE(MetricHas(R"(lode_pushes_total{tenant="t",durability="durable"} 1)"));
}

TEST_F(IngesterTest, BadTenantOrBatchIdIsInvalidAndStoresNothing) {
  Ingester& ingester = Make();
  auto batches = Batch("api", {"x"});
  PushReport report;
  EXPECT_EQ(ingester.Ingest(Request("../etc"), batches, report).code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(report.refusal, PushRefusal::kInvalid);
  IngestRequest bad_id = Request();
  bad_id.batch_id = "has space";
  EXPECT_EQ(ingester.CheckRequest(bad_id).code(), StatusCode::kInvalidArgument);
  EXPECT_TRUE(Stored("t").empty());
}

TEST_F(IngesterTest, ABatchIdSeenBeforeStoresNothingAgain) {
  Ingester& ingester = Make();
  IngestRequest request = Request();
  request.batch_id = "batch-1";
  for (int i = 0; i < 2; ++i) {
    auto batches = Batch("api", {"once"});
    PushReport report;
    ASSERT_TRUE(ingester.Ingest(request, batches, report).ok());
  }
  EXPECT_EQ(Stored("t"), std::vector<std::string>{"once"});
}

TEST_F(IngesterTest, ASinkThatTakesNoWritesIsUnavailable) {
  Ingester& ingester = Make();
  ASSERT_TRUE(store_.storage().Close().ok());
  auto batches = Batch("api", {"x"});
  PushReport report;
  EXPECT_EQ(ingester.Ingest(Request(), batches, report).code(), StatusCode::kUnavailable);
  EXPECT_EQ(report.refusal, PushRefusal::kUnavailable);
  EXPECT_EQ(report.accepted_records, 0u);
  EXPECT_TRUE(MetricHas(R"(lode_push_refused_total{tenant="t",reason="unavailable"} 1)"));
}

TEST(PushRefusalTest, NamesAndRetry) {
  EXPECT_EQ(PushRefusalName(PushRefusal::kRateLimited), "rate_limited");
  EXPECT_EQ(PushRefusalName(PushRefusal::kStreamLimit), "stream_limit");
  EXPECT_EQ(PushRefusalName(PushRefusal::kOverloaded), "overloaded");
  EXPECT_TRUE(IsRetryable(PushRefusal::kUnavailable));
  EXPECT_FALSE(IsRetryable(PushRefusal::kInvalid));
  EXPECT_FALSE(IsRetryable(PushRefusal::kFailed));
}

}  // namespace
}  // namespace lode
