#include "ruler/remote_writer.h"

#include <algorithm>
#include <cstdlib>
#include <map>

#include "base/log.h"
#include "wire/remote_write.h"

namespace lode {

RemoteWriter::RemoteWriter(RemoteWriterOptions options, HttpSender& sender,
                           MetricsRegistry& metrics)
    : options_(std::move(options)),
      sender_(sender),
      sent_(metrics
                .AddCounter("lode_ruler_remote_write_samples_sent_total",
                            "Samples the remote write receiver took.")
                .With({})),
      failed_(metrics
                  .AddCounter("lode_ruler_remote_write_samples_failed_total",
                              "Samples the remote write receiver refused (4xx other than 429).")
                  .With({})),
      dropped_(metrics
                   .AddCounter("lode_ruler_remote_write_samples_dropped_total",
                               "Samples dropped unsent: the queue was full, or lode stopped "
                               "while the receiver was away.")
                   .With({})),
      retries_(metrics
                   .AddCounter("lode_ruler_remote_write_retries_total",
                               "Batches sent again after a network error, 5xx or 429.")
                   .With({})) {
  metrics.AddGauge("lode_ruler_remote_write_samples_pending", "Samples waiting to be sent.",
                   [this] { return static_cast<double>(Pending()); });
}

RemoteWriter::~RemoteWriter() { Stop(); }

void RemoteWriter::Start() {
  if (options_.url.empty()) return;
  thread_ = std::thread([this] { Run(); });
}

void RemoteWriter::Stop() {
  {
    MutexLock lock(mu_);
    if (!stop_) {
      stop_ = true;
      stop_deadline_ = std::chrono::steady_clock::now() + options_.flush_deadline;
    }
    cv_.SignalAll();
  }
  if (thread_.joinable()) thread_.join();
  MutexLock lock(mu_);
  if (!queue_.empty()) {
    dropped_.Inc(queue_.size());
    queue_.clear();
  }
}

void RemoteWriter::Append(const std::string& tenant, std::vector<RecordedSample> samples) {
  if (samples.empty() || options_.url.empty()) return;
  MutexLock lock(mu_);
  for (RecordedSample& s : samples) queue_.push_back({tenant, std::move(s)});
  size_t dropped = 0;
  while (queue_.size() > options_.capacity) {
    queue_.pop_front();
    ++dropped;
  }
  if (dropped > 0) dropped_.Inc(dropped);
  cv_.Signal();
}

size_t RemoteWriter::Pending() const {
  MutexLock lock(mu_);
  return queue_.size();
}

void RemoteWriter::Run() {
  for (;;) {
    std::string tenant;
    std::vector<RecordedSample> batch;
    {
      MutexLock lock(mu_);
      while (queue_.empty() && !stop_) cv_.Wait();
      if (queue_.empty()) return;
      if (stop_ && std::chrono::steady_clock::now() >= stop_deadline_) return;
      tenant = queue_.front().tenant;
      // One tenant per request; the others wait their turn.
      for (auto it = queue_.begin();
           it != queue_.end() && batch.size() < options_.max_samples_per_send;) {
        if (it->tenant == tenant) {
          batch.push_back(std::move(it->sample));
          it = queue_.erase(it);
        } else {
          ++it;
        }
      }
    }
    SendBatch(tenant, batch);
  }
}

void RemoteWriter::SendBatch(const std::string& tenant, const std::vector<RecordedSample>& batch) {
  // Samples of one series go together, in time order.
  std::map<Labels, std::vector<RemoteWriteSample>> by_series;
  for (const RecordedSample& s : batch) {
    by_series[s.labels].push_back({s.t_ns / 1'000'000, s.value});
  }
  std::vector<RemoteWriteSeries> series;
  for (auto& [labels, samples] : by_series) {
    std::sort(samples.begin(), samples.end(),
              [](const auto& a, const auto& b) { return a.timestamp_ms < b.timestamp_ms; });
    series.push_back({labels, std::move(samples)});
  }
  OutboundRequest request;
  request.url = options_.url;
  request.headers = {{"Content-Encoding", "snappy"},
                     {"Content-Type", "application/x-protobuf"},
                     {"User-Agent", "lode-ruler"},
                     {"X-Prometheus-Remote-Write-Version", "0.1.0"},
                     {"X-Scope-OrgID", tenant}};
  request.body = EncodeRemoteWrite(series);
  request.timeout = options_.timeout;

  std::chrono::milliseconds backoff = options_.min_backoff;
  for (int attempt = 0;; ++attempt) {
    auto response = sender_.Post(request);
    std::chrono::milliseconds wait = backoff;
    std::string error;
    if (response.ok()) {
      const int status = response->status;
      if (status / 100 == 2) {
        sent_.Inc(batch.size());
        return;
      }
      if (status / 100 == 4 && status != 429) {
        failed_.Inc(batch.size());
        log::Warn("remote write receiver refused samples",
                  {{"url", options_.url},
                   {"status", std::to_string(status)},
                   {"count", std::to_string(batch.size())},
                   {"body", response->body.substr(0, 256)}});
        return;
      }
      if (status == 429 && !response->retry_after.empty()) {
        char* end = nullptr;
        long seconds = std::strtol(response->retry_after.c_str(), &end, 10);
        if (end != nullptr && *end == '\0' && seconds > 0) {
          wait = std::chrono::milliseconds(std::min<long>(seconds, 300) * 1000);
        }
      }
      error = "HTTP status " + std::to_string(status);
    } else {
      error = response.status().message();
    }
    if (attempt == 0) {
      log::Warn("remote write failed, retrying",
                {{"url", options_.url}, {"err", error}, {"count", std::to_string(batch.size())}});
    }
    retries_.Inc();
    {
      MutexLock lock(mu_);
      const auto until = std::chrono::steady_clock::now() + wait;
      while (std::chrono::steady_clock::now() < until) {
        if (stop_ && std::chrono::steady_clock::now() >= stop_deadline_) break;
        cv_.WaitUntil(stop_ ? std::min(until, stop_deadline_) : until);
      }
      if (stop_ && std::chrono::steady_clock::now() >= stop_deadline_) {
        dropped_.Inc(batch.size());
        return;
      }
    }
    backoff = std::min(backoff * 2, options_.max_backoff);
  }
}

}  // namespace lode
