// Releases, config vars, formation and the store (build-and-release.md REL-1..7, CFG-1..4;
// the store's locking). Commands run against a real lokku home; no platform runs here.
#include "support/platform.hpp"

#include <gtest/gtest.h>

#include <regex>
#include <sstream>
#include <thread>

namespace lokku::test {
namespace {

namespace fs = std::filesystem;

/// A deployed pyweb app named `name`.
void deploy(const LokkuHome& h, const std::string& name) {
  auto r = h.deploy(name);
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
}

std::vector<std::string> lines(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  std::string l;
  while (std::getline(in, l)) {
    out.push_back(l);
  }
  return out;
}

TEST(Releases, REL2And4CreationConfigAndDeployDescriptions) {
  LokkuHome h;
  ASSERT_EQ(h.run({"apps:create", "rels"}).exit_code, 0);
  auto set = h.run({"config:set", "-a", "rels", "ZED=1", "ALPHA=2"});
  ASSERT_EQ(set.exit_code, 0) << set.err;
  EXPECT_NE(set.out.find("Setting ALPHA, ZED and restarting ⬢ rels... done, v3"), std::string::npos)
      << set.out;
  ASSERT_EQ(h.run({"config:unset", "-a", "rels", "ZED"}).exit_code, 0);
  deploy(h, "rels");
  auto out = lines(h.run({"releases", "-a", "rels"}).out);
  ASSERT_GE(out.size(), 6u);
  EXPECT_EQ(out[0], "=== ⬢ rels Releases - Current: v5");
  EXPECT_TRUE(std::regex_search(out[1], std::regex(R"(^v5 +Deploy [0-9a-f]{8} )"))) << out[1];
  EXPECT_TRUE(std::regex_search(out[2], std::regex(R"(^v4 +Remove ZED config vars )"))) << out[2];
  EXPECT_TRUE(std::regex_search(out[3], std::regex(R"(^v3 +Set ALPHA, ZED config vars )")))
      << out[3];  // sorted (REL-4 [emu])
  EXPECT_TRUE(std::regex_search(out[4], std::regex(R"(^v2 +Enable Logplex )"))) << out[4];
  EXPECT_TRUE(std::regex_search(out[5], std::regex(R"(^v1 +Initial release )"))) << out[5];
  // REL-4 log lines in the app's log.
  auto log = h.run({"logs", "-a", "rels"}).out;
  EXPECT_TRUE(std::regex_search(
      log, std::regex(R"(app\[api\]: Set ALPHA, ZED config vars by user \S+@lokku\.local)")))
      << log;
  EXPECT_TRUE(std::regex_search(log, std::regex(R"(app\[api\]: Release v3 created by user )")))
      << log;
}

TEST(Releases, REL3InfoShowsTheConfigSnapshotOfThatRelease) {
  LokkuHome h;
  deploy(h, "info");
  ASSERT_EQ(h.run({"config:set", "-a", "info", "GREETING=one"}).exit_code, 0);  // v4
  ASSERT_EQ(h.run({"config:set", "-a", "info", "GREETING=two"}).exit_code, 0);  // v5
  auto v4 = h.run({"releases:info", "-a", "info", "v4"});
  ASSERT_EQ(v4.exit_code, 0);
  EXPECT_NE(v4.out.find("=== Release v4"), std::string::npos) << v4.out;
  EXPECT_NE(v4.out.find("GREETING: one"), std::string::npos) << v4.out;
  auto cur = h.run({"releases:info", "-a", "info"});
  EXPECT_NE(cur.out.find("=== Release v5"), std::string::npos) << cur.out;
  EXPECT_NE(cur.out.find("succeeded (current)"), std::string::npos) << cur.out;
  auto missing = h.run({"releases:info", "-a", "info", "v99"});
  EXPECT_EQ(missing.exit_code, 1);
  EXPECT_NE(missing.err.find("No such release: v99"), std::string::npos) << missing.err;
}

TEST(Releases, REL7RollbackTakesSlugAndConfigOfTheTarget) {
  LokkuHome h;
  deploy(h, "rb");                                                            // v3
  ASSERT_EQ(h.run({"config:set", "-a", "rb", "GREETING=old"}).exit_code, 0);  // v4
  h.write("rb/marker.txt", "second deploy\n");
  deploy(h, "rb");                                                            // v5
  ASSERT_EQ(h.run({"config:set", "-a", "rb", "GREETING=new"}).exit_code, 0);  // v6
  auto r = h.run({"rollback", "-a", "rb", "v4"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("done, v7"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("To undo, run: lokku rollback v6"), std::string::npos) << r.out;
  EXPECT_NE(r.err.find("Rollback affects code and config vars; it doesn't add or remove addons."),
            std::string::npos);
  EXPECT_EQ(h.run({"config:get", "-a", "rb", "GREETING"}).out, "old\n");
  auto info7 = h.run({"releases:info", "-a", "rb", "v7"}).out;
  auto info4 = h.run({"releases:info", "-a", "rb", "v4"}).out;
  auto slug_of = [](const std::string& info) {
    std::smatch m;
    std::regex_search(info, m, std::regex(R"(Slug: +(\S+))"));
    return m.size() > 1 ? m[1].str() : std::string();
  };
  EXPECT_EQ(slug_of(info7), slug_of(info4));
  EXPECT_NE(info7.find("Change:      Rollback to v4"), std::string::npos) << info7;
  // Default target: the release before the current one.
  auto back = h.run({"rollback", "-a", "rb"});
  ASSERT_EQ(back.exit_code, 0) << back.err;
  EXPECT_NE(h.run({"releases:info", "-a", "rb"}).out.find("Rollback to v6"), std::string::npos);
  // A release without a slug cannot be a target.
  auto bad = h.run({"rollback", "-a", "rb", "v2"});
  EXPECT_EQ(bad.exit_code, 1);
  EXPECT_NE(bad.err.find("v2 has no slug"), std::string::npos) << bad.err;
}

TEST(Config, CFG1And2NamesAndSizeAreChecked) {
  LokkuHome h;
  ASSERT_EQ(h.run({"apps:create", "cfgs"}).exit_code, 0);
  auto bad = h.run({"config:set", "-a", "cfgs", "BAD-NAME=1"});
  EXPECT_EQ(bad.exit_code, 1);
  EXPECT_NE(bad.err.find("'BAD-NAME' is not a valid config var name"), std::string::npos)
      << bad.err;
  auto digit = h.run({"config:set", "-a", "cfgs", "1ABC=1"});
  EXPECT_EQ(digit.exit_code, 1);
  auto reserved = h.run({"config:set", "-a", "cfgs", "HEROKU_THING=1"});
  EXPECT_EQ(reserved.exit_code, 0);
  EXPECT_NE(reserved.err.find("Warning: HEROKU_THING: the HEROKU_ prefix is reserved"),
            std::string::npos)
      << reserved.err;
  auto before = h.run({"releases", "-a", "cfgs"}).out;
  auto huge = h.run({"config:set", "-a", "cfgs", "BIG=" + std::string(65536, 'x')});
  EXPECT_EQ(huge.exit_code, 1);
  EXPECT_NE(huge.err.find("limited to 65536 bytes"), std::string::npos) << huge.err;
  EXPECT_EQ(h.run({"releases", "-a", "cfgs"}).out, before);  // refused: no release
  auto fits = h.run({"config:set", "-a", "cfgs", "BIG=" + std::string(65536 - 3 - 13 - 1, 'x')});
  EXPECT_EQ(fits.exit_code, 0) << fits.err;
  // config:get: exit 1 for an unset var, nothing printed.
  auto unset = h.run({"config:get", "-a", "cfgs", "NOPE"});
  EXPECT_EQ(unset.exit_code, 1);
  EXPECT_EQ(unset.out, "");
  auto shell = h.run({"config", "-a", "cfgs", "--shell"});
  EXPECT_NE(shell.out.find("HEROKU_THING='1'"), std::string::npos) << shell.out;
}

TEST(Config, CFG3ValuesAreKeptByteExact) {
  LokkuHome h;
  ASSERT_EQ(h.run({"apps:create", "bytes"}).exit_code, 0);
  const std::string value = "line 1\n  'quoted' \"double\" $HOME \\ trailing  ";
  ASSERT_EQ(h.run({"config:set", "-a", "bytes", "V=" + value}).exit_code, 0);
  EXPECT_EQ(h.run({"config:get", "-a", "bytes", "V"}).out, value + "\n");
}

TEST(Formation, PsScaleTakesHerokusSyntax) {
  LokkuHome h;
  deploy(h, "scale");
  auto r = h.run({"ps:scale", "-a", "scale", "web=2", "worker=1:standard-2x"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out,
            "Scaling dynos... done, now running web at 2:Standard-1X, worker at 1:Standard-2X\n");
  auto plus = h.run({"ps:scale", "-a", "scale", "web+1", "worker-5"});
  EXPECT_EQ(plus.out,
            "Scaling dynos... done, now running web at 3:Standard-1X, worker at 0:Standard-2X\n");
  auto yaml = h.app_yaml("scale");
  EXPECT_NE(yaml.find("web: {quantity: 3, size: standard-1x}"), std::string::npos) << yaml;
  auto unknown = h.run({"ps:scale", "-a", "scale", "clock=1"});
  EXPECT_EQ(unknown.exit_code, 1);
  EXPECT_NE(unknown.err.find("No such process type clock defined in Procfile."), std::string::npos);
  auto release = h.run({"ps:scale", "-a", "scale", "release=1"});
  EXPECT_EQ(release.exit_code, 1);
  auto size = h.run({"ps:scale", "-a", "scale", "web=1:huge"});
  EXPECT_EQ(size.exit_code, 1);
  EXPECT_NE(size.err.find("no such dyno size 'huge'"), std::string::npos) << size.err;
  EXPECT_EQ(h.run({"ps:scale", "-a", "scale", "web"}).exit_code, 1);
}

TEST(Store, ParallelCommandsOnOneAppNeverLoseAnUpdate) {
  LokkuHome h;
  ASSERT_EQ(h.run({"apps:create", "race"}).exit_code, 0);
  constexpr int kWriters = 12;
  std::vector<std::thread> writers;
  std::vector<int> codes(kWriters, -1);
  for (int i = 0; i < kWriters; ++i) {
    writers.emplace_back([&, i] {
      codes[i] =
          h.run({"config:set", "-a", "race", "KEY_" + std::to_string(i) + "=" + std::to_string(i)})
              .exit_code;
    });
  }
  for (auto& t : writers) {
    t.join();
  }
  for (int i = 0; i < kWriters; ++i) {
    EXPECT_EQ(codes[i], 0) << i;
  }
  auto config = h.run({"config", "-a", "race", "--json"}).out;
  for (int i = 0; i < kWriters; ++i) {
    EXPECT_NE(config.find("\"KEY_" + std::to_string(i) + "\":\"" + std::to_string(i) + "\""),
              std::string::npos)
        << config;
  }
  // REL-1: one release each, numbered without gaps or repeats.
  auto rel = h.run({"releases", "-a", "race", "-n", "100"}).out;
  for (int v = 1; v <= kWriters + 2; ++v) {
    EXPECT_TRUE(std::regex_search(rel, std::regex("\nv" + std::to_string(v) + " "))) << v << "\n"
                                                                                     << rel;
  }
  EXPECT_FALSE(std::regex_search(rel, std::regex("\nv" + std::to_string(kWriters + 3) + " ")));
}

TEST(Apps, NamesCreateAndDestroy) {
  LokkuHome h;
  auto bad = h.run({"apps:create", "Bad_Name"});
  EXPECT_EQ(bad.exit_code, 1);
  EXPECT_NE(bad.err.find("'Bad_Name' is not a valid app name"), std::string::npos) << bad.err;
  // The directory's name, lower-cased, runs of other characters turned into '-'.
  fs::create_directories(h.root() / "My Cool_App!");
  auto made = h.run({"apps:create"}, h.root() / "My Cool_App!");
  ASSERT_EQ(made.exit_code, 0) << made.err;
  EXPECT_NE(made.out.find("Creating ⬢ my-cool-app... done"), std::string::npos) << made.out;
  auto twice = h.run({"apps:create", "my-cool-app"});
  EXPECT_EQ(twice.exit_code, 1);
  EXPECT_NE(twice.err.find("Name my-cool-app is already taken"), std::string::npos);
  EXPECT_EQ(h.run({"apps"}).out, "=== Apps\nmy-cool-app\n");
  auto refused = h.run({"apps:destroy", "-a", "my-cool-app"});
  EXPECT_EQ(refused.exit_code, 1);
  EXPECT_TRUE(fs::exists(h.home() / "apps/my-cool-app/app.yaml"));
  auto gone = h.run({"apps:destroy", "-a", "my-cool-app", "--confirm", "my-cool-app"});
  EXPECT_EQ(gone.exit_code, 0) << gone.err;
  EXPECT_FALSE(fs::exists(h.home() / "apps/my-cool-app"));
  auto missing = h.run({"config", "-a", "my-cool-app"});
  EXPECT_EQ(missing.exit_code, 1);
  EXPECT_NE(missing.err.find("Couldn't find that app"), std::string::npos);
}

TEST(Store, ACorruptRecordIsAClearErrorNamingTheFile) {
  LokkuHome h;
  ASSERT_EQ(h.run({"apps:create", "broken"}).exit_code, 0);
  h.write("home/apps/broken/app.yaml", "name: broken\nreleases: [unclosed\n");
  auto r = h.run({"releases", "-a", "broken"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("apps/broken/app.yaml:"), std::string::npos) << r.err;
}

}  // namespace
}  // namespace lokku::test
