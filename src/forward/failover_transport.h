// Several push targets behind one Transport: a send goes to the first
// target whose circuit is closed and fails over to the next on a
// retryable failure. A target that fails `failures_to_open` times in a
// row (a busy answer, 429, is no failure) has its circuit opened: it is
// skipped for a cool-down (doubling on each failed trial, up to
// max_cooldown), then tried by one send at a time (half-open), and closed
// again by a success.
//
// Thread-safe: the forwarder's senders call Send concurrently, and share
// the circuit breakers (a target's failures count whichever sender saw
// them); sends run outside the lock, so they proceed in parallel.
#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "base/mutex.h"
#include "forward/forwarder.h"
#include "io/clock.h"

namespace lode {

struct CircuitBreakerOptions {
  int failures_to_open = 5;
  std::chrono::milliseconds cooldown{5000};
  std::chrono::milliseconds max_cooldown{60000};
  // What cool-downs are measured by; never null.
  Clock* clock = Clock::Real();
};

class FailoverTransport final : public Transport {
 public:
  FailoverTransport(std::vector<std::unique_ptr<Transport>> targets, std::vector<std::string> names,
                    CircuitBreakerOptions options);

  SendOutcome Send(const std::string& body, const std::string& batch_id) override;

  // For the summary: sends accepted per target, failovers, circuit opens.
  struct Stats {
    std::vector<uint64_t> accepted;
    uint64_t failovers = 0;
    uint64_t circuit_opens = 0;
  };
  Stats stats() const;

 private:
  struct Target {
    std::unique_ptr<Transport> transport;
    std::string name;
    int consecutive_failures = 0;
    bool open = false;
    bool trial_in_flight = false;  // a half-open trial send is out
    std::chrono::steady_clock::time_point retry_at{};
    std::chrono::milliseconds cooldown{0};
  };
  void Failed(Target& t, bool trial, const std::string& detail) REQUIRES(mu_);

  const CircuitBreakerOptions options_;
  mutable Mutex mu_;
  // Fixed at construction but for the circuit state; a send calls its
  // target's transport outside the lock.
  std::vector<Target> targets_ GUARDED_BY(mu_);
  size_t preferred_ GUARDED_BY(mu_) = 0;
  Stats stats_ GUARDED_BY(mu_);
};

}  // namespace lode
