#include "forward/failover_transport.h"

#include <gtest/gtest.h>

#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <thread>

namespace lode {
namespace {

// A target that answers from a script, for the failover logic.
// Answers as set; the next send can be held until released.
class FixedTransport : public Transport {
 public:
  explicit FixedTransport(SendOutcome::Kind kind) : kind_(kind) {}
  SendOutcome Send(const std::string&, const std::string&) override {
    std::unique_lock lock(mu_);
    ++calls;
    if (hold_next_) {
      hold_next_ = false;
      held_ = true;
      cv_.notify_all();
      cv_.wait(lock, [&] { return !held_; });
    }
    return {kind_, "scripted"};
  }
  void set(SendOutcome::Kind kind) {
    std::lock_guard lock(mu_);
    kind_ = kind;
  }
  void HoldNext() {
    std::lock_guard lock(mu_);
    hold_next_ = true;
  }
  bool WaitUntilHeld() {
    std::unique_lock lock(mu_);
    return cv_.wait_for(lock, std::chrono::seconds(3), [&] { return held_; });
  }
  void Release() {
    std::lock_guard lock(mu_);
    held_ = false;
    cv_.notify_all();
  }
  int calls = 0;  // read by the test once no send is running

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  SendOutcome::Kind kind_;
  bool hold_next_ = false;
  bool held_ = false;
};

// The targets a and b, a preferred.
std::vector<std::unique_ptr<Transport>> Targets(std::unique_ptr<Transport> a,
                                                std::unique_ptr<Transport> b) {
  std::vector<std::unique_ptr<Transport>> targets;
  targets.push_back(std::move(a));
  targets.push_back(std::move(b));
  return targets;
}

TEST(FailoverTransportTest, FailsOverAndOpensTheCircuitOfAFailingTarget) {
  auto first = std::make_unique<FixedTransport>(SendOutcome::Kind::kRetryable);
  auto second = std::make_unique<FixedTransport>(SendOutcome::Kind::kAccepted);
  FixedTransport* a = first.get();
  FixedTransport* b = second.get();
  CircuitBreakerOptions breaker;
  breaker.failures_to_open = 2;
  breaker.cooldown = std::chrono::milliseconds(100);
  ManualClock clock;
  breaker.clock = &clock;
  FailoverTransport t(Targets(std::move(first), std::move(second)), {"a", "b"}, breaker);
  EXPECT_EQ(t.Send("body", "id").kind, SendOutcome::Kind::kAccepted);
  EXPECT_EQ(a->calls, 1);
  EXPECT_EQ(b->calls, 1);
  // b is now preferred; a is tried again only when b fails.
  b->set(SendOutcome::Kind::kRetryable);
  EXPECT_EQ(t.Send("body", "id").kind, SendOutcome::Kind::kRetryable);
  EXPECT_EQ(a->calls, 2);  // a's second failure opens its circuit
  EXPECT_EQ(t.stats().circuit_opens, 1u);
  b->set(SendOutcome::Kind::kAccepted);
  a->set(SendOutcome::Kind::kAccepted);
  EXPECT_EQ(t.Send("body", "id").kind, SendOutcome::Kind::kAccepted);
  EXPECT_EQ(a->calls, 2);
  // A rejection is the body's fault: no failover.
  b->set(SendOutcome::Kind::kRejected);
  EXPECT_EQ(t.Send("body", "id").kind, SendOutcome::Kind::kRejected);
  EXPECT_EQ(a->calls, 2);
  // After the cool-down, a's circuit lets a trial through.
  clock.Advance(std::chrono::milliseconds(150));
  b->set(SendOutcome::Kind::kRetryable);
  EXPECT_EQ(t.Send("body", "id").kind, SendOutcome::Kind::kAccepted);
  EXPECT_EQ(a->calls, 3);
}

// 429 is a busy target, not a failing one: the send fails over, but no
// circuit opens, and the caller learns that a target is alive.
TEST(FailoverTransportTest, ABusyTargetIsTriedAgainAndOpensNoCircuit) {
  class Busy : public Transport {
   public:
    SendOutcome Send(const std::string&, const std::string&) override {
      ++calls;
      SendOutcome outcome{SendOutcome::Kind::kRetryable, "HTTP 429: busy"};
      outcome.throttled = true;
      return outcome;
    }
    int calls = 0;
  };
  auto busy = std::make_unique<Busy>();
  auto down = std::make_unique<FixedTransport>(SendOutcome::Kind::kRetryable);
  Busy* a = busy.get();
  FixedTransport* b = down.get();
  CircuitBreakerOptions breaker;
  breaker.failures_to_open = 2;
  FailoverTransport t(Targets(std::move(busy), std::move(down)), {"a", "b"}, breaker);
  for (int i = 0; i < 5; ++i) {
    SendOutcome outcome = t.Send("body", "id");
    EXPECT_EQ(outcome.kind, SendOutcome::Kind::kRetryable);
    EXPECT_TRUE(outcome.throttled) << "a answered, though b is down";
  }
  EXPECT_EQ(a->calls, 5);  // never skipped
  EXPECT_EQ(b->calls, 2);  // b's circuit opened after two failures
  EXPECT_EQ(t.stats().circuit_opens, 1u);
}

// With several senders, a half-open circuit lets one trial through at a
// time; the others are told every circuit is open rather than piling onto
// a target that may still be down.
TEST(FailoverTransportTest, OneSendAtATimeMakesTheHalfOpenTrial) {
  auto only = std::make_unique<FixedTransport>(SendOutcome::Kind::kRetryable);
  FixedTransport* a = only.get();
  std::vector<std::unique_ptr<Transport>> targets;
  targets.push_back(std::move(only));
  CircuitBreakerOptions breaker;
  breaker.failures_to_open = 1;
  breaker.cooldown = std::chrono::milliseconds(50);
  ManualClock clock;
  breaker.clock = &clock;
  FailoverTransport t(std::move(targets), {"a"}, breaker);
  EXPECT_EQ(t.Send("body", "id").kind, SendOutcome::Kind::kRetryable);
  EXPECT_EQ(t.stats().circuit_opens, 1u);
  // Within the cool-down the open circuit is not tried at all.
  clock.Advance(std::chrono::milliseconds(40));
  EXPECT_EQ(t.Send("body", "early").kind, SendOutcome::Kind::kRetryable);
  EXPECT_EQ(a->calls, 1);
  clock.Advance(std::chrono::milliseconds(40));

  a->set(SendOutcome::Kind::kAccepted);
  a->HoldNext();
  SendOutcome trial_outcome;
  std::thread trial([&] { trial_outcome = t.Send("body", "trial"); });
  const bool held = a->WaitUntilHeld();
  // While the trial is out, another send does not reach the target.
  SendOutcome other = t.Send("body", "other");
  a->Release();
  trial.join();
  ASSERT_TRUE(held);
  EXPECT_EQ(other.kind, SendOutcome::Kind::kRetryable);
  EXPECT_EQ(other.detail, "every target's circuit is open");
  EXPECT_EQ(trial_outcome.kind, SendOutcome::Kind::kAccepted);
  EXPECT_EQ(a->calls, 2);
  // The trial's success closed the circuit.
  EXPECT_EQ(t.Send("body", "id").kind, SendOutcome::Kind::kAccepted);
  EXPECT_EQ(a->calls, 3);
}

}  // namespace
}  // namespace lode
