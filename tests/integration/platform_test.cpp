// `lokku up` and one-off dynos against a real home: the router by Host (router.md HOST-1,
// ERR-3), the reconciler (REL-8, STOP-4/5, ENV-8, REL-9), the release phase (RPH-1..3,
// REL-5/6) and `run` (RUN-1..4).
#include "support/platform.hpp"

#include <gtest/gtest.h>

#include <csignal>
#include <poll.h>
#include <pty.h>
#include <regex>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>

namespace lokku::test {
namespace {

namespace fs = std::filesystem;

class Platform : public ::testing::Test {
 protected:
  void deploy(const std::string& name) {
    auto r = h.deploy(name);
    ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  }
  void start() {
    port = free_port();
    up = h.up(port);
    ASSERT_TRUE(up->wait_for_diagnostic("lokku platform up"));
  }
  std::string body(const std::string& app, const std::string& path = "/") {
    auto r = get_by_host(port, app + ".localhost", path);
    return r && r->status == 200 ? r->body : std::string();
  }
  /// Waits until GET `path` of `app` answers `want` (a regex).
  ::testing::AssertionResult serves(const std::string& app, const std::string& want,
                                    const std::string& path = "/") {
    std::string last;
    auto ok = wait_until(
        [&] {
          last = body(app, path);
          return std::regex_search(last, std::regex(want));
        },
        30s, app + " to answer " + want);
    return ok ? ok : ok << " (last answer: '" << last << "')";
  }

  LokkuHome h;
  unsigned port = 0;
  std::unique_ptr<LokkuProcess> up;
};

TEST_F(Platform, HOST1RoutesByHostAndERR3AnswersUnknownHosts) {
  deploy("one");
  deploy("two");
  ASSERT_EQ(h.run({"config:set", "-a", "two", "GREETING=bonjour"}).exit_code, 0);
  ASSERT_EQ(h.run({"apps:create", "blank"}).exit_code, 0);
  start();
  EXPECT_TRUE(serves("one", "^hello from web\\.1$"));
  EXPECT_TRUE(serves("two", "^bonjour from web\\.1$"));
  // Case-insensitive, port ignored.
  auto upper = get_by_host(port, "TWO.LOCALHOST:" + std::to_string(port));
  ASSERT_TRUE(upper);
  EXPECT_EQ(upper->body, "bonjour from web.1");
  auto unknown = get_by_host(port, "nope.localhost");
  ASSERT_TRUE(unknown);
  EXPECT_EQ(unknown->status, 404);
  EXPECT_NE(unknown->body.find("No such app"), std::string::npos);
  auto blank = get_by_host(port, "blank.localhost");  // created, never deployed
  ASSERT_TRUE(blank);
  EXPECT_EQ(blank->status, 503);  // H81 Blank app (router.md §6)
  EXPECT_TRUE(up->wait_for(
      R"(^one \| .* heroku\[router\]: at=info method=GET path="/" host=one\.localhost )"));
  EXPECT_TRUE(up->wait_for(R"(^blank \| .* heroku\[router\]: at=info code=H81 desc="Blank app" )"));
  EXPECT_EQ(up->count("host=nope.localhost"), 0u);  // ERR-3: no log line in any app
}

// The router keeps a connection's route and dyno table from one request to the next while
// neither changes: a kept-alive client must still see each change. A new release moves web.1
// to another process and port (REL-8); a destroyed app's host is unknown (HOST-1, ERR-3).
TEST_F(Platform, HOST1AKeptAliveClientSeesEachChangeOfDynosAndRoutes) {
  deploy("keep");
  start();
  ASSERT_TRUE(serves("keep", "^hello from web\\.1$"));
  Connection c(port);
  ASSERT_TRUE(c.ok());
  auto get = [&] {
    c.send("GET / HTTP/1.1\r\nHost: keep.localhost\r\n\r\n");
    return c.read_response();
  };
  auto first = get();
  ASSERT_TRUE(first);
  EXPECT_EQ(first->body, "hello from web.1");
  ASSERT_EQ(h.run({"config:set", "-a", "keep", "GREETING=howdy"}).exit_code, 0);
  std::optional<Response> last;
  EXPECT_TRUE(wait_until(
      [&] {
        last = get();
        return last && last->body == "howdy from web.1";
      },
      30s, "the kept-alive connection to reach the new release's web.1"));
  ASSERT_TRUE(last) << "the router closed the kept-alive connection";
  ASSERT_EQ(h.run({"apps:destroy", "-a", "keep", "--confirm", "keep"}).exit_code, 0);
  EXPECT_TRUE(wait_until(
      [&] {
        last = get();  // the app's dynos answer until the platform has removed it
        return last && last->status == 404;
      },
      30s, "the kept-alive connection to get the destroyed app's 404"));
  ASSERT_TRUE(last) << "the router closed the kept-alive connection";
  EXPECT_NE(last->body.find("No such app"), std::string::npos) << last->body;
}

TEST_F(Platform, REL8AConfigChangeRestartsEveryDynoOntoTheNewRelease) {
  deploy("cfg");
  start();
  ASSERT_TRUE(serves("cfg", "^hello from web\\.1$"));
  ASSERT_TRUE(serves("cfg", "\"HEROKU_RELEASE_VERSION\": \"v3\"", "/env"));
  auto set = h.run({"config:set", "-a", "cfg", "GREETING=howdy"});
  ASSERT_EQ(set.exit_code, 0) << set.err;
  EXPECT_TRUE(serves("cfg", "^howdy from web\\.1$"));
  EXPECT_TRUE(serves("cfg", "\"HEROKU_RELEASE_VERSION\": \"v4\"", "/env"));
  // STOP-5: the old dyno goes `up to starting`, gets SIGTERM; the new one starts at once.
  EXPECT_TRUE(up->wait_for(R"(heroku\[web\.1\]: State changed from up to starting$)"));
  EXPECT_TRUE(up->wait_for(R"(heroku\[web\.1\]: Stopping all processes with SIGTERM$)"));
  EXPECT_TRUE(up->wait_for_count(
      R"(heroku\[web\.1\]: Starting process with command `python3 -u server\.py`$)", 2));
}

TEST_F(Platform, ENV8EveryStartGetsAFreshCopyOfTheSlugAndREL9Metadata) {
  deploy("fresh");
  start();
  ASSERT_TRUE(serves("fresh", "^hello"));
  EXPECT_EQ(body("fresh", "/write"), "wrote");
  EXPECT_EQ(body("fresh", "/exists"), "yes");
  auto cwd = body("fresh", "/cwd");
  EXPECT_EQ(cwd.rfind((h.home() / "dynos" / "fresh").string(), 0), 0u) << cwd;  // not the source
  auto env = body("fresh", "/env");
  EXPECT_TRUE(std::regex_search(env, std::regex(R"("HEROKU_APP_ID": "[0-9a-f-]{36}")"))) << env;
  EXPECT_TRUE(std::regex_search(env, std::regex(R"("HEROKU_APP_NAME": "fresh")"))) << env;
  EXPECT_TRUE(std::regex_search(env, std::regex(R"("HEROKU_DYNO_ID": "[0-9a-f-]{36}")"))) << env;
  EXPECT_TRUE(std::regex_search(env, std::regex(R"("HEROKU_SLUG_COMMIT": "[0-9a-f]{40}")"))) << env;
  EXPECT_TRUE(
      std::regex_search(env, std::regex(R"("HEROKU_SLUG_DESCRIPTION": "Deploy [0-9a-f]{8}")")))
      << env;
  EXPECT_TRUE(std::regex_search(
      env, std::regex(R"("HEROKU_RELEASE_CREATED_AT": "\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ")")))
      << env;
  EXPECT_EQ(env.find("LOKKU_HOME"), std::string::npos) << env;  // lokku's own env stays out
  ASSERT_EQ(h.run({"config:set", "-a", "fresh", "GREETING=again"}).exit_code, 0);
  ASSERT_TRUE(serves("fresh", "^again"));
  EXPECT_EQ(body("fresh", "/exists"), "no");
}

// ENV-8 both ways lokku makes a life's filesystem: an overlay of the slug extracted once
// (as root, where the kernel allows it) and an extracted copy (LOKKU_DYNO_FS=copy). Either
// way a life's writes are its own and go with it, and the slug's files stay as built.
TEST_F(Platform, ENV8ALifesWritesAreItsOwnWhicheverWayItsFilesAreMade) {
  deploy("own");
  for (std::string mode : {"", "copy"}) {
    h.extra["LOKKU_DYNO_FS"] = mode;
    auto first = h.run({"run", "-a", "own", "--",
                        "echo mine > server.py; echo new > scratch.txt; cat server.py scratch.txt; "
                        "grep -c ' '\"$HOME\"' .* - overlay ' /proc/self/mountinfo"});
    const bool overlay = mode.empty() && ::geteuid() == 0;
    EXPECT_EQ(first.out, overlay ? "mine\nnew\n1\n" : "mine\nnew\n0\n") << mode << first.err;
    auto second = h.run({"run", "-a", "own", "--",
                         "head -1 server.py; test -e scratch.txt && echo leaked || echo fresh"});
    EXPECT_EQ(second.out,
              "\"\"\"Test app: answers with its environment and can prove the filesystem is fresh "
              "(ENV-8).\"\"\"\nfresh\n")
        << mode << second.err;
    // Nothing of either life is left behind.
    std::vector<std::string> left;
    for (const auto& e : fs::recursive_directory_iterator(h.home() / "dynos" / "own")) {
      if (e.path().filename().string().rfind("run.", 0) == 0 ||
          e.path().filename() == "scratch.txt") {
        left.push_back(e.path().string());
      }
    }
    EXPECT_TRUE(left.empty()) << mode << ": " << left.front();
  }
  // The slug files go with the app.
  EXPECT_TRUE(fs::exists(h.home() / "dynos" / "own"));
  ASSERT_EQ(h.run({"apps:destroy", "-a", "own", "--confirm", "own"}).exit_code, 0);
  EXPECT_FALSE(fs::exists(h.home() / "dynos" / "own"));
}

// The app's log file does not grow without end: past LOKKU_LOG_MAX_BYTES the platform makes
// it log.1 and starts a new one. `lokku logs` reads both, and `logs -t` follows the file
// across a rotation without losing a line.
TEST_F(Platform, TheAppLogRotatesAndLogsFollowsItAcrossRotations) {
  h.extra["LOKKU_LOG_MAX_BYTES"] = "20000";
  deploy("chatty");
  start();
  ASSERT_TRUE(serves("chatty", "^hello"));
  LokkuProcess tail({"logs", "-t", "-a", "chatty", "--source", "heroku", "--dyno", "router"},
                    h.root(), h.env());
  std::this_thread::sleep_for(300ms);  // the follower has read what there was
  // ~60 KB of router and app lines, in batches of ~4 KB a little longer apart than the
  // follower's polls: two rotations or more, never two between two polls (a follower that
  // slow would miss the file between them; at the default 32 MiB no log moves that fast).
  constexpr int kRequests = 150;
  for (int i = 0; i < kRequests; ++i) {
    ASSERT_TRUE(get_by_host(port, "chatty.localhost", "/n" + std::to_string(i)));
    if (i % 10 == 9) {
      std::this_thread::sleep_for(150ms);
    }
  }
  // Every request's line reached the follower, in order, across the rotations.
  ASSERT_TRUE(
      tail.wait_for_count(R"(heroku\[router\]: at=info method=GET path="/n\d+")", kRequests, 20s));
  for (int i = 1; i < kRequests; ++i) {
    EXPECT_EQ(tail.count("path=\"/n" + std::to_string(i) + "\" "), 1u) << i;
  }
  const fs::path log = h.home() / "apps" / "chatty" / "log";
  EXPECT_TRUE(fs::exists(log.string() + ".1"));
  EXPECT_LT(fs::file_size(log), 20000u + 64 * 1024);
  // The backlog spans both files, oldest first.
  auto all = h.run({"logs", "-a", "chatty", "-n", "100000"}).out;
  auto last = all.find("path=\"/n" + std::to_string(kRequests - 1) + "\" ");
  auto before = all.find("path=\"/n" + std::to_string(kRequests - 2) + "\" ");
  EXPECT_NE(last, std::string::npos);
  EXPECT_LT(before, last);
}

TEST_F(Platform, STOP5ScalingStartsAndStopsTheRightDynosAndPsShowsThem) {
  deploy("scale");
  auto offline = h.run({"ps", "-a", "scale"});
  EXPECT_NE(offline.out.find("the platform is not running"), std::string::npos) << offline.out;
  start();
  ASSERT_TRUE(serves("scale", "^hello from web\\.1$"));
  ASSERT_EQ(h.run({"ps:scale", "-a", "scale", "web=2", "worker=1"}).exit_code, 0);
  EXPECT_TRUE(up->wait_for(R"(heroku\[web\.2\]: State changed from starting to up$)"));
  EXPECT_TRUE(up->wait_for(R"(app\[worker\.1\]: worker tick$)"));
  EXPECT_TRUE(wait_until(
      [&] {
        auto ps = h.run({"ps", "-a", "scale"}).out;
        return std::regex_search(ps, std::regex(R"(web\.2: up \S+ \(v3\))")) &&
               std::regex_search(ps, std::regex(R"(worker\.1: up )"));
      },
      10s, "ps to show web.2 and worker.1 up"));
  EXPECT_EQ(up->count(R"(heroku\[web\.1\]: State changed from up to)"), 0u);  // untouched
  ASSERT_EQ(h.run({"ps:scale", "-a", "scale", "web=1", "worker=0"}).exit_code, 0);
  EXPECT_TRUE(up->wait_for(R"(heroku\[web\.2\]: State changed from up to down$)"));
  EXPECT_TRUE(up->wait_for(R"(heroku\[worker\.1\]: State changed from up to down$)"));
  EXPECT_TRUE(wait_until(
      [&] {
        return h.run({"ps", "-a", "scale"}).out.find("web.2") == std::string::npos;
      },
      10s, "web.2 to leave ps"));
}

TEST_F(Platform, RPH2AFailedReleasePhaseKeepsTheOldReleaseServing) {
  deploy("phase");
  start();
  ASSERT_TRUE(serves("phase", "^hello from web\\.1$"));
  // RPH-3: the release phase's output shows in the deploy and the app's log.
  auto log = h.run({"logs", "-a", "phase"}).out;
  EXPECT_TRUE(
      std::regex_search(log, std::regex(R"(app\[api\]: Running release v3 commands by user )")))
      << log;
  EXPECT_TRUE(std::regex_search(
      log,
      std::regex(R"(heroku\[release\.\d{4}\]: Starting process with command `bash release\.sh`)")))
      << log;
  EXPECT_TRUE(std::regex_search(
      log, std::regex(R"(app\[release\.\d{4}\]: release phase for v3 greeting=unset)")))
      << log;
  EXPECT_TRUE(std::regex_search(
      log, std::regex(R"(heroku\[release\.\d{4}\]: State changed from up to complete)")))
      << log;
  auto failed = h.run({"config:set", "-a", "phase", "GREETING=broken", "RELEASE_EXIT=1"});
  EXPECT_EQ(failed.exit_code, 1);
  EXPECT_NE(failed.err.find("Release v4 command failed"), std::string::npos) << failed.err;
  auto rel = h.run({"releases", "-a", "phase"}).out;
  EXPECT_TRUE(std::regex_search(
      rel, std::regex(R"(v4 +Set GREETING, RELEASE_EXIT config vars release command failed)")))
      << rel;
  EXPECT_NE(rel.find("Current: v3"), std::string::npos) << rel;
  std::this_thread::sleep_for(1s);
  EXPECT_EQ(body("phase"), "hello from web.1");
  EXPECT_EQ(up->count(R"(heroku\[web\.1\]: State changed from up to starting)"), 0u);
  // Fixed: the next release goes through and restarts the dynos (RPH-2).
  ASSERT_EQ(h.run({"config:set", "-a", "phase", "RELEASE_EXIT=0"}).exit_code, 0);
  EXPECT_TRUE(serves("phase", "^broken from web\\.1$"));
}

TEST_F(Platform, StoppingUpStopsEveryDynoAndStartingItBringsAppsBack) {
  deploy("back");
  start();
  ASSERT_TRUE(serves("back", "^hello"));
  auto second = h.run({"up", "-p", std::to_string(free_port())}, {}, 10s);
  EXPECT_EQ(second.exit_code, 1);
  EXPECT_NE(second.err.find("another lokku platform is running"), std::string::npos) << second.err;
  up->signal(SIGINT);
  EXPECT_EQ(up->wait_exit(40s), 0);
  EXPECT_TRUE(up->wait_for(R"(app\[web\.1\]: stopped after finishing requests in flight$)"));
  EXPECT_TRUE(up->wait_for(R"(heroku\[web\.1\]: Process exited with status 0$)"));
  EXPECT_FALSE(get_by_host(port, "back.localhost"));
  start();
  EXPECT_TRUE(serves("back", "^hello from web\\.1$"));
}

TEST_F(Platform, RUN1To4OneOffDynosFromTheCurrentRelease) {
  deploy("oneoff");
  ASSERT_EQ(h.run({"config:set", "-a", "oneoff", "GREETING=from-config"}).exit_code, 0);
  // Attached: output, exit code passed through, config vars, not the source tree.
  auto r = h.run({"run", "-a", "oneoff", "--", "bash", "-c",
                  "'echo \"$GREETING $DYNO\"; test -f server.py && exit 7'"});
  EXPECT_EQ(r.exit_code, 7) << r.out << r.err;
  EXPECT_TRUE(std::regex_search(r.out, std::regex(R"(^from-config run\.\d{4}\n$)"))) << r.out;
  EXPECT_TRUE(std::regex_search(
      r.err,
      std::regex(R"(Running `bash -c .*` on ⬢ oneoff\.\.\. up, run\.\d{4} \(Standard-1X\))")))
      << r.err;
  // stdin reaches the command.
  auto in = h.write("input.txt", "piped line\n");
  auto cat = h.run({"run", "-a", "oneoff", "--", "cat"}, {}, 60s, in);
  EXPECT_EQ(cat.exit_code, 0);
  EXPECT_EQ(cat.out, "piped line\n");
  // RUN-1: a process type's name runs its command.
  auto typed = h.run({"run", "-a", "oneoff", "release"});
  EXPECT_EQ(typed.exit_code, 0) << typed.err;
  EXPECT_NE(typed.out.find("release phase for v4 greeting=from-config"), std::string::npos)
      << typed.out;
  // RUN-2 lines in the app's log.
  auto log = h.run({"logs", "-a", "oneoff", "--dyno", "run"}).out;
  EXPECT_TRUE(
      std::regex_search(log, std::regex(R"(heroku\[run\.\d{4}\]: Process exited with status 7)")))
      << log;
  EXPECT_TRUE(std::regex_search(
      log, std::regex(R"(heroku\[run\.\d{4}\]: State changed from up to complete)")))
      << log;
  // RUN-4: detached, output in the log.
  auto d = h.run({"run:detached", "-a", "oneoff", "--", "echo", "detached says $GREETING"});
  EXPECT_EQ(d.exit_code, 0) << d.err;
  EXPECT_TRUE(std::regex_search(
      d.out,
      std::regex(
          R"(Running `echo detached says \$GREETING` on ⬢ oneoff\.\.\. done, run\.\d{4} \(Standard-1X\))")))
      << d.out;
  EXPECT_TRUE(wait_until(
      [&] {
        auto l = h.run({"logs", "-a", "oneoff", "--source", "app"}).out;
        return std::regex_search(l, std::regex(R"(app\[run\.\d{4}\]: detached says from-config)"));
      },
      20s, "the detached dyno's output in the log"));
  auto none = h.run({"run", "-a", "nosuch", "--", "true"});
  EXPECT_EQ(none.exit_code, 1);
}

TEST_F(Platform, RUNAttachedGetsTheTerminalWhenOnOne) {
  deploy("tty");
  int master = -1;
  pid_t pid = ::forkpty(&master, nullptr, nullptr, nullptr);
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    ::setenv("LOKKU_HOME", h.home().c_str(), 1);
    ::setenv("TERM", "xterm-256color", 1);
    // One shell command, as `heroku run` takes it (the arguments are joined with spaces).
    ::execl(LOKKU_BIN, LOKKU_BIN, "run", "-a", "tty", "--",
            "test -t 0 && test -t 1 && echo \"on a tty: $TERM\"; read -r line; echo \"got $line\"",
            static_cast<char*>(nullptr));
    ::_exit(127);
  }
  std::string out;
  auto read_until = [&](const std::string& want) {
    auto deadline = std::chrono::steady_clock::now() + 30s;
    while (out.find(want) == std::string::npos && std::chrono::steady_clock::now() < deadline) {
      pollfd pfd{master, POLLIN, 0};
      if (::poll(&pfd, 1, 200) <= 0) {
        continue;
      }
      char buf[4096];
      ssize_t n = ::read(master, buf, sizeof buf);
      if (n <= 0) {
        break;
      }
      out.append(buf, static_cast<std::size_t>(n));
    }
    return out.find(want) != std::string::npos;
  };
  EXPECT_TRUE(read_until("on a tty: xterm-256color")) << out;
  ASSERT_EQ(::write(master, "typed\n", 6), 6);
  EXPECT_TRUE(read_until("got typed")) << out;
  int status = 0;
  EXPECT_TRUE(wait_until([&] { return ::waitpid(pid, &status, WNOHANG) == pid; }, 30s,
                         "lokku run to exit"));
  ::kill(pid, SIGKILL);
  ::close(master);
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << status;
}

}  // namespace
}  // namespace lokku::test
