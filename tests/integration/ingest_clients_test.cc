// Ingest from client software the project did not write: winston-loki (a
// Loki client library: protobuf with snappy, and JSON) and the
// OpenTelemetry JS SDK's OTLP/HTTP log exporters (protobuf and JSON),
// installed from npm into tests/clients by `make deps`. Each client runs
// as its own process against the real server; the test then queries what
// it stored.
#include <gtest/gtest.h>

#include <filesystem>

#include "base/time.h"
#include "lode_process.h"
#include "transport/http_types.h"

namespace lode::testing {
namespace {

class IngestClientsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(std::filesystem::exists(ClientsDir() + "/node_modules"))
        << "npm client libraries missing: run `make deps` (npm ci in tests/clients)";
    server_ = std::make_unique<LodeServer>(dir_.path() + "/data");
  }

  CommandResult Node(const std::string& script, const std::vector<std::string>& args) {
    std::vector<std::string> argv = {"node", ClientsDir() + "/" + script, server_->base_url()};
    argv.insert(argv.end(), args.begin(), args.end());
    return RunProgram(argv);
  }

  // The lines a log query returns over the last hour.
  ParsedStreams Lines(const std::string& query, int limit = 1000) {
    int64_t now = NowNanos();
    HttpResponse r =
        server_->QueryRange(query, "start=" + std::to_string(now - 3600LL * kNanosPerSecond) +
                                       "&end=" + std::to_string(now + 60 * kNanosPerSecond) +
                                       "&limit=" + std::to_string(limit));
    EXPECT_EQ(r.status, 200) << r.body;
    return ParseStreams(r.body);
  }

  // The lines of a query answered with labels and metadata apart.
  std::string Categorized(const std::string& query) {
    int64_t now = NowNanos();
    return server_
        ->QueryRange(query,
                     "start=" + std::to_string(now - 3600LL * kNanosPerSecond) +
                         "&end=" + std::to_string(now + 60 * kNanosPerSecond) + "&limit=1000",
                     {{"X-Loki-Response-Encoding-Flags", "categorize-labels"}})
        .body;
  }

  TempDir dir_;
  std::unique_ptr<LodeServer> server_;
};

TEST_F(IngestClientsTest, WinstonLokiPushesProtobufWithSnappy) {
  CommandResult run = Node("loki_winston.js", {"protobuf", "40"});
  ASSERT_EQ(run.exit_code, 0) << run.out << run.err;
  ParsedStreams all = Lines(R"({app="winston", encoding="protobuf"})");
  ASSERT_TRUE(all.ok);
  EXPECT_EQ(all.entries.size(), 41u);
  // Labels the library adds per line (level, route) name streams.
  EXPECT_EQ(Lines(R"({app="winston", encoding="protobuf", level="error"})").entries.size(), 10u);
  EXPECT_EQ(Lines(R"({app="winston", encoding="protobuf", route="/a"})").entries.size(), 20u);
  ParsedStreams unicode = Lines(R"({app="winston", encoding="protobuf"} |= "caf\u00e9 \u2603")");
  ASSERT_EQ(unicode.entries.size(), 1u);
  EXPECT_TRUE(unicode.entries[0].second.starts_with("caf\xc3\xa9 \xe2\x98\x83 unicode line"))
      << unicode.entries[0].second;
}

TEST_F(IngestClientsTest, WinstonLokiPushesJson) {
  CommandResult run = Node("loki_winston.js", {"json", "40", "team-a"});
  ASSERT_EQ(run.exit_code, 0) << run.out << run.err;
  // Sent to tenant team-a: the default tenant has none of it.
  EXPECT_TRUE(Lines(R"({app="winston"})").entries.empty());
  int64_t now = NowNanos();
  HttpResponse r =
      server_->QueryRange(R"({app="winston", encoding="json"})",
                          "start=" + std::to_string(now - 3600LL * kNanosPerSecond) +
                              "&end=" + std::to_string(now + 60 * kNanosPerSecond) + "&limit=1000",
                          {{"X-Scope-OrgID", "team-a"}});
  ParsedStreams s = ParseStreams(r.body);
  ASSERT_TRUE(s.ok) << r.body;
  EXPECT_EQ(s.entries.size(), 41u);
}

TEST_F(IngestClientsTest, OpenTelemetryExporterSendsOtlpProtobuf) {
  CommandResult run = Node("otlp_logs.js", {"proto", "30"});
  ASSERT_EQ(run.exit_code, 0) << run.out << run.err;
  // service.name and deployment.environment are stream labels; other
  // resource attributes, the scope and the record's attributes are
  // structured metadata; severity is `level`.
  ParsedStreams all = Lines(R"({service_name="checkout-proto", deployment_environment="test"})");
  ASSERT_TRUE(all.ok);
  EXPECT_EQ(all.entries.size(), 31u);
  EXPECT_EQ(Lines(R"({service_name="checkout-proto"} | level="error")").entries.size(), 6u);
  EXPECT_EQ(
      Lines(R"({service_name="checkout-proto"} | order_id="7" | http_route="/pay")").entries.size(),
      1u);
  ParsedStreams traced =
      Lines(R"({service_name="checkout-proto"} | trace_id="4bf92f3577b34da6a3ce929d0e0e4736")");
  ASSERT_EQ(traced.entries.size(), 1u);
  EXPECT_EQ(traced.entries[0].second, R"({"event":"slow","millis":1200})");
  std::string categorized = Categorized(R"({service_name="checkout-proto"} |= "slow")");
  EXPECT_NE(categorized.find(R"("span_id":"00f067aa0ba902b7")"), std::string::npos) << categorized;
  EXPECT_NE(categorized.find(R"("scope_name":"checkout.payments")"), std::string::npos);
  EXPECT_NE(categorized.find(R"("service_version":"2.4.1")"), std::string::npos);
  EXPECT_NE(categorized.find(
                R"("stream":{"deployment_environment":"test","service_name":"checkout-proto"})"),
            std::string::npos)
      << categorized;
}

TEST_F(IngestClientsTest, OpenTelemetryExporterSendsOtlpJson) {
  CommandResult run = Node("otlp_logs.js", {"json", "30"});
  ASSERT_EQ(run.exit_code, 0) << run.out << run.err;
  EXPECT_EQ(Lines(R"({service_name="checkout-json"})").entries.size(), 31u);
  EXPECT_EQ(Lines(R"({service_name="checkout-json"} | level="warn")").entries.size(), 1u);
  EXPECT_EQ(Lines(R"({service_name="checkout-json"} | severity_text="ERROR")").entries.size(), 6u);
}

}  // namespace
}  // namespace lode::testing
