// ReadPool: a fixed set of threads on which queries decode and filter part
// blocks, so that a query uses every core, and so that block buffers stay
// warm on a few threads instead of being faulted in on every connection's.
#pragma once

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace lode {

class ReadPool {
 public:
  // `threads` == 0 means one per core.
  explicit ReadPool(size_t threads);
  // Runs the tasks still queued, then joins the threads.
  ~ReadPool();

  ReadPool(const ReadPool&) = delete;
  ReadPool& operator=(const ReadPool&) = delete;

  // Runs `task` on a pool thread, in submission order.
  void Submit(std::function<void()> task);
  size_t threads() const { return threads_.size(); }

 private:
  void Loop();

  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::function<void()>> tasks_;  // guarded by mu_
  bool stopping_ = false;                    // guarded by mu_
  std::vector<std::thread> threads_;
};

}  // namespace lode
