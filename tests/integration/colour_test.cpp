// Colours only on a TTY (the issue's point 4; CLI habits): lines piped to a file or another
// program carry no escape codes; on a terminal the source[dyno] prefix is coloured.
#include "support/lokku_process.hpp"

#include <gtest/gtest.h>

#include <pty.h>
#include <signal.h>
#include <string>
#include <sys/wait.h>
#include <unistd.h>

namespace lokku::test {
namespace {

TEST(Colour, NoEscapeCodesThroughAPipe) {
  TempDir app;
  app.write("Procfile", "worker: echo hello; sleep 60\n");
  LokkuProcess lokku({"start"}, app.path(), {{"TERM", "xterm"}});
  ASSERT_TRUE(lokku.wait_for(R"(app\[worker\.1\]: hello$)"));
  lokku.signal(SIGINT);
  EXPECT_EQ(lokku.wait_exit(20s), 0);
  for (const auto& line : lokku.stdout_lines()) {
    EXPECT_EQ(line.find('\x1b'), std::string::npos) << line;
  }
}

TEST(Colour, ColouredPrefixOnATerminal) {
  TempDir app;
  app.write("Procfile", "worker: echo hello; sleep 60\n");
  int master = -1;
  pid_t pid = ::forkpty(&master, nullptr, nullptr, nullptr);
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    if (::chdir(app.path().c_str()) != 0) {
      ::_exit(126);
    }
    ::setenv("TERM", "xterm", 1);
    ::unsetenv("NO_COLOR");
    ::execl(LOKKU_BIN, LOKKU_BIN, "start", static_cast<char*>(nullptr));
    ::_exit(127);
  }
  std::string out;
  auto deadline = std::chrono::steady_clock::now() + 20s;
  while (out.find("m hello") == std::string::npos && std::chrono::steady_clock::now() < deadline) {
    char buf[4096];
    ssize_t n = ::read(master, buf, sizeof buf);
    if (n <= 0) {
      break;
    }
    out.append(buf, static_cast<std::size_t>(n));
  }
  ::kill(pid, SIGTERM);
  int status = 0;
  ::waitpid(pid, &status, 0);
  ::close(master);
  EXPECT_NE(out.find("\x1b[36mapp[worker.1]:\x1b[0m hello"), std::string::npos) << out;
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
}

TEST(Colour, ColorFlagForcesOrDisables) {
  TempDir app;
  app.write("Procfile", "worker: echo hello; sleep 60\n");
  LokkuProcess lokku({"start", "--color", "always"}, app.path());
  ASSERT_TRUE(lokku.wait_for("\x1b\\[36mapp\\[worker\\.1\\]:\x1b\\[0m hello$"));
  lokku.signal(SIGINT);
  EXPECT_EQ(lokku.wait_exit(20s), 0);
}

}  // namespace
}  // namespace lokku::test
