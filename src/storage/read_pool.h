// ReadPool: a fixed set of threads on which queries decode and filter part
// blocks, so that a query uses every core, and so that block buffers stay
// warm on a few threads instead of being faulted in on every connection's.
#pragma once

#include <cstddef>
#include <deque>
#include <functional>
#include <thread>
#include <vector>

#include "base/mutex.h"

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

  Mutex mu_;
  CondVar cv_{mu_};
  std::deque<std::function<void()>> tasks_ GUARDED_BY(mu_);
  bool stopping_ GUARDED_BY(mu_) = false;
  std::vector<std::thread> threads_;
};

}  // namespace lode
