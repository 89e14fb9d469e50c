// Config var rules (CFG-1/2), ps:scale arguments, rollback targets (REL-7), app names.
#include "store/changes.hpp"

#include "release/error.hpp"
#include "store/app_name.hpp"

#include <gtest/gtest.h>

namespace lokku::store {
namespace {

TEST(Changes, CFG1KeyNames) {
  EXPECT_EQ(check_config_key("DATABASE_URL"), "");
  EXPECT_EQ(check_config_key("_private"), "");
  EXPECT_THROW(check_config_key("9LIVES"), release::InputError);
  EXPECT_THROW(check_config_key("A-B"), release::InputError);
  EXPECT_THROW(check_config_key(""), release::InputError);
  EXPECT_NE(check_config_key("__X"), "");
  EXPECT_NE(check_config_key("HEROKU_X"), "");
}

TEST(Changes, CFG2SizeIsKeysAndValues) {
  App a;
  set_config(a, {{"AB", std::string(10, 'x')}});
  EXPECT_EQ(config_size(a.config), 12u);
  EXPECT_THROW(set_config(a, {{"C", std::string(kConfigLimit, 'x')}}), release::InputError);
  EXPECT_EQ(a.config.size(), 1u);  // unchanged on refusal
}

TEST(Changes, ConfigAssignmentsKeepEqualsAndEmptyValues) {
  auto vars = parse_config_assignments({"A=b=c", "EMPTY="});
  EXPECT_EQ(vars.at("A"), "b=c");
  EXPECT_EQ(vars.at("EMPTY"), "");
  EXPECT_THROW(parse_config_assignments({"NOEQUALS"}), release::InputError);
  EXPECT_EQ(config_description("Set", {"ZED", "ALPHA"}), "Set ALPHA, ZED config vars");
}

TEST(Changes, ScaleArguments) {
  auto c = parse_scale_args(
      {"web=2", "worker+1", "my-worker-3", "clock:performance-m", "web=1:Standard-2X"});
  ASSERT_EQ(c.size(), 5u);
  EXPECT_EQ(c[0].type, "web");
  EXPECT_EQ(c[0].op, '=');
  EXPECT_EQ(c[0].amount, 2);
  EXPECT_EQ(c[1].op, '+');
  EXPECT_EQ(c[2].type, "my-worker");
  EXPECT_EQ(c[2].op, '-');
  EXPECT_EQ(c[2].amount, 3);
  EXPECT_EQ(c[3].op, '\0');
  EXPECT_EQ(*c[3].size, "performance-m");
  EXPECT_EQ(*c[4].size, "standard-2x");
  EXPECT_THROW(parse_scale_args({"web"}), release::InputError);
  EXPECT_THROW(parse_scale_args({"web=x"}), release::InputError);
  EXPECT_THROW(parse_scale_args({"web=1:giant"}), release::InputError);
  EXPECT_THROW(parse_scale_args({}), release::InputError);
}

App deployed() {
  App a;
  a.name = "x";
  add_release(a, "Initial release", "", {}, "");
  add_release(a, "Enable Logplex", "", {}, "");
  add_release(a, "Deploy 1", "slug-1", {{"web", "w"}, {"release", "r"}}, "c1");
  add_release(a, "Deploy 2", "slug-2", {{"web", "w"}}, "c2");
  add_release(a, "Deploy 3", "slug-3", {{"web", "w"}}, "c3").status = "failed";
  add_new_types(a, a.releases[2].process_types);
  return a;
}

TEST(Changes, REL5CurrentIsTheNewestSucceededReleaseWithASlug) {
  auto a = deployed();
  ASSERT_NE(a.current(), nullptr);
  EXPECT_EQ(a.current()->version, 4);
  EXPECT_EQ(a.next_version(), 6);  // REL-1: failed ones keep their number
}

TEST(Changes, REL7RollbackTargets) {
  auto a = deployed();
  EXPECT_EQ(rollback_target(a, std::nullopt).version, 3);
  EXPECT_EQ(rollback_target(a, 4).version, 4);
  EXPECT_THROW(rollback_target(a, 2), release::InputError);  // no slug
  EXPECT_THROW(rollback_target(a, 9), release::InputError);
  EXPECT_EQ(parse_version("v12"), 12);
  EXPECT_EQ(parse_version("12"), 12);
  EXPECT_EQ(parse_version("v"), std::nullopt);
}

TEST(Changes, FirstDeployScalesWebToOneAndNeverRelease) {
  auto a = deployed();
  EXPECT_EQ(a.formation.at("web").quantity, 1);
  EXPECT_EQ(a.formation.count("release"), 0u);
  apply_scale(a, parse_scale_args({"web=3"}));
  add_new_types(a, {{"web", "w"}, {"worker", "k"}});
  EXPECT_EQ(a.formation.at("web").quantity, 3);  // kept
  EXPECT_EQ(a.formation.at("worker").quantity, 0);
  EXPECT_THROW(apply_scale(a, parse_scale_args({"release=1"})), release::InputError);
}

TEST(AppNames, FromDirectoriesAndValidation) {
  EXPECT_EQ(app_name_from_dir("/x/My Cool_App!"), "my-cool-app");
  EXPECT_EQ(app_name_from_dir("/x/--a--b--"), "a-b");
  EXPECT_EQ(app_name_from_dir("/x/" + std::string(40, 'a')), std::string(30, 'a'));
  EXPECT_NO_THROW(validate_app_name("ab"));
  EXPECT_THROW(validate_app_name("a"), release::InputError);
  EXPECT_THROW(validate_app_name("1abc"), release::InputError);
  EXPECT_THROW(validate_app_name("ab_c"), release::InputError);
  EXPECT_THROW(validate_app_name(std::string(31, 'a')), release::InputError);
}

TEST(Store, ARecordWithoutANameIsRefusedNamingTheFile) {
  for (const char* text : {"releases: []\n", "name: \"\"\n"}) {
    try {
      app_from_yaml(text, "apps/x/app.yaml");
      ADD_FAILURE() << text;
    } catch (const release::InputError& e) {
      EXPECT_NE(std::string(e.what()).find("apps/x/app.yaml: name: "), std::string::npos)
          << e.what();
    }
  }
}

TEST(Store, YamlRoundTripKeepsEveryByte) {
  App a = deployed();
  a.config["MULTI"] = "line\n  two \"q\" \\ \ttab\n";
  a.config["EMPTY"] = "";
  a.buildpacks = {"lokku/python"};
  auto back = app_from_yaml(to_yaml(a), "app.yaml");
  EXPECT_EQ(back.config, a.config);
  EXPECT_EQ(back.releases.size(), a.releases.size());
  EXPECT_EQ(back.releases[4].status, "failed");
  EXPECT_EQ(back.releases[2].process_types, a.releases[2].process_types);
  EXPECT_EQ(back.buildpacks, a.buildpacks);
  EXPECT_EQ(back.formation.at("web").quantity, 1);
}

}  // namespace
}  // namespace lokku::store
