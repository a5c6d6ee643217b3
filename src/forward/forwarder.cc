#include "forward/forwarder.h"

#include <random>

#include "base/log.h"
#include "base/time.h"
#include "wire/loki_push_proto.h"

namespace lode {

std::chrono::milliseconds BackoffDelay(int attempt, std::chrono::milliseconds min,
                                       std::chrono::milliseconds max) {
  int64_t delay = min.count();
  for (int i = 0; i < attempt && delay < max.count(); ++i) delay *= 2;
  delay = std::min<int64_t>(delay, max.count());
  thread_local std::mt19937_64 rng(std::random_device{}());
  std::uniform_int_distribution<int64_t> jitter(delay / 2, delay);
  return std::chrono::milliseconds(jitter(rng));
}

std::string NewBatchId() {
  thread_local std::mt19937_64 rng(std::random_device{}());
  char buf[33];
  snprintf(buf, sizeof(buf), "%016llx%016llx", static_cast<unsigned long long>(rng()),
           static_cast<unsigned long long>(rng()));
  return buf;
}

Forwarder::Forwarder(Transport& transport, ForwarderOptions options)
    : transport_(transport), options_(std::move(options)) {
  if (options_.spool != nullptr) {
    for (SpooledBatch& leftover : options_.spool->TakeLeftovers()) {
      Batch batch;
      batch.entries = leftover.entries;
      batch.labels = leftover.labels;
      for (const Entry& e : batch.entries) batch.bytes += e.line.size();
      batch.spooled = std::move(leftover);
      queue_.push_back(std::move(batch));
      ++stats_.batches_replayed;
    }
  }
  progress_at_ = options_.clock->Monotonic();
  const int senders = std::max(1, options_.concurrency);
  for (int i = 0; i < senders; ++i) senders_.emplace_back([this] { SendLoop(); });
}

Forwarder::~Forwarder() { (void)Finish(); }

void Forwarder::AddEntry(TimestampNs timestamp, std::string line) {
  MutexLock lock(mu_);
  WaitForRoomLocked();
  int64_t ts = timestamp;
  if (ts == 0) {
    ts = NowNanos();
    if (ts <= last_timestamp_) ts = last_timestamp_ + 1;
    last_timestamp_ = ts;
  }
  if (current_.entries.empty()) {
    current_.opened = options_.clock->Monotonic();
    cv_.SignalAll();  // the senders may be idle: start the batch_wait clock
  }
  Entry entry{ts, std::move(line), {}};
  if (options_.spool != nullptr) {
    Status s = options_.spool->Append(options_.labels, entry);
    if (!s.ok()) {
      // The spool cannot take it (disk full, say): keep it in memory and
      // say so; it is sent like any other line.
      log::Error("spool write failed", {{"err", s.ToString()}});
    }
  }
  current_.bytes += entry.line.size();
  current_.entries.push_back(std::move(entry));
  ++stats_.lines_read;
  if (current_.bytes >= options_.batch_max_bytes ||
      current_.entries.size() >= options_.batch_max_lines) {
    SealLocked();
  }
}

bool Forwarder::HasRoomLocked() const {
  if (finishing_) return true;
  // Durable: the spool bounds what is held; the queue may grow, as its
  // batches are on disk.
  if (options_.spool != nullptr) return options_.spool->bytes() < options_.spool_max_bytes;
  return queue_.size() < std::max<size_t>(1, options_.max_queued_batches);
}

void Forwarder::WaitForRoomLocked() {
  if (HasRoomLocked()) return;
  const auto started = options_.clock->Monotonic();
  while (!HasRoomLocked()) {
    if (options_.spool != nullptr || !options_.drop_oldest) {
      cv_.Wait();  // backpressure, however long it takes
      continue;
    }
    // Best-effort waits only while the targets answer: once none has for
    // max_block, the oldest batch makes room.
    const auto deadline = progress_at_ + options_.max_block;
    if (options_.clock->Monotonic() < deadline) {
      options_.clock->WaitUntil(cv_, deadline);
      continue;
    }
    stats_.lines_dropped += queue_.front().entries.size();
    stats_.lines_dropped_overflow += queue_.front().entries.size();
    queue_.pop_front();
  }
  read_wait_ += options_.clock->Monotonic() - started;
}

void Forwarder::SealLocked() {
  if (current_.entries.empty()) return;
  // Nothing was waiting or in flight: the senders were keeping up, and a
  // stall can only start now.
  if (queue_.empty() && in_flight_ == 0) {
    progress_at_ = std::max(progress_at_, options_.clock->Monotonic());
  }
  current_.labels = options_.labels;
  if (options_.spool != nullptr) {
    auto sealed = options_.spool->Seal();
    if (sealed.ok() && sealed->has_value()) {
      current_.spooled = std::move(**sealed);
      current_.spooled->entries.clear();  // the batch holds them
    } else if (!sealed.ok()) {
      log::Error("spool seal failed", {{"err", sealed.status().ToString()}});
    }
  }
  queue_.push_back(std::move(current_));
  current_ = Batch{};
  cv_.SignalAll();
}

void Forwarder::WaitForRate(size_t bytes) {
  if (options_.max_bytes_per_second <= 0) return;
  const double rate = options_.max_bytes_per_second;
  const double burst = std::max(rate, static_cast<double>(bytes));
  std::chrono::steady_clock::time_point ready;
  {
    // One bucket for all senders: each takes its bytes, going into debt
    // when there are not enough, and waits until the debt is paid.
    MutexLock lock(mu_);
    auto now = options_.clock->Monotonic();
    if (rate_updated_ == std::chrono::steady_clock::time_point{}) {
      rate_tokens_ = burst;
    } else {
      rate_tokens_ = std::min(
          burst, rate_tokens_ + std::chrono::duration<double>(now - rate_updated_).count() * rate);
    }
    rate_updated_ = now;
    rate_tokens_ -= static_cast<double>(bytes);
    if (rate_tokens_ >= 0) return;
    ready = now + std::chrono::duration_cast<std::chrono::steady_clock::duration>(
                      std::chrono::duration<double>(-rate_tokens_ / rate));
    // Held back by our own limit, not by a stalled target: the reader
    // waits for this send rather than dropping.
    progress_at_ = std::max(progress_at_, ready);
  }
  options_.clock->SleepUntil(ready);
}

void Forwarder::ProgressLocked() {
  progress_at_ = std::max(progress_at_, options_.clock->Monotonic());
  cv_.SignalAll();
}

void Forwarder::SendLoop() {
  MutexLock lock(mu_);
  while (true) {
    if (queue_.empty()) {
      if (finishing_) {
        SealLocked();
        if (queue_.empty()) return;
      } else if (!current_.entries.empty()) {
        auto due = current_.opened + options_.batch_wait;
        if (options_.clock->Monotonic() >= due) {
          SealLocked();
        } else {
          options_.clock->WaitUntil(cv_, due);
        }
        continue;
      } else {
        cv_.Wait();
        continue;
      }
    }
    Batch batch = std::move(queue_.front());
    queue_.pop_front();
    ++in_flight_;
    cv_.SignalAll();  // room in the queue for the reader
    lock.Unlock();
    SendWithRetries(std::move(batch));
    lock.Lock();
    --in_flight_;
  }
}

void Forwarder::SendWithRetries(Batch batch) {
  std::string body = EncodeLokiPushBody(batch.labels, batch.entries);
  // A spooled batch keeps its id across runs, so the server stores a
  // batch replayed after a crash once.
  std::string batch_id = batch.spooled ? batch.spooled->id : NewBatchId();
  // The rate counts line bytes, as the server's ingestion rate does.
  size_t line_bytes = 0;
  for (const Entry& e : batch.entries) line_bytes += e.line.size();
  WaitForRate(line_bytes);
  for (int attempt = 0;; ++attempt) {
    SendOutcome outcome = transport_.Send(body, batch_id);
    if (outcome.kind == SendOutcome::Kind::kAccepted) {
      if (batch.spooled) {
        if (Status s = options_.spool->Remove(*batch.spooled); !s.ok()) {
          log::Warn("spool: cannot remove a sent batch", {{"err", s.ToString()}});
        }
      }
      MutexLock lock(mu_);
      stats_.lines_sent += batch.entries.size();
      ++stats_.batches_sent;
      ProgressLocked();  // and room in the spool for the reader
      return;
    }
    bool give_up = outcome.kind == SendOutcome::Kind::kRejected ||
                   (options_.max_retries >= 0 && attempt >= options_.max_retries);
    if (give_up) {
      std::string reason =
          outcome.kind == SendOutcome::Kind::kRejected
              ? "rejected: " + outcome.detail
              : "gave up after " + std::to_string(attempt + 1) + " attempts: " + outcome.detail;
      // A refusal of some lines: the receiver stored the others.
      const bool partial =
          outcome.kind == SendOutcome::Kind::kRejected && outcome.refused >= 0 &&
          outcome.stored >= 0 &&
          static_cast<uint64_t>(outcome.stored + outcome.refused) == batch.entries.size();
      const uint64_t dropped = partial ? outcome.refused : batch.entries.size();
      log::Error(partial ? "lines refused" : "dropping batch",
                 {{"lines", std::to_string(dropped)}, {"reason", reason}});
      // Given up for good: a spooled copy would only be replayed and
      // refused again.
      if (batch.spooled) (void)options_.spool->Remove(*batch.spooled);
      MutexLock lock(mu_);
      stats_.lines_dropped += dropped;
      if (partial) stats_.lines_sent += outcome.stored;
      if (dropped > 0) drop_reasons_.push_back(reason);
      // A refusal is an answer: the target is alive. Giving up on retries
      // is not.
      if (outcome.kind == SendOutcome::Kind::kRejected) ProgressLocked();
      return;
    }
    auto delay = BackoffDelay(attempt, options_.min_backoff, options_.max_backoff);
    bool warn = false;
    uint64_t not_warned = 0;
    {
      MutexLock lock(mu_);
      ++stats_.retries;
      const auto now = options_.clock->Monotonic();
      if (!retry_warned_at_ || now - *retry_warned_at_ >= kRetryWarningInterval) {
        warn = true;
        not_warned = retries_not_warned_;
        retries_not_warned_ = 0;
        retry_warned_at_ = now;
      } else {
        ++retries_not_warned_;
      }
    }
    if (warn) {
      const std::string attempt_text = std::to_string(attempt + 1);
      const std::string backoff_text = std::to_string(delay.count()) + "ms";
      if (not_warned == 0) {
        log::Warn("send failed; retrying",
                  {{"attempt", attempt_text}, {"backoff", backoff_text}, {"err", outcome.detail}});
      } else {
        log::Warn("send failed; retrying",
                  {{"attempt", attempt_text},
                   {"backoff", backoff_text},
                   {"err", outcome.detail},
                   {"other_retries_since_last_warning", std::to_string(not_warned)}});
      }
    }
    options_.clock->SleepUntil(options_.clock->Monotonic() + delay);
  }
}

Status Forwarder::Finish() {
  {
    MutexLock lock(mu_);
    finishing_ = true;
  }
  cv_.SignalAll();
  for (std::thread& sender : senders_) {
    if (sender.joinable()) sender.join();
  }
  MutexLock lock(mu_);
  if (stats_.lines_dropped == 0) return Status::Ok();
  std::string why;
  if (stats_.lines_dropped_overflow > 0) {
    why = std::to_string(stats_.lines_dropped_overflow) +
          " oldest while the buffer was full and no server accepted a batch for " +
          std::to_string(options_.max_block.count()) + "ms";
  }
  if (!drop_reasons_.empty()) {
    if (!why.empty()) why += "; ";
    why += drop_reasons_.front();
  }
  return Status::Unavailable(std::to_string(stats_.lines_dropped) + " lines dropped (" + why + ")");
}

ForwarderStats Forwarder::stats() const {
  MutexLock lock(mu_);
  ForwarderStats stats = stats_;
  stats.read_wait_ms = std::chrono::duration_cast<std::chrono::milliseconds>(read_wait_).count();
  return stats;
}

}  // namespace lode
