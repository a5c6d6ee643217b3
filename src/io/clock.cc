#include "io/clock.h"

#include <thread>

namespace lode {
namespace {

class RealClock final : public Clock {
 public:
  int64_t NowNanos() override {
    return std::chrono::duration_cast<std::chrono::nanoseconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
  }
  std::chrono::steady_clock::time_point Monotonic() override {
    return std::chrono::steady_clock::now();
  }
  bool WaitUntil(CondVar& cv, std::chrono::steady_clock::time_point deadline) override {
    cv.WaitUntil(deadline);
    return std::chrono::steady_clock::now() >= deadline;
  }
  void SleepUntil(std::chrono::steady_clock::time_point deadline) override {
    std::this_thread::sleep_until(deadline);
  }
};

}  // namespace

void ManualClock::SleepUntil(std::chrono::steady_clock::time_point deadline) {
  while (Monotonic() < deadline) std::this_thread::sleep_for(kPoll);
}

Clock* Clock::Real() {
  static RealClock* clock = new RealClock;
  return clock;
}

}  // namespace lode
