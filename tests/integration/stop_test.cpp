// Stopping (dynos.md STOP-1..3, STATE-5; CONVENTIONS.md, Processes): every process of every
// dyno gets SIGTERM, survivors SIGKILL after the grace period, and nothing outlives lokku.
#include "support/lokku_process.hpp"

#include <gtest/gtest.h>

#include <signal.h>

namespace lokku::test {
namespace {

TEST(Stop, CtrlCStopsEveryDynoWithSigtermAndExitsZero) {
  TempDir app;
  app.write("Procfile",
            "web: python3 -c 'import socket,os,time; s=socket.socket(); "
            "s.bind((\"\",int(os.environ[\"PORT\"]))); s.listen(); time.sleep(600)'\n"
            "worker: trap 'echo worker got TERM; exit 0' TERM; echo ready; "
            "while true; do sleep 0.1; done\n");
  LokkuProcess lokku({"start", "-p", std::to_string(free_port())}, app.path());
  ASSERT_TRUE(lokku.wait_for_count(R"(State changed from starting to up)", 2));
  ASSERT_TRUE(lokku.wait_for(R"(app\[worker\.1\]: ready$)"));
  lokku.signal(SIGINT);
  ASSERT_EQ(lokku.wait_exit(20s), 0);
  EXPECT_EQ(lokku.count(R"(heroku\[web\.1\]: Stopping all processes with SIGTERM$)"), 1u);
  EXPECT_EQ(lokku.count(R"(heroku\[worker\.1\]: Stopping all processes with SIGTERM$)"), 1u);
  EXPECT_EQ(lokku.count(R"(app\[worker\.1\]: worker got TERM$)"), 1u);
  // STATE-5: a signal death is 128+sig.
  EXPECT_EQ(lokku.count(R"(heroku\[web\.1\]: Process exited with status 143$)"), 1u);
  EXPECT_EQ(lokku.count(R"(heroku\[worker\.1\]: Process exited with status 0$)"), 1u);
  // STOP-3: a stop the platform asked for is not a crash.
  EXPECT_EQ(lokku.count(R"(crashed)"), 0u);
}

// STOP-2: survivors of the grace period get R12 and SIGKILL; lokku reports the unclean stop.
TEST(Stop, SurvivorsGetR12AndSigkillAfterGrace) {
  TempDir app;
  app.write("Procfile",
            "worker: trap 'echo ignoring TERM' TERM; echo ready; while true; do sleep 0.1; done\n");
  LokkuProcess lokku({"start", "--time-scale", "30"}, app.path());  // grace 30 s -> 1 s
  ASSERT_TRUE(lokku.wait_for(R"(app\[worker\.1\]: ready$)"));
  lokku.signal(SIGTERM);
  std::string r12;
  ASSERT_TRUE(lokku.wait_for(
      R"(heroku\[worker\.1\]: Error R12 \(Exit timeout\) -> At least one process failed to exit within 30 seconds of SIGTERM$)",
      10s, &r12));
  std::string term;
  ASSERT_TRUE(lokku.wait_for(R"(Stopping all processes with SIGTERM$)", 1s, &term));
  double waited = line_time(r12) - line_time(term);
  EXPECT_GE(waited, 0.95);
  EXPECT_LT(waited, 3.0);
  EXPECT_TRUE(lokku.wait_for(R"(heroku\[worker\.1\]: Stopping remaining processes with SIGKILL$)"));
  EXPECT_TRUE(lokku.wait_for(R"(heroku\[worker\.1\]: Process exited with status 137$)"));
  EXPECT_EQ(lokku.wait_exit(10s), 3);
  EXPECT_EQ(lokku.count(R"(app\[worker\.1\]: ignoring TERM)"), 1u);
}

// STOP-1: SIGTERM reaches every process of the dyno, not only its main one.
TEST(Stop, SigtermReachesEveryProcessOfTheDyno) {
  TempDir app;
  app.write("Procfile",
            "worker: (trap 'echo child got TERM; exit 0' TERM; echo child ready; while true; do "
            "sleep 0.1; done) & trap 'echo main got TERM; wait; exit 0' TERM; echo main ready; "
            "while true; do sleep 0.1; done\n");
  LokkuProcess lokku({"start"}, app.path());
  ASSERT_TRUE(lokku.wait_for(R"(app\[worker\.1\]: child ready$)"));
  ASSERT_TRUE(lokku.wait_for(R"(app\[worker\.1\]: main ready$)"));
  lokku.signal(SIGINT);
  ASSERT_EQ(lokku.wait_exit(20s), 0);
  EXPECT_EQ(lokku.count(R"(app\[worker\.1\]: child got TERM$)"), 1u);
  EXPECT_EQ(lokku.count(R"(app\[worker\.1\]: main got TERM$)"), 1u);
}

// CONVENTIONS.md, Processes: no process of any dyno outlives lokku, even a daemon that
// left its process group, even when lokku is killed with SIGKILL.
TEST(Stop, NothingOutlivesLokkuKilledWithSigkill) {
  TempDir app;
  std::string marker = random_marker();
  app.write(".env", "LOKKU_TEST_MARK=" + marker + "\n");
  app.write("Procfile",
            "worker: setsid bash -c 'sleep 600' & (setsid sleep 601 &) ; nohup sleep 602 "
            ">/dev/null 2>&1 & echo spawned; sleep 603\n"
            "other: sleep 604\n");
  LokkuProcess lokku({"start"}, app.path(), {});
  ASSERT_TRUE(lokku.wait_for(R"(app\[worker\.1\]: spawned)"));
  ASSERT_TRUE(wait_until([&] { return processes_with_env("LOKKU_TEST_MARK", marker).size() >= 6; },
                         10s, "the dyno processes"));
  lokku.signal(SIGKILL);
  lokku.wait_exit(10s);
  EXPECT_TRUE(wait_until([&] { return processes_with_env("LOKKU_TEST_MARK", marker).empty(); }, 5s,
                         "every dyno process to be gone after kill -9 of lokku"));
}

TEST(Stop, NothingOutlivesAGracefulStopEither) {
  TempDir app;
  std::string marker = random_marker();
  app.write(".env", "LOKKU_TEST_MARK=" + marker + "\n");
  app.write("Procfile", "worker: (setsid sleep 610 &); echo spawned; sleep 611\n");
  LokkuProcess lokku({"start"}, app.path());
  ASSERT_TRUE(lokku.wait_for(R"(app\[worker\.1\]: spawned)"));
  lokku.signal(SIGINT);
  EXPECT_EQ(lokku.wait_exit(20s), 0);
  EXPECT_TRUE(wait_until([&] { return processes_with_env("LOKKU_TEST_MARK", marker).empty(); }, 5s,
                         "every dyno process to be gone"));
}

// A second Ctrl-C does not wait for the grace period.
TEST(Stop, SecondSignalKillsAtOnce) {
  TempDir app;
  app.write("Procfile", "worker: trap '' TERM; echo ready; while true; do sleep 0.1; done\n");
  LokkuProcess lokku({"start"}, app.path());  // grace is the full 30 s here
  ASSERT_TRUE(lokku.wait_for(R"(app\[worker\.1\]: ready$)"));
  lokku.signal(SIGINT);
  ASSERT_TRUE(lokku.wait_for(R"(Stopping all processes with SIGTERM)"));
  lokku.signal(SIGINT);
  EXPECT_EQ(lokku.wait_exit(5s), 3);
  EXPECT_EQ(lokku.count(R"(heroku\[worker\.1\]: Process exited with status 137$)"), 1u)
      << ::testing::PrintToString(lokku.stdout_lines());
}

}  // namespace
}  // namespace lokku::test
