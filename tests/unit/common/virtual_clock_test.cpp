// The platform's clock (#27 point 3): runs at the time scale's rate, freezes, resumes where it
// stopped, moves forward on demand and never back; what waits on it is told how long.
#include "common/virtual_clock.hpp"

#include <gtest/gtest.h>

#include <stdexcept>

namespace lokku::common {
namespace {

using namespace std::chrono_literals;

struct FakeReal {
  std::chrono::steady_clock::time_point t{std::chrono::hours(1000)};
  VirtualClock::RealNow fn() {
    return [this] { return t; };
  }
};

TEST(VirtualClock, RunsAtTheTimeScalesRate) {
  FakeReal real;
  VirtualClock c(TimeScale(60), real.fn());
  const auto start = c.now();
  real.t += 1s;
  EXPECT_EQ(c.now() - start, std::chrono::minutes(1));
  // A cool-off of 20 (Heroku) minutes is 20 real seconds away at 60x.
  EXPECT_EQ(c.real_until(c.now() + 20min), std::chrono::nanoseconds(20s));
  EXPECT_EQ(c.real_until(c.now() - 1min), std::chrono::nanoseconds(0));
  EXPECT_EQ(c.virtual_duration(2s), std::chrono::nanoseconds(2min));
  // Ten minutes up on the clock (CRASH-4) are ten scaled seconds; a 2 s wait ends 2 min on.
  EXPECT_EQ(c.real_duration(10min), std::chrono::nanoseconds(10s));
  EXPECT_EQ(c.after(2s) - c.now(), std::chrono::minutes(2));
}

TEST(VirtualClock, GoesOnFromWhereAFormerPlatformsClockStoodNeverBack) {
  FakeReal real;
  const auto ahead = std::chrono::system_clock::now() + 48h;
  VirtualClock later(TimeScale(1), real.fn(), ahead);
  EXPECT_EQ(later.now(), ahead);
  const auto before = std::chrono::system_clock::now();
  VirtualClock behind(TimeScale(1), real.fn(), before - 48h);  // stale: the system's time wins
  EXPECT_GE(behind.now(), before);
}

TEST(VirtualClock, FrozenItStandsAndResumesWhereItStopped) {
  FakeReal real;
  VirtualClock c(TimeScale(1), real.fn());
  c.freeze();
  const auto at = c.now();
  real.t += 10min;
  EXPECT_EQ(c.now(), at);
  EXPECT_TRUE(c.frozen());
  // Whatever waits on it waits for a change (a day at a time), unless it is due already.
  EXPECT_EQ(c.real_until(at + 1s), std::chrono::nanoseconds(24h));
  EXPECT_EQ(c.real_until(at), std::chrono::nanoseconds(0));
  c.resume();
  EXPECT_EQ(c.now(), at);
  real.t += 5s;
  EXPECT_EQ(c.now(), at + 5s);
}

TEST(VirtualClock, AdvancesForwardOnlyFrozenOrRunning) {
  FakeReal real;
  VirtualClock c(TimeScale(1), real.fn());
  const auto start = c.now();
  c.advance(24h);
  EXPECT_EQ(c.now() - start, std::chrono::hours(24));
  c.freeze();
  c.advance(1h);
  EXPECT_EQ(c.now() - start, std::chrono::hours(25));
  EXPECT_EQ(c.advanced(), std::chrono::nanoseconds(25h));
  EXPECT_THROW(c.advance(-5min), std::invalid_argument);
  EXPECT_EQ(c.now() - start, std::chrono::hours(25));
}

}  // namespace
}  // namespace lokku::common
