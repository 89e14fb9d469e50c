// Memory (dynos.md MEM-1..5): the dyno's memory is sampled from /proc; over the quota is R14,
// at the R15 threshold the dyno is killed and restarted.
#include "support/lokku_process.hpp"

#include <gtest/gtest.h>

#include <signal.h>

namespace lokku::test {
namespace {

// A dyno that allocates and touches PARENT_MB in its main process and CHILD_MB in a child.
void write_hog(const TempDir& app) {
  app.write("hog.py",
            "import os, sys, time\n"
            "parent_mb, child_mb = int(sys.argv[1]), int(sys.argv[2])\n"
            "r, w = os.pipe()\n"
            "if os.fork() == 0:\n"
            "    b = b'x' * (child_mb << 20)\n"
            "    os.write(w, b'1')\n"
            "    time.sleep(600)\n"
            "os.read(r, 1)\n"
            "a = b'x' * (parent_mb << 20)\n"
            "print('allocated', flush=True)\n"
            "time.sleep(600)\n");
}

// MEM-2/3: R14 over the 512 MB standard-1x quota, counting every process of the dyno.
TEST(Memory, OverQuotaLogsR14AndKeepsRunning) {
  TempDir app;
  write_hog(app);
  app.write("Procfile", "worker: python3 hog.py 350 300\n");
  LokkuProcess lokku({"start", "--time-scale", "40"}, app.path());  // sample every 0.5 s
  ASSERT_TRUE(lokku.wait_for(R"(app\[worker\.1\]: allocated)", 30s));
  // Samples taken once both processes hold their memory.
  const std::string running_re =
      R"(heroku\[worker\.1\]: Process running mem=(\d+)M\((\d+\.\d)%\)$)";
  std::size_t before = lokku.count(running_re);
  ASSERT_TRUE(lokku.wait_for_count(running_re, before + 2, 10s));
  std::string running = lokku.matching(running_re).back();
  int mb = std::stoi(running.substr(running.find("mem=") + 4));
  EXPECT_GE(mb, 640);
  EXPECT_LE(mb, 760);
  EXPECT_TRUE(lokku.wait_for(R"(heroku\[worker\.1\]: Error R14 \(Memory quota exceeded\)$)"));
  EXPECT_EQ(lokku.count(R"(crashed)"), 0u);
  lokku.signal(SIGINT);
  EXPECT_EQ(lokku.wait_exit(20s), 0);
}

// MEM-1: standard-2x has 1 GB, so the same use is fine there.
TEST(Memory, LargerSizeHasLargerQuota) {
  TempDir app;
  write_hog(app);
  app.write("Procfile", "worker: python3 hog.py 350 300\n");
  LokkuProcess lokku(
      {"start", "-m", "worker=1:Standard-2X", "--time-scale", "40", "--runtime-metrics"},
      app.path());
  ASSERT_TRUE(lokku.wait_for(R"(app\[worker\.1\]: allocated)", 30s));
  // MEM-5: runtime metrics lines, with the quota of the size.
  EXPECT_TRUE(lokku.wait_for(
      R"(heroku\[worker\.1\]: source=worker\.1 dyno=heroku\.\d+\.[0-9a-f-]{36} sample#memory_total=\d+\.\d\dMB sample#memory_rss=\d+\.\d\dMB .*sample#memory_quota=1024\.00MB$)"));
  EXPECT_TRUE(lokku.wait_for(
      R"(heroku\[worker\.1\]: source=worker\.1 dyno=\S+ sample#load_avg_1m=\d+\.\d\d sample#load_avg_5m=\d+\.\d\d sample#load_avg_15m=\d+\.\d\d$)"));
  std::this_thread::sleep_for(1500ms);
  EXPECT_EQ(lokku.count(R"(R14)"), 0u);
  lokku.signal(SIGINT);
  EXPECT_EQ(lokku.wait_exit(20s), 0);
}

// MEM-4: at 2x the quota the dyno is SIGKILLed (137) and crashes.
TEST(Memory, R15KillsAndRestarts) {
  TempDir app;
  write_hog(app);
  app.write("Procfile", "worker: python3 hog.py 600 500\n");
  LokkuProcess lokku({"start", "--time-scale", "40"}, app.path());
  ASSERT_TRUE(
      lokku.wait_for(R"(heroku\[worker\.1\]: Error R15 \(Memory quota vastly exceeded\)$)", 30s));
  EXPECT_TRUE(lokku.wait_for(R"(heroku\[worker\.1\]: Stopping process with SIGKILL$)"));
  EXPECT_TRUE(lokku.wait_for(R"(heroku\[worker\.1\]: Process exited with status 137$)"));
  EXPECT_TRUE(lokku.wait_for(R"(heroku\[worker\.1\]: State changed from up to crashed$)"));
  EXPECT_TRUE(lokku.wait_for(R"(heroku\[worker\.1\]: State changed from crashed to starting$)"));
  // The restarted hog reaches R15 again; its second crash waits out a cool-off (CRASH-3), so
  // nothing runs when lokku is stopped (a hog torn down mid-allocation on a loaded machine
  // can outlast the 0.75 s grace of this time scale, and be SIGKILLed: exit 3).
  EXPECT_TRUE(
      lokku.wait_for_count(R"(heroku\[worker\.1\]: State changed from up to crashed$)", 2, 30s));
  lokku.signal(SIGINT);
  EXPECT_EQ(lokku.wait_exit(20s), 0);
}

}  // namespace
}  // namespace lokku::test
