// What happened to the entries of one push: how many were stored, how
// many were refused and why. Refusals of single entries or streams do not
// stop the rest of the batch from being stored; the push is answered 400
// with the messages once the valid entries are in.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace lode {

struct PushReport {
  uint64_t accepted_records = 0;
  uint64_t accepted_bytes = 0;  // sum of stored line lengths
  uint64_t rejected_records = 0;
  uint64_t truncated_lines = 0;
  // Whether what was stored was appended durably (asked for, by protocol,
  // or because a stream matched a durable rule).
  bool durable = false;
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
