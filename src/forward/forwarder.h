// Forwarder: the engine of `lode forward` and `lode import`. Lines are
// added by a reader; they are batched by size and age and sent through a
// Transport by `concurrency` sender threads, each with one batch in flight,
// which retry failed sends with exponential backoff and jitter. Reading
// waits when too many batches are waiting (backpressure on the producer's
// pipe instead of unbounded memory); in best-effort mode it waits only
// while the targets keep accepting, and drops the oldest batch once none
// has accepted anything for `max_block`.
#pragma once

#include <chrono>
#include <cstdint>
#include <deque>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "base/mutex.h"
#include "base/status.h"
#include "forward/spool.h"
#include "io/clock.h"
#include "model/record.h"

namespace lode {

struct SendOutcome {
  enum class Kind { kAccepted, kRetryable, kRejected };
  Kind kind = Kind::kAccepted;
  std::string detail;  // e.g. "HTTP 503: ..." or a connection error
  // For kRejected, when the receiver says so: how many of the batch's lines
  // it stored anyway and how many it refused (-1: not told; then the
  // whole batch counts as dropped).
  int64_t stored = -1;
  int64_t refused = -1;
  // For kRetryable: the receiver answered that it is busy (429: its memory
  // is full while it flushes, or the tenant is over its rate). It is alive
  // and pushing back, not failing: this opens no circuit. It accepted
  // nothing, though: for best-effort's max_block it is no answer, so a
  // server that only sheds load makes the forwarder shed too.
  bool throttled = false;
};

// Delivers one encoded push body. Called from the forwarder's sender
// threads, concurrently when ForwarderOptions::concurrency > 1, so an
// implementation must be thread-safe (the HTTP one opens a connection per
// call; FailoverTransport shares its circuit breakers between callers).
// `batch_id` identifies the batch across retries (an idempotency key the
// receiver uses to store a retried batch once).
class Transport {
 public:
  virtual ~Transport() = default;
  virtual SendOutcome Send(const std::string& body, const std::string& batch_id) = 0;
};

struct ForwarderOptions {
  Labels labels;
  size_t batch_max_bytes = 1u << 20;
  size_t batch_max_lines = 10000;
  std::chrono::milliseconds batch_wait{1000};
  size_t max_queued_batches = 16;
  // Sender threads: batches in flight at once, each over its own
  // connection. Batches then arrive out of order; their lines keep their
  // timestamps (stamped ones strictly increasing), and the store orders
  // by time.
  int concurrency = 4;
  // Retries of one batch before it is dropped; negative means forever.
  int max_retries = 10;
  std::chrono::milliseconds min_backoff{100};
  std::chrono::milliseconds max_backoff{10000};
  // Best-effort: when max_queued_batches wait to be sent, the reader waits
  // for room as long as batches are being answered (accepted or refused;
  // a 429 is no answer); once no batch has been for max_block while some were
  // waiting or in flight, the oldest is dropped (and counted) rather than
  // the reader made to wait longer. Time the senders spend holding a batch
  // back for max_bytes_per_second does not count. Without drop_oldest the
  // reader waits for room however long it takes.
  bool drop_oldest = false;
  std::chrono::milliseconds max_block{1000};
  // What batch_wait, max_block, the rate limit and back-off are measured
  // by; never null.
  Clock* clock = Clock::Real();
  // Durable: every record goes to this spool as it is added and leaves it
  // once accepted; batches a crashed run left are sent first. Not owned;
  // null for none. The reader waits while the spool holds spool_max_bytes.
  Spool* spool = nullptr;
  uint64_t spool_max_bytes = 1ull << 30;
  // Bytes of push bodies sent per second at most (0: no limit).
  double max_bytes_per_second = 0;
};

struct ForwarderStats {
  uint64_t lines_read = 0;
  uint64_t lines_sent = 0;
  uint64_t batches_sent = 0;
  uint64_t retries = 0;
  uint64_t lines_dropped = 0;
  uint64_t lines_dropped_overflow = 0;  // of lines_dropped: by drop_oldest
  uint64_t batches_replayed = 0;        // left in the spool by an earlier run
  uint64_t read_wait_ms = 0;            // time AddEntry waited for room
};

class Forwarder {
 public:
  // `transport` must outlive the Forwarder.
  Forwarder(Transport& transport, ForwarderOptions options);
  ~Forwarder();

  // Adds one line stamped with the current time; timestamps are made
  // strictly increasing so that lines keep their order when queried.
  void AddLine(std::string line) { AddEntry(0, std::move(line)); }
  // Adds one record with its own time (0: stamped like AddLine). Records
  // keep their times; only stamped ones are made increasing.
  void AddEntry(TimestampNs timestamp, std::string line);

  // Sends what is left and waits until every batch is accepted or
  // dropped. Returns an error naming the drops, if any.
  Status Finish();

  ForwarderStats stats() const;

 private:
  struct Batch {
    std::vector<Entry> entries;
    size_t bytes = 0;
    std::chrono::steady_clock::time_point opened;
    Labels labels;                        // the options' labels, or a replayed batch's own
    std::optional<SpooledBatch> spooled;  // its spool file, to remove once sent
  };

  // Whether the reader may add to the current batch; WaitForRoomLocked
  // waits until it may.
  bool HasRoomLocked() const REQUIRES(mu_);
  void WaitForRoomLocked() REQUIRES(mu_);
  void SealLocked() REQUIRES(mu_);
  void WaitForRate(size_t bytes) EXCLUDES(mu_);
  void SendLoop();
  void SendWithRetries(Batch batch) EXCLUDES(mu_);
  void ProgressLocked() REQUIRES(mu_);  // a batch was answered: the targets are alive

  Transport& transport_;
  const ForwarderOptions options_;

  mutable Mutex mu_;
  CondVar cv_{mu_};
  Batch current_ GUARDED_BY(mu_);
  std::deque<Batch> queue_ GUARDED_BY(mu_);  // sealed, waiting to be sent
  int in_flight_ GUARDED_BY(mu_) = 0;        // batches held by senders
  bool finishing_ GUARDED_BY(mu_) = false;
  int64_t last_timestamp_ GUARDED_BY(mu_) = 0;
  ForwarderStats stats_ GUARDED_BY(mu_);
  std::chrono::steady_clock::duration read_wait_ GUARDED_BY(mu_) = {};
  std::vector<std::string> drop_reasons_ GUARDED_BY(mu_);
  // The start of the current stall: the last answer to a batch, or when
  // batches began to wait after none had (a pause in the input is no
  // stall), or the end of a wait for the rate limit.
  std::chrono::steady_clock::time_point progress_at_ GUARDED_BY(mu_);
  // The rate limit's token bucket, shared by the senders.
  std::chrono::steady_clock::time_point rate_updated_ GUARDED_BY(mu_) = {};
  double rate_tokens_ GUARDED_BY(mu_) = 0;
  // Retries are warned of once per kRetryWarningInterval: a server
  // shedding load answers 429 to every batch for a while, and a line per
  // retry buried the output. The warning counts the retries not shown.
  std::optional<std::chrono::steady_clock::time_point> retry_warned_at_ GUARDED_BY(mu_);
  uint64_t retries_not_warned_ GUARDED_BY(mu_) = 0;
  std::vector<std::thread> senders_;
};

// At most one warning of retried batches per this interval (see
// Forwarder::retry_warned_at_).
inline constexpr std::chrono::seconds kRetryWarningInterval{10};

// A random 128-bit id in hex, for one batch.
std::string NewBatchId();

// Backoff before retry number `attempt` (0-based): min * 2^attempt capped
// at max, then a random point in its upper half ("equal jitter"), so that
// many forwarders do not retry in step.
std::chrono::milliseconds BackoffDelay(int attempt, std::chrono::milliseconds min,
                                       std::chrono::milliseconds max);

}  // namespace lode
