// kill -9 at random moments during durable ingest: every acknowledged
// record survives, and retries with the same batch id store nothing twice.
#include <gtest/gtest.h>

#include <atomic>
#include <fstream>
#include <mutex>
#include <random>
#include <set>
#include <thread>

#include "base/time.h"
#include "lode_process.h"
#include "transport/http_client.h"

namespace lode::testing {
namespace {

constexpr int64_t kBase = 1714521600LL * 1'000'000'000;
constexpr int kBatches = 300;
constexpr int kPerBatch = 10;

TEST(CrashLoop, Kill9DuringDurableIngestLosesAndDuplicatesNothing) {
  TempDir dir;
  std::string data = dir.path() + "/data";
  // A small head so that flushes to parts (and their checkpoints) happen
  // during the loop too.
  std::string config = dir.path() + "/lode.yaml";
  std::ofstream(config) << "head_max_bytes: 20000\nflush_interval: 50ms\n";

  std::mutex mu;
  std::string url;  // of the server now running; empty while down
  std::atomic<int> acked{0};
  std::atomic<bool> stop{false};

  // One client: sends batch b until it is acknowledged, then b+1. While
  // the server is down or restarting, it retries with the same batch id.
  std::thread client([&] {
    for (int b = 0; b < kBatches && !stop; ++b) {
      std::vector<std::pair<int64_t, std::string>> values;
      for (int i = 0; i < kPerBatch; ++i) {
        values.emplace_back(kBase + b * kPerBatch + i,
                            "record " + std::to_string(b * kPerBatch + i));
      }
      std::string body = PushBody(R"({"app":"audit"})", values);
      while (!stop) {
        std::string target;
        {
          std::lock_guard lock(mu);
          target = url;
        }
        if (!target.empty()) {
          ClientRequest request;
          request.method = "POST";
          request.url = target + "/loki/api/v1/push";
          request.headers = {{"Content-Type", "application/json"},
                             {"X-Lode-Durability", "durable"},
                             {"X-Lode-Batch-Id", "batch-" + std::to_string(b)}};
          request.body = body;
          request.timeout = std::chrono::seconds(5);
          auto response = SendHttpRequest(request);
          if (response.ok() && response->status == 204) break;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
      }
      acked = b + 1;
    }
  });

  std::mt19937 rng(1234);
  int kills = 0;
  while (acked < kBatches && kills < 40) {
    auto server = std::make_unique<LodeServer>(data, std::vector<std::string>{"--config", config});
    {
      std::lock_guard lock(mu);
      url = server->base_url();
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10 + rng() % 60));
    {
      std::lock_guard lock(mu);
      url.clear();
    }
    server->Kill9();
    ++kills;
  }
  // A last server lets the client finish.
  LodeServer final_server(data, {"--config", config});
  {
    std::lock_guard lock(mu);
    url = final_server.base_url();
  }
  client.join();
  ASSERT_EQ(acked.load(), kBatches);
  EXPECT_GE(kills, 3);

  HttpResponse r =
      final_server.QueryRange(R"({app="audit"})", "start=0&end=" + std::to_string(NowNanos()) +
                                                      "&limit=5000&direction=forward");
  ParsedStreams s = ParseStreams(r.body);
  ASSERT_TRUE(s.ok) << r.body;
  std::multiset<std::string> lines;
  for (const auto& [ts, line] : s.entries) lines.insert(line);
  EXPECT_EQ(s.entries.size(), static_cast<size_t>(kBatches * kPerBatch));
  for (int i = 0; i < kBatches * kPerBatch; ++i) {
    EXPECT_EQ(lines.count("record " + std::to_string(i)), 1u) << "record " << i;
  }
}

}  // namespace
}  // namespace lode::testing
