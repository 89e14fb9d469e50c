// The everyday `heroku` commands of issue #20, each run with the official CLI against a live
// `lokku up` (platform-api.md §4): what the CLI prints, and what the platform then does.
#include "support/cli_platform.hpp"

#include <gtest/gtest.h>

#include <fstream>
#include <regex>

namespace lokku::test {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

class EverydayCli : public CliPlatformTest {
 protected:
  std::string served(const std::string& host, const std::string& path = "/") const {
    auto r = get_by_host(router, host, path);
    return r ? std::to_string(r->status) + " " + r->body : "no answer";
  }

  std::string app_log(const std::string& app) const {
    std::ifstream in(h.home() / "apps" / app / "log");
    return std::string(std::istreambuf_iterator<char>(in), {});
  }
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

  // RPH-1: the release phase's output, for the newest release and for one named.
  auto output = heroku("releases:output -a web");
  EXPECT_EQ(output.code, 0) << output.out;
  EXPECT_EQ(output.out, "release phase for v4 greeting=hi\n");
  EXPECT_EQ(heroku("releases:output v3 -a web").out, "release phase for v3 greeting=unset\n");
  auto none = heroku("releases:output v2 -a web");
  EXPECT_NE(none.out.find("Release v2 has no release output available."), std::string::npos)
      << none.out;

  // Its stream URL needs no token but is signed: another app, version or signature is 404.
  auto v3 = api_request(port, "GET", "/apps/web/releases/3", h.token());
  ASSERT_TRUE(v3);
  std::smatch m;
  ASSERT_TRUE(std::regex_search(
      v3->body, m,
      std::regex(
          R"re("output_stream_url":"http://127\.0\.0\.1:\d+(/streams/release/web/3/[0-9a-f]{64})")re")))
      << v3->body;
  std::string path = m[1];
  auto plain = api_request(port, "GET", path, "");
  ASSERT_TRUE(plain);
  EXPECT_EQ(plain->status, 200);
  EXPECT_EQ(plain->body, "release phase for v3 greeting=unset\n");
  for (std::string forged : {std::string(path).replace(path.size() - 1, 1, "x"),
                             std::regex_replace(path, std::regex("/3/"), "/4/"),
                             std::regex_replace(path, std::regex("/web/"), "/other/")}) {
    auto r = api_request(port, "GET", forged, "");
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 404) << forged;
  }

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

TEST_F(EverydayCli, ConfigEditSetsWhatTheEditorChangedOnceConfirmed) {
  ASSERT_EQ(heroku("config:set GREETING=hi -a web").code, 0);
  // The editor: a script, as $EDITOR may be; it changes one var and adds another.
  const fs::path editor = h.root() / "editor.sh";
  std::ofstream(editor) << "#!/bin/sh\nsed -i 's/^GREETING=.*/GREETING=bye/' \"$1\"\n"
                           "printf '\\nNEWVAR=1\\n' >> \"$1\"\n";
  fs::permissions(editor, fs::perms::owner_all);
  auto edit = [&](const char* answer) {
    return shell->run(std::string("printf '") + answer + "\\n' | EDITOR=" +
                          shell_quote(editor.string()) + " heroku config:edit -a web",
                      h.root());
  };
  // Refused at the prompt: nothing changes.
  auto no = edit("n");
  EXPECT_NE(no.out.find("Config Diff:"), std::string::npos) << no.out;
  EXPECT_EQ(h.run({"config:get", "GREETING", "-a", "web"}).out, "hi\n");
  auto yes = edit("y");
  EXPECT_EQ(yes.code, 0) << yes.out;
  EXPECT_NE(yes.out.find("- GREETING=hi\n+ GREETING=bye"), std::string::npos) << yes.out;
  EXPECT_NE(yes.out.find("Updating config... done"), std::string::npos) << yes.out;
  EXPECT_EQ(h.run({"config:get", "GREETING", "-a", "web"}).out, "bye\n");
  EXPECT_EQ(h.run({"config:get", "NEWVAR", "-a", "web"}).out, "1\n");
  // One release for the whole edit, which the running dynos take.
  auto releases = heroku("releases -a web -n 1");
  EXPECT_TRUE(
      std::regex_search(releases.out, std::regex(R"(v5 +Set GREETING, NEWVAR config vars)")))
      << releases.out;
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

TEST_F(EverydayCli, AddonsCreateProvisionedSoAScriptFindsItsUrlAtOnce) {
  // A script's habit: create, then read the config var right away (issue #20, Must show).
  auto made = shell->run(
      "heroku addons:create heroku-redis -a web --wait && url=$(heroku config:get REDIS_URL -a "
      "web) && redis-cli -u \"$url\" --no-auth-warning PING",
      h.root());
  EXPECT_EQ(made.code, 0) << made.out;
  EXPECT_NE(made.out.find("Creating heroku-redis on web... free"), std::string::npos) << made.out;
  EXPECT_TRUE(std::regex_search(made.out, std::regex(R"(Created redis-[a-z]+-\d+ as REDIS_URL)")))
      << made.out;
  EXPECT_NE(made.out.find("PONG"), std::string::npos) << made.out;
  std::smatch m;
  ASSERT_TRUE(std::regex_search(made.out, m, std::regex(R"(Created (redis-[a-z]+-\d+) as)")));
  const std::string name = m[1];
  // Its config var came in a release of its own, which the dynos run.
  auto releases = heroku("releases -a web -n 1");
  EXPECT_NE(releases.out.find("Attach REDIS (@ref:" + name + ")"), std::string::npos)
      << releases.out;
  EXPECT_TRUE(wait_until(
      [&] {
        return served("web.localhost", "/env").find("\"REDIS_URL\": \"redis://") !=
               std::string::npos;
      },
      20s, "the dynos to run with REDIS_URL"));

  auto list = heroku("addons -a web");
  EXPECT_EQ(list.code, 0) << list.out;
  EXPECT_TRUE(std::regex_search(list.out, std::regex("heroku-redis \\(" + name + "\\) +mini")))
      << list.out;
  EXPECT_NE(list.out.find("└─ as REDIS"), std::string::npos) << list.out;
  auto info = heroku("addons:info " + name);
  EXPECT_EQ(info.code, 0) << info.out;
  EXPECT_TRUE(std::regex_search(info.out, std::regex(R"(Plan: +heroku-redis:mini)"))) << info.out;
  EXPECT_TRUE(std::regex_search(info.out, std::regex(R"(Attachments: +web::REDIS)"))) << info.out;
  EXPECT_EQ(heroku("addons:info REDIS -a web").code, 0);

  auto services = heroku("addons:services");
  EXPECT_TRUE(
      std::regex_search(services.out, std::regex(R"(heroku-redis +Heroku Key-Value Store)")))
      << services.out;
  auto plans = heroku("addons:plans heroku-postgresql");
  EXPECT_TRUE(std::regex_search(plans.out, std::regex(R"(default +heroku-postgresql:essential-0)")))
      << plans.out;

  // Unknown services and plans: Heroku's message, nothing created.
  auto plan = heroku("addons:create heroku-postgresql:hobby-dev -a web");
  EXPECT_EQ(plan.code, 2) << plan.out;
  EXPECT_NE(plan.out.find("Couldn't find either the add-on service or the add-on plan of"),
            std::string::npos)
      << plan.out;
  EXPECT_EQ(heroku("addons:create heroku-mongodb -a web").code, 2);
  auto unknown = heroku("addons:info redis-none-1 -a web");
  EXPECT_NE(unknown.code, 0) << unknown.out;

  auto destroy = heroku("addons:destroy " + name + " -a web --confirm web");
  EXPECT_EQ(destroy.code, 0) << destroy.out;
  EXPECT_NE(destroy.out.find("Destroying " + name + " on web... done"), std::string::npos)
      << destroy.out;
  EXPECT_NE(heroku("releases -a web -n 1").out.find("Detach REDIS (@ref:" + name + ")"),
            std::string::npos);
  EXPECT_EQ(heroku("config:get REDIS_URL -a web").out, "\n");
  EXPECT_FALSE(fs::exists(h.home() / "addons" / name));
}

TEST_F(EverydayCli, AddonsAttachToASecondAppDetachAndGoWithTheirAddon) {
  ASSERT_EQ(heroku("apps:create other --no-remote").code, 0);
  auto made = heroku("addons:create heroku-redis -a web");
  std::smatch m;
  ASSERT_TRUE(std::regex_search(made.out, m, std::regex(R"(Created (redis-[a-z]+-\d+) as)")))
      << made.out;
  const std::string name = m[1];

  auto attach = heroku("addons:attach " + name + " -a other");
  EXPECT_EQ(attach.code, 0) << attach.out;
  EXPECT_NE(attach.out.find("Attaching " + name + " to other... done"), std::string::npos)
      << attach.out;
  EXPECT_TRUE(std::regex_search(
      attach.out, std::regex(R"(Setting REDIS config vars and restarting other\.\.\. done, v\d+)")))
      << attach.out;
  auto second = heroku("addons:attach " + name + " -a other --as CACHE");
  EXPECT_EQ(second.code, 0) << second.out;
  // Both names reach the one server the owner runs.
  auto ping = shell->run(
      "for v in REDIS_URL CACHE_URL; do redis-cli -u \"$(heroku config:get $v -a "
      "other)\" --no-auth-warning PING; done",
      h.root());
  EXPECT_EQ(ping.out, "PONG\nPONG\n");
  auto taken = heroku("addons:attach " + name + " -a other --as CACHE");
  EXPECT_NE(taken.code, 0) << taken.out;
  EXPECT_NE(taken.out.find("CACHE_URL is already set on other"), std::string::npos) << taken.out;

  auto info = heroku("addons:info " + name);
  EXPECT_TRUE(std::regex_search(info.out, std::regex(R"(Attachments: +other::CACHE)"))) << info.out;
  EXPECT_NE(info.out.find("web::REDIS"), std::string::npos) << info.out;
  EXPECT_TRUE(std::regex_search(info.out, std::regex(R"(Owning app: +web)"))) << info.out;
  auto list = heroku("addons -a other");
  EXPECT_NE(list.out.find("heroku-redis (" + name + ")"), std::string::npos) << list.out;

  auto detach = heroku("addons:detach CACHE -a other");
  EXPECT_EQ(detach.code, 0) << detach.out;
  EXPECT_NE(detach.out.find("Detaching CACHE to " + name + " from other... done"),
            std::string::npos)
      << detach.out;
  EXPECT_EQ(heroku("config:get CACHE_URL -a other").out, "\n");
  auto own = heroku("addons:detach REDIS -a web");
  EXPECT_NE(own.code, 0) << own.out;
  EXPECT_NE(own.out.find("REDIS is web's own attachment"), std::string::npos) << own.out;

  // Destroyed with its owner's command, it leaves the other app too (a release there).
  ASSERT_EQ(heroku("addons:destroy " + name + " -a web --confirm web").code, 0);
  EXPECT_EQ(heroku("config:get REDIS_URL -a other").out, "\n");
  EXPECT_NE(heroku("releases -a other -n 1").out.find("Detach REDIS (@ref:" + name + ")"),
            std::string::npos);
}

TEST_F(EverydayCli, AppsRenameMovesTheStoreTheHostTheRemoteAndTheAddons) {
  fs::path dir = h.root() / "web";
  ASSERT_EQ(shell
                ->run("git init -q -b main && git add -A && git commit -qm first && heroku "
                      "git:remote -a web",
                      dir)
                .code,
            0);
  ASSERT_EQ(heroku("addons:create heroku-redis -a web").code, 0);
  ASSERT_EQ(heroku("config:set GREETING=renamed -a web").code, 0);
  ASSERT_TRUE(wait_until([&] { return served("web.localhost") == "200 renamed from web.1"; }, 20s,
                         "the config change"));

  auto rename = heroku("apps:rename moved -a web", dir);
  EXPECT_EQ(rename.code, 0) << rename.out;
  EXPECT_NE(rename.out.find("Renaming web to moved... done"), std::string::npos) << rename.out;
  EXPECT_NE(rename.out.find("http://moved.localhost:" + std::to_string(router) + "/ | https://" +
                            "127.0.0.1:" + std::to_string(port) + "/moved.git"),
            std::string::npos)
      << rename.out;
  EXPECT_NE(rename.out.find("Git remote heroku updated"), std::string::npos) << rename.out;
  EXPECT_EQ(shell->run("git remote get-url heroku", dir).out,
            "https://127.0.0.1:" + std::to_string(port) + "/moved.git\n");

  // Served under the new name, not the old; config vars, releases and add-ons came along.
  EXPECT_TRUE(wait_until([&] { return served("moved.localhost") == "200 renamed from web.1"; }, 30s,
                         "the new name to be served"));
  EXPECT_EQ(served("web.localhost").substr(0, 3), "404");
  auto config = heroku("config -a moved");
  EXPECT_TRUE(std::regex_search(config.out, std::regex(R"(REDIS_URL: +redis://)"))) << config.out;
  EXPECT_NE(heroku("releases -a moved").out.find("Set GREETING config vars"), std::string::npos);
  EXPECT_TRUE(wait_until(
      [&] {
        auto ping = shell->run(
            "redis-cli -u \"$(heroku config:get REDIS_URL -a moved)\" --no-auth-warning PING", dir);
        return ping.out == "PONG\n";
      },
      30s, "the add-on's server under the renamed app"));
  // Its server under the old name stopped before the one under the new name started (same
  // data, same port): nothing crashed on the way.
  EXPECT_EQ(app_log("moved").find("to crashed"), std::string::npos) << app_log("moved");
  EXPECT_EQ(heroku("apps:info -a web").code, 2);
  EXPECT_FALSE(fs::exists(h.home() / "apps/web"));

  // A push to the updated remote deploys the renamed app.
  auto push = shell->run(
      "sed -i 's/\"hello\"/\"pushed\"/' server.py && git commit -qam pushed && git push heroku "
      "main",
      dir);
  EXPECT_EQ(push.code, 0) << push.out;
  auto sha = shell->run("git rev-parse --short=8 HEAD", dir).out;
  EXPECT_NE(heroku("releases -a moved -n 1").out.find("Deploy " + sha.substr(0, 8)),
            std::string::npos)
      << sha;

  // Bad input: a taken name, an invalid one.
  ASSERT_EQ(heroku("apps:create taken --no-remote").code, 0);
  auto taken = heroku("apps:rename taken -a moved");
  EXPECT_EQ(taken.code, 2) << taken.out;
  EXPECT_NE(taken.out.find("Name taken is already taken"), std::string::npos) << taken.out;
  auto invalid = heroku("apps:rename Not_Valid -a moved");
  EXPECT_EQ(invalid.code, 2) << invalid.out;
  EXPECT_TRUE(fs::exists(h.home() / "apps/moved/app.yaml"));
}

TEST_F(EverydayCli, PIPE2PipelinesCreateAddPromoteUpdateRemoveAndDestroy) {
  ASSERT_EQ(heroku("apps:create prod --no-remote").code, 0);
  auto create = heroku("pipelines:create shop -a web --stage staging");
  EXPECT_EQ(create.code, 0) << create.out;
  EXPECT_NE(create.out.find("Creating shop pipeline... done"), std::string::npos) << create.out;
  EXPECT_NE(create.out.find("Adding web to shop pipeline as staging... done"), std::string::npos)
      << create.out;
  auto add = heroku("pipelines:add shop -a prod --stage production");
  EXPECT_EQ(add.code, 0) << add.out;
  EXPECT_NE(add.out.find("Adding prod to shop pipeline as production... done"), std::string::npos)
      << add.out;
  auto list = heroku("pipelines");
  EXPECT_NE(list.out.find("=== My Pipelines"), std::string::npos) << list.out;
  EXPECT_NE(list.out.find("shop"), std::string::npos) << list.out;
  auto info = heroku("pipelines:info shop");
  EXPECT_EQ(info.code, 0) << info.out;
  EXPECT_TRUE(std::regex_search(info.out, std::regex(R"(web +staging)"))) << info.out;
  EXPECT_TRUE(std::regex_search(info.out, std::regex(R"(prod +production)"))) << info.out;

  // PIPE-2: the staging slug, released on production, which then serves it.
  auto promote = heroku("pipelines:promote -a web");
  EXPECT_EQ(promote.code, 0) << promote.out;
  EXPECT_NE(promote.out.find("Starting promotion to production..."), std::string::npos)
      << promote.out;
  EXPECT_NE(promote.out.find("Promotion successful"), std::string::npos) << promote.out;
  EXPECT_NE(promote.out.find("prod: succeeded"), std::string::npos) << promote.out;
  EXPECT_TRUE(wait_until([&] { return served("prod.localhost") == "200 hello from web.1"; }, 30s,
                         "the promoted slug on prod"));
  EXPECT_NE(heroku("releases -a prod -n 1").out.find("Promote web v3"), std::string::npos);

  auto update = heroku("pipelines:update -a prod --stage development");
  EXPECT_EQ(update.code, 0) << update.out;
  EXPECT_NE(update.out.find("Changing prod to development... done"), std::string::npos)
      << update.out;
  auto nowhere = heroku("pipelines:promote -a web");  // nothing in production now
  EXPECT_NE(nowhere.code, 0) << nowhere.out;
  auto remove = heroku("pipelines:remove -a prod");
  EXPECT_EQ(remove.code, 0) << remove.out;
  EXPECT_NE(remove.out.find("Removing prod... done"), std::string::npos) << remove.out;

  auto taken = heroku("pipelines:create shop -a prod --stage staging");
  EXPECT_NE(taken.code, 0) << taken.out;
  EXPECT_NE(taken.out.find("Name shop is already taken by a pipeline"), std::string::npos)
      << taken.out;
  EXPECT_EQ(heroku("pipelines:destroy shop").code, 0);
  EXPECT_EQ(heroku("pipelines").out.find("shop"), std::string::npos);
  EXPECT_NE(heroku("pipelines:info shop").code, 0);
}

/// The same commands as lokku's own (issue #20, point 4: a script needs no second CLI).
TEST(LokkuEverydayCommands, DomainsLabsStackRegionsPsTypeRenameAndReleaseOutput) {
  LokkuHome h;
  ASSERT_EQ(h.deploy("web").exit_code, 0);
  auto run = [&](std::vector<std::string> args, const fs::path& cwd = {}) {
    return h.run(args, cwd);
  };

  auto add = run({"domains:add", "WWW.Example.test", "-a", "web"});
  EXPECT_EQ(add.exit_code, 0) << add.err;
  EXPECT_NE(add.out.find("Adding WWW.Example.test to ⬢ web... done"), std::string::npos) << add.out;
  EXPECT_NE(h.app_yaml("web").find("www.example.test"), std::string::npos);
  ASSERT_EQ(run({"apps:create", "other"}).exit_code, 0);
  auto taken = run({"domains:add", "www.example.test", "-a", "other"});
  EXPECT_EQ(taken.exit_code, 1);
  EXPECT_NE(taken.err.find("www.example.test is currently in use by another app."),
            std::string::npos)
      << taken.err;
  auto list = run({"domains", "-a", "web"});
  EXPECT_NE(list.out.find("www.example.test  CNAME            web.localhost"), std::string::npos)
      << list.out;
  EXPECT_NE(run({"domains:info", "www.example.test", "-a", "web"}).out.find("status:   succeeded"),
            std::string::npos);
  EXPECT_EQ(run({"domains:remove", "www.example.test", "-a", "web"}).exit_code, 0);
  EXPECT_EQ(h.app_yaml("web").find("www.example.test"), std::string::npos);
  EXPECT_EQ(run({"domains:remove", "www.example.test", "-a", "web"}).exit_code, 1);

  EXPECT_NE(run({"labs", "-a", "web"}).out.find("[ ] log-runtime-metrics"), std::string::npos);
  auto enable = run({"labs:enable", "log-runtime-metrics", "-a", "web"});
  EXPECT_EQ(enable.exit_code, 0) << enable.err;
  EXPECT_NE(run({"labs", "-a", "web"}).out.find("[+] log-runtime-metrics"), std::string::npos);
  EXPECT_EQ(run({"labs:enable", "http-session-affinity", "-a", "web"}).exit_code, 1);  // general
  EXPECT_EQ(run({"features:enable", "http-session-affinity", "-a", "web"}).exit_code, 0);
  EXPECT_NE(run({"features", "-a", "web"}).out.find("[+] http-session-affinity"),
            std::string::npos);

  auto set = run({"stack:set", "heroku-22", "-a", "web"});
  EXPECT_EQ(set.exit_code, 0) << set.err;
  EXPECT_NE(set.out.find("You will need to redeploy ⬢ web"), std::string::npos) << set.out;
  EXPECT_NE(run({"stack", "-a", "web"}).out.find("  heroku-22 (active on next deploy)"),
            std::string::npos);
  auto bad_stack = run({"stack:set", "cedar-14", "-a", "web"});
  EXPECT_EQ(bad_stack.exit_code, 1);
  EXPECT_NE(bad_stack.err.find("Couldn't find that stack: cedar-14"), std::string::npos);
  EXPECT_NE(run({"regions"}).out.find("local  This machine  Common Runtime"), std::string::npos);

  auto type = run({"ps:type", "worker=performance-m", "-a", "web"});
  EXPECT_EQ(type.exit_code, 0) << type.err;
  EXPECT_TRUE(std::regex_search(type.out, std::regex(R"(worker +Performance-M +0)"))) << type.out;
  EXPECT_EQ(run({"ps:type", "clock=basic", "-a", "web"}).exit_code, 1);

  // RPH-1: v3's release phase printed this.
  auto output = run({"releases:output", "v3", "-a", "web"});
  EXPECT_EQ(output.out, "release phase for v3 greeting=unset\n") << output.err;

  // An add-on of one app attached to another, and detached again.
  auto made = run({"addons:create", "heroku-redis", "-a", "web"});
  ASSERT_EQ(made.exit_code, 0) << made.err;
  std::smatch m;
  ASSERT_TRUE(std::regex_search(made.out, m, std::regex(R"(Created (redis-[a-z]+-\d+) as)")));
  const std::string addon = m[1];
  auto attach = run({"addons:attach", addon, "-a", "other", "--as", "cache"});
  EXPECT_EQ(attach.exit_code, 0) << attach.err;
  EXPECT_NE(attach.out.find("Set CACHE_URL on ⬢ other"), std::string::npos) << attach.out;
  EXPECT_EQ(run({"config:get", "CACHE_URL", "-a", "other"}).out.rfind("redis://", 0), 0u);
  EXPECT_EQ(run({"addons:detach", "REDIS", "-a", "web"}).exit_code, 1);  // the owner's own
  EXPECT_EQ(run({"addons:detach", "CACHE", "-a", "other"}).exit_code, 0);
  EXPECT_EQ(run({"config:get", "CACHE_URL", "-a", "other"}).exit_code, 1);
  EXPECT_EQ(run({"addons:attach", addon, "-a", "other"}).exit_code, 0);

  // Renamed: the store moves, and so does this repository's remote.
  fs::path dir = h.root() / "web";
  ASSERT_EQ(sh("git init -q && git remote add heroku https://127.0.0.1:5001/web.git", dir), 0);
  auto rename = run({"apps:rename", "moved", "-a", "web"}, dir);
  EXPECT_EQ(rename.exit_code, 0) << rename.err;
  EXPECT_NE(rename.out.find("Renaming ⬢ web to moved... done"), std::string::npos) << rename.out;
  EXPECT_NE(rename.out.find("Git remote heroku updated"), std::string::npos) << rename.out;
  EXPECT_TRUE(fs::exists(h.home() / "apps/moved/app.yaml"));
  EXPECT_FALSE(fs::exists(h.home() / "apps/web"));
  EXPECT_NE(h.app_yaml("moved").find("name: moved"), std::string::npos);
  EXPECT_NE(h.app_yaml("other").find("owner: moved"), std::string::npos);  // its attachment
  EXPECT_EQ(run({"apps:rename", "other", "-a", "moved"}).exit_code, 1);
  EXPECT_EQ(run({"apps:rename", "Bad Name", "-a", "moved"}).exit_code, 1);
}

// `eval "$(lokku env)"` in a fresh shell (issue #20 point 3): the official CLI and git work
// against `lokku up` with no other setting, the CLI's hard-coded metrics host is answered
// through lokku's proxy (`heroku apps:errors`), loopback goes straight through it, and every
// other host is refused.
TEST_F(EverydayCli, ENVOneEvalSetsAFreshShellUpForHerokuGitAndAppsErrors) {
  // A user's own git identity, as any git user has.
  std::ofstream(h.root() / "user/.gitconfig")
      << "[user]\n\tname = Dev\n\temail = dev@example.com\n";
  // An app whose web process ignores SIGTERM (Python's own file server, which leaves SIGTERM
  // as it finds it): stopping it ends in R12, 30 s after SIGTERM (3 s at time scale 10).
  fs::path dir = h.root() / "app";
  fs::copy(fs::path(LOKKU_TEST_FIXTURES_DIR) / "apps/pyweb", dir, fs::copy_options::recursive);
  std::ofstream(dir / "Procfile")
      << "web: trap '' TERM; exec python3 -m http.server --bind 127.0.0.1 $PORT\n";

  // Only upper-case proxy variables; the CLI found through PATH.
  auto set_up = shell->run_fresh(
      "env | grep -E '^(https?_proxy|HTTPS?_PROXY|HEROKU_HOST)=' | sort\n"
      "command -v heroku\n"
      "heroku apps\n",
      h.root());
  EXPECT_EQ(set_up.code, 0) << set_up.out;
  const std::string api = "http://127.0.0.1:" + std::to_string(port);
  EXPECT_NE(
      set_up.out.find("HEROKU_HOST=" + api + "\nHTTPS_PROXY=" + api + "\nHTTP_PROXY=" + api + "\n"),
      std::string::npos)
      << set_up.out;
  EXPECT_EQ(set_up.out.find("https_proxy="), std::string::npos) << set_up.out;
  EXPECT_NE(set_up.out.find("tools/heroku-cli/node_modules/.bin/heroku\n"), std::string::npos)
      << set_up.out;
  EXPECT_NE(set_up.out.find("web (local)"), std::string::npos) << set_up.out;

  // git push heroku main, its credentials from `heroku git:credentials`, TLS by lokku's CA.
  auto push = shell->run_fresh(
      "git init -q -b main && git add -A && git commit -qm first\n"
      "heroku apps:create shellapp\n"
      "git push heroku main\n",
      dir);
  ASSERT_EQ(push.code, 0) << push.out;
  EXPECT_NE(push.out.find("remote: Verifying deploy... done."), std::string::npos) << push.out;
  EXPECT_TRUE(wait_until(
      [&] {
        auto r = get_by_host(router, "shellapp.localhost");
        return r && r->status == 200;
      },
      60s, "shellapp to be served"));

  // No errors yet: the CLI's own message.
  auto none = shell->run_fresh("heroku apps:errors -a shellapp\n", dir);
  EXPECT_EQ(none.code, 0) << none.out;
  EXPECT_EQ(none.out, "No errors on shellapp in the last 24 hours\n");

  // R12 when web.1 is stopped, then H14 for each request with no web dyno.
  EXPECT_EQ(shell->run_fresh("heroku ps:scale web=0 -a shellapp\n", dir).code, 0);
  ASSERT_TRUE(wait_until([&] { return app_log("shellapp").find("Error R12") != std::string::npos; },
                         30s, "R12 in shellapp's log"))
      << app_log("shellapp");
  for (int i = 0; i < 2; ++i) {
    auto r = get_by_host(router, "shellapp.localhost");
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 503);
  }
  auto errors = shell->run_fresh("heroku apps:errors -a shellapp\n", dir);
  EXPECT_EQ(errors.code, 0) << errors.out;
  EXPECT_NE(errors.out.find("=== Errors on shellapp in the last 24 hours"), std::string::npos)
      << errors.out;
  EXPECT_TRUE(std::regex_search(errors.out,
                                std::regex(R"(router +H14 +critical +No web dynos running +2\b)")))
      << errors.out;
  EXPECT_TRUE(std::regex_search(errors.out, std::regex(R"(web +R12 +warning +Exit timeout +1\b)")))
      << errors.out;
  auto json = shell->run_fresh("heroku apps:errors -a shellapp --router --json\n", dir);
  EXPECT_EQ(json.code, 0) << json.out;
  EXPECT_NE(json.out.find("\"H14\": 2"), std::string::npos) << json.out;
  EXPECT_EQ(json.out.find("R12"), std::string::npos) << json.out;

  // lokku's own apps:errors counts the same, from the metrics store (#22 point 3): the log
  // emptied changes nothing.
  std::filesystem::resize_file(h.home() / "apps/shellapp/log", 0);
  auto own = h.run({"apps:errors", "-a", "shellapp", "--json"});
  EXPECT_EQ(own.exit_code, 0) << own.err;
  EXPECT_EQ(own.out, R"({"dyno":{"web":{"R12":1}},"router":{"H14":2}})"
                     "\n");
}

TEST_F(EverydayCli, ENVTheProxyPassesLoopbackThroughAndRefusesEveryOtherHost) {
  const std::string app = "http://web.localhost:" + std::to_string(router) + "/";
  auto r = shell->run_fresh(
      // Loopback through the proxy, as a CONNECT tunnel and as a plain proxy request.
      "curl -sS -p -x \"$HTTP_PROXY\" " + app + "; echo\n" + "curl -sS -x \"$HTTP_PROXY\" " + app +
          "; echo\n"
          // curl reads no upper-case HTTP_PROXY: a plain curl to *.localhost is direct.
          "curl -sS " +
          app +
          "; echo\n"
          // Any other host: refused, with the reason.
          "curl -sS -x \"$HTTP_PROXY\" http://example.com/; echo \"exit $?\"\n"
          "curl -sS -x \"$HTTPS_PROXY\" https://api.github.com/; echo \"exit $?\"\n",
      h.root());
  EXPECT_EQ(r.code, 0) << r.out;
  EXPECT_TRUE(std::regex_search(r.out, std::regex("^hello from web.1\nhello from web.1\nhello "
                                                  "from web.1\n")))
      << r.out;
  EXPECT_NE(r.out.find("lokku's proxy does not reach example.com: it serves only loopback"),
            std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find("exit 0\n"), std::string::npos) << r.out;  // a 403 answer, printed
  EXPECT_NE(r.out.find("CONNECT tunnel failed, response 403"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("exit 56"), std::string::npos) << r.out;
  // ... and logged by the platform, so a user sees why a command failed.
  EXPECT_TRUE(up->count(R"(proxy refused CONNECT api\.github\.com:443)") > 0 ||
              up->stderr_text().find("proxy refused CONNECT api.github.com:443") !=
                  std::string::npos);

  // The metrics API itself: bad times are a 400 naming the parameter.
  auto bad =
      api_request(port, "GET", "/apps/web/router-metrics/errors?start_time=yesterday", h.token());
  ASSERT_TRUE(bad);
  EXPECT_EQ(bad->status, 400);
  EXPECT_NE(bad->body.find("invalid start_time provided"), std::string::npos) << bad->body;
  auto type = api_request(port, "GET", "/apps/web/formation/nope/metrics/errors", h.token());
  ASSERT_TRUE(type);
  EXPECT_EQ(type->status, 400);
  EXPECT_NE(type->body.find("invalid process_type provided"), std::string::npos) << type->body;
}

}  // namespace
}  // namespace lokku::test
