#include "base/mutex.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <thread>
#include <vector>

namespace lode {
namespace {

using std::chrono::milliseconds;
using std::chrono::steady_clock;

// Long enough that a wait this long means a lost wake-up, not a slow
// machine.
constexpr milliseconds kLongWait{10000};

// A mutex and what it guards (GUARDED_BY applies to members only).
struct Guarded {
  Mutex mu;
  CondVar cv{mu};
  int64_t value GUARDED_BY(mu) = 0;
  bool flag GUARDED_BY(mu) = false;
};

TEST(MutexTest, ExcludesOtherThreads) {
  constexpr int kThreads = 8;
  constexpr int kIncrements = 20000;
  Guarded g;
  std::atomic<int> inside{0};
  std::atomic<int> overlaps{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < kIncrements; ++i) {
        MutexLock lock(g.mu);
        if (inside.fetch_add(1) != 0) ++overlaps;
        ++g.value;  // not atomic: lost updates would show in the total
        inside.fetch_sub(1);
      }
    });
  }
  for (std::thread& t : threads) t.join();
  MutexLock lock(g.mu);
  EXPECT_EQ(g.value, int64_t{kThreads} * kIncrements);
  EXPECT_EQ(overlaps.load(), 0);
}

TEST(MutexLockTest, UnlockLetsOthersInAndLockTakesItBack) {
  Guarded g;
  {
    MutexLock lock(g.mu);
    g.value = 1;
    lock.Unlock();
    // Another thread can take the mutex only if the scope really gave it up.
    std::thread other([&] {
      MutexLock other_lock(g.mu);
      g.value = 2;
    });
    other.join();
    lock.Lock();
    EXPECT_EQ(g.value, 2);
    g.value = 3;
  }
  // The destructor released it: another thread can take it.
  std::thread other([&] {
    MutexLock lock(g.mu);
    EXPECT_EQ(g.value, 3);
  });
  other.join();
}

TEST(MutexLockTest, ScopeEndingUnlockedLeavesTheMutexFree) {
  Mutex mu;
  {
    MutexLock lock(mu);
    lock.Unlock();
  }
  std::thread other([&] { MutexLock lock(mu); });
  other.join();
  MutexLock lock(mu);
}

TEST(CondVarTest, WaitForTimesOutWithoutASignal) {
  Mutex mu;
  CondVar cv(mu);
  MutexLock lock(mu);
  const auto start = steady_clock::now();
  bool timed_out = false;
  // A spurious wake-up returns early without a timeout: wait again.
  while (!timed_out) timed_out = cv.WaitFor(milliseconds(30));
  EXPECT_GE(steady_clock::now() - start, milliseconds(30));
}

TEST(CondVarTest, WaitUntilAPassedDeadlineReturnsAtOnce) {
  Mutex mu;
  CondVar cv(mu);
  MutexLock lock(mu);
  const auto start = steady_clock::now();
  EXPECT_TRUE(cv.WaitUntil(start - milliseconds(1)));
  EXPECT_LT(steady_clock::now() - start, kLongWait);
}

TEST(CondVarTest, WaitUntilTimesOutAtTheDeadline) {
  Mutex mu;
  CondVar cv(mu);
  MutexLock lock(mu);
  const auto deadline = steady_clock::now() + milliseconds(30);
  while (!cv.WaitUntil(deadline)) {
  }
  EXPECT_GE(steady_clock::now(), deadline);
}

TEST(CondVarTest, SignalWakesAWaiterBeforeItsTimeout) {
  Guarded g;
  bool timed_out = false;
  std::thread waiter([&] {
    MutexLock lock(g.mu);
    const auto deadline = steady_clock::now() + kLongWait;
    while (!g.flag && !timed_out) timed_out = g.cv.WaitUntil(deadline);
  });
  {
    // Taking the mutex here also shows that the waiter released it.
    MutexLock lock(g.mu);
    g.flag = true;
    g.cv.Signal();
  }
  waiter.join();
  EXPECT_FALSE(timed_out);
}

TEST(CondVarTest, WaitReturnsWithTheMutexHeld) {
  Guarded g;
  std::atomic<bool> woken{false};
  std::thread waiter([&] {
    MutexLock lock(g.mu);
    while (g.value == 0) g.cv.Wait();
    woken = true;
    // The main thread cannot take the mutex while this thread sleeps
    // holding it, so it never sees the value 1 again.
    std::this_thread::sleep_for(milliseconds(50));
    g.value = 2;
  });
  {
    MutexLock lock(g.mu);
    g.value = 1;
    g.cv.SignalAll();
  }
  while (!woken) std::this_thread::yield();
  {
    MutexLock lock(g.mu);
    EXPECT_EQ(g.value, 2);
  }
  waiter.join();
}

TEST(CondVarTest, SignalAllWakesEveryWaiter) {
  constexpr int kWaiters = 6;
  Guarded g;  // value: the threads waiting; flag: go
  CondVar waiting_cv(g.mu);
  std::atomic<int> timeouts{0};
  std::vector<std::thread> waiters;
  for (int i = 0; i < kWaiters; ++i) {
    waiters.emplace_back([&] {
      MutexLock lock(g.mu);
      ++g.value;
      waiting_cv.Signal();
      const auto deadline = steady_clock::now() + kLongWait;
      while (!g.flag) {
        if (g.cv.WaitUntil(deadline)) {
          ++timeouts;
          break;
        }
      }
    });
  }
  {
    MutexLock lock(g.mu);
    while (g.value < kWaiters) waiting_cv.Wait();
    g.flag = true;
    g.cv.SignalAll();
  }
  for (std::thread& t : waiters) t.join();
  EXPECT_EQ(timeouts.load(), 0);
}

}  // namespace
}  // namespace lode
