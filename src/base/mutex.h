// Mutex, MutexLock and CondVar: std::mutex and std::condition_variable
// with the annotations of base/thread_annotations.h, so that clang checks
// every member declared GUARDED_BY(mu_) is touched only under mu_ (as
// LevelDB's port::Mutex does).
//
//   mutable Mutex mu_;
//   CondVar cv_{mu_};
//   std::deque<Task> tasks_ GUARDED_BY(mu_);
//
//   void Push(Task t) {
//     MutexLock lock(mu_);
//     tasks_.push_back(std::move(t));
//     cv_.Signal();
//   }
//
// Not reentrant: a thread must not lock a Mutex it holds.
#pragma once

#include <chrono>
#include <condition_variable>
#include <mutex>

#include "base/thread_annotations.h"

namespace lode {

class CAPABILITY("mutex") Mutex {
 public:
  Mutex() = default;
  Mutex(const Mutex&) = delete;
  Mutex& operator=(const Mutex&) = delete;

  void Lock() ACQUIRE() { mu_.lock(); }
  void Unlock() RELEASE() { mu_.unlock(); }

  // Tells the analysis that the calling thread holds this mutex, where it
  // cannot see so itself (in a callback run under the lock, say). Checks
  // nothing at run time.
  void AssertHeld() const ASSERT_CAPABILITY(this) {}

 private:
  friend class CondVar;
  std::mutex mu_;
};

// Holds a Mutex from construction to destruction. Unlock and Lock let a
// scope give the mutex up for a while (around a slow call) and take it
// again, like std::unique_lock; the destructor unlocks only if held.
class SCOPED_CAPABILITY MutexLock {
 public:
  explicit MutexLock(Mutex& mu) ACQUIRE(mu) : mu_(mu) { mu_.Lock(); }
  ~MutexLock() RELEASE() {
    if (locked_) mu_.Unlock();
  }

  MutexLock(const MutexLock&) = delete;
  MutexLock& operator=(const MutexLock&) = delete;

  void Unlock() RELEASE() {
    mu_.Unlock();
    locked_ = false;
  }
  void Lock() ACQUIRE() {
    mu_.Lock();
    locked_ = true;
  }

 private:
  Mutex& mu_;
  bool locked_ = true;
};

// A condition variable bound to one Mutex, which every caller of Wait*
// must hold: a wait releases it, sleeps until signalled (or, rarely, for
// no reason: wait in a loop that checks the condition), and takes it
// again before returning. The analysis does not check that the mutex is
// held around a wait: it cannot tell which mutex a CondVar is bound to.
class CondVar {
 public:
  explicit CondVar(Mutex& mu) : mu_(mu) {}
  CondVar(const CondVar&) = delete;
  CondVar& operator=(const CondVar&) = delete;

  void Wait() {
    std::unique_lock<std::mutex> lock(mu_.mu_, std::adopt_lock);
    cv_.wait(lock);
    lock.release();  // still held: the caller's lock owns it
  }

  // Wait, giving up after `timeout`, or at `deadline`. True if it gave up
  // without being signalled.
  template <typename Rep, typename Period>
  bool WaitFor(std::chrono::duration<Rep, Period> timeout) {
    return WaitUntil(std::chrono::steady_clock::now() + timeout);
  }
  template <typename Clock, typename Duration>
  bool WaitUntil(std::chrono::time_point<Clock, Duration> deadline) {
    std::unique_lock<std::mutex> lock(mu_.mu_, std::adopt_lock);
    const bool timed_out = cv_.wait_until(lock, deadline) == std::cv_status::timeout;
    lock.release();
    return timed_out;
  }

  // Wakes one waiter, or all of them. The mutex need not be held.
  void Signal() { cv_.notify_one(); }
  void SignalAll() { cv_.notify_all(); }

 private:
  Mutex& mu_;
  std::condition_variable cv_;
};

}  // namespace lode
