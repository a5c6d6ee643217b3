#include "ruler/alertmanager_notifier.h"

#include <chrono>
#include <cstdio>
#include <map>

#include "base/json_writer.h"
#include "base/log.h"
#include "base/time.h"
#include "wire/query_response.h"  // WriteLabels

namespace lode {
namespace {

// Alertmanager reads times with millisecond precision; Prometheus writes
// all three digits (2024-05-01T00:00:00.120Z).
std::string Millis(int64_t ns) {
  int64_t seconds = ns / 1'000'000'000, millis = ns % 1'000'000'000 / 1'000'000;
  if (millis < 0) {
    --seconds;
    millis += 1000;
  }
  std::string whole = FormatRfc3339Nano(seconds * 1'000'000'000);  // "...:SSZ"
  char fraction[8];
  std::snprintf(fraction, sizeof fraction, ".%03d", static_cast<int>(millis));
  whole.insert(whole.size() - 1, fraction);
  return whole;
}

std::string AlertsUrl(const std::string& base) {
  std::string url = base;
  while (!url.empty() && url.back() == '/') url.pop_back();
  return url + "/api/v2/alerts";
}

}  // namespace

std::string EncodeAlertmanagerAlerts(const std::vector<NotifierAlert>& alerts) {
  std::string out;
  JsonWriter w(out);
  w.BeginArray();
  for (const NotifierAlert& a : alerts) {
    w.BeginObject();
    w.Key("annotations");
    WriteLabels(w, a.annotations);
    if (a.ends_at_ns != 0) {
      w.Key("endsAt");
      w.String(Millis(a.ends_at_ns));
    }
    w.Key("startsAt");
    w.String(Millis(a.starts_at_ns));
    w.Key("generatorURL");
    w.String(a.generator_url);
    w.Key("labels");
    WriteLabels(w, a.labels);
    w.EndObject();
  }
  w.EndArray();
  return out;
}

AlertmanagerNotifier::AlertmanagerNotifier(NotifierOptions options, HttpSender& sender,
                                           MetricsRegistry& metrics)
    : options_(std::move(options)),
      sender_(sender),
      sent_(metrics.AddCounter("lode_ruler_notifications_sent_total",
                               "Alerts sent to each Alertmanager (whether or not it took them).",
                               {"alertmanager"})),
      errors_(metrics.AddCounter("lode_ruler_notifications_errors_total",
                                 "Alerts that an Alertmanager refused or did not answer for.",
                                 {"alertmanager"})),
      dropped_(metrics
                   .AddCounter("lode_ruler_notifications_dropped_total",
                               "Alerts dropped: the queue was full, or no Alertmanager took them.")
                   .With({})),
      latency_(metrics.AddHistogram("lode_ruler_notifications_latency_seconds",
                                    "Time to send one batch of alerts to an Alertmanager.",
                                    {"alertmanager"}, LatencyBuckets())) {
  metrics.AddGauge("lode_ruler_notifications_queue_length", "Alerts waiting to be sent.",
                   [this] { return static_cast<double>(QueueLength()); });
  metrics.AddGauge("lode_ruler_notifications_queue_capacity", "Alerts the queue holds at most.",
                   [this] { return static_cast<double>(options_.queue_capacity); });
}

AlertmanagerNotifier::~AlertmanagerNotifier() { Stop(); }

void AlertmanagerNotifier::Start() {
  if (options_.alertmanager_urls.empty()) return;
  thread_ = std::thread([this] { Run(); });
}

void AlertmanagerNotifier::Stop() {
  {
    MutexLock lock(mu_);
    stop_ = true;
    cv_.SignalAll();
  }
  if (thread_.joinable()) thread_.join();
}

void AlertmanagerNotifier::Send(std::vector<NotifierAlert> alerts) {
  if (alerts.empty() || options_.alertmanager_urls.empty()) return;
  MutexLock lock(mu_);
  for (NotifierAlert& a : alerts) queue_.push_back(std::move(a));
  size_t dropped = 0;
  while (queue_.size() > options_.queue_capacity) {
    queue_.pop_front();
    ++dropped;
  }
  if (dropped > 0) {
    dropped_.Inc(dropped);
    log::Warn("alert notification queue full, dropping alerts",
              {{"dropped", std::to_string(dropped)}});
  }
  cv_.Signal();
}

size_t AlertmanagerNotifier::QueueLength() const {
  MutexLock lock(mu_);
  return queue_.size();
}

void AlertmanagerNotifier::Run() {
  for (;;) {
    std::vector<NotifierAlert> batch;
    {
      MutexLock lock(mu_);
      while (queue_.empty() && !stop_) cv_.Wait();
      if (queue_.empty()) return;  // stopping, nothing left
      while (!queue_.empty() && batch.size() < options_.max_batch) {
        batch.push_back(std::move(queue_.front()));
        queue_.pop_front();
      }
    }
    SendBatch(batch);
  }
}

void AlertmanagerNotifier::SendBatch(const std::vector<NotifierAlert>& batch) {
  // One request per tenant, which it names (multi-tenant Alertmanagers
  // such as Mimir's route by it; Prometheus' ignores it).
  std::map<std::string, std::vector<NotifierAlert>> by_tenant;
  for (const NotifierAlert& a : batch) by_tenant[a.tenant].push_back(a);
  for (const auto& [tenant, alerts] : by_tenant) {
    const std::string body = EncodeAlertmanagerAlerts(alerts);
    bool any_ok = false;
    for (const std::string& am : options_.alertmanager_urls) {
      OutboundRequest request;
      request.url = AlertsUrl(am);
      request.headers = {{"Content-Type", "application/json"},
                         {"User-Agent", "lode-ruler"},
                         {"X-Scope-OrgID", tenant}};
      request.body = body;
      request.timeout = options_.timeout;
      const auto started = std::chrono::steady_clock::now();
      auto response = sender_.Post(request);
      latency_.With({am}).Observe(
          std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count());
      sent_.With({am}).Inc(alerts.size());
      if (response.ok() && response->status / 100 == 2) {
        any_ok = true;
        continue;
      }
      errors_.With({am}).Inc(alerts.size());
      log::Warn("sending alerts to Alertmanager failed",
                {{"alertmanager", am},
                 {"count", std::to_string(alerts.size())},
                 {"err", response.ok() ? "bad response status " + std::to_string(response->status)
                                       : response.status().message()}});
    }
    if (!any_ok) dropped_.Inc(alerts.size());
  }
}

}  // namespace lode
