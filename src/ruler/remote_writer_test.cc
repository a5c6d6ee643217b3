// RemoteWriter's queue and retry rules, with a receiver that answers as
// told (the HTTP exchange itself is tested against real Prometheus in
// tests/integration/ruler_test.cc).
#include "ruler/remote_writer.h"

#include <gtest/gtest.h>

#include <chrono>
#include <deque>
#include <thread>

#include "wire/remote_write.h"

namespace lode {
namespace {

// Answers each POST with the next scripted status (200 when none is
// left) and keeps what it was sent.
class ScriptedReceiver final : public HttpSender {
 public:
  explicit ScriptedReceiver(std::deque<int> statuses) : statuses_(std::move(statuses)) {}
  Result<OutboundResponse> Post(const OutboundRequest& request) override {
    MutexLock lock(mu_);
    requests_.push_back(request);
    int status = 200;
    if (!statuses_.empty()) {
      status = statuses_.front();
      statuses_.pop_front();
    }
    if (status == 0) return Status::Unavailable("connection refused");
    OutboundResponse r;
    r.status = status;
    return r;
  }
  std::vector<OutboundRequest> requests() const {
    MutexLock lock(mu_);
    return requests_;
  }

 private:
  mutable Mutex mu_;
  std::deque<int> statuses_ GUARDED_BY(mu_);
  std::vector<OutboundRequest> requests_ GUARDED_BY(mu_);
};

std::vector<RecordedSample> Samples(int n, const std::string& name = "rec") {
  std::vector<RecordedSample> out;
  for (int i = 0; i < n; ++i) {
    out.push_back({Labels({{"__name__", name}, {"i", std::to_string(i)}}),
                   1'700'000'000'000'000'000 + i * 1'000'000'000LL, static_cast<double>(i)});
  }
  return out;
}

RemoteWriterOptions Fast() {
  RemoteWriterOptions o;
  o.url = "http://receiver/api/v1/write";
  o.min_backoff = std::chrono::milliseconds(1);
  o.max_backoff = std::chrono::milliseconds(5);
  return o;
}

template <typename F>
bool Eventually(F f) {
  for (int i = 0; i < 2000; ++i) {
    if (f()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  return f();
}

uint64_t MetricValue(const MetricsRegistry& metrics, const std::string& name) {
  const std::string text = metrics.Render();
  const size_t at = text.find("\n" + name + " ");
  if (at == std::string::npos) return UINT64_MAX;
  return std::stoull(text.substr(at + name.size() + 2));
}

TEST(RemoteWriterTest, RetriesNetworkErrors5xxAnd429UntilTheReceiverTakesTheBatch) {
  ScriptedReceiver receiver({0, 503, 429, 200});
  MetricsRegistry metrics;
  RemoteWriter writer(Fast(), receiver, metrics);
  writer.Start();
  writer.Append("t1", Samples(3));
  ASSERT_TRUE(Eventually([&] { return receiver.requests().size() == 4; }));
  ASSERT_TRUE(Eventually(
      [&] { return MetricValue(metrics, "lode_ruler_remote_write_samples_sent_total") == 3; }));
  writer.Stop();
  const auto requests = receiver.requests();
  // The same body each time, with remote write's headers and the tenant.
  for (const auto& r : requests) EXPECT_EQ(r.body, requests[0].body);
  auto decoded = DecodeRemoteWrite(requests[0].body);
  ASSERT_TRUE(decoded.ok());
  ASSERT_EQ(decoded->size(), 3u);
  EXPECT_EQ((*decoded)[0].labels.Get("__name__"), "rec");
  EXPECT_EQ((*decoded)[0].samples[0].timestamp_ms, 1'700'000'000'000);
  bool has_tenant = false, has_version = false, has_encoding = false;
  for (const auto& [k, v] : requests[0].headers) {
    has_tenant |= k == "X-Scope-OrgID" && v == "t1";
    has_version |= k == "X-Prometheus-Remote-Write-Version" && v == "0.1.0";
    has_encoding |= k == "Content-Encoding" && v == "snappy";
  }
  EXPECT_TRUE(has_tenant && has_version && has_encoding);
  EXPECT_EQ(MetricValue(metrics, "lode_ruler_remote_write_retries_total"), 3u);
  EXPECT_EQ(MetricValue(metrics, "lode_ruler_remote_write_samples_failed_total"), 0u);
}

TEST(RemoteWriterTest, ABatchTheReceiverRefusesWith4xxIsCountedAsFailedNotRetried) {
  ScriptedReceiver receiver({400});
  MetricsRegistry metrics;
  RemoteWriter writer(Fast(), receiver, metrics);
  writer.Start();
  writer.Append("t", Samples(2));
  ASSERT_TRUE(Eventually(
      [&] { return MetricValue(metrics, "lode_ruler_remote_write_samples_failed_total") == 2; }));
  writer.Append("t", Samples(1, "next"));
  ASSERT_TRUE(Eventually(
      [&] { return MetricValue(metrics, "lode_ruler_remote_write_samples_sent_total") == 1; }));
  writer.Stop();
  EXPECT_EQ(receiver.requests().size(), 2u);
}

TEST(RemoteWriterTest, AFullQueueDropsTheOldestSamplesAndCountsThem) {
  ScriptedReceiver receiver({});
  MetricsRegistry metrics;
  RemoteWriterOptions options = Fast();
  options.capacity = 5;
  RemoteWriter writer(options, receiver, metrics);  // not started: nothing leaves the queue
  writer.Append("t", Samples(8));
  EXPECT_EQ(writer.Pending(), 5u);
  EXPECT_EQ(MetricValue(metrics, "lode_ruler_remote_write_samples_dropped_total"), 3u);
  writer.Start();
  ASSERT_TRUE(Eventually([&] { return writer.Pending() == 0; }));
  writer.Stop();
  ASSERT_EQ(receiver.requests().size(), 1u);
  auto decoded = DecodeRemoteWrite(receiver.requests()[0].body);
  ASSERT_TRUE(decoded.ok());
  ASSERT_EQ(decoded->size(), 5u);
  // The newest five remain: i = 3..7.
  std::vector<std::string> kept;
  for (const auto& s : *decoded) kept.push_back(std::string(s.labels.Get("i")));
  std::sort(kept.begin(), kept.end());
  EXPECT_EQ(kept, (std::vector<std::string>{"3", "4", "5", "6", "7"}));
}

TEST(RemoteWriterTest, EachRequestHoldsOneTenantsSamples) {
  ScriptedReceiver receiver({});
  MetricsRegistry metrics;
  RemoteWriter writer(Fast(), receiver, metrics);
  writer.Append("a", Samples(2));
  writer.Append("b", Samples(3));
  writer.Append("a", Samples(1, "later"));
  writer.Start();
  ASSERT_TRUE(Eventually([&] { return writer.Pending() == 0; }));
  writer.Stop();
  const auto requests = receiver.requests();
  ASSERT_EQ(requests.size(), 2u);
  auto tenant = [](const OutboundRequest& r) {
    for (const auto& [k, v] : r.headers) {
      if (k == "X-Scope-OrgID") return v;
    }
    return std::string();
  };
  EXPECT_EQ(tenant(requests[0]), "a");
  EXPECT_EQ(DecodeRemoteWrite(requests[0].body)->size(), 3u);
  EXPECT_EQ(tenant(requests[1]), "b");
  EXPECT_EQ(DecodeRemoteWrite(requests[1].body)->size(), 3u);
}

TEST(RemoteWriterTest, StopGivesUpOnAnAbsentReceiverAfterItsFlushDeadline) {
  ScriptedReceiver receiver(std::deque<int>(100000, 503));
  MetricsRegistry metrics;
  RemoteWriterOptions options = Fast();
  options.flush_deadline = std::chrono::milliseconds(50);
  RemoteWriter writer(options, receiver, metrics);
  writer.Start();
  writer.Append("t", Samples(4));
  ASSERT_TRUE(Eventually([&] { return receiver.requests().size() >= 2; }));
  const auto started = std::chrono::steady_clock::now();
  writer.Stop();
  EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::seconds(5));
  EXPECT_EQ(MetricValue(metrics, "lode_ruler_remote_write_samples_dropped_total"), 4u);
  EXPECT_EQ(MetricValue(metrics, "lode_ruler_remote_write_samples_sent_total"), 0u);
}

}  // namespace
}  // namespace lode
