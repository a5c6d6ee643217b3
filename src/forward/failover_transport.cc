#include "forward/failover_transport.h"

#include "base/log.h"

namespace lode {

FailoverTransport::FailoverTransport(std::vector<std::unique_ptr<Transport>> targets,
                                     std::vector<std::string> names, CircuitBreakerOptions options)
    : options_(options) {
  for (size_t i = 0; i < targets.size(); ++i) {
    Target t;
    t.transport = std::move(targets[i]);
    t.name = i < names.size() ? names[i] : "target " + std::to_string(i);
    t.cooldown = options_.cooldown;
    targets_.push_back(std::move(t));
  }
  stats_.accepted.resize(targets_.size());
}

void FailoverTransport::Failed(Target& t, bool trial, const std::string& detail) {
  ++t.consecutive_failures;
  if (trial) {
    // A half-open trial failed: wait longer before the next.
    t.cooldown = std::min(options_.max_cooldown, t.cooldown * 2);
    t.retry_at = options_.clock->Monotonic() + t.cooldown;
    return;
  }
  // A send that left before another opened the circuit: counted, but the
  // circuit's clock is the trial's.
  if (t.open) return;
  if (t.consecutive_failures >= options_.failures_to_open) {
    t.open = true;
    t.cooldown = options_.cooldown;
    t.retry_at = options_.clock->Monotonic() + t.cooldown;
    ++stats_.circuit_opens;
    log::Warn("circuit opened", {{"target", t.name},
                                 {"failures", std::to_string(t.consecutive_failures)},
                                 {"cooldown", std::to_string(t.cooldown.count()) + "ms"},
                                 {"err", detail}});
  }
}

SendOutcome FailoverTransport::Send(const std::string& body, const std::string& batch_id) {
  MutexLock lock(mu_);
  const size_t n = targets_.size();
  SendOutcome last{SendOutcome::Kind::kRetryable, "no push target"};
  bool tried = false;
  bool throttled = false;  // some target answered that it is busy
  for (size_t k = 0; k < n; ++k) {
    size_t i = (preferred_ + k) % n;
    Target& t = targets_[i];
    // An open circuit is skipped until its cool-down has passed, and then
    // while another send makes the trial.
    if (t.open && (t.trial_in_flight || options_.clock->Monotonic() < t.retry_at)) continue;
    const bool trial = t.open;
    if (trial) t.trial_in_flight = true;
    if (tried) ++stats_.failovers;
    tried = true;
    lock.Unlock();
    SendOutcome outcome = t.transport->Send(body, batch_id);
    lock.Lock();
    if (trial) t.trial_in_flight = false;
    if (outcome.kind == SendOutcome::Kind::kAccepted) {
      if (t.open) log::Info("circuit closed", {{"target", t.name}});
      t.open = false;
      t.consecutive_failures = 0;
      t.cooldown = options_.cooldown;
      preferred_ = i;
      ++stats_.accepted[i];
      return outcome;
    }
    if (outcome.kind == SendOutcome::Kind::kRejected) return outcome;  // the body is at fault
    // A busy target is alive: try the next, but count no failure.
    if (outcome.throttled) {
      throttled = true;
    } else {
      Failed(t, trial, outcome.detail);
    }
    last = outcome;
    last.detail = t.name + ": " + outcome.detail;
  }
  if (!tried) {
    return {SendOutcome::Kind::kRetryable, "every target's circuit is open"};
  }
  last.throttled = throttled;
  return last;
}

FailoverTransport::Stats FailoverTransport::stats() const {
  MutexLock lock(mu_);
  return stats_;
}

}  // namespace lode
