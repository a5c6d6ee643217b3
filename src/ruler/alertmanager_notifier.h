// Sends alerts to every configured Alertmanager through its v2 API
// (POST <url>/api/v2/alerts, a JSON array of labels, annotations,
// startsAt, endsAt, generatorURL), as Prometheus' notifier does: a
// bounded queue (the oldest alerts are dropped when it is full), batches
// of at most 64, each batch to each Alertmanager in turn. A failed send
// is counted and not retried: rules resend firing alerts every
// resend_delay, so Alertmanager catches up at the next one.
#pragma once

#include <cstdint>
#include <deque>
#include <string>
#include <thread>
#include <vector>

#include "base/metrics.h"
#include "base/mutex.h"
#include "model/labels.h"
#include "ruler/http_sender.h"

namespace lode {

struct NotifierAlert {
  std::string tenant;  // sent as X-Scope-OrgID
  Labels labels;
  Labels annotations;
  int64_t starts_at_ns = 0;
  int64_t ends_at_ns = 0;
  std::string generator_url;
};

struct NotifierOptions {
  std::vector<std::string> alertmanager_urls;  // e.g. http://127.0.0.1:9093
  size_t queue_capacity = 10000;
  size_t max_batch = 64;
  std::chrono::milliseconds timeout{10000};
};

// The JSON body of POST /api/v2/alerts.
std::string EncodeAlertmanagerAlerts(const std::vector<NotifierAlert>& alerts);

class AlertmanagerNotifier {
 public:
  AlertmanagerNotifier(NotifierOptions options, HttpSender& sender, MetricsRegistry& metrics);
  ~AlertmanagerNotifier();  // stops, sending what is queued first (bounded by timeouts)

  void Start();
  void Stop();
  // Queues alerts to send; never blocks.
  void Send(std::vector<NotifierAlert> alerts) EXCLUDES(mu_);

  size_t QueueLength() const EXCLUDES(mu_);

 private:
  void Run() EXCLUDES(mu_);
  void SendBatch(const std::vector<NotifierAlert>& batch);

  NotifierOptions options_;
  HttpSender& sender_;
  CounterFamily& sent_;
  CounterFamily& errors_;
  Counter& dropped_;
  HistogramFamily& latency_;

  mutable Mutex mu_;
  CondVar cv_{mu_};
  std::deque<NotifierAlert> queue_ GUARDED_BY(mu_);
  bool stop_ GUARDED_BY(mu_) = false;
  std::thread thread_;
};

}  // namespace lode
