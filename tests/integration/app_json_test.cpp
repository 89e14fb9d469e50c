// app.json on a first deploy (build-and-release.md APP-1..4): env, formation, add-ons and
// postdeploy, and the clear errors that leave nothing half-created.
#include "support/platform.hpp"

#include <gtest/gtest.h>

#include <fstream>
#include <regex>

namespace lokku::test {
namespace {

namespace fs = std::filesystem;

class AppJson : public ::testing::Test {
 protected:
  /// The pyweb fixture with this app.json, deployed as `web`.
  RunResult deploy_with(const std::string& app_json) {
    auto dir = h.app_dir("pyweb");
    std::ofstream(dir / "app.json") << app_json;
    return h.run({"deploy", "-a", "web"}, dir);
  }
  LokkuHome h;
};

TEST_F(AppJson, APP3ARequiredVariableWithoutAValueStopsTheFirstDeployBeforeAnything) {
  auto r = deploy_with(R"({"env": {"API_TOKEN": {"description": "for the API"},
                                   "GREETING": "hi"},
                           "addons": ["heroku-redis"]})");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("app.json requires API_TOKEN (no value, no generator); set it first: lokku "
                       "config:set API_TOKEN=... -a web"),
            std::string::npos)
      << r.err;
  EXPECT_FALSE(fs::exists(h.home() / "apps" / "web"));  // no app, no add-on
  EXPECT_FALSE(fs::exists(h.home() / "addons"));
}

TEST_F(AppJson, AMalformedKeyIsNamedAndNothingIsCreated) {
  auto r = deploy_with(R"({"formation": {"web": {"quantity": "two"}}})");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("app.json: formation.web.quantity must be a whole number, 0 or more"),
            std::string::npos)
      << r.err;
  EXPECT_FALSE(fs::exists(h.home() / "apps" / "web"));
}

TEST_F(AppJson, APP4EnvFormationUnknownAddonsAndPostdeployOnceOnly) {
  auto r = deploy_with(R"({"env": {"GREETING": {"value": "from app.json"},
                                   "SECRET_KEY": {"generator": "secret"},
                                   "OPTIONAL": {"required": false}},
                           "formation": {"web": {"quantity": 2, "size": "standard-2x"},
                                         "worker": {"quantity": 1}},
                           "addons": ["heroku-mongolab:sandbox"],
                           "scripts": {"postdeploy": "echo postdeploy sees $GREETING"}})");
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_NE(r.out.find("       Skipping heroku-mongolab:sandbox: lokku provides "
                       "heroku-postgresql, heroku-redis"),
            std::string::npos)
      << r.out;
  EXPECT_TRUE(std::regex_search(
      r.out, std::regex(R"(app\[postdeploy\.\d{4}\]: postdeploy sees from app\.json\n)")))
      << r.out;
  // The release phase saw the config too: it ran after the env was set.
  EXPECT_NE(r.out.find("release phase for v4 greeting=from app.json"), std::string::npos) << r.out;
  auto config = h.run({"config", "-a", "web"});
  EXPECT_TRUE(std::regex_search(config.out, std::regex(R"(SECRET_KEY: +[0-9a-f]{64}\n)")))
      << config.out;
  EXPECT_EQ(config.out.find("OPTIONAL"), std::string::npos);
  auto yaml = h.app_yaml("web");
  EXPECT_NE(yaml.find("web: {quantity: 2, size: standard-2x}"), std::string::npos) << yaml;
  EXPECT_NE(yaml.find("worker: {quantity: 1, size: standard-1x}"), std::string::npos) << yaml;

  // APP-2: a later deploy neither re-applies app.json nor runs postdeploy again.
  ASSERT_EQ(h.run({"config:set", "GREETING=changed", "-a", "web"}).exit_code, 0);
  auto again = h.run({"deploy", "-a", "web"}, h.root() / "pyweb");
  ASSERT_EQ(again.exit_code, 0) << again.err;
  EXPECT_EQ(again.out.find("postdeploy"), std::string::npos) << again.out;
  EXPECT_EQ(h.run({"config:get", "GREETING", "-a", "web"}).out, "changed\n");
}

TEST_F(AppJson, AFailingPostdeployFailsTheDeployButKeepsTheRelease) {
  auto r = deploy_with(R"({"scripts": {"postdeploy": "echo seeding; exit 4"}})");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.out.find("app.json's postdeploy script failed (exit 4); the app is released (v3)"),
            std::string::npos)
      << r.out;
  EXPECT_NE(h.run({"releases", "-a", "web"}).out.find("v3    Deploy"), std::string::npos);
}

TEST_F(AppJson, APP2AppsCreateFromADirectorySetsItUpAndTheFirstDeployRunsPostdeploy) {
  auto dir = h.app_dir("pyweb");
  std::ofstream(dir / "app.json")
      << R"({"env": {"GREETING": "from --from"}, "formation": {"worker": {"quantity": 2}},
             "scripts": {"postdeploy": "echo first deploy done"}})";
  auto made = h.run({"apps:create", "early", "--from", dir.string()});
  ASSERT_EQ(made.exit_code, 0) << made.err;
  EXPECT_EQ(h.run({"config:get", "GREETING", "-a", "early"}).out, "from --from\n");
  EXPECT_NE(h.app_yaml("early").find("worker: {quantity: 2"), std::string::npos);
  auto deployed = h.run({"deploy", "-a", "early"}, dir);
  ASSERT_EQ(deployed.exit_code, 0) << deployed.err;
  EXPECT_NE(deployed.out.find("]: first deploy done"), std::string::npos) << deployed.out;
  auto missing = h.run({"apps:create", "other", "--from", (h.root() / "nowhere").string()});
  EXPECT_EQ(missing.exit_code, 1);
  EXPECT_NE(missing.err.find("not a directory"), std::string::npos);
}

}  // namespace
}  // namespace lokku::test
