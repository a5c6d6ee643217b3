// Loki's push contract on the real server: every body format and content
// encoding, per-entry refusals that keep the rest of the batch, and the
// status codes clients decide to retry by.
#include <gtest/gtest.h>
#include <snappy.h>
#include <zlib.h>

#include <atomic>
#include <fstream>
#include <thread>

#include "base/time.h"
#include "lode_process.h"
#include "wire/loki_push_proto.h"

namespace lode::testing {
namespace {

constexpr int64_t kSec = 1'000'000'000;

std::string Snappy(const std::string& data) {
  std::string out;
  snappy::Compress(data.data(), data.size(), &out);
  return out;
}

class LokiPushTest : public ::testing::Test {
 protected:
  void Start(const std::string& yaml = "") {
    server_ = std::make_unique<LodeServer>(
        dir_.path() + "/data",
        yaml.empty() ? std::vector<std::string>{} : ConfigArgs(dir_.path(), yaml));
  }

  HttpResponse Push(const std::string& body,
                    const std::vector<std::pair<std::string, std::string>>& headers,
                    const std::string& path = "/loki/api/v1/push") {
    return server_->Post(path, body, headers);
  }

  std::vector<std::pair<int64_t, std::string>> Lines(const std::string& query) {
    ParsedStreams s = ParseStreams(
        server_
            ->QueryRange(query, "start=0&end=" + std::to_string(NowNanos() + 3600 * kSec) +
                                    "&limit=1000&direction=forward")
            .body);
    EXPECT_TRUE(s.ok);
    return s.entries;
  }

  // The value of one series in /metrics (0 when it is not there yet).
  int MetricValue(const std::string& series) {
    std::string metrics = server_->Get("/metrics").body;
    size_t at = metrics.find("\n" + series + " ");
    return at == std::string::npos ? 0 : std::stoi(metrics.substr(at + series.size() + 2));
  }

  std::string ProtoBody(const std::string& app, const std::vector<std::string>& lines, int64_t ts) {
    std::vector<StreamBatch> batches(1);
    batches[0].labels = Labels{{"app", app}};
    for (const std::string& line : lines) {
      batches[0].entries.push_back(Entry{ts++, line, Labels{{"trace_id", "t-" + app}}});
    }
    return EncodeLokiPushProto(batches);
  }

  TempDir dir_;
  std::unique_ptr<LodeServer> server_;
};

TEST_F(LokiPushTest, ProtobufInEveryEncodingIsStored) {
  Start();
  const int64_t ts = NowNanos() - 60 * kSec;
  std::string body = ProtoBody("p", {"one", "two"}, ts);
  // Content-Type x-protobuf, snappy block; Content-Encoding snappy says it
  // again; gzip and deflate wrap the snappy block; no Content-Type at all
  // means protobuf too.
  EXPECT_EQ(Push(Snappy(body), {{"Content-Type", "application/x-protobuf"}}).status, 204);
  EXPECT_EQ(Push(Snappy(ProtoBody("p2", {"x"}, ts)),
                 {{"Content-Type", "application/x-protobuf"}, {"Content-Encoding", "snappy"}})
                .status,
            204);
  EXPECT_EQ(Push(Deflate(Snappy(ProtoBody("p3", {"x"}, ts)), 15 + 16),
                 {{"Content-Type", "application/x-protobuf"}, {"Content-Encoding", "gzip"}})
                .status,
            204);
  EXPECT_EQ(Push(Deflate(Snappy(ProtoBody("p4", {"x"}, ts)), 15),
                 {{"Content-Type", "application/x-protobuf"}, {"Content-Encoding", "deflate"}})
                .status,
            204);
  EXPECT_EQ(Push(Snappy(ProtoBody("p5", {"x"}, ts)), {}).status, 204);
  auto lines = Lines(R"({app="p"})");
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_EQ(lines[0], (std::pair<int64_t, std::string>{ts, "one"}));
  EXPECT_EQ(lines[1].second, "two");
  for (const char* app : {"p2", "p3", "p4", "p5"}) {
    EXPECT_EQ(Lines("{app=\"" + std::string(app) + "\"}").size(), 1u) << app;
  }
  // Structured metadata came through.
  EXPECT_EQ(Lines(R"({app="p"} | trace_id="t-p")").size(), 2u);
}

TEST_F(LokiPushTest, JsonWithSnappyEncodingAndTheLegacyForm) {
  Start();
  const int64_t ts = NowNanos() - 60 * kSec;
  std::string json = PushBody(R"({"app":"js"})", {{ts, "snappy json"}});
  EXPECT_EQ(
      Push(Snappy(json), {{"Content-Type", "application/json"}, {"Content-Encoding", "snappy"}})
          .status,
      204);
  std::string legacy = R"({"streams":[{"labels":"{app=\"legacy\"}","entries":[{"ts":")" +
                       FormatRfc3339Nano(ts) + R"(","line":"old api"}]}]})";
  EXPECT_EQ(Push(legacy, {{"Content-Type", "application/json"}}, "/api/prom/push").status, 204);
  EXPECT_EQ(Lines(R"({app="js"})").size(), 1u);
  auto old = Lines(R"({app="legacy"})");
  ASSERT_EQ(old.size(), 1u);
  EXPECT_EQ(old[0], (std::pair<int64_t, std::string>{ts, "old api"}));
}

TEST_F(LokiPushTest, RefusedEntriesAreNamedAndTheRestIsStored) {
  Start("limits:\n  max_line_size: 20\n  reject_old_samples_max_age: 1h\n");
  const int64_t now = NowNanos();
  std::string body = R"({"streams":[
    {"stream":{"app":"mixed"},"values":[
       [")" + std::to_string(now - 10 * kSec) +
                     R"(","short and fine"],
       [")" + std::to_string(now - 9 * kSec) +
                     R"(","this line is longer than twenty bytes"],
       [")" + std::to_string(now - 7200 * kSec) +
                     R"(","too old"],
       [")" + std::to_string(now + 3600 * kSec) +
                     R"(","too new"],
       [")" + std::to_string(now - 8 * kSec) +
                     R"(","also fine"]]},
    {"stream":{"bad-name":"x"},"values":[[")" +
                     std::to_string(now) + R"(","lost"]]},
    {"stream":{},"values":[[")" +
                     std::to_string(now) + R"(","no labels"]]}]})";
  HttpResponse r = server_->PushJson(body);
  // 400: the client must not send these again...
  EXPECT_EQ(r.status, 400);
  EXPECT_NE(r.body.find("Max entry size '20' bytes exceeded for stream '{app=\"mixed\"}' while "
                        "adding an entry with length '37' bytes"),
            std::string::npos)
      << r.body;
  EXPECT_NE(r.body.find("has timestamp too old"), std::string::npos);
  EXPECT_NE(r.body.find("has timestamp too new"), std::string::npos);
  EXPECT_NE(r.body.find("invalid label name \"bad-name\""), std::string::npos);
  EXPECT_NE(r.body.find("at least one label pair is required per stream"), std::string::npos);
  // ...and the valid entries of the batch are stored.
  auto lines = Lines(R"({app="mixed"})");
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_EQ(lines[0].second, "short and fine");
  EXPECT_EQ(lines[1].second, "also fine");
  // Each refusal is counted by tenant and reason.
  std::string metrics = server_->Get("/metrics").body;
  EXPECT_NE(metrics.find(R"(lode_discarded_samples_total{tenant="fake",reason="line_too_long"} 1)"),
            std::string::npos)
      << metrics;
  EXPECT_NE(
      metrics.find(
          R"(lode_discarded_samples_total{tenant="fake",reason="greater_than_max_sample_age"} 1)"),
      std::string::npos);
  EXPECT_NE(
      metrics.find(R"(lode_discarded_samples_total{tenant="fake",reason="invalid_labels"} 1)"),
      std::string::npos);
}

TEST_F(LokiPushTest, LongLinesAreCutWhenConfiguredAndPerTenantLimitsApply) {
  Start(
      "limits:\n  max_line_size: 10\n  max_line_size_truncate: true\n"
      "tenants:\n  big:\n    max_line_size: 1KiB\n");
  const int64_t ts = NowNanos() - 60 * kSec;
  EXPECT_EQ(server_->PushJson(PushBody(R"({"app":"cut"})", {{ts, "0123456789abcdef"}})).status,
            204);
  auto lines = Lines(R"({app="cut"})");
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_EQ(lines[0].second, "0123456789");
  EXPECT_NE(server_->Get("/metrics").body.find(R"(lode_truncated_lines_total{tenant="fake"} 1)"),
            std::string::npos);
  // Tenant "big" has its own limit.
  EXPECT_EQ(server_
                ->PushJson(PushBody(R"({"app":"cut"})", {{ts, "0123456789abcdef"}}),
                           {{"X-Scope-OrgID", "big"}})
                .status,
            204);
  ParsedStreams big = ParseStreams(
      server_
          ->QueryRange(R"({app="cut"})", "start=0&end=" + std::to_string(NowNanos() + kSec),
                       {{"X-Scope-OrgID", "big"}})
          .body);
  ASSERT_EQ(big.entries.size(), 1u);
  EXPECT_EQ(big.entries[0].second, "0123456789abcdef");
}

TEST_F(LokiPushTest, GarbageBodiesGet400AndTheServerGoesOn) {
  Start();
  const int64_t ts = NowNanos() - 60 * kSec;
  struct Case {
    std::string body;
    std::vector<std::pair<std::string, std::string>> headers;
    std::string expect;
  };
  std::string proto = Snappy(ProtoBody("g", {"x"}, ts));
  std::vector<Case> cases = {
      {"not snappy at all \xff\xff\xff\xff\xff",
       {{"Content-Type", "application/x-protobuf"}},
       "snappy"},
      {proto.substr(0, proto.size() / 2), {{"Content-Type", "application/x-protobuf"}}, "snappy"},
      {Snappy("\x0a\xff\xff\xff garbage"),
       {{"Content-Type", "application/x-protobuf"}},
       "protobuf"},
      {proto,
       {{"Content-Type", "application/x-protobuf"}, {"Content-Encoding", "br"}},
       "Content-Encoding"},
      {"{\"streams\":[", {{"Content-Type", "application/json"}}, "invalid JSON"},
  };
  for (const Case& c : cases) {
    HttpResponse r = Push(c.body, c.headers);
    EXPECT_EQ(r.status, 400) << c.expect;
    EXPECT_NE(r.body.find(c.expect), std::string::npos) << r.body;
  }
  EXPECT_TRUE(Lines(R"({app="g"})").empty());
  EXPECT_EQ(Push(proto, {{"Content-Type", "application/x-protobuf"}}).status, 204);
  EXPECT_EQ(Lines(R"({app="g"})").size(), 1u);
}

TEST_F(LokiPushTest, InvalidUtf8IsStoredAsSentAndShownEscaped) {
  Start();
  const int64_t ts = NowNanos() - 60 * kSec;
  std::string body = Snappy(ProtoBody("bin", {std::string("ok \xff\xfe end \xc3\xa9")}, ts));
  ASSERT_EQ(Push(body, {{"Content-Type", "application/x-protobuf"}}).status, 204);
  // The response is valid JSON; each byte that is not UTF-8 is shown as
  // the text \xHH, the valid é as it is.
  HttpResponse raw = server_->QueryRange(R"({app="bin"})", "start=0&limit=10");
  EXPECT_NE(raw.body.find(R"("ok \\xff\\xfe end )"
                          "\xc3\xa9\""),
            std::string::npos)
      << raw.body;
  auto lines = Lines(R"({app="bin"})");
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_EQ(lines[0].second, "ok \\xff\\xfe end \xc3\xa9");
  // The stored bytes still match a filter on them, written as shown.
  EXPECT_EQ(Lines("{app=\"bin\"} |= \"\\xff\\xfe\"").size(), 1u);
  // lode query prints what the API shows.
  CommandResult query =
      RunLode({"query", "--url", server_->base_url(), "--since", "1h", R"({app="bin"})"});
  EXPECT_EQ(query.exit_code, 0) << query.err;
  EXPECT_NE(query.out.find("ok \\xff\\xfe end"), std::string::npos) << query.out;
}

TEST_F(LokiPushTest, OverTheTenantsRateIs429WithRetryAfterAndNothingStored) {
  Start("limits:\n  ingestion_rate_mb: 0.001\n  ingestion_burst_size_mb: 0.002\n");
  const int64_t ts = NowNanos() - 60 * kSec;
  // About 2 KiB of burst: the first push fits, the second does not.
  std::string line(1500, 'x');
  EXPECT_EQ(server_->PushJson(PushBody(R"({"app":"rate"})", {{ts, line}})).status, 204);
  HttpResponse r = server_->PushJson(PushBody(R"({"app":"rate"})", {{ts + 1, line}}));
  EXPECT_EQ(r.status, 429);
  EXPECT_NE(r.body.find("Ingestion rate limit exceeded for user fake"), std::string::npos)
      << r.body;
  bool retry_after = false;
  for (const auto& [name, value] : r.headers) retry_after |= name == "Retry-After";
  EXPECT_TRUE(retry_after);
  EXPECT_EQ(Lines(R"({app="rate"})").size(), 1u);
  std::string metrics = server_->Get("/metrics").body;
  EXPECT_NE(metrics.find(R"(lode_push_refused_total{tenant="fake",reason="rate_limited"} 1)"),
            std::string::npos)
      << metrics;
  // Another tenant has its own bucket.
  EXPECT_EQ(server_->PushJson(PushBody(R"({"app":"rate"})", {{ts, line}}), {{"X-Scope-OrgID", "b"}})
                .status,
            204);
}

TEST_F(LokiPushTest, NewStreamsPastTheTenantsLimitAre429AndNothingStored) {
  Start("limits:\n  max_global_streams_per_user: 2\n");
  const int64_t ts = NowNanos() - 60 * kSec;
  EXPECT_EQ(server_->PushJson(PushBody(R"({"app":"s1"})", {{ts, "a"}})).status, 204);
  EXPECT_EQ(server_->PushJson(PushBody(R"({"app":"s2"})", {{ts, "b"}})).status, 204);
  // Known streams go on; a third is refused whole.
  EXPECT_EQ(server_->PushJson(PushBody(R"({"app":"s1"})", {{ts + 1, "c"}})).status, 204);
  std::string two = R"({"streams":[{"stream":{"app":"s2"},"values":[[")" + std::to_string(ts + 2) +
                    R"(","d"]]},{"stream":{"app":"s3"},"values":[[")" + std::to_string(ts) +
                    R"(","e"]]}]})";
  HttpResponse r = server_->PushJson(two);
  EXPECT_EQ(r.status, 429);
  EXPECT_NE(r.body.find("Maximum active stream limit exceeded when trying to create stream "
                        "{app=\"s3\"}"),
            std::string::npos)
      << r.body;
  EXPECT_EQ(Lines(R"({app=~"s.*"})").size(), 3u);
  EXPECT_NE(server_->Get("/metrics")
                .body.find(R"(lode_push_refused_total{tenant="fake",reason="stream_limit"} 1)"),
            std::string::npos);
}

TEST_F(LokiPushTest, DurabilityByHeaderProtocolAndStreamRule) {
  Start(
      "durability:\n  default: best-effort\n  protocols: {otlp: durable}\n"
      "  durable_streams: ['{app=\"audit\"}']\n");
  const int64_t ts = NowNanos() - 60 * kSec;
  auto pushes = [&](const std::string& durability) {
    return MetricValue("lode_pushes_total{tenant=\"fake\",durability=\"" + durability + "\"}");
  };
  ASSERT_EQ(server_->PushJson(PushBody(R"({"app":"web"})", {{ts, "plain"}})).status, 204);
  EXPECT_EQ(pushes("best-effort"), 1);
  ASSERT_EQ(server_
                ->PushJson(PushBody(R"({"app":"web"})", {{ts, "asked"}}),
                           {{"X-Lode-Durability", "durable"}})
                .status,
            204);
  EXPECT_EQ(pushes("durable"), 1);
  // A stream matching a durable rule is durable even when asked otherwise.
  ASSERT_EQ(server_
                ->PushJson(PushBody(R"({"app":"audit"})", {{ts, "who did what"}}),
                           {{"X-Lode-Durability", "best-effort"}})
                .status,
            204);
  EXPECT_EQ(pushes("durable"), 2);
  // OTLP is durable by this config's protocol default.
  ASSERT_EQ(
      server_
          ->Post(
              "/otlp/v1/logs",
              R"({"resourceLogs":[{"scopeLogs":[{"logRecords":[{"body":{"stringValue":"x"}}]}]}]})",
              {{"Content-Type", "application/json"}})
          .status,
      200);
  EXPECT_EQ(pushes("durable"), 3);
  EXPECT_EQ(pushes("best-effort"), 1);
}

TEST_F(LokiPushTest, ARecordIdIsStoredOnceOverEveryProtocolAndAcrossACrash) {
  Start();
  const std::string ts = std::to_string(NowNanos() - 60 * kSec);
  // Loki push with the id as structured metadata, OTLP with the semantic
  // convention's log.record.uid attribute, JSON lines with a record_id field.
  const std::string loki = R"({"streams":[{"stream":{"app":"pay"},"values":[[")" + ts +
                           R"(","credit 10",{"log_record_uid":"tx-1"}],[")" + ts +
                           R"(","credit 20",{"log_record_uid":"tx-2"}]]}]})";
  const std::string otlp =
      R"({"resourceLogs":[{"resource":{"attributes":[{"key":"service.name","value":{"stringValue":"ledger"}}]},)"
      R"("scopeLogs":[{"logRecords":[{"timeUnixNano":")" +
      ts +
      R"(","body":{"stringValue":"debit 5"},)"
      R"("attributes":[{"key":"log.record.uid","value":{"stringValue":"tx-3"}}]}]}]}]})";
  const std::string jsonl = R"({"_time":")" + ts + R"(","_msg":"refund 7","record_id":"tx-4"})";
  auto send_all = [&](const std::string& durability) {
    const std::vector<std::pair<std::string, std::string>> headers = {
        {"X-Lode-Durability", durability}, {"Content-Type", "application/json"}};
    EXPECT_EQ(Push(loki, headers).status, 204);
    EXPECT_EQ(Push(otlp, headers, "/otlp/v1/logs").status, 200);
    EXPECT_EQ(
        Push(jsonl, headers, "/insert/jsonl?_time_field=_time&_msg_field=_msg&app=refunds").status,
        204);
  };
  auto count = [&] {
    return Lines(R"({app="pay"})").size() + Lines(R"({service_name="ledger"})").size() +
           Lines(R"({app="refunds"})").size();
  };
  send_all("durable");
  send_all("best-effort");
  EXPECT_EQ(count(), 4u);
  // A duplicate is not a refusal: it is counted, and the push succeeded.
  std::string metrics = server_->Get("/metrics").body;
  EXPECT_NE(metrics.find("lode_duplicate_records_total 4"), std::string::npos) << metrics;
  // After kill -9 the ids come back from the WAL; the retried deliveries
  // still store nothing.
  server_->Kill9();
  Start();
  send_all("durable");
  EXPECT_EQ(count(), 4u);
  // A new id in the same stream is stored.
  ASSERT_EQ(server_
                ->PushJson(R"({"streams":[{"stream":{"app":"pay"},"values":[[")" + ts +
                           R"(","credit 30",{"log_record_uid":"tx-5"}]]}]})")
                .status,
            204);
  EXPECT_EQ(count(), 5u);
}

TEST_F(LokiPushTest, OverloadSlowsDurablePushesAndRefusesBestEffortOnesVisibly) {
  // Head memory far smaller than what four producers send at once.
  Start("heads_max_bytes: 20000\n");
  const int64_t ts = NowNanos() - 60 * kSec;
  const std::string pad(100, 'x');
  // 4 threads x 20 pushes x 50 lines of `app`; returns (204s, 429s).
  auto blast = [&](const std::string& app, const std::string& durability) {
    std::atomic<int> accepted = 0, refused = 0;
    std::vector<std::thread> threads;
    for (int t = 0; t < 4; ++t) {
      threads.emplace_back([&, t] {
        for (int i = 0; i < 20; ++i) {
          std::vector<std::pair<int64_t, std::string>> values;
          for (int j = 0; j < 50; ++j) {
            values.emplace_back(ts + j, std::to_string(t) + "-" + std::to_string(i) + "-" +
                                            std::to_string(j) + " " + pad);
          }
          HttpResponse r = server_->PushJson(PushBody("{\"app\":\"" + app + "\"}", values),
                                             {{"X-Lode-Durability", durability}});
          if (r.status == 204) {
            ++accepted;
            continue;
          }
          EXPECT_EQ(r.status, 429) << r.body;
          bool retry_after = false;
          for (const auto& [name, value] : r.headers) retry_after |= name == "Retry-After";
          EXPECT_TRUE(retry_after);
          ++refused;
        }
      });
    }
    for (auto& th : threads) th.join();
    return std::pair<int, int>(accepted, refused);
  };
  auto stored = [&](const std::string& app) {
    ParsedStreams s = ParseStreams(
        server_
            ->QueryRange("{app=\"" + app + "\"}",
                         "start=0&end=" + std::to_string(NowNanos() + 3600 * kSec) + "&limit=5000")
            .body);
    return s.entries.size();
  };
  // Durable: every push is acknowledged, some only after waiting for a
  // flush (the backpressure); none is refused, nothing is lost.
  auto [durable_ok, durable_refused] = blast("audit", "durable");
  EXPECT_EQ(durable_ok, 80);
  EXPECT_EQ(durable_refused, 0);
  EXPECT_GT(MetricValue("lode_appends_held_total"), 0);
  EXPECT_EQ(stored("audit"), 4000u);
  // Best-effort: never waits; what does not fit is refused with 429 and
  // counted, and exactly the acknowledged pushes are stored.
  auto [best_ok, best_refused] = blast("debug", "best-effort");
  EXPECT_EQ(best_ok + best_refused, 80);
  EXPECT_GT(best_refused, 0);
  EXPECT_EQ(stored("debug"), static_cast<size_t>(best_ok) * 50);
  EXPECT_EQ(MetricValue(R"(lode_push_refused_total{tenant="fake",reason="overloaded"})"),
            best_refused);
}

}  // namespace
}  // namespace lode::testing
