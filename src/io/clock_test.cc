#include "io/clock.h"

#include <gtest/gtest.h>

#include "io/env.h"

namespace lode {
namespace {

TEST(ClockTest, TheRealClockReadsTheSystemClocks) {
  Clock* clock = Clock::Real();
  const int64_t before = std::chrono::duration_cast<std::chrono::nanoseconds>(
                             std::chrono::system_clock::now().time_since_epoch())
                             .count();
  const int64_t now = clock->NowNanos();
  EXPECT_GE(now, before);
  EXPECT_LT(now - before, int64_t{60} * 1'000'000'000);
  auto a = clock->Monotonic();
  auto b = clock->Monotonic();
  EXPECT_LE(a, b);
  EXPECT_EQ(Env::Default()->clock(), Clock::Real());
}

TEST(ClockTest, AManualClockMovesOnlyWhenAdvanced) {
  ManualClock clock(1000);
  EXPECT_EQ(clock.NowNanos(), 1000);
  auto start = clock.Monotonic();
  EXPECT_EQ(clock.Monotonic(), start);
  clock.Advance(std::chrono::seconds(2));
  EXPECT_EQ(clock.NowNanos(), 1000 + 2'000'000'000);
  EXPECT_EQ(clock.Monotonic() - start, std::chrono::seconds(2));
}

}  // namespace
}  // namespace lode
