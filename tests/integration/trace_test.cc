// Following one request across services on the real server: three
// services push over OTLP (the trace id as OTLP's traceId, which becomes
// structured metadata, or only in the line's text), with unrelated lines
// around; /api/v1/trace and `lode trace` find exactly the request's lines,
// in time order, before and after they are flushed into parts (whose
// token filters then hold metadata values too).
#include <gtest/gtest.h>
#include <simdjson.h>

#include "base/time.h"
#include "lode_process.h"

namespace lode::testing {
namespace {

constexpr int64_t kMs = 1'000'000;
const std::string kTrace = "4bf92f3577b34da6a3ce929d0e0e4736";
const std::string kOther = "00f067aa0ba902b7aaaaaaaaaaaaaaaa";

std::string OtlpRecord(int64_t ts, const std::string& body, const std::string& trace_id) {
  std::string r =
      R"({"timeUnixNano":")" + std::to_string(ts) + R"(","body":{"stringValue":")" + body + "\"}";
  if (!trace_id.empty()) r += R"(,"traceId":")" + trace_id + R"(","spanId":"00f067aa0ba902b7")";
  return r + "}";
}

std::string OtlpBody(const std::string& service, const std::vector<std::string>& records) {
  std::string body =
      R"({"resourceLogs":[{"resource":{"attributes":[{"key":"service.name","value":{"stringValue":")" +
      service + R"("}}]},"scopeLogs":[{"logRecords":[)";
  for (size_t i = 0; i < records.size(); ++i) body += (i ? "," : "") + records[i];
  return body + "]}]}]}";
}

class TraceTest : public ::testing::Test {
 protected:
  void Start() {
    server_ = std::make_unique<LodeServer>(
        dir_.path() + "/data",
        ConfigArgs(dir_.path(), "head_max_bytes: 2000\nflush_interval: 50ms\n"));
  }
  void PushRequest() {
    const int64_t t0 = NowNanos() - 60'000 * kMs;
    const std::vector<std::pair<std::string, std::vector<std::string>>> pushes = {
        {"gateway",
         {OtlpRecord(t0, "GET /checkout accepted", kTrace),
          OtlpRecord(t0 + 1 * kMs, "GET /health ok", kOther)}},
        {"checkout",
         {OtlpRecord(t0 + 5 * kMs, "reserving stock", kTrace),
          OtlpRecord(t0 + 6 * kMs, "other order", kOther),
          // Only in the text, as a logger without OTLP context writes it.
          OtlpRecord(t0 + 40 * kMs, "calling payment for trace " + kTrace, "")}},
        {"payment",
         {OtlpRecord(t0 + 250 * kMs, "card charged", kTrace),
          OtlpRecord(t0 + 251 * kMs, "card declined", kOther)}}};
    for (const auto& [service, records] : pushes) {
      HttpResponse r = server_->Post("/otlp/v1/logs", OtlpBody(service, records),
                                     {{"Content-Type", "application/json"}});
      ASSERT_EQ(r.status, 200) << r.body;
    }
    // Many unrelated lines, so that blocks without the id exist.
    std::vector<std::pair<int64_t, std::string>> noise;
    for (int i = 0; i < 2000; ++i) {
      noise.emplace_back(t0 - 1000 * kMs + i, "noise line " + std::to_string(i) + " " + kOther);
    }
    ASSERT_EQ(server_->PushJson(PushBody(R"({"service_name":"batch"})", noise)).status, 204);
  }
  // (service, line) of each record /api/v1/trace returns, in order.
  std::vector<std::pair<std::string, std::string>> Trace(const std::string& id) {
    HttpResponse r = server_->Get("/api/v1/trace?id=" + id + "&since=1h");
    EXPECT_EQ(r.status, 200) << r.body;
    std::vector<std::pair<std::string, std::string>> out;
    simdjson::dom::parser parser;
    simdjson::dom::element root;
    simdjson::dom::array records;
    if (parser.parse(r.body).get(root) || root.at_pointer("/data/records").get(records)) return out;
    for (auto rec : records) {
      std::string_view service, line;
      if (rec["service"].get(service) || rec["line"].get(line)) continue;
      out.emplace_back(service, line);
    }
    return out;
  }
  TempDir dir_;
  std::unique_ptr<LodeServer> server_;
};

const std::vector<std::pair<std::string, std::string>> kExpected = {
    {"gateway", "GET /checkout accepted"},
    {"checkout", "reserving stock"},
    {"checkout", "calling payment for trace " + kTrace},
    {"payment", "card charged"}};

TEST_F(TraceTest, EveryLineOfTheRequestFromEveryServiceInTimeOrder) {
  Start();
  PushRequest();
  EXPECT_EQ(Trace(kTrace), kExpected);
  // After a restart everything is in parts: the filters find it there.
  ASSERT_EQ(server_->Terminate(), 0);
  Start();
  EXPECT_EQ(Trace(kTrace), kExpected);
  const std::string metrics = server_->Get("/metrics").body;
  EXPECT_EQ(server_->Get("/api/v1/trace?id=abc").status, 400);
  EXPECT_TRUE(Trace("ffffffffffffffffffffffffffffffff").empty());
}

TEST_F(TraceTest, TheCliShowsServicesAndTheGapsBetweenThem) {
  Start();
  PushRequest();
  CommandResult r = RunLode({"trace", kTrace, "--url", server_->base_url(), "--since", "1h"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("trace " + kTrace + ": 4 lines from 3 services over 250ms\n"),
            std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find("  gateway   +0ms .. +0ms  1 line\n"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("  checkout  +5ms .. +40ms  2 lines\n"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("  payment   +250ms .. +250ms  1 line\n"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("~ 210ms later ~\n"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("+250ms  payment   card charged\n"), std::string::npos) << r.out;
  r = RunLode({"trace", kTrace, "--url", server_->base_url(), "--since", "1h", "-o", "jsonl"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(std::count(r.out.begin(), r.out.end(), '\n'), 4);
}

}  // namespace
}  // namespace lode::testing
