// The app log stream under load and with odd dynos (dynos.md LOG-1..3): every line a dyno
// prints arrives whole, once, in its order, however many dynos print at once.
#include "support/lokku_process.hpp"

#include <gtest/gtest.h>

#include <csignal>
#include <map>
#include <regex>
#include <string>

namespace lokku::test {
namespace {

using namespace std::chrono_literals;

// 8 dynos print 2 500 lines of 100+ bytes each as fast as they can (20 000 lines; python
// does it in well under 2 s, past 10 000 lines/s): each dyno's lines all arrive, whole and
// in order, none split or merged with another's.
TEST(LogStream, LOG1EightDynosAtTenThousandLinesASecondLoseNothing) {
  TempDir app;
  app.write("burst.py",
            "import os, sys\n"
            "dyno = os.environ['DYNO']\n"
            "for i in range(2500):\n"
            "    sys.stdout.write(f'{dyno} seq={i} {\"x\" * 100} end\\n')\n"
            "sys.stdout.flush()\n");
  app.write("Procfile", "worker: python3 burst.py; sleep 600\n");
  LokkuProcess lokku({"start", "-m", "worker=8"}, app.path());
  ASSERT_TRUE(lokku.wait_for_count(R"( seq=2499 x{100} end$)", 8, 60s));
  const std::regex line(R"(^\S+ app\[(worker\.\d)\]: (worker\.\d) seq=(\d+) x{100} end$)");
  std::map<std::string, int> next;
  std::size_t seen = 0;
  for (const auto& l : lokku.stdout_lines()) {
    if (l.find(" seq=") == std::string::npos) {
      continue;
    }
    std::smatch m;
    ASSERT_TRUE(std::regex_match(l, m, line)) << "split or merged: " << l;
    ASSERT_EQ(m[1], m[2]) << l;
    ASSERT_EQ(std::stoi(m[3]), next[m[1]]++) << "out of order or lost: " << l;
    ++seen;
  }
  EXPECT_EQ(seen, 20000u);
  EXPECT_EQ(next.size(), 8u);
  lokku.signal(SIGINT);
  EXPECT_EQ(lokku.wait_exit(20s), 0);
}

// A dyno that closes its stdout early is still running: its stderr lines keep coming, and
// it ends with its own exit status, not as a crash of lokku's making.
TEST(LogStream, ADynoThatClosesItsStdoutEarlyKeepsItsStderrAndItsExit) {
  TempDir app;
  app.write("Procfile",
            "worker: echo before; exec 1>&-; sleep 0.3; echo after on stderr >&2; sleep 0.3; "
            "exit 4\n");
  LokkuProcess lokku({"start"}, app.path());
  std::string exited;
  ASSERT_TRUE(
      lokku.wait_for(R"(heroku\[worker\.1\]: Process exited with status 4$)", 20s, &exited));
  std::string after;
  ASSERT_TRUE(lokku.wait_for(R"(app\[worker\.1\]: after on stderr$)", 1s, &after));
  EXPECT_LT(after.substr(0, 32), exited.substr(0, 32));  // timestamps: before the exit
  EXPECT_GE(lokku.count(R"(app\[worker\.1\]: before$)"), 1u);
  EXPECT_EQ(lokku.count(R"(Error R)"), 0u);
  lokku.signal(SIGINT);
  EXPECT_EQ(lokku.wait_exit(20s), 0);
}

}  // namespace
}  // namespace lokku::test
