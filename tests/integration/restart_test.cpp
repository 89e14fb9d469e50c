// Crash restarts (dynos.md CRASH-1..6, ENV-4, STATE-5).
#include "support/lokku_process.hpp"
#include "support/platform.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <signal.h>

namespace lokku::test {
namespace {

// CRASH-1/2/3: status 0 is a crash too; the first restart is immediate, then the cool-off
// grows 20, 40, 60 min... (here divided by 1200: 1 s, 2 s, 3 s).
TEST(Restart, CrashScheduleGrows) {
  TempDir app;
  app.write("Procfile", "worker: echo working; exit 0\n");
  LokkuProcess lokku({"start", "--time-scale", "1200"}, app.path());
  ASSERT_TRUE(
      lokku.wait_for_count(R"(heroku\[worker\.1\]: Starting process with command)", 4, 30s));
  auto starts = lokku.matching(R"(heroku\[worker\.1\]: Starting process with command)");
  std::vector<double> gaps;
  auto crashes = lokku.matching(R"(heroku\[worker\.1\]: State changed from up to crashed$)");
  ASSERT_GE(crashes.size(), 3u);
  for (std::size_t i = 0; i < 3; ++i) {
    gaps.push_back(line_time(starts[i + 1]) - line_time(crashes[i]));
  }
  EXPECT_LT(gaps[0], 0.5) << "CRASH-2: the first restart is immediate";
  EXPECT_NEAR(gaps[1], 1.0, 0.4) << "20 min / 1200";
  EXPECT_NEAR(gaps[2], 2.0, 0.4) << "40 min / 1200";
  EXPECT_GE(lokku.count(R"(heroku\[worker\.1\]: Process exited with status 0$)"), 3u);
  EXPECT_GE(lokku.count(R"(heroku\[worker\.1\]: State changed from crashed to starting$)"), 3u);
  lokku.signal(SIGINT);
  // The 30 s grace is 25 ms at this scale: exit 3 (a SIGKILL was needed) is fine here.
  EXPECT_TRUE(lokku.wait_exit(20s).has_value());
}

// CRASH-4: a dyno that stayed up for 10 minutes (here 1 s) before crashing starts the count
// again, so its restart is immediate instead of waiting the 20-minute cool-off (2 s here).
TEST(Restart, CoolOffResetsAfterTenMinutesUp) {
  TempDir app;
  app.write("Procfile", "worker: sleep 1.3; exit 1\n");
  LokkuProcess lokku({"start", "--time-scale", "600"}, app.path());
  ASSERT_TRUE(
      lokku.wait_for_count(R"(heroku\[worker\.1\]: Starting process with command)", 4, 20s));
  auto starts = lokku.matching(R"(heroku\[worker\.1\]: Starting process with command)");
  auto crashes = lokku.matching(R"(heroku\[worker\.1\]: State changed from up to crashed$)");
  ASSERT_GE(crashes.size(), 3u);
  for (std::size_t i = 0; i < 3; ++i) {
    EXPECT_LT(line_time(starts[i + 1]) - line_time(crashes[i]), 0.5) << "restart " << i + 1;
  }
  lokku.signal(SIGINT);
  EXPECT_TRUE(lokku.wait_exit(20s).has_value());  // grace is 50 ms at this scale
}

// CRASH-3: the capped profile waits 20 min (1 s here) every time after the first.
TEST(Restart, CappedProfileWaitsTheSameEachTime) {
  TempDir app;
  app.write("Procfile", "worker: exit 2\n");
  LokkuProcess lokku({"start", "--time-scale", "1200", "--restart-profile", "capped"}, app.path());
  ASSERT_TRUE(
      lokku.wait_for_count(R"(heroku\[worker\.1\]: Starting process with command)", 4, 30s));
  auto starts = lokku.matching(R"(heroku\[worker\.1\]: Starting process with command)");
  auto crashes = lokku.matching(R"(heroku\[worker\.1\]: State changed from up to crashed$)");
  ASSERT_GE(crashes.size(), 3u);
  EXPECT_LT(line_time(starts[1]) - line_time(crashes[0]), 0.5);
  EXPECT_NEAR(line_time(starts[2]) - line_time(crashes[1]), 1.0, 0.4);
  EXPECT_NEAR(line_time(starts[3]) - line_time(crashes[2]), 1.0, 0.4);
  lokku.signal(SIGINT);
  EXPECT_TRUE(lokku.wait_exit(20s).has_value());  // grace is 25 ms at this scale
}

// CRASH-5: --no-backoff restarts at once, every time.
TEST(Restart, NoBackoffRestartsAtOnce) {
  TempDir app;
  app.write("Procfile", "worker: exit 3\n");
  LokkuProcess lokku({"start", "--no-backoff"}, app.path());
  ASSERT_TRUE(
      lokku.wait_for_count(R"(heroku\[worker\.1\]: Process exited with status 3$)", 5, 20s));
  lokku.signal(SIGINT);
  EXPECT_EQ(lokku.wait_exit(20s), 0);
}

// ENV-4: a new PORT at every start; CRASH-6: a crash affects only that dyno.
TEST(Restart, CrashRestartsOnlyThatDynoWithANewPort) {
  TempDir app;
  app.write("Procfile",
            "web: python3 -c 'import socket,os,time; s=socket.socket(); "
            "s.bind((\"\",int(os.environ[\"PORT\"]))); s.listen(); "
            "print(\"PORT=\"+os.environ[\"PORT\"], flush=True); "
            "time.sleep(0.5)'\n"
            "worker: echo worker pid $$; sleep 600\n");
  LokkuProcess lokku(
      {"start", "-m", "web=2,worker=1", "-p", std::to_string(free_port()), "--no-backoff"},
      app.path());
  ASSERT_TRUE(lokku.wait_for_count(R"(app\[web\.2\]: PORT=)", 3, 30s));
  auto ports = lokku.matching(R"(app\[web\.2\]: PORT=)");
  EXPECT_NE(port_from_line(ports[0]), port_from_line(ports[1]));
  EXPECT_NE(port_from_line(ports[1]), port_from_line(ports[2]));
  EXPECT_EQ(lokku.count(R"(heroku\[worker\.1\]: Starting process)"), 1u);
  EXPECT_EQ(lokku.count(R"(heroku\[worker\.1\]: State changed from up to crashed)"), 0u);
  lokku.signal(SIGINT);
  EXPECT_EQ(lokku.wait_exit(20s), 0);
}

// A command that does not exist exits 127 and is a crash like any other.
TEST(Restart, MissingCommandIs127AndACrash) {
  TempDir app;
  app.write("Procfile", "worker: no-such-command-lokku --flag\n");
  LokkuProcess lokku({"start"}, app.path());
  ASSERT_TRUE(lokku.wait_for(R"(app\[worker\.1\]: .*no-such-command-lokku: command not found)"));
  ASSERT_TRUE(lokku.wait_for(R"(heroku\[worker\.1\]: Process exited with status 127$)"));
  ASSERT_TRUE(lokku.wait_for(R"(heroku\[worker\.1\]: State changed from up to crashed$)"));
  lokku.signal(SIGINT);
  EXPECT_EQ(lokku.wait_exit(20s), 0);
}

// A stop while waiting out a cool-off is immediate.
TEST(Restart, StopDuringCoolOffIsImmediate) {
  TempDir app;
  app.write("Procfile", "worker: exit 1\n");
  LokkuProcess lokku({"start"}, app.path());  // second crash waits 20 real minutes
  ASSERT_TRUE(lokku.wait_for_count(R"(State changed from up to crashed)", 2));
  lokku.signal(SIGINT);
  EXPECT_EQ(lokku.wait_exit(5s), 0);
}

// A dyno that forks children and exits: the dyno is over, its leftovers die with it.
TEST(Restart, LeftoversOfAnExitedDynoAreKilled) {
  TempDir app;
  std::string marker = random_marker();
  app.write(".env", "LOKKU_TEST_MARK=" + marker + "\n");
  app.write("Procfile", "worker: sleep 620 & sleep 621 & echo forked; sleep 0.3; exit 4\n");
  LokkuProcess lokku({"start", "--time-scale", "0.001"}, app.path());  // no second start soon
  ASSERT_TRUE(lokku.wait_for(R"(heroku\[worker\.1\]: Process exited with status 4$)"));
  ASSERT_TRUE(lokku.wait_for_count(R"(Process exited with status 4$)", 2));
  EXPECT_TRUE(wait_until([&] { return processes_with_env("LOKKU_TEST_MARK", marker).empty(); }, 5s,
                         "the forked children to be gone"));
  lokku.signal(SIGINT);
  EXPECT_EQ(lokku.wait_exit(10s), 0);
}

/// The number of descriptors `pid` has open.
std::size_t open_descriptors(pid_t pid) {
  std::size_t n = 0;
  for ([[maybe_unused]] const auto& e :
       std::filesystem::directory_iterator("/proc/" + std::to_string(pid) + "/fd")) {
    ++n;
  }
  return n;
}

// Every start of a dyno opens pipes, a pidfd and a port; every end must close them. Over
// 500 crash restarts under `lokku up` (the Heroku schedule divided by 10^6: at most 19 ms
// between restarts), the platform's descriptor count stays where it was after the first 50.
TEST(Restart, DescriptorsOfLokkuUpStayFlatOverFiveHundredRestarts) {
  LokkuHome h;
  h.write("crashy/requirements.txt", "");
  h.write("crashy/Procfile", "worker: exit 1\n");  // a worker: no boot timeout to meet
  auto d = h.deploy("crashy");
  ASSERT_EQ(d.exit_code, 0) << d.out << d.err;
  auto scaled = h.run({"ps:scale", "worker=1", "-a", "crashy"});
  ASSERT_EQ(scaled.exit_code, 0) << scaled.out << scaled.err;
  auto up = h.up(free_port(), {"--time-scale", "1000000"});
  const std::string exited = R"(heroku\[worker\.1\]: Process exited with status 1$)";
  ASSERT_TRUE(up->wait_for_count(exited, 50, 60s));
  const std::size_t after_50 = open_descriptors(up->pid());
  ASSERT_TRUE(up->wait_for_count(exited, 550, 120s));
  const std::size_t after_550 = open_descriptors(up->pid());
  EXPECT_LE(after_550, after_50 + 2) << "descriptors leak across restarts";
  up->signal(SIGINT);
  // 3 as often as 0: the 30 s grace is 30 µs at this scale, so a dyno mid-start is killed.
  EXPECT_TRUE(up->wait_exit(30s).has_value());
}

}  // namespace
}  // namespace lokku::test
