// `lokku exec` (#27 point 2): a private platform per run (its own home in a temporary folder,
// its own ports), the app deployed and ready before the command runs with the platform's
// URLs and the heroku CLI's exports, and nothing left once it returns the command's status.
#include "support/platform.hpp"

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <csignal>
#include <fstream>
#include <regex>

namespace lokku::test {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

class Exec : public ::testing::Test {
 protected:
  void SetUp() override {
    fs::create_directories(tmp());
    marker = random_marker();
  }

  fs::path tmp() const { return h.root() / "tmp"; }

  /// A copy of the pyweb fixture at `<root>/<name>`.
  fs::path app(const std::string& name) const {
    fs::copy(fs::path(LOKKU_TEST_FIXTURES_DIR) / "apps" / "pyweb", h.root() / name,
             fs::copy_options::recursive);
    return h.root() / name;
  }

  std::unique_ptr<LokkuProcess> exec(const fs::path& dir, const std::vector<std::string>& cmd) {
    std::vector<std::string> args = {"exec", "-d", dir.string(), "--time-scale", "10", "--"};
    args.insert(args.end(), cmd.begin(), cmd.end());
    auto env = h.env();
    env["TMPDIR"] = tmp().string();
    env["LOKKU_EXEC_TEST"] = marker;
    return std::make_unique<LokkuProcess>(args, h.root(), env);
  }

  /// Everything a run may leave: its folder, a process of lokku's (the marker in its
  /// environment) or one started from its folder (a dyno: its cwd is in the slug).
  void expect_nothing_left() const {
    std::vector<std::string> left;
    for (const auto& e : fs::directory_iterator(tmp())) {
      left.push_back(e.path().filename().string());
    }
    EXPECT_TRUE(left.empty()) << "left in TMPDIR: " << left.front();
    EXPECT_TRUE(processes_with_env("LOKKU_EXEC_TEST", marker).empty());
    for (const auto& e : fs::directory_iterator("/proc")) {
      std::error_code ec;
      auto cwd = fs::read_symlink(e.path() / "cwd", ec).string();
      EXPECT_TRUE(ec || cwd.rfind(tmp().string(), 0) != 0)
          << "a process left running in " << cwd << " (" << e.path() << ")";
    }
  }

  LokkuHome h;
  std::string marker;
};

TEST_F(Exec, TwoRunsAtOnceEachHaveTheirOwnPlatformAndLeaveNothingBehind) {
  // The command asks its app through the router, then exits 7: exec exits 7.
  const std::vector<std::string> cmd = {
      "sh", "-c",
      "echo \"app=$LOKKU_APP url=$LOKKU_APP_URL router=$LOKKU_URL api=$HEROKU_HOST "
      "key=${HEROKU_API_KEY:+set} home=$LOKKU_HOME\"; "
      "curl -sf -H \"Host: $LOKKU_APP.localhost\" \"$LOKKU_URL/\"; echo; "
      "exit 7"};
  auto alpha = exec(app("alpha"), cmd);
  auto beta = exec(app("beta"), cmd);
  ASSERT_EQ(alpha->wait_exit(240s), 7) << alpha->stderr_text();
  ASSERT_EQ(beta->wait_exit(240s), 7) << beta->stderr_text();

  std::set<std::string> routers;
  for (auto* run : {alpha.get(), beta.get()}) {
    std::string line;
    ASSERT_TRUE(run->wait_for(R"(^app=\w+ url=http://\w+\.localhost:\d+ )", 1s, &line));
    std::smatch m;
    ASSERT_TRUE(std::regex_search(
        line, m,
        std::regex(
            R"(app=(\w+) url=\S+ router=(http://localhost:\d+) api=(http://127\.0\.0\.1:\d+) key=set home=(\S+))")))
        << line;
    routers.insert(m[2]);
    // Its own home, not the user's, under TMPDIR; the app answered through its router.
    EXPECT_EQ(std::string(m[4]).rfind(tmp().string(), 0), 0u) << line;
    EXPECT_NE(std::string(m[4]), h.home().string());
    EXPECT_TRUE(run->wait_for("^hello from web\\.1$", 1s)) << run->stderr_text();
    // The build's output went to stderr; stdout is the command's alone.
    EXPECT_NE(run->stderr_text().find("-----> Waiting until the platform is ready"),
              std::string::npos);
    EXPECT_EQ(run->count("-----> "), 0u);
  }
  EXPECT_EQ(routers.size(), 2u) << "the two runs shared a router port";
  // Neither touched the user's own home.
  EXPECT_TRUE(fs::is_empty(h.home()));
  expect_nothing_left();
}

TEST_F(Exec, ACommandThatDoesNotExistIs127AsInAShell) {
  auto run = exec(app("web"), {"no-such-command-here", "--flag"});
  EXPECT_EQ(run->wait_exit(180s), 127) << run->stderr_text();
  EXPECT_NE(run->stderr_text().find("no-such-command-here: command not found"), std::string::npos)
      << run->stderr_text();
  expect_nothing_left();
}

TEST_F(Exec, AnAppThatFailsToBuildShowsItsBuildOutputAndRunsNothing) {
  auto dir = h.root() / "broken";
  fs::create_directories(dir);
  std::ofstream(dir / "Procfile") << "web: true\n";  // no buildpack detects anything here
  auto run = exec(dir, {"sh", "-c", "echo ran"});
  auto code = run->wait_exit(180s);
  ASSERT_TRUE(code);
  EXPECT_NE(*code, 0);
  EXPECT_EQ(run->count("^ran$"), 0u);
  EXPECT_NE(run->stderr_text().find("did not deploy"), std::string::npos) << run->stderr_text();
  EXPECT_NE(run->stderr_text().find("No default language could be detected"), std::string::npos)
      << run->stderr_text();
  expect_nothing_left();
}

TEST_F(Exec, CtrlCDuringTheCommandTearsEverythingDown) {
  const auto pid_file = h.root() / "cmd.pid";
  auto run = exec(app("web"),
                  {"sh", "-c", fmt::format("echo $$ > {}; exec sleep 120", pid_file.string())});
  ASSERT_TRUE(wait_until([&] { return fs::exists(pid_file) && fs::file_size(pid_file) > 0; }, 180s,
                         "the command to start"))
      << run->stderr_text();
  int cmd_pid = 0;
  std::ifstream(pid_file) >> cmd_pid;
  ASSERT_GT(cmd_pid, 0);
  // A terminal's Ctrl-C reaches its foreground group: lokku exec and the command.
  ::kill(cmd_pid, SIGINT);
  ::kill(run->pid(), SIGINT);
  EXPECT_EQ(run->wait_exit(120s), 130) << run->stderr_text();
  EXPECT_NE(run->stderr_text().find("Stopping the private platform"), std::string::npos);
  expect_nothing_left();
}

TEST_F(Exec, BadInputIsRefusedBeforeAnythingStarts) {
  auto none = h.run({"exec", "-d", (h.root() / "nowhere").string(), "--", "true"});
  EXPECT_EQ(none.exit_code, 1);
  EXPECT_NE(none.err.find("no such directory"), std::string::npos) << none.err;
  auto bad = h.run({"exec", "--timeout", "later", "--", "true"});
  EXPECT_EQ(bad.exit_code, 1);
  EXPECT_NE(bad.err.find("--timeout later: not a duration"), std::string::npos) << bad.err;
}

}  // namespace
}  // namespace lokku::test
