// Heroku Scheduler (dynos.md SCHED-1..4): jobs in the store, run by `lokku up` as
// `scheduler.N` one-off dynos of the current release, stopped after their interval.
#include "support/platform.hpp"

#include <gtest/gtest.h>

#include <regex>

namespace lokku::test {
namespace {

TEST(Scheduler, SCHED2And3JobsRunAsSchedulerDynosAndStopAfterTheirInterval) {
  LokkuHome h;
  ASSERT_EQ(h.deploy("web").exit_code, 0);
  auto add = h.run({"scheduler:add", "every 10 minutes", "-a", "web", "--",
                    "echo tick from $DYNO on $HEROKU_RELEASE_VERSION; trap 'echo stopped; exit 0' "
                    "TERM; sleep 1000 & wait"});
  ASSERT_EQ(add.exit_code, 0) << add.err;
  EXPECT_NE(add.out.find("Added job 1 to ⬢ web: every 10 minutes: echo tick"), std::string::npos)
      << add.out;
  auto hourly = h.run({"scheduler:add", "every hour at :30", "-a", "web", "--", "echo hourly"});
  ASSERT_EQ(hourly.exit_code, 0) << hourly.err;
  auto list = h.run({"scheduler", "-a", "web"});
  EXPECT_TRUE(std::regex_search(
      list.out, std::regex(R"(1 +every 10 minutes +next \d{4}-\d\d-\d\dT\d\d:\d0:00Z  echo tick)")))
      << list.out;
  EXPECT_TRUE(std::regex_search(
      list.out,
      std::regex(R"(2 +every hour at :30 +next \d{4}-\d\d-\d\dT\d\d:30:00Z  echo hourly)")))
      << list.out;
  ASSERT_EQ(h.run({"scheduler:remove", "2", "-a", "web"}).exit_code, 0);

  // At scale 600 ten minutes pass in one second: a run starts within about a second, with
  // the scheduler's api line, and is stopped a (scaled) interval later.
  auto up = h.up(free_port(), {"--time-scale", "600"});
  const std::string sched = R"(heroku\[scheduler\.\d{4}\]: )";
  ASSERT_TRUE(up->wait_for(
      R"(app\[api\]: Starting process with command `echo tick from \$DYNO.*` by user scheduler@addons\.heroku\.com$)",
      10s));
  ASSERT_TRUE(up->wait_for(R"(app\[scheduler\.\d{4}\]: tick from scheduler\.\d{4} on v3$)"));
  EXPECT_TRUE(up->wait_for(sched + "Stopping all processes with SIGTERM$"));
  EXPECT_TRUE(up->wait_for(R"(app\[scheduler\.\d{4}\]: stopped$)"));
  EXPECT_TRUE(up->wait_for(sched + "State changed from up to complete$"));
  // Every interval brings a new run (a new dyno: never a restart of the old one).
  EXPECT_TRUE(up->wait_for_count(R"(app\[scheduler\.\d{4}\]: tick from)", 3, 10s));
  EXPECT_EQ(up->count("echo hourly"), 0u);  // removed
  EXPECT_EQ(up->count(sched + "State changed from crashed"), 0u);

  auto bad = h.run({"scheduler:add", "every 5 minutes", "-a", "web", "--", "echo"});
  EXPECT_EQ(bad.exit_code, 1);
  EXPECT_NE(bad.err.find("'every 5 minutes' is not a frequency"), std::string::npos) << bad.err;
  auto gone = h.run({"scheduler:remove", "9", "-a", "web"});
  EXPECT_EQ(gone.exit_code, 1);
  EXPECT_NE(gone.err.find("web has no job 9"), std::string::npos) << gone.err;
}

}  // namespace
}  // namespace lokku::test
