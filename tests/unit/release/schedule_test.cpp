// Heroku Scheduler's frequencies (dynos.md SCHED-1).
#include "release/schedule.hpp"

#include "release/error.hpp"

#include <gtest/gtest.h>

namespace lokku::release {
namespace {

using namespace std::chrono;

system_clock::time_point at(int h, int m, int s = 0) {
  // 2026-11-28 (a Saturday), UTC.
  return sys_days{year{2026} / 11 / 28} + hours(h) + minutes(m) + seconds(s);
}

TEST(Schedule, SCHED1FrequenciesAndTheirNextRuns) {
  auto ten = parse_frequency("every 10 minutes");
  EXPECT_EQ(ten.text(), "every 10 minutes");
  EXPECT_EQ(ten.interval(), minutes(10));
  EXPECT_EQ(next_run(ten, at(3, 4, 59)), at(3, 10));
  EXPECT_EQ(next_run(ten, at(3, 10)), at(3, 20));  // strictly after
  EXPECT_EQ(next_run(ten, at(23, 55)), at(0, 0) + days(1));

  auto hourly = parse_frequency("every hour at :20");
  EXPECT_EQ(hourly.text(), "every hour at :20");
  EXPECT_EQ(hourly.interval(), hours(1));
  EXPECT_EQ(next_run(hourly, at(3, 19, 59)), at(3, 20));
  EXPECT_EQ(next_run(hourly, at(3, 20)), at(4, 20));
  EXPECT_EQ(parse_frequency("Every hour").text(), "every hour at :00");

  auto daily = parse_frequency("every day at 6:30");
  EXPECT_EQ(daily.text(), "every day at 06:30");
  EXPECT_EQ(daily.interval(), hours(24));
  EXPECT_EQ(next_run(daily, at(5, 0)), at(6, 30));
  EXPECT_EQ(next_run(daily, at(7, 0)), at(6, 30) + days(1));
}

TEST(Schedule, OtherFrequenciesAreClearErrors) {
  for (const char* bad : {"every 5 minutes", "every hour at :15", "every day at 06:15",
                          "every day at 24:00", "hourly", ""}) {
    EXPECT_THROW(parse_frequency(bad), InputError) << bad;
  }
  try {
    parse_frequency("sometimes");
  } catch (const InputError& e) {
    EXPECT_NE(
        std::string(e.what()).find("'sometimes' is not a frequency; use \"every 10 minutes\""),
        std::string::npos);
  }
}

}  // namespace
}  // namespace lokku::release
