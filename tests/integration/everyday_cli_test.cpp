// The everyday `heroku` commands of issue #20, each run with the official CLI against a live
// `lokku up` (platform-api.md §4): what the CLI prints, and what the platform then does.
#include "support/platform.hpp"
#include "support/user_shell.hpp"

#include <gtest/gtest.h>

#include <regex>

namespace lokku::test {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

class EverydayCli : public ::testing::Test {
 protected:
  void SetUp() override {
    auto r = h.deploy("web");
    ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
    router = free_port();
    up = h.up(router, {"--time-scale", "10"});
    ASSERT_TRUE(up->wait_for("Platform API on http://127.0.0.1:"));
    port = h.api_port();
    ASSERT_NE(port, 0u);
    shell = std::make_unique<UserShell>(h, port, h.root() / "user");
    ASSERT_TRUE(up->wait_for(R"(heroku\[web\.1\]: State changed from starting to up$)"));
  }

  /// `heroku ARGS` in `cwd` (default: the test's root).
  ShellResult heroku(const std::string& args, const fs::path& cwd = {}) const {
    return shell->run("heroku " + args, cwd.empty() ? h.root() : cwd);
  }

  std::string served(const std::string& host, const std::string& path = "/") const {
    auto r = get_by_host(router, host, path);
    return r ? std::to_string(r->status) + " " + r->body : "no answer";
  }

  LokkuHome h;
  unsigned router = 0, port = 0;
  std::unique_ptr<LokkuProcess> up;
  std::unique_ptr<UserShell> shell;
};

TEST_F(EverydayCli, ReleasesInfoShowsTheNewestReleaseAndItsConfigVars) {
  ASSERT_EQ(heroku("config:set GREETING=hi -a web").code, 0);
  // REL-1: v1 created, v2 logplex, v3 the deploy, v4 the config change.
  auto info = heroku("releases:info -a web");
  EXPECT_EQ(info.code, 0) << info.out;
  EXPECT_NE(info.out.find("=== Release v4"), std::string::npos) << info.out;
  EXPECT_TRUE(std::regex_search(info.out, std::regex(R"(Change: +Set GREETING config vars)")))
      << info.out;
  EXPECT_TRUE(std::regex_search(info.out, std::regex(R"(Eligible for Rollback\?: +Yes)")))
      << info.out;
  EXPECT_NE(info.out.find("=== v4 Config vars"), std::string::npos) << info.out;
  EXPECT_TRUE(std::regex_search(info.out, std::regex(R"(GREETING: +hi)"))) << info.out;

  auto older = heroku("releases:info v3 -a web --shell");
  EXPECT_EQ(older.code, 0) << older.out;
  EXPECT_TRUE(std::regex_search(older.out, std::regex(R"(Change: +Deploy )"))) << older.out;
  EXPECT_EQ(older.out.find("GREETING"), std::string::npos) << older.out;  // v3's own vars

  auto json = heroku("releases:info v2 -a web --json");
  EXPECT_EQ(json.code, 0) << json.out;
  EXPECT_NE(json.out.find(R"("description": "Enable Logplex")"), std::string::npos) << json.out;
  EXPECT_NE(json.out.find(R"("eligible_for_rollback": false)"), std::string::npos) << json.out;

  auto missing = heroku("releases:info v99 -a web");
  EXPECT_EQ(missing.code, 2) << missing.out;
  EXPECT_NE(missing.out.find("Couldn't find that release."), std::string::npos) << missing.out;
}

TEST_F(EverydayCli, HOST1DomainsAreRoutedAsSoonAsTheyAreAdded) {
  EXPECT_EQ(served("www.example.test").substr(0, 3), "404");
  auto add = heroku("domains:add www.example.test -a web");
  EXPECT_EQ(add.code, 0) << add.out;
  EXPECT_NE(add.out.find("Adding www.example.test to web... done"), std::string::npos) << add.out;
  EXPECT_NE(add.out.find("point to the DNS Target web.localhost"), std::string::npos) << add.out;
  EXPECT_TRUE(wait_until([&] { return served("www.example.test") == "200 hello from web.1"; }, 10s,
                         "the domain to be routed"));
  ASSERT_EQ(heroku("domains:add API.Example.test. -a web --wait").code, 0);
  EXPECT_TRUE(wait_until([&] { return served("api.example.test") == "200 hello from web.1"; }, 10s,
                         "the second domain to be routed"));

  auto list = heroku("domains -a web");
  EXPECT_EQ(list.code, 0) << list.out;
  EXPECT_NE(list.out.find("=== web Heroku Domain"), std::string::npos) << list.out;
  EXPECT_NE(list.out.find("web.localhost"), std::string::npos) << list.out;
  EXPECT_NE(list.out.find("=== web Custom Domains"), std::string::npos) << list.out;
  EXPECT_TRUE(
      std::regex_search(list.out, std::regex(R"(www\.example\.test +CNAME +web\.localhost)")))
      << list.out;

  auto info = heroku("domains:info www.example.test -a web");
  EXPECT_EQ(info.code, 0) << info.out;
  EXPECT_TRUE(std::regex_search(info.out, std::regex(R"(status: +succeeded)"))) << info.out;
  EXPECT_EQ(heroku("domains:wait www.example.test -a web").code, 0);

  // Another app cannot take it.
  ASSERT_EQ(heroku("apps:create other --no-remote").code, 0);
  auto taken = heroku("domains:add www.example.test -a other");
  EXPECT_NE(taken.code, 0) << taken.out;
  EXPECT_NE(taken.out.find("www.example.test is currently in use by another app."),
            std::string::npos)
      << taken.out;
  auto bad = heroku("domains:add 'bad host!' -a other");
  EXPECT_NE(bad.code, 0) << bad.out;
  EXPECT_NE(bad.out.find("hostname bad host!"), std::string::npos) << bad.out;

  auto remove = heroku("domains:remove www.example.test -a web");
  EXPECT_EQ(remove.code, 0) << remove.out;
  EXPECT_NE(remove.out.find("Removing www.example.test from web... done"), std::string::npos)
      << remove.out;
  EXPECT_TRUE(wait_until([&] { return served("www.example.test").rfind("404", 0) == 0; }, 10s,
                         "the removed domain to stop routing"));
  auto clear = heroku("domains:clear -a web");
  EXPECT_EQ(clear.code, 0) << clear.out;
  EXPECT_NE(clear.out.find("Removing all domains from web... done"), std::string::npos)
      << clear.out;
  EXPECT_TRUE(wait_until([&] { return served("api.example.test").rfind("404", 0) == 0; }, 10s,
                         "the cleared domain to stop routing"));
  auto gone = heroku("domains:info api.example.test -a web");
  EXPECT_EQ(gone.code, 2) << gone.out;
  EXPECT_NE(gone.out.find("Couldn't find that domain."), std::string::npos) << gone.out;
}

TEST_F(EverydayCli, LabsEnableLogRuntimeMetricsForTheAppsDynos) {
  auto labs = heroku("labs -a web");
  EXPECT_EQ(labs.code, 0) << labs.out;
  EXPECT_NE(labs.out.find("=== App Features web"), std::string::npos) << labs.out;
  EXPECT_NE(labs.out.find("[ ] log-runtime-metrics"), std::string::npos) << labs.out;
  EXPECT_EQ(labs.out.find("http-session-affinity"), std::string::npos)  // general: `features`
      << labs.out;
  EXPECT_EQ(up->count("sample#memory_total"), 0u);

  auto enable = heroku("labs:enable log-runtime-metrics -a web");
  EXPECT_EQ(enable.code, 0) << enable.out;
  EXPECT_NE(enable.out.find("Enabling log-runtime-metrics for web... done"), std::string::npos)
      << enable.out;
  EXPECT_NE(heroku("labs -a web").out.find("[+] log-runtime-metrics"), std::string::npos);
  // MEM-5: from the next start of the app's dynos.
  ASSERT_EQ(heroku("ps:restart -a web").code, 0);
  EXPECT_TRUE(up->wait_for(
      R"(heroku\[web\.1\]: source=web\.1 dyno=heroku\.\d+\.\S+ sample#memory_total=)", 30s));

  auto info = heroku("labs:info log-runtime-metrics -a web");
  EXPECT_EQ(info.code, 0) << info.out;
  EXPECT_TRUE(std::regex_search(info.out, std::regex(R"(Enabled: +true)"))) << info.out;
  auto disable = heroku("labs:disable log-runtime-metrics -a web");
  EXPECT_EQ(disable.code, 0) << disable.out;
  EXPECT_NE(heroku("labs -a web").out.find("[ ] log-runtime-metrics"), std::string::npos);

  auto unknown = heroku("labs:enable no-such-feature -a web");
  EXPECT_NE(unknown.code, 0) << unknown.out;
  EXPECT_NE(unknown.out.find("Couldn't find that feature."), std::string::npos) << unknown.out;
}

TEST_F(EverydayCli, StackSetTakesEffectWithTheNextBuild) {
  auto stacks = heroku("stack -a web");
  EXPECT_EQ(stacks.code, 0) << stacks.out;
  EXPECT_NE(stacks.out.find("=== web Available Stacks"), std::string::npos) << stacks.out;
  EXPECT_NE(stacks.out.find("* heroku-24"), std::string::npos) << stacks.out;
  EXPECT_NE(stacks.out.find("  heroku-22"), std::string::npos) << stacks.out;

  auto set = heroku("stack:set heroku-22 -a web");
  EXPECT_EQ(set.code, 0) << set.out;
  EXPECT_NE(set.out.find("Setting stack to heroku-22... done"), std::string::npos) << set.out;
  EXPECT_NE(set.out.find("You will need to redeploy web for the change to take effect."),
            std::string::npos)
      << set.out;
  EXPECT_NE(heroku("stack -a web").out.find("  heroku-22 (active on next deploy)"),
            std::string::npos);

  auto deploy = h.run({"deploy", "-a", "web"}, h.root() / "web");
  EXPECT_EQ(deploy.exit_code, 0) << deploy.err;
  EXPECT_NE(deploy.out.find("-----> Building on the Heroku-22 stack"), std::string::npos)
      << deploy.out;
  EXPECT_NE(heroku("stack -a web").out.find("* heroku-22"), std::string::npos);
  auto info = heroku("apps:info -a web");
  EXPECT_TRUE(std::regex_search(info.out, std::regex(R"(Stack: +heroku-22)"))) << info.out;

  auto bad = heroku("stack:set cedar-14 -a web");
  EXPECT_EQ(bad.code, 2) << bad.out;
  EXPECT_NE(bad.out.find("Couldn't find that stack."), std::string::npos) << bad.out;
  // A new app takes the stack at once (nothing to redeploy).
  ASSERT_EQ(heroku("apps:create fresh --no-remote --stack heroku-22").code, 0);
  EXPECT_NE(heroku("stack -a fresh").out.find("* heroku-22"), std::string::npos);
}

TEST_F(EverydayCli, RegionsListTheOneLocalRegion) {
  auto regions = heroku("regions");
  EXPECT_EQ(regions.code, 0) << regions.out;
  EXPECT_TRUE(std::regex_search(regions.out, std::regex(R"(local +This machine +Common Runtime)")))
      << regions.out;
  auto json = heroku("regions --json");
  EXPECT_NE(json.out.find(R"("name": "local")"), std::string::npos) << json.out;
  auto info = heroku("apps:info -a web");
  EXPECT_TRUE(std::regex_search(info.out, std::regex(R"(Region: +local)"))) << info.out;
}

TEST_F(EverydayCli, PsTypeResizesEveryProcessTypeAndPsKillStopsADyno) {
  auto type = heroku("ps:type standard-2x -a web");
  EXPECT_EQ(type.code, 0) << type.out;
  EXPECT_NE(type.out.find("Scaling dynos on web... done"), std::string::npos) << type.out;
  EXPECT_NE(type.out.find("=== Process Types"), std::string::npos) << type.out;
  EXPECT_TRUE(std::regex_search(type.out, std::regex(R"(web +Standard-2X +1 )"))) << type.out;
  EXPECT_TRUE(std::regex_search(type.out, std::regex(R"(worker +Standard-2X +0 )"))) << type.out;
  EXPECT_NE(h.app_yaml("web").find("standard-2x"), std::string::npos);
  // MEM-1: the new size's quota reaches the dyno when it restarts onto it.
  ASSERT_TRUE(up->wait_for(R"(heroku\[web\.1\]: Restarting$)", 20s));

  auto one = heroku("ps:type web=performance-m -a web");
  EXPECT_EQ(one.code, 0) << one.out;
  EXPECT_TRUE(std::regex_search(one.out, std::regex(R"(web +Performance-M +1 )"))) << one.out;
  auto bad = heroku("ps:type clock=basic -a web");
  EXPECT_NE(bad.code, 0) << bad.out;
  EXPECT_NE(bad.out.find("Type clock not found in process formation."), std::string::npos)
      << bad.out;

  ASSERT_TRUE(
      up->wait_for_count(R"(heroku\[web\.1\]: State changed from starting to up$)", 2, 30s));
  auto kill = heroku("ps:kill web.1 -a web");
  EXPECT_EQ(kill.code, 0) << kill.out;
  EXPECT_NE(kill.out.find("Stopping dyno web.1 on web... done"), std::string::npos) << kill.out;
  EXPECT_TRUE(up->wait_for(R"(heroku\[web\.1\]: Stopping all processes with SIGTERM$)", 20s));
  auto unknown = heroku("ps:kill web.7 -a web");
  EXPECT_EQ(unknown.code, 2) << unknown.out;
  EXPECT_NE(unknown.out.find("Couldn't find that dyno."), std::string::npos) << unknown.out;
}

}  // namespace
}  // namespace lokku::test
