// What the forwarder's tests (forwarder_test.cc, forwarder_senders_test.cc)
// share: transports that answer from a script or accept after a delay,
// the lines and timestamps of a push body as sent, and options that make
// a forwarder fast and its sends ordered.
#pragma once

#include <gtest/gtest.h>
#include <snappy.h>

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "forward/forwarder.h"
#include "proto/loki_push.pb.h"

namespace lode {

inline constexpr std::chrono::milliseconds kNever{
    3'600'000};  // batch_wait that never fires in a test
inline constexpr std::chrono::milliseconds kPatience{3'000};  // how long a test waits for a send

// A Transport that records every body it is given and answers from a
// script; once the script runs out it accepts. Send can be held closed to
// keep the sender thread busy.
class ScriptedTransport : public Transport {
 public:
  struct Attempt {
    std::string body;
    std::string batch_id;
    SendOutcome::Kind kind;
  };

  explicit ScriptedTransport(std::vector<SendOutcome> script = {}) : script_(std::move(script)) {}

  SendOutcome Send(const std::string& body, const std::string& batch_id) override {
    std::unique_lock lock(mu_);
    ++waiting_;
    cv_.notify_all();
    cv_.wait(lock, [&] { return open_; });
    --waiting_;
    SendOutcome outcome;
    if (next_ < script_.size()) outcome = script_[next_++];
    attempts_.push_back(Attempt{body, batch_id, outcome.kind});
    cv_.notify_all();
    return outcome;
  }

  void SetOpen(bool open) {
    std::lock_guard lock(mu_);
    open_ = open;
    cv_.notify_all();
  }

  // True once `n` Send calls have completed (false after kPatience).
  bool WaitForAttempts(size_t n) {
    std::unique_lock lock(mu_);
    return cv_.wait_for(lock, kPatience, [&] { return attempts_.size() >= n; });
  }

  // True once `n` Send calls are blocked on the closed gate.
  bool WaitForBlockedSend(int n = 1) {
    std::unique_lock lock(mu_);
    return cv_.wait_for(lock, kPatience, [&] { return waiting_ >= n; });
  }

  std::vector<Attempt> attempts() const {
    std::lock_guard lock(mu_);
    return attempts_;
  }

 private:
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::vector<SendOutcome> script_;
  size_t next_ = 0;
  bool open_ = true;
  int waiting_ = 0;
  std::vector<Attempt> attempts_;
};

// A Transport that accepts every body after `delay` and counts the sends
// in flight at once. With `rendezvous` > 1, each send first waits until
// that many have been in flight together (or kPatience has passed, which
// it notes).
class ConcurrentTransport : public Transport {
 public:
  explicit ConcurrentTransport(std::chrono::milliseconds delay, int rendezvous = 1)
      : delay_(delay), rendezvous_(rendezvous) {}

  SendOutcome Send(const std::string& body, const std::string&) override {
    std::unique_lock lock(mu_);
    ++in_flight_;
    max_in_flight_ = std::max(max_in_flight_, in_flight_);
    cv_.notify_all();
    // After one miss the others do not wait: the test has failed already.
    if (!rendezvous_missed_ &&
        !cv_.wait_for(lock, kPatience, [&] { return max_in_flight_ >= rendezvous_; })) {
      rendezvous_missed_ = true;
    }
    lock.unlock();
    std::this_thread::sleep_for(delay_);
    lock.lock();
    --in_flight_;
    bodies_.push_back(body);
    return SendOutcome{SendOutcome::Kind::kAccepted, ""};
  }

  int max_in_flight() const {
    std::lock_guard lock(mu_);
    return max_in_flight_;
  }
  bool rendezvous_missed() const {
    std::lock_guard lock(mu_);
    return rendezvous_missed_;
  }
  std::vector<std::string> bodies() const {
    std::lock_guard lock(mu_);
    return bodies_;
  }

 private:
  const std::chrono::milliseconds delay_;
  const int rendezvous_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  int in_flight_ = 0;
  int max_in_flight_ = 0;
  bool rendezvous_missed_ = false;
  std::vector<std::string> bodies_;
};

// Opens a ScriptedTransport's gate when it goes out of scope: declared
// after the Forwarder, so that a failed assertion does not leave the
// Forwarder's destructor waiting for senders blocked on a closed gate.
class OpenOnExit {
 public:
  explicit OpenOnExit(ScriptedTransport& transport) : transport_(transport) {}
  ~OpenOnExit() { transport_.SetOpen(true); }

 private:
  ScriptedTransport& transport_;
};

struct Value {
  int64_t timestamp;
  std::string line;
};

// A push body (snappy-compressed PushRequest) as it was sent.
inline wire::loki::PushRequest Decode(const std::string& body) {
  std::string raw;
  EXPECT_TRUE(snappy::Uncompress(body.data(), body.size(), &raw));
  wire::loki::PushRequest request;
  EXPECT_TRUE(request.ParseFromString(raw));
  return request;
}

// The [ts, line] pairs of a push body.
inline std::vector<Value> ValuesOf(const std::string& body) {
  std::vector<Value> out;
  const wire::loki::PushRequest request = Decode(body);
  for (const auto& stream : request.streams()) {
    for (const auto& e : stream.entries()) {
      out.push_back(
          Value{e.timestamp().seconds() * 1'000'000'000 + e.timestamp().nanos(), e.line()});
    }
  }
  return out;
}

inline std::vector<std::string> LinesOf(const std::string& body) {
  std::vector<std::string> lines;
  for (const Value& v : ValuesOf(body)) lines.push_back(v.line);
  return lines;
}

// Lines of every accepted body, in send order.
inline std::vector<std::string> AcceptedLines(const ScriptedTransport& transport) {
  std::vector<std::string> lines;
  for (const auto& a : transport.attempts()) {
    if (a.kind != SendOutcome::Kind::kAccepted) continue;
    for (std::string& l : LinesOf(a.body)) lines.push_back(std::move(l));
  }
  return lines;
}

inline std::vector<std::string> Numbered(int n) {
  std::vector<std::string> lines;
  for (int i = 0; i < n; ++i) lines.push_back("line-" + std::to_string(i));
  return lines;
}

inline ForwarderOptions FastOptions() {
  ForwarderOptions options;
  options.labels = Labels{{"job", "test"}};
  options.batch_wait = kNever;
  options.concurrency = 1;  // one sender: sends in order
  options.min_backoff = std::chrono::milliseconds(1);
  options.max_backoff = std::chrono::milliseconds(2);
  return options;
}

}  // namespace lode
