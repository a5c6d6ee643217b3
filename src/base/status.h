// Status and Result<T>: errors as values. lode code does not throw; a
// function that can fail returns one of these, and the caller must look.
#pragma once

#include <cassert>
#include <string>
#include <string_view>
#include <utility>
#include <variant>

namespace lode {

// The kind of an error decides what a caller does with it: a client sees
// InvalidArgument as a 4xx, Unavailable as a retryable 5xx/429, Corruption
// makes recovery truncate or skip.
enum class StatusCode {
  kOk = 0,
  kInvalidArgument,
  kNotFound,
  kCorruption,
  kIOError,
  kUnavailable,        // overloaded or shutting down: retry later
  kResourceExhausted,  // a limit was hit
  kRateLimited,        // over a rate or capacity for now: retry later (HTTP 429)
  kDeadlineExceeded,
  kCancelled,
  kConflict,  // a conditional write lost: the state changed since it was read
  kNoSpace,   // the disk (or a quota) is full: retry once space returns (HTTP 507)
  kInternal,
};

class [[nodiscard]] Status {
 public:
  Status() = default;
  static Status Ok() { return Status(); }
  static Status InvalidArgument(std::string msg) {
    return Status(StatusCode::kInvalidArgument, std::move(msg));
  }
  static Status NotFound(std::string msg) { return Status(StatusCode::kNotFound, std::move(msg)); }
  static Status Corruption(std::string msg) {
    return Status(StatusCode::kCorruption, std::move(msg));
  }
  static Status IOError(std::string msg) { return Status(StatusCode::kIOError, std::move(msg)); }
  static Status Unavailable(std::string msg) {
    return Status(StatusCode::kUnavailable, std::move(msg));
  }
  static Status ResourceExhausted(std::string msg) {
    return Status(StatusCode::kResourceExhausted, std::move(msg));
  }
  static Status RateLimited(std::string msg) {
    return Status(StatusCode::kRateLimited, std::move(msg));
  }
  static Status DeadlineExceeded(std::string msg) {
    return Status(StatusCode::kDeadlineExceeded, std::move(msg));
  }
  static Status Cancelled(std::string msg) {
    return Status(StatusCode::kCancelled, std::move(msg));
  }
  static Status Conflict(std::string msg) { return Status(StatusCode::kConflict, std::move(msg)); }
  static Status NoSpace(std::string msg) { return Status(StatusCode::kNoSpace, std::move(msg)); }
  static Status Internal(std::string msg) { return Status(StatusCode::kInternal, std::move(msg)); }

  bool ok() const { return code_ == StatusCode::kOk; }
  StatusCode code() const { return code_; }
  const std::string& message() const { return message_; }

  // Returns a copy whose message is "context: message", so errors gain
  // context as they move up ("open segment 12: checksum mismatch ...").
  Status WithContext(std::string_view context) const {
    if (ok()) return *this;
    return Status(code_, std::string(context) + ": " + message_);
  }

  // "ok" or "<code name>: <message>".
  std::string ToString() const;

 private:
  Status(StatusCode code, std::string msg) : code_(code), message_(std::move(msg)) {}

  StatusCode code_ = StatusCode::kOk;
  std::string message_;
};

const char* StatusCodeName(StatusCode code);

// Either a value or a non-ok Status.
template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : data_(std::move(value)) {}        // NOLINT: implicit by design
  Result(Status status) : data_(std::move(status)) {  // NOLINT: implicit by design
    assert(!std::get<Status>(data_).ok());
  }

  bool ok() const { return std::holds_alternative<T>(data_); }
  const Status& status() const {
    static const Status kOkStatus;
    return ok() ? kOkStatus : std::get<Status>(data_);
  }
  T& value() & { return std::get<T>(data_); }
  const T& value() const& { return std::get<T>(data_); }
  T&& value() && { return std::get<T>(std::move(data_)); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }

 private:
  std::variant<T, Status> data_;
};

}  // namespace lode

// Returns early from the enclosing function when `expr` is not ok.
#define LODE_RETURN_IF_ERROR(expr)               \
  do {                                           \
    ::lode::Status lode_status_ = (expr);        \
    if (!lode_status_.ok()) return lode_status_; \
  } while (0)

#define LODE_CONCAT_INNER(a, b) a##b
#define LODE_CONCAT(a, b) LODE_CONCAT_INNER(a, b)

// `LODE_ASSIGN_OR_RETURN(auto x, Foo());` declares x from a Result or
// returns its status.
#define LODE_ASSIGN_OR_RETURN(lhs, expr) \
  LODE_ASSIGN_OR_RETURN_IMPL(LODE_CONCAT(lode_result_, __LINE__), lhs, expr)
#define LODE_ASSIGN_OR_RETURN_IMPL(tmp, lhs, expr) \
  auto tmp = (expr);                               \
  if (!tmp.ok()) return tmp.status();              \
  lhs = std::move(tmp).value()
