#include "transport/connection_limiter.h"

#include <gtest/gtest.h>

#include <optional>
#include <vector>

namespace lode {
namespace {

using Phase = ConnectionLimiter::Phase;
using Clock = ConnectionLimiter::Clock;
using Room = ConnectionLimiter::Room;
using std::chrono::milliseconds;
using std::chrono::seconds;

// Connections that record whether, and in which phase, they were evicted.
struct Conn {
  ConnectionLimiter::Slot slot;
  std::optional<Phase> evicted;
};

class ConnectionLimiterTest : public ::testing::Test {
 protected:
  Conn& Open(Clock::time_point at) {
    conns_.push_back(std::make_unique<Conn>());
    Conn* conn = conns_.back().get();
    conn->slot = limiter_.Open([conn](Phase p) { conn->evicted = p; }, at);
    return *conn;
  }

  const Clock::time_point t0_ = Clock::now();
  ConnectionLimiter limiter_{3, milliseconds(1000)};
  std::vector<std::unique_ptr<Conn>> conns_;
};

TEST_F(ConnectionLimiterTest, RoomUnderTheCap) {
  EXPECT_EQ(limiter_.MakeRoom(t0_), Room::kNow);
  Open(t0_);
  Open(t0_);
  EXPECT_EQ(limiter_.open(), 2u);
  EXPECT_EQ(limiter_.MakeRoom(t0_), Room::kNow);
  conns_.pop_back();
  EXPECT_EQ(limiter_.open(), 1u);
}

TEST_F(ConnectionLimiterTest, TheOldestIdleConnectionGoesFirst) {
  Conn& a = Open(t0_);
  Conn& b = Open(t0_);
  Conn& c = Open(t0_);
  ASSERT_TRUE(a.slot.SetPhase(Phase::kBusy, t0_));
  ASSERT_TRUE(b.slot.SetPhase(Phase::kIdle, t0_ + milliseconds(20)));
  ASSERT_TRUE(c.slot.SetPhase(Phase::kIdle, t0_ + milliseconds(10)));
  EXPECT_EQ(limiter_.MakeRoom(t0_ + milliseconds(30)), Room::kNow);
  EXPECT_EQ(c.evicted, Phase::kIdle);
  EXPECT_FALSE(b.evicted.has_value());
  // The evicted connection cannot go on: it must close.
  EXPECT_FALSE(c.slot.SetPhase(Phase::kHeader));
  // The new connection is accepted while it closes.
  Open(t0_ + milliseconds(30));
  EXPECT_EQ(limiter_.open(), 4u);
  EXPECT_FALSE(limiter_.HasRoom());
  EXPECT_EQ(limiter_.MakeRoom(t0_ + milliseconds(40)), Room::kNow);
  EXPECT_EQ(b.evicted, Phase::kIdle);
  Open(t0_ + milliseconds(40));
  // Left: a busy one and two new ones still in their grace.
  EXPECT_EQ(limiter_.MakeRoom(t0_ + milliseconds(50)), Room::kNone);
  bool notified = false;
  limiter_.SetOnCloseWhileFull([&] { notified = true; });
  c.slot = {};
  EXPECT_TRUE(notified);
  EXPECT_EQ(limiter_.open(), 4u);
  EXPECT_FALSE(limiter_.HasRoom());  // b is closing, not yet closed
  b.slot = {};
  EXPECT_EQ(limiter_.open(), 3u);
}

TEST_F(ConnectionLimiterTest, AtMostSoManyClosingAtOnce) {
  ConnectionLimiter limiter(100, milliseconds(1000));
  std::vector<ConnectionLimiter::Slot> slots;
  for (int i = 0; i < 100; ++i) {
    slots.push_back(limiter.Open([](Phase) {}, t0_));
    ASSERT_TRUE(slots.back().SetPhase(Phase::kIdle, t0_ + milliseconds(i)));
  }
  for (size_t i = 0; i < ConnectionLimiter::kMaxClosing; ++i) {
    ASSERT_EQ(limiter.MakeRoom(t0_), Room::kNow) << i;
    slots.push_back(limiter.Open([](Phase) {}, t0_));
  }
  EXPECT_EQ(limiter.MakeRoom(t0_), Room::kSoon);
  // The oldest idle ones were chosen; one closes, and one more may be.
  EXPECT_FALSE(slots[0].SetPhase(Phase::kBusy));
  EXPECT_TRUE(slots[ConnectionLimiter::kMaxClosing].SetPhase(Phase::kIdle, t0_ + seconds(1)));
  slots[0] = {};
  EXPECT_EQ(limiter.MakeRoom(t0_), Room::kNow);
}

TEST_F(ConnectionLimiterTest, IdleBeforeSlowHeaders) {
  Conn& slow = Open(t0_);  // accepted first, header still arriving
  Conn& idle = Open(t0_);
  Open(t0_ + milliseconds(5000));
  ASSERT_TRUE(idle.slot.SetPhase(Phase::kIdle, t0_ + milliseconds(4000)));
  EXPECT_EQ(limiter_.MakeRoom(t0_ + milliseconds(5000)), Room::kNow);
  EXPECT_EQ(idle.evicted, Phase::kIdle);
  EXPECT_FALSE(slow.evicted.has_value());
}

TEST_F(ConnectionLimiterTest, AHeaderIsGivenItsGraceBeforeEviction) {
  Conn& a = Open(t0_);
  Conn& b = Open(t0_ + milliseconds(100));
  Open(t0_ + milliseconds(200));
  EXPECT_EQ(limiter_.MakeRoom(t0_ + milliseconds(999)), Room::kNone);
  EXPECT_FALSE(a.evicted.has_value());
  EXPECT_EQ(limiter_.MakeRoom(t0_ + milliseconds(1000)), Room::kNow);
  EXPECT_EQ(a.evicted, Phase::kHeader);
  EXPECT_FALSE(b.evicted.has_value());
}

TEST_F(ConnectionLimiterTest, BusyConnectionsAreNeverChosen) {
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(Open(t0_).slot.SetPhase(Phase::kBusy, t0_));
  int notified = 0;
  limiter_.SetOnCloseWhileFull([&] { ++notified; });
  EXPECT_EQ(limiter_.MakeRoom(t0_ + milliseconds(60000)), Room::kNone);
  for (const auto& c : conns_) EXPECT_FALSE(c->evicted.has_value());
  conns_.pop_back();
  EXPECT_EQ(notified, 1);
  EXPECT_EQ(limiter_.MakeRoom(t0_), Room::kNow);
  // Closes while there is room are not reported.
  conns_.pop_back();
  EXPECT_EQ(notified, 1);
}

TEST_F(ConnectionLimiterTest, AMovedSlotUnregistersOnce) {
  Conn& a = Open(t0_);
  ConnectionLimiter::Slot moved = std::move(a.slot);
  EXPECT_EQ(limiter_.open(), 1u);
  EXPECT_TRUE(a.slot.SetPhase(Phase::kBusy));  // an empty slot has no limit
  moved = {};
  EXPECT_EQ(limiter_.open(), 0u);
}

}  // namespace
}  // namespace lode
