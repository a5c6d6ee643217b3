// What happened to the entries of one push: how many were stored, how
// many were refused and why. Refusals of single entries or streams do not
// stop the rest of the batch from being stored; the push is answered 400
// with the messages once the valid entries are in.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace lode {

// Why a push was refused whole (nothing of it stored), so that each
// protocol can answer it in its own terms and /metrics can count it.
enum class PushRefusal {
  kNone,         // not refused whole (single entries may still be)
  kInvalid,      // malformed request or body: the client must fix it
  kTooLarge,     // over the body size limit
  kRateLimited,  // over the tenant's ingestion rate: retry later
  kStreamLimit,  // would take the tenant past its active streams: retry later
  kOverloaded,   // the store cannot take more now: retry later
  kUnavailable,  // the store is not taking writes (shutting down): retry
  kFailed,       // the store failed (I/O error, ...)
};

// "rate_limited", "stream_limit", "overloaded", "unavailable", ...: the
// reason label of lode_push_refused_total.
std::string_view PushRefusalName(PushRefusal refusal);
// Whether a client should send the same push again later.
bool IsRetryable(PushRefusal refusal);

struct PushReport {
  uint64_t accepted_records = 0;
  uint64_t accepted_bytes = 0;  // sum of stored line lengths
  uint64_t rejected_records = 0;
  uint64_t truncated_lines = 0;
  // Whether what was stored was appended durably (asked for, by protocol,
  // or because a stream matched a durable rule).
  bool durable = false;
  // Set when the push was refused whole; accepted_* are then 0.
  PushRefusal refusal = PushRefusal::kNone;
  // Refused entries by reason, named as Loki's discarded-samples reasons
  // ("line_too_long", "too_far_in_future", ...), for /metrics.
  std::map<std::string, uint64_t> rejected_by_reason;
  // One message per refusal, the first kMaxMessages of them.
  std::vector<std::string> messages;
  uint64_t messages_omitted = 0;

  static constexpr size_t kMaxMessages = 100;

  // Counts `entries` refused for `reason`, with `message` saying why.
  void Reject(const std::string& reason, uint64_t entries, std::string message);
  // The messages one per line, as the 400 response body.
  std::string ErrorText() const;
};

}  // namespace lode
