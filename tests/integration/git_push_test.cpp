// git deploys against a live `lokku up`, with real git and the official Heroku CLI
// (git-and-ci.md §1; issue #19): create → push → served → rejected push → other branch →
// failed release phase → clone, and the bad input around them.
#include "support/platform.hpp"
#include "support/user_shell.hpp"

#include <gtest/gtest.h>

#include <csignal>
#include <cstdio>
#include <fstream>
#include <regex>
#include <sstream>
#include <sys/stat.h>
#include <sys/wait.h>
#include <thread>

namespace lokku::test {
namespace {

namespace fs = std::filesystem;

using Shell = ShellResult;

class GitPush : public ::testing::Test {
 protected:
  void SetUp() override {
    router = free_port();
    up = h.up(router, {"--time-scale", "10"});
    ASSERT_TRUE(up->wait_for_diagnostic("Platform API on http://127.0.0.1:"));
    port = h.api_port();
    token = h.token();
    ASSERT_NE(port, 0u);
    user_home = h.root() / "user";
    fs::create_directories(user_home);
  }

  /// `command` in bash in `cwd`, as a user with the official CLI on PATH (its credential
  /// helper runs `heroku` through a shell), lokku's CA trusted by git and node. stdout and
  /// stderr together.
  Shell sh(const std::string& command, const fs::path& cwd, bool with_token = true) const {
    return UserShell(h, port, user_home).run(command, cwd, with_token);
  }

  /// A copy of the pyweb fixture as a git repository with one commit on main.
  fs::path repo(const std::string& name, const std::string& branch = "main") {
    fs::path dir = h.root() / name;
    fs::copy(fs::path(LOKKU_TEST_FIXTURES_DIR) / "apps/pyweb", dir, fs::copy_options::recursive);
    auto r = sh("git init -q -b " + branch + " && git add -A && git commit -qm 'first'", dir);
    EXPECT_EQ(r.code, 0) << r.out;
    return dir;
  }

  std::string head(const fs::path& dir, const std::string& rev = "HEAD") const {
    auto r = sh("git rev-parse " + rev, dir);
    return r.out.substr(0, r.out.find('\n'));
  }

  /// The commit the app's repository has on `branch` ("" when none), read over git.
  std::string remote_ref(const fs::path& dir, const std::string& branch = "main") const {
    auto r = sh("git ls-remote heroku refs/heads/" + branch, dir);
    return r.out.substr(0, r.out.find('\t') == std::string::npos ? 0 : r.out.find('\t'));
  }

  std::string served(const std::string& app, const std::string& path = "/") const {
    auto r = get_by_host(router, app + ".localhost", path);
    return r ? std::to_string(r->status) + " " + r->body : "no answer";
  }

  int release_count(const std::string& app) const {
    auto r = api_request(port, "GET", "/apps/" + app + "/releases", token);
    if (!r || r->status != 200) {
      return -1;
    }
    int n = 0;
    for (std::size_t at = 0; (at = r->body.find("\"version\":", at)) != std::string::npos; ++at) {
      ++n;
    }
    return n;
  }

  /// The official CLI's create and the first push of main (git-and-ci.md §1.1, §1.3).
  fs::path created_and_pushed(const std::string& app) {
    fs::path dir = repo(app);
    auto create = sh("heroku apps:create " + app, dir);
    EXPECT_EQ(create.code, 0) << create.out;
    auto push = sh("git push heroku main", dir);
    EXPECT_EQ(push.code, 0) << push.out;
    EXPECT_EQ(served(app), "200 hello from web.1");
    return dir;
  }

  LokkuHome h;
  unsigned router = 0, port = 0;
  std::string token;
  fs::path user_home;
  std::unique_ptr<LokkuProcess> up;
};

TEST_F(GitPush, TheHerokuWayCreatePushServe) {
  fs::path dir = repo("gettingstarted");
  // git-and-ci.md §1.1: the CLI writes https://<host:port of HEROKU_HOST>/<app>.git.
  auto create = sh("heroku create gettingstarted", dir);
  ASSERT_EQ(create.code, 0) << create.out;
  const std::string url = "https://127.0.0.1:" + std::to_string(port) + "/gettingstarted.git";
  EXPECT_NE(create.out.find("| " + url), std::string::npos) << create.out;
  EXPECT_EQ(sh("git remote get-url heroku", dir).out, url + "\n");

  auto push = sh("git push heroku main", dir);
  ASSERT_EQ(push.code, 0) << push.out;
  // §1.3: the build streams as `remote:` lines, in Heroku's words and order.
  for (const char* line :
       {"remote: Compressing source files... done.", "remote: Building source:",
        "remote: -----> Building on the Heroku-24 stack", "remote: -----> Python app detected",
        "remote: -----> Discovering process types", "remote: -----> Launching...",
        "remote:  !     Release command declared: this new release will not be available until "
        "the command succeeds.",
        "remote:        Released v3", "deployed to Heroku", "remote: Verifying deploy... done.",
        "remote: Running release command...", "remote: release phase for v3 greeting=unset",
        "remote: Waiting for release.... done.", "To " /* then the URL */,
        " * [new branch]      main -> main"}) {
    EXPECT_NE(push.out.find(line), std::string::npos) << line << "\n" << push.out;
  }
  EXPECT_LT(push.out.find("Building on the"), push.out.find("Released v3"));
  EXPECT_LT(push.out.find("Verifying deploy... done."), push.out.find("Waiting for release"));
  EXPECT_EQ(served("gettingstarted"), "200 hello from web.1");
  EXPECT_EQ(remote_ref(dir), head(dir));

  // Each push is a build, with its output (BP-9), and the release names the commit.
  auto builds = api_request(port, "GET", "/apps/gettingstarted/builds", token);
  ASSERT_TRUE(builds && builds->status == 200);
  EXPECT_NE(builds->body.find("\"status\":\"succeeded\""), std::string::npos) << builds->body;
  EXPECT_NE(builds->body.find("\"version\":\"" + head(dir) + "\""), std::string::npos)
      << builds->body;
  std::smatch id;
  ASSERT_TRUE(std::regex_search(builds->body, id, std::regex(R"re("id":"([0-9a-f-]{36})")re")));
  auto build = api_request(port, "GET", "/apps/gettingstarted/builds/" + id[1].str(), token);
  ASSERT_TRUE(build && build->status == 200);
  std::smatch stream;
  ASSERT_TRUE(std::regex_search(
      build->body, stream,
      std::regex(R"re("output_stream_url":"http://127\.0\.0\.1:\d+(/streams/[0-9a-f]+)")re")))
      << build->body;
  auto output = api_request(port, "GET", stream[1].str(), "");
  ASSERT_TRUE(output);
  EXPECT_NE(output->body.find("-----> Building on the Heroku-24 stack"), std::string::npos)
      << output->body;
  auto releases = sh("heroku releases -a gettingstarted", dir);
  EXPECT_NE(releases.out.find("Deploy " + head(dir).substr(0, 8)), std::string::npos)
      << releases.out;
  // Commands infer the app from the remote (git-and-ci.md §1.1).
  auto info = sh("heroku apps:info", dir);
  EXPECT_NE(info.out.find("=== gettingstarted"), std::string::npos) << info.out;
}

TEST_F(GitPush, AFailedBuildRejectsThePushAndTheOldReleaseKeepsServing) {
  fs::path dir = created_and_pushed("rejected");
  const std::string good = head(dir);
  const int releases = release_count("rejected");
  std::ofstream(dir / ".buildpacks") << fixture_buildpack("failing") << "\n";
  ASSERT_EQ(sh("git add -A && git commit -qm 'breaks the build'", dir).code, 0);
  auto push = sh("git push heroku main", dir);
  EXPECT_NE(push.code, 0) << push.out;
  // git-and-ci.md §1.3, conformance 1: Push failed, rejected, the ref unchanged.
  for (const char* line : {"remote: -----> About to fail", "remote:  !     Push failed",
                           "remote: Verifying deploy...", "remote: !\tPush rejected to rejected.",
                           " ! [remote rejected] main -> main (pre-receive hook declined)",
                           "error: failed to push some refs to"}) {
    EXPECT_NE(push.out.find(line), std::string::npos) << line << "\n" << push.out;
  }
  EXPECT_EQ(remote_ref(dir), good);
  EXPECT_EQ(release_count("rejected"), releases);
  EXPECT_EQ(served("rejected"), "200 hello from web.1");
}

TEST_F(GitPush, OtherBranchesAreStoredNotBuiltAndDeployAsMain) {
  fs::path dir = created_and_pushed("branches");
  const int releases = release_count("branches");
  ASSERT_EQ(sh("git checkout -qb feature && sed -i 's/\"hello\"/\"hi\"/' server.py && "
               "git commit -qam 'says hi'",
               dir)
                .code,
            0);
  // git-and-ci.md §1.4: stored, with Heroku's words, no build.
  auto other = sh("git push heroku feature", dir);
  EXPECT_EQ(other.code, 0) << other.out;
  EXPECT_NE(other.out.find("remote: Pushed to non-master branch, skipping build."),
            std::string::npos)
      << other.out;
  EXPECT_EQ(other.out.find("Building on the"), std::string::npos) << other.out;
  EXPECT_EQ(remote_ref(dir, "feature"), head(dir));
  EXPECT_EQ(release_count("branches"), releases);
  EXPECT_EQ(served("branches"), "200 hello from web.1");
  // `git push heroku feature:main` deploys that branch.
  auto as_main = sh("git push heroku feature:main", dir);
  EXPECT_EQ(as_main.code, 0) << as_main.out;
  EXPECT_NE(as_main.out.find("remote: Verifying deploy... done."), std::string::npos)
      << as_main.out;
  EXPECT_EQ(served("branches"), "200 hi from web.1");
}

TEST_F(GitPush, MasterDeploysToo) {
  fs::path dir = repo("old-school", "master");
  ASSERT_EQ(sh("heroku apps:create old-school", dir).code, 0);
  auto push = sh("git push heroku master", dir);
  EXPECT_EQ(push.code, 0) << push.out;
  EXPECT_NE(push.out.find(" * [new branch]      master -> master"), std::string::npos) << push.out;
  EXPECT_EQ(served("old-school"), "200 hello from web.1");
}

TEST_F(GitPush, AFailedReleasePhaseUpdatesTheRefAndSaysFailed) {
  fs::path dir = created_and_pushed("phase");
  // The release phase of the pyweb fixture exits with $RELEASE_EXIT.
  auto set = sh("heroku config:set RELEASE_EXIT=1 -a phase", dir);
  ASSERT_TRUE(wait_until(
      [&] {
        auto r = api_request(port, "GET", "/apps/phase/releases", token);
        return r && r->body.find("\"status\":\"failed\"") != std::string::npos;
      },
      30s, "the config change's release phase to fail"))
      << set.out;
  ASSERT_EQ(sh("sed -i 's/\"hello\"/\"changed\"/' server.py && git commit -qam change", dir).code,
            0);
  auto push = sh("git push heroku main", dir);
  // git-and-ci.md §1.3: a failed release command does not reject the push.
  EXPECT_EQ(push.code, 0) << push.out;
  EXPECT_NE(push.out.find("remote: Running release command..."), std::string::npos) << push.out;
  EXPECT_NE(push.out.find("remote: Waiting for release.... failed."), std::string::npos)
      << push.out;
  EXPECT_EQ(remote_ref(dir), head(dir));
  EXPECT_EQ(served("phase"), "200 hello from web.1");  // the release did not go out
}

TEST_F(GitPush, CloneTheAppsRepository) {
  fs::path dir = created_and_pushed("cloned");
  fs::path other = h.root() / "elsewhere";
  fs::create_directories(other);
  // `heroku git:clone` is `git clone -o heroku <url>` (git-and-ci.md §1.1).
  auto clone = sh("heroku git:clone -a cloned", other);
  ASSERT_EQ(clone.code, 0) << clone.out;
  EXPECT_TRUE(fs::exists(other / "cloned/server.py"));
  EXPECT_EQ(head(other / "cloned"), head(dir));
  EXPECT_EQ(sh("git remote", other / "cloned").out, "heroku\n");
  // `heroku git:remote` adds (or sets) a remote of that URL (git-and-ci.md §1.1).
  auto remote = sh("heroku git:remote -a cloned -r again", other / "cloned");
  EXPECT_EQ(remote.code, 0) << remote.out;
  const std::string url = "https://127.0.0.1:" + std::to_string(port) + "/cloned.git";
  EXPECT_NE(remote.out.find("set git remote again to " + url), std::string::npos) << remote.out;
  EXPECT_EQ(sh("git remote get-url again", other / "cloned").out, url + "\n");
  // lokku's own: trusts lokku's CA and asks lokku for the token, through the repository's
  // own config (no GIT_SSL_CAINFO, no heroku CLI).
  auto mine = sh("env -u GIT_SSL_CAINFO \"$LOKKU\" git:clone -a cloned mine", other, false);
  ASSERT_EQ(mine.code, 0) << mine.out;
  EXPECT_EQ(head(other / "mine"), head(dir));
}

TEST_F(GitPush, LokkuGitRemoteWithoutTheHerokuCli) {
  fs::path dir = repo("by-lokku");
  ASSERT_EQ(h.run({"apps:create", "by-lokku"}).exit_code, 0);
  auto remote = sh("\"$LOKKU\" git:remote -a by-lokku", dir, false);
  ASSERT_EQ(remote.code, 0) << remote.out;
  EXPECT_EQ(remote.out, "set git remote heroku to https://127.0.0.1:" + std::to_string(port) +
                            "/by-lokku.git\n");
  // No token in the environment, no CLI, the system's CA list: the repository's config
  // names lokku's CA and lokku's credential helper for this remote only.
  auto push = sh("env -u GIT_SSL_CAINFO git push heroku main", dir, false);
  EXPECT_EQ(push.code, 0) << push.out;
  EXPECT_EQ(served("by-lokku"), "200 hello from web.1");
}

TEST_F(GitPush, WrongTokenUnknownAppAndNoCredentials) {
  fs::path dir = repo("guarded");
  ASSERT_EQ(h.run({"apps:create", "guarded"}).exit_code, 0);
  const std::string base = "https://127.0.0.1:" + std::to_string(port);
  auto wrong =
      sh("git push " + base.substr(0, 8) + "heroku:wrong@" + base.substr(8) + "/guarded.git main",
         dir, false);
  EXPECT_NE(wrong.code, 0);
  EXPECT_NE(wrong.out.find("Authentication failed"), std::string::npos) << wrong.out;
  EXPECT_TRUE(fs::exists(h.home() / "apps/guarded/app.yaml"));
  // Without credentials the endpoint asks for them (what makes git call its helper).
  auto ask = api_request(port, "GET", "/guarded.git/info/refs?service=git-receive-pack", "");
  ASSERT_TRUE(ask);
  EXPECT_EQ(ask->status, 401);
  EXPECT_EQ(ask->header("www-authenticate"), R"(Basic realm="lokku")");
  // Any user name with the token as the password (Heroku's rule).
  auto any_user = sh("git ls-remote " + base.substr(0, 8) + "someone:" + token + "@" +
                         base.substr(8) + "/guarded.git",
                     dir, false);
  EXPECT_EQ(any_user.code, 0) << any_user.out;
  auto unknown =
      sh("git push " + base.substr(0, 8) + "x:" + token + "@" + base.substr(8) + "/nosuch.git main",
         dir, false);
  EXPECT_NE(unknown.code, 0);
  EXPECT_NE(unknown.out.find("not found"), std::string::npos) << unknown.out;
  // Plain HTTP on the same port works too (the first byte tells).
  auto plain =
      sh("git ls-remote http://x:" + token + "@127.0.0.1:" + std::to_string(port) + "/guarded.git",
         dir, false);
  EXPECT_EQ(plain.code, 0) << plain.out;
}

TEST_F(GitPush, NonFastForwardIsRefusedAndForceWorks) {
  fs::path dir = created_and_pushed("diverged");
  fs::path other = h.root() / "other";
  fs::create_directories(other);
  ASSERT_EQ(sh("heroku git:clone -a diverged theirs", other).code, 0);
  ASSERT_EQ(sh("echo theirs > theirs.txt && git add -A && git commit -qm theirs && "
               "git push heroku main",
               other / "theirs")
                .code,
            0);
  ASSERT_EQ(sh("echo mine > mine.txt && git add -A && git commit -qm mine", dir).code, 0);
  auto refused = sh("git push heroku main", dir);
  EXPECT_NE(refused.code, 0);
  EXPECT_NE(refused.out.find("! [rejected]        main -> main (fetch first)"), std::string::npos)
      << refused.out;
  EXPECT_EQ(remote_ref(dir), head(other / "theirs"));
  auto forced = sh("git push --force heroku main", dir);
  EXPECT_EQ(forced.code, 0) << forced.out;
  EXPECT_NE(forced.out.find("(forced update)"), std::string::npos) << forced.out;
  EXPECT_EQ(remote_ref(dir), head(dir));
}

TEST_F(GitPush, EmptyRepositoryAndEmptyApp) {
  fs::path dir = h.root() / "empty";
  fs::create_directories(dir);
  ASSERT_EQ(sh("git init -q -b main", dir).code, 0);
  ASSERT_EQ(sh("heroku apps:create empty-app", dir).code, 0);
  auto push = sh("git push heroku main", dir);
  EXPECT_NE(push.code, 0);
  EXPECT_NE(push.out.find("src refspec main does not match any"), std::string::npos) << push.out;
  // An app nobody pushed to clones as an empty repository.
  auto clone = sh("heroku git:clone -a empty-app copy", h.root());
  EXPECT_EQ(clone.code, 0) << clone.out;
  EXPECT_NE(clone.out.find("You appear to have cloned an empty repository."), std::string::npos)
      << clone.out;
}

TEST_F(GitPush, APushOf200MegabytesGoesThrough) {
  fs::path dir = repo("big");
  ASSERT_EQ(sh("heroku apps:create big", dir).code, 0);
  // 200 MB that does not compress, kept out of the slug by .slugignore (SLUG-2).
  ASSERT_EQ(sh("head -c 209715200 /dev/urandom > blob.bin && echo blob.bin > .slugignore && "
               "git add -A && git commit -qm big",
               dir)
                .code,
            0);
  auto push = sh("git -c pack.compression=0 -c core.bigFileThreshold=1m push heroku main", dir);
  EXPECT_EQ(push.code, 0) << push.out.substr(push.out.size() > 3000 ? push.out.size() - 3000 : 0);
  EXPECT_EQ(remote_ref(dir), head(dir));
  EXPECT_EQ(served("big"), "200 hello from web.1");
}

/// A buildpack whose compile waits for a file to exist: a build held open as long as a test
/// needs.
std::string held_buildpack(const LokkuHome& h) {
  h.write("held/bin/detect", "#!/bin/sh\necho Held\n");
  h.write("held/bin/compile",
          "#!/bin/sh\necho '-----> Holding the build'\n"
          "while [ ! -e \"" +
              (h.root() / "release-the-build").string() +
              "\" ]; do sleep 0.1; done\n"
              "echo '-----> Released'\n");
  h.write("held/bin/release",
          "#!/bin/sh\necho '---'\necho 'default_process_types:'\n"
          "echo '  web: python3 -u server.py'\n");
  for (const char* s : {"detect", "compile", "release"}) {
    fs::permissions(h.root() / "held/bin" / s, fs::perms::owner_all, fs::perm_options::add);
  }
  return (h.root() / "held").string();
}

/// Whether a process is blocked waiting for the flock on `file`.
bool lock_has_waiter(const fs::path& file) {
  struct stat st {};
  if (::stat(file.c_str(), &st) != 0) {
    return false;
  }
  const std::string inode = ":" + std::to_string(st.st_ino) + " ";
  std::ifstream locks("/proc/locks");
  for (std::string line; std::getline(locks, line);) {
    if (line.find("->") != std::string::npos && line.find(inode) != std::string::npos) {
      return true;
    }
  }
  return false;
}

TEST_F(GitPush, TwoPushesAtOnceAreBuiltOneAtATime) {
  fs::path dir = repo("serial");
  ASSERT_EQ(sh("heroku apps:create serial", dir).code, 0);
  std::ofstream(dir / ".buildpacks") << held_buildpack(h) << "\n";
  ASSERT_EQ(sh("git add -A && git commit -qm held", dir).code, 0);
  fs::path second = h.root() / "second";
  fs::copy(dir, second, fs::copy_options::recursive);
  ASSERT_EQ(sh("echo two > two.txt && git add -A && git commit -qm two", second).code, 0);

  Shell first_push, second_push;
  std::thread a([&] { first_push = sh("git push heroku main", dir); });
  ASSERT_TRUE(wait_until([&] { return fs::exists(h.home() / "apps/serial/push.lock"); }, 30s,
                         "the first push's build to start"));
  std::this_thread::sleep_for(500ms);  // the first push holds the lock (its build is held)
  std::thread b([&] { second_push = sh("git push heroku main", second); });
  // The first build is held until the second push's hook runs (and waits for the lock).
  EXPECT_TRUE(wait_until(
      [&] { return sh("pgrep -fc 'git:pre-receiv[e] -a serial'", h.root()).out == "2\n"; }, 60s,
      "the second push's hook to start"));
  // ... and until that hook is blocked on the push lock: /proc/locks lists a waiter ("->")
  // on the lock file's inode.
  EXPECT_TRUE(wait_until([&] { return lock_has_waiter(h.home() / "apps/serial/push.lock"); }, 60s,
                         "the second push to wait for the lock"));
  std::ofstream(h.root() / "release-the-build") << "go\n";
  a.join();
  b.join();
  EXPECT_EQ(first_push.code, 0) << first_push.out;
  // The second waited for the first, then found main moved: refused, with a reason.
  EXPECT_NE(second_push.code, 0) << second_push.out;
  EXPECT_NE(second_push.out.find("Waiting for the build of another push to this app to finish"),
            std::string::npos)
      << second_push.out;
  EXPECT_NE(second_push.out.find("main moved while this push waited"), std::string::npos)
      << second_push.out;
  EXPECT_EQ(remote_ref(dir), head(dir));
  EXPECT_EQ(served("serial"), "200 hello from web.1");
}

TEST_F(GitPush, AClientThatLeavesMidBuildLeavesNoHalfBuiltRelease) {
  fs::path dir = repo("leaver");
  ASSERT_EQ(sh("heroku apps:create leaver", dir).code, 0);
  std::ofstream(dir / ".buildpacks") << held_buildpack(h) << "\n";
  ASSERT_EQ(sh("git add -A && git commit -qm held", dir).code, 0);
  // The push runs in a process group of its own, killed once its build has started.
  ASSERT_EQ(sh("setsid bash -c 'echo $$ > push.sid; exec git push heroku main > push.out 2>&1' "
               "& sleep 0.2",
               dir)
                .code,
            0);
  ASSERT_TRUE(wait_until(
      [&] {
        std::ifstream in(dir / "push.out");
        std::stringstream ss;
        ss << in.rdbuf();
        return ss.str().find("Holding the build") != std::string::npos;
      },
      60s, "the build to start"));
  ASSERT_EQ(sh("pkill -KILL -s $(cat push.sid)", dir).code, 0);
  std::ofstream(h.root() / "release-the-build") << "go\n";
  // The build goes on to its end and releases whole, and the app's lock is free: the
  // next push builds at once.
  EXPECT_TRUE(wait_until([&] { return served("leaver") == "200 hello from web.1"; }, 60s,
                         "the build the client left to be released"));
  EXPECT_TRUE(wait_until([&] { return remote_ref(dir) == head(dir); }, 20s, "the ref"));
  ASSERT_EQ(sh("echo again > again.txt && git add -A && git commit -qm again", dir).code, 0);
  auto again = sh("git push heroku main", dir);
  EXPECT_EQ(again.code, 0) << again.out;
  EXPECT_EQ(again.out.find("Waiting for the build of another push"), std::string::npos);
}

TEST_F(GitPush, TheCertificatesComeFromOneLocalAuthority) {
  const fs::path tls = h.home() / "tls";
  for (const char* key : {"ca.key", "api.key", "rendezvous.key"}) {
    struct stat st {};
    ASSERT_EQ(::stat((tls / key).c_str(), &st), 0) << key;
    EXPECT_EQ(st.st_mode & 0777, 0600u) << key;
  }
  for (const char* cert : {"api.crt", "rendezvous.crt"}) {
    auto r = sh("openssl verify -CAfile ca.crt " + std::string(cert), tls, false);
    EXPECT_EQ(r.code, 0) << cert << ": " << r.out;
  }
  // The API port speaks TLS with that certificate, and plain HTTP beside it.
  auto tls_api = sh("curl -sS --cacert ca.crt -H 'Authorization: Bearer " + token +
                        "' -H 'Accept: application/vnd.heroku+json; version=3' "
                        "https://127.0.0.1:" +
                        std::to_string(port) + "/account",
                    tls, false);
  EXPECT_EQ(tls_api.code, 0) << tls_api.out;
  EXPECT_NE(tls_api.out.find("\"email\""), std::string::npos) << tls_api.out;
}

TEST_F(GitPush, AutodeployDeploysEachNewCommitOfTheBranch) {
  fs::path dir = repo("followed");
  ASSERT_EQ(h.run({"apps:create", "followed"}).exit_code, 0);
  auto enable =
      h.run({"autodeploy:enable", "-a", "followed", "--repo", dir.string(), "--branch", "main"});
  ASSERT_EQ(enable.exit_code, 0) << enable.out << enable.err;
  EXPECT_TRUE(wait_until([&] { return served("followed") == "200 hello from web.1"; }, 60s,
                         "the branch's commit to be deployed"));
  ASSERT_EQ(sh("sed -i 's/\"hello\"/\"merged\"/' server.py && git commit -qam 'a merge'", dir).code,
            0);
  EXPECT_TRUE(wait_until([&] { return served("followed") == "200 merged from web.1"; }, 60s,
                         "the new commit to be deployed"));
  auto releases = h.run({"releases", "-a", "followed"});
  EXPECT_NE(releases.out.find("Deploy " + head(dir).substr(0, 8)), std::string::npos)
      << releases.out;
  // Commits of other branches are not deployed.
  ASSERT_EQ(sh("git checkout -qb side && sed -i 's/\"merged\"/\"side\"/' server.py && "
               "git commit -qam side",
               dir)
                .code,
            0);
  std::this_thread::sleep_for(1500ms);  // several rounds of the watcher (every 200 ms here)
  EXPECT_EQ(served("followed"), "200 merged from web.1");
  auto info = h.run({"autodeploy:info", "-a", "followed"});
  EXPECT_NE(info.out.find("Branch:      main"), std::string::npos) << info.out;
}

TEST_F(GitPush, AutodeployWaitsForCiToPass) {
  fs::path dir = h.root() / "gated";
  fs::copy(fs::path(LOKKU_TEST_FIXTURES_DIR) / "apps/pyweb", dir, fs::copy_options::recursive);
  // app.json's test script (Heroku CI, git-and-ci.md §5) passes while status.txt says ok.
  std::ofstream(dir / "app.json")
      << R"({"environments": {"test": {"scripts": {"test": "grep -qx ok status.txt"}}}})"
      << "\n";
  std::ofstream(dir / "status.txt") << "ok\n";
  ASSERT_EQ(sh("git init -q -b main && git add -A && git commit -qm first", dir).code, 0);
  ASSERT_EQ(h.run({"apps:create", "gated"}).exit_code, 0);
  ASSERT_EQ(h.run({"autodeploy:enable", "-a", "gated", "--repo", dir.string(), "--wait-for-ci"})
                .exit_code,
            0);
  EXPECT_TRUE(wait_until([&] { return served("gated") == "200 hello from web.1"; }, 60s,
                         "the tested commit to be deployed"));
  // A commit whose tests fail is not deployed (CL:1361).
  ASSERT_EQ(sh("echo broken > status.txt && sed -i 's/\"hello\"/\"untested\"/' server.py && "
               "git commit -qam 'breaks the tests'",
               dir)
                .code,
            0);
  const std::string bad = head(dir);
  EXPECT_TRUE(wait_until(
      [&] {
        return h.run({"ci:list", "-a", "gated"})
                   .out.find("✗ #2 main:" + bad.substr(0, 7) + " failed") != std::string::npos;
      },
      60s, "the failing commit's test run"));
  EXPECT_EQ(served("gated"), "200 hello from web.1");
  // Fixed: tested, passed, deployed.
  ASSERT_EQ(sh("echo ok > status.txt && git commit -qam fixed", dir).code, 0);
  EXPECT_TRUE(wait_until([&] { return served("gated") == "200 untested from web.1"; }, 60s,
                         "the fixed commit to be deployed"));
  auto runs = h.run({"ci:list", "-a", "gated"});
  EXPECT_NE(runs.out.find("✓ #3 main:" + head(dir).substr(0, 7) + " succeeded"), std::string::npos)
      << runs.out;
  EXPECT_NE(runs.out.find("✓ #1 main:"), std::string::npos) << runs.out;
}

TEST_F(GitPush, AutodeployCreatesReviewAppsForNewBranchesWhenAskedTo) {
  fs::path dir = repo("reviewed");
  // Review apps are set up from the branch's app.json (PIPE-3).
  std::ofstream(dir / "app.json") << R"({"name": "reviewed"})"
                                  << "\n";
  ASSERT_EQ(sh("git add -A && git commit -qm app.json", dir).code, 0);
  ASSERT_EQ(h.run({"apps:create", "reviewed"}).exit_code, 0);
  ASSERT_EQ(h.run({"autodeploy:enable", "-a", "reviewed", "--repo", dir.string(), "--review-apps"})
                .exit_code,
            0);
  EXPECT_TRUE(wait_until([&] { return served("reviewed") == "200 hello from web.1"; }, 60s,
                         "main to be deployed"));
  ASSERT_EQ(sh("git checkout -qb new-idea && sed -i 's/\"hello\"/\"idea\"/' server.py && "
               "git commit -qam idea && git checkout -q main",
               dir)
                .code,
            0);
  EXPECT_TRUE(wait_until([&] { return served("reviewed-new-idea") == "200 idea from web.1"; }, 60s,
                         "the branch's review app"));
  EXPECT_EQ(served("reviewed"), "200 hello from web.1");
}

}  // namespace
}  // namespace lokku::test
