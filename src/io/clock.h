// The time lode reads: the wall clock for record times and ages, the
// monotonic clock for intervals (head age, back-off, cool-downs). Code
// that decides by time asks a Clock rather than the system, so tests can
// move time with a ManualClock instead of sleeping.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>

#include "base/mutex.h"

namespace lode {

class Clock {
 public:
  virtual ~Clock() = default;

  // The system's clocks. Never null; owned by the process.
  static Clock* Real();

  // Nanoseconds since the Unix epoch.
  virtual int64_t NowNanos() = 0;
  virtual std::chrono::steady_clock::time_point Monotonic() = 0;

  // Waits on `cv` (its mutex held) until signalled or until Monotonic()
  // reaches `deadline`; may also return early, so callers check their
  // condition and the time again. True once the deadline has passed.
  virtual bool WaitUntil(CondVar& cv, std::chrono::steady_clock::time_point deadline) = 0;
  // Returns once Monotonic() has reached `deadline`.
  virtual void SleepUntil(std::chrono::steady_clock::time_point deadline) = 0;
};

// A clock that moves only when told; thread-safe. Both readings advance
// together. Waits on it poll every millisecond of real time, so a thread
// waiting for a deadline goes on soon after a test advances past it.
class ManualClock final : public Clock {
 public:
  explicit ManualClock(int64_t now_nanos = 1'700'000'000'000'000'000)
      : now_(now_nanos), monotonic_(0) {}

  int64_t NowNanos() override { return now_.load(); }
  std::chrono::steady_clock::time_point Monotonic() override {
    return std::chrono::steady_clock::time_point(std::chrono::nanoseconds(monotonic_.load()));
  }

  bool WaitUntil(CondVar& cv, std::chrono::steady_clock::time_point deadline) override {
    if (Monotonic() >= deadline) return true;
    cv.WaitFor(kPoll);
    return Monotonic() >= deadline;
  }
  void SleepUntil(std::chrono::steady_clock::time_point deadline) override;

  void Advance(std::chrono::nanoseconds by) {
    now_ += by.count();
    monotonic_ += by.count();
  }

 private:
  static constexpr std::chrono::milliseconds kPoll{1};
  std::atomic<int64_t> now_;
  std::atomic<int64_t> monotonic_;
};

}  // namespace lode
