// Sends what rules record (and the ALERTS series) to a Prometheus remote
// write receiver: a bounded in-memory queue (the oldest samples are
// dropped when it is full, and counted), batches of at most 2000 samples
// of one tenant (X-Scope-OrgID), retries with exponential back-off on
// network errors, 5xx and 429 (honouring Retry-After), never on other
// 4xx (the receiver refused those samples: counted as failed), as the
// remote write specification asks.
#pragma once

#include <chrono>
#include <cstdint>
#include <deque>
#include <string>
#include <thread>
#include <vector>

#include "base/metrics.h"
#include "base/mutex.h"
#include "ruler/alerting_rule.h"
#include "ruler/http_sender.h"

namespace lode {

struct RemoteWriterOptions {
  std::string url;           // e.g. http://127.0.0.1:9090/api/v1/write
  size_t capacity = 100000;  // samples queued at most
  size_t max_samples_per_send = 2000;
  std::chrono::milliseconds timeout{30000};
  std::chrono::milliseconds min_backoff{30};
  std::chrono::milliseconds max_backoff{5000};
  // At Stop, how long queued samples may still be sent.
  std::chrono::milliseconds flush_deadline{5000};
};

class RemoteWriter {
 public:
  RemoteWriter(RemoteWriterOptions options, HttpSender& sender, MetricsRegistry& metrics);
  ~RemoteWriter();

  void Start();
  void Stop();
  void Append(const std::string& tenant, std::vector<RecordedSample> samples) EXCLUDES(mu_);
  size_t Pending() const EXCLUDES(mu_);

 private:
  struct Queued {
    std::string tenant;
    RecordedSample sample;
  };
  void Run() EXCLUDES(mu_);
  // Sends one batch, retrying while that makes sense and the writer runs
  // (or its flush deadline holds).
  void SendBatch(const std::string& tenant, const std::vector<RecordedSample>& batch) EXCLUDES(mu_);

  RemoteWriterOptions options_;
  HttpSender& sender_;
  Counter& sent_;
  Counter& failed_;
  Counter& dropped_;
  Counter& retries_;

  mutable Mutex mu_;
  CondVar cv_{mu_};
  std::deque<Queued> queue_ GUARDED_BY(mu_);
  bool stop_ GUARDED_BY(mu_) = false;
  std::chrono::steady_clock::time_point stop_deadline_ GUARDED_BY(mu_);
  std::thread thread_;
};

}  // namespace lode
