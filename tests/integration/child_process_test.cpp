// Every child lokku starts goes through common::start_child (Boost.Process v2 with lokku's
// launcher and ChildSetup): what a started program finds, and what lokku is left with, with
// real processes.
#include "common/child_process.hpp"

#include "common/run_sync.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/readable_pipe.hpp>
#include <gtest/gtest.h>

#include <array>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <fcntl.h>
#include <regex>
#include <set>
#include <string>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>
#include <vector>

namespace lokku::test {
namespace {

using namespace std::chrono_literals;

std::string output_of(const std::vector<std::string>& argv) {
  auto out = common::capture(argv, "", {"PATH=/usr/bin:/bin"});
  EXPECT_TRUE(out) << argv.back() << " failed";
  return out.value_or("");
}

/// The descriptor numbers /proc/self/fd lists in a child (ls's own directory included).
std::set<int> child_descriptors() {
  auto out = output_of({"/bin/sh", "-c", "ls /proc/self/fd"});
  std::set<int> fds;
  std::size_t i = 0;
  while (i < out.size()) {
    std::size_t j = out.find('\n', i);
    fds.insert(std::stoi(out.substr(i, j - i)));
    i = j == std::string::npos ? out.size() : j + 1;
  }
  return fds;
}

// Boost 1.81's own close_all() left every descriptor between 2 and its error pipe open.
TEST(ChildProcess, AProgramGetsOnlyItsStandardDescriptors) {
  std::vector<int> inheritable;  // not close-on-exec: lokku's descriptors a child must not see
  for (int i = 0; i < 6; ++i) {
    inheritable.push_back(::open("/dev/null", O_RDONLY));
  }
  auto fds = child_descriptors();
  for (int fd : inheritable) {
    ::close(fd);
  }
  // 0-2, and the one ls opens to read /proc/self/fd.
  EXPECT_EQ(fds.size(), 4u);
  EXPECT_TRUE(fds.count(0) && fds.count(1) && fds.count(2));
  for (int fd : inheritable) {
    EXPECT_FALSE(fds.count(fd) && fd != *fds.rbegin()) << "descriptor " << fd << " leaked";
  }
}

TEST(ChildProcess, AProgramThatCannotStartIsNamedAndLeavesNoChildBehind) {
  net::io_context ctx;
  common::ChildSpec spec;
  spec.argv = {"/nonexistent/program", "x"};
  bp2::process_stdio stdio{nullptr, nullptr, nullptr};
  try {
    common::start_child(ctx.get_executor(), spec, stdio);
    FAIL() << "started a program that does not exist";
  } catch (const std::system_error& e) {
    EXPECT_NE(std::string(e.what()).find("cannot run /nonexistent/program"), std::string::npos)
        << e.what();
    EXPECT_EQ(e.code().value(), ENOENT);
  }
  spec.argv = {"/bin/true"};
  spec.cwd = "/nonexistent/dir";
  try {
    common::start_child(ctx.get_executor(), spec, stdio);
    FAIL() << "started in a directory that does not exist";
  } catch (const std::system_error& e) {
    EXPECT_NE(std::string(e.what()).find("cannot run /bin/true in /nonexistent/dir"),
              std::string::npos)
        << e.what();
  }
  // Both failed children were reaped: no zombie is left for anyone to collect.
  errno = 0;
  EXPECT_EQ(::waitpid(-1, nullptr, WNOHANG), -1);
  EXPECT_EQ(errno, ECHILD);
}

TEST(ChildProcess, SignalsAreTheDefaultsWhateverLokkuSet) {
  // Blocked and ignored here, as lokku's own threads and `lokku run` have them.
  sigset_t block, old;
  sigemptyset(&block);
  sigaddset(&block, SIGUSR1);
  ::pthread_sigmask(SIG_BLOCK, &block, &old);
  auto old_int = ::signal(SIGINT, SIG_IGN);
  auto status = output_of({"/bin/sh", "-c", "grep -E '^Sig(Blk|Ign)' /proc/self/status"});
  ::signal(SIGINT, old_int);
  ::pthread_sigmask(SIG_SETMASK, &old, nullptr);
  EXPECT_NE(status.find("SigBlk:\t0000000000000000"), std::string::npos) << status;
  EXPECT_NE(status.find("SigIgn:\t0000000000000000"), std::string::npos) << status;
}

/// The process group and session ids of a child started in `group`, and its pid.
std::array<long, 3> ids_in(common::ChildGroup group) {
  net::io_context ctx;
  net::readable_pipe out(ctx);
  common::ChildSpec spec;
  spec.argv = {"/bin/sh", "-c", "echo $$; ps -o pgid=,sid= -p $$"};
  spec.env = {"PATH=/usr/bin:/bin"};
  spec.group = group;
  bp2::process_stdio stdio{nullptr, out, nullptr};
  auto child = common::start_child(ctx.get_executor(), spec, stdio);
  std::string text;
  boost::system::error_code ec;
  std::array<char, 256> buf;
  for (;;) {
    std::size_t n = out.read_some(net::buffer(buf), ec);
    text.append(buf.data(), n);
    if (ec) {
      break;
    }
  }
  EXPECT_EQ(common::wait_child(child), 0);
  std::smatch m;
  EXPECT_TRUE(std::regex_search(text, m, std::regex(R"((\d+)\s+(\d+)\s+(\d+))"))) << text;
  return {std::stol(m[1]), std::stol(m[2]), std::stol(m[3])};
}

TEST(ChildProcess, EachGroupIsWhereItsNameSays) {
  auto own = ids_in(common::ChildGroup::own);  // {pid, pgid, sid}
  EXPECT_EQ(own[1], own[0]);
  EXPECT_EQ(own[2], ::getsid(0));
  auto session = ids_in(common::ChildGroup::session);
  EXPECT_EQ(session[1], session[0]);
  EXPECT_EQ(session[2], session[0]);
  auto terminal = ids_in(common::ChildGroup::terminal);
  EXPECT_EQ(terminal[1], ::getpgrp());
}

// A command that ignores SIGTERM, and what it started in the background, go at the timeout.
TEST(ChildProcess, ACommandIgnoringSigtermIsKilledWithItsGroupAtTheTimeout) {
  common::RunOptions o;
  o.argv = {"/bin/sh", "-c", "trap '' TERM; (trap '' TERM; exec sleep 30) & echo $!; wait"};
  o.env = {"PATH=/usr/bin:/bin"};
  std::string out;
  o.on_stdout = [&](std::string_view d) { out.append(d); };
  o.timeout = 300ms;
  const auto t0 = std::chrono::steady_clock::now();
  auto r = common::run_sync(o);
  const auto took = std::chrono::steady_clock::now() - t0;
  EXPECT_TRUE(r.timed_out);
  EXPECT_EQ(r.status, 137);
  EXPECT_LT(took, 5s);
  // The background sleep was in the command's group: gone too (a zombie until init reaps it).
  ASSERT_FALSE(out.empty());
  const pid_t sleeper = std::stoi(out);
  auto gone = [&] {
    std::string stat;
    if (FILE* f = std::fopen(("/proc/" + std::to_string(sleeper) + "/stat").c_str(), "r")) {
      char buf[512] = {};
      stat = std::fgets(buf, sizeof buf, f) ? buf : "";
      std::fclose(f);
    }
    return stat.empty() || stat.find(") Z") != std::string::npos;
  };
  for (int i = 0; i < 40 && !gone(); ++i) {
    std::this_thread::sleep_for(50ms);
  }
  EXPECT_TRUE(gone()) << "pid " << sleeper << " outlived the timeout";
}

// Launching from many threads at once, while others allocate: no child may hang between
// fork and exec (Boost 1.81's launcher allocated there; under ASan that deadlocked).
TEST(ChildProcess, ThreadsLaunchingAtOnceAllFinish) {
  std::atomic<bool> stop{false};
  std::atomic<int> done{0};
  std::thread churn([&] {
    while (!stop) {
      std::vector<std::string> garbage(64, std::string(100, 'x'));
    }
  });
  std::vector<std::thread> launchers;
  for (int t = 0; t < 4; ++t) {
    launchers.emplace_back([&] {
      for (int i = 0; i < 25; ++i) {
        common::RunOptions o;
        o.argv = {"/bin/true"};
        o.timeout = 20s;
        if (common::run_sync(o).status == 0) {
          ++done;
        }
      }
    });
  }
  for (auto& t : launchers) {
    t.join();
  }
  stop = true;
  churn.join();
  EXPECT_EQ(done.load(), 100);
}

}  // namespace
}  // namespace lokku::test
