#include "dyno/restart_policy.hpp"

#include <gtest/gtest.h>

namespace lokku::dyno {
namespace {

using namespace std::chrono_literals;
using std::chrono::nanoseconds;

Clock::time_point t0() {
  return Clock::time_point(1h);
}

// dynos.md CRASH-2/3: immediate, then 20, 40, 60, 180, 320, 320... minutes.
TEST(RestartPolicy, HerokuSchedule) {
  RestartPolicy p(RestartPolicyOptions::make(RestartProfile::heroku, 1));
  std::vector<nanoseconds> waits;
  for (int i = 0; i < 8; ++i) {
    waits.push_back(p.on_crash(t0() + std::chrono::minutes(i), {}));
  }
  EXPECT_EQ(waits,
            (std::vector<nanoseconds>{0min, 20min, 40min, 60min, 180min, 320min, 320min, 320min}));
}

// CONVENTIONS.md, Time: the schedule is divided by the time scale.
TEST(RestartPolicy, ScaledSchedule) {
  RestartPolicy p(RestartPolicyOptions::make(RestartProfile::heroku, 1200));
  EXPECT_EQ(p.on_crash(t0(), {}), 0s);
  EXPECT_EQ(p.on_crash(t0(), {}), 1s);
  EXPECT_EQ(p.on_crash(t0(), {}), 2s);
}

// CRASH-4: up for at least 10 minutes resets the count; so does a restart by hand.
TEST(RestartPolicy, ResetsAfterTenMinutesUp) {
  RestartPolicy p(RestartPolicyOptions::make(RestartProfile::heroku, 1));
  p.on_crash(t0(), {});
  EXPECT_EQ(p.on_crash(t0() + 1min, t0() + 30s), 20min);    // up only 30 s
  EXPECT_EQ(p.on_crash(t0() + 30min, t0() + 19min), 0min);  // up 11 minutes
  EXPECT_EQ(p.consecutive_crashes(), 1);
  // Told the time up (the platform's clock measures it): the same rule.
  EXPECT_EQ(p.on_crash(std::optional<std::chrono::nanoseconds>(9min)), 20min);
  EXPECT_EQ(p.on_crash(std::optional<std::chrono::nanoseconds>(10min)), 0min);
  EXPECT_EQ(p.on_crash(std::nullopt), 20min);  // never up: counts on
  p.on_crash(t0() + 31min, {});
  p.reset();
  EXPECT_EQ(p.on_crash(t0() + 32min, {}), 0min);
}

// CRASH-5: no back-off.
TEST(RestartPolicy, NoBackoffRestartsAtOnce) {
  RestartPolicy p(RestartPolicyOptions::make(RestartProfile::none, 1));
  for (int i = 0; i < 5; ++i) {
    EXPECT_EQ(p.on_crash(t0(), {}), 0s);
  }
}

// CRASH-3: the capped profile waits up to 20 minutes every time.
TEST(RestartPolicy, CappedProfile) {
  RestartPolicy p(RestartPolicyOptions::make(RestartProfile::capped, 1));
  std::vector<nanoseconds> waits;
  for (int i = 0; i < 5; ++i) {
    waits.push_back(p.on_crash(t0(), {}));
  }
  EXPECT_EQ(waits, (std::vector<nanoseconds>{0min, 20min, 20min, 20min, 20min}));
}

// CRASH-3: optional jitter draws each wait in (0, bound]; the first restart stays immediate.
TEST(RestartPolicy, JitterScalesTheBound) {
  std::vector<double> draws{0.5, 0.25, 1.0};
  std::size_t next = 0;
  RestartPolicy p(RestartPolicyOptions::make(RestartProfile::heroku, 1, true),
                  [&] { return draws[next++]; });
  EXPECT_EQ(p.on_crash(t0(), {}), 0min);
  EXPECT_EQ(p.on_crash(t0(), {}), 10min);  // 0.5 of 20
  EXPECT_EQ(p.on_crash(t0(), {}), 10min);  // 0.25 of 40
  EXPECT_EQ(p.on_crash(t0(), {}), 60min);  // 1.0 of 60
}

TEST(RestartPolicy, ProfileNames) {
  EXPECT_EQ(parse_restart_profile("heroku"), RestartProfile::heroku);
  EXPECT_EQ(parse_restart_profile("capped"), RestartProfile::capped);
  EXPECT_EQ(parse_restart_profile("none"), RestartProfile::none);
  EXPECT_EQ(parse_restart_profile("fast"), std::nullopt);
}

}  // namespace
}  // namespace lokku::dyno
