#include "model/push_report.h"

namespace lode {

std::string_view PushRefusalName(PushRefusal refusal) {
  switch (refusal) {
    case PushRefusal::kNone:
      return "none";
    case PushRefusal::kInvalid:
      return "invalid";
    case PushRefusal::kTooLarge:
      return "too_large";
    case PushRefusal::kRateLimited:
      return "rate_limited";
    case PushRefusal::kStreamLimit:
      return "stream_limit";
    case PushRefusal::kOverloaded:
      return "overloaded";
    case PushRefusal::kUnavailable:
      return "unavailable";
    case PushRefusal::kFailed:
      return "failed";
  }
  return "failed";
}

bool IsRetryable(PushRefusal refusal) {
  return refusal == PushRefusal::kRateLimited || refusal == PushRefusal::kStreamLimit ||
         refusal == PushRefusal::kOverloaded || refusal == PushRefusal::kUnavailable;
}

void PushReport::Reject(const std::string& reason, uint64_t entries, std::string message) {
  rejected_records += entries;
  rejected_by_reason[reason] += entries;
  if (messages.size() < kMaxMessages) {
    messages.push_back(std::move(message));
  } else {
    ++messages_omitted;
  }
}

std::string PushReport::ErrorText() const {
  std::string text;
  for (const std::string& message : messages) {
    text += message;
    text += '\n';
  }
  if (messages_omitted > 0) {
    text += "(and " + std::to_string(messages_omitted) + " more errors)\n";
  }
  if (!text.empty()) text.pop_back();
  return text;
}

}  // namespace lode
