// app.json (build-and-release.md APP-1..4).
#include "release/app_manifest.hpp"

#include "release/error.hpp"

#include <gtest/gtest.h>

namespace lokku::release {
namespace {

std::string fixed_hex(std::size_t bytes) {
  return std::string(bytes * 2, 'a');
}

std::string error_of(std::string_view text) {
  try {
    parse_app_manifest(text);
  } catch (const InputError& e) {
    return e.what();
  }
  return "";
}

TEST(AppManifest, APP1ReadsEveryKeyItUses) {
  auto m = parse_app_manifest(R"({
    "name": "demo", "keywords": ["x"], "unknown": {"ignored": true},
    "env": {"GREETING": "hello", "SECRET_KEY": {"generator": "secret"},
            "API_TOKEN": {"description": "for the API", "required": true},
            "OPTIONAL": {"required": false}},
    "addons": ["heroku-postgresql", "heroku-redis:premium-0",
               {"plan": "heroku-postgresql:standard-0", "as": "ANALYTICS"}],
    "formation": {"web": {"quantity": 2, "size": "Standard-2X"}, "worker": {"quantity": 0}},
    "buildpacks": [{"url": "heroku/nodejs"}],
    "scripts": {"postdeploy": "node seed.js", "pr-predestroy": "echo bye"}})");
  EXPECT_EQ(m.name, "demo");
  ASSERT_EQ(m.env.size(), 4u);
  EXPECT_EQ(m.env.at("GREETING").value, "hello");
  EXPECT_TRUE(m.env.at("SECRET_KEY").generate_secret);
  EXPECT_TRUE(m.env.at("API_TOKEN").required);
  EXPECT_EQ(m.env.at("API_TOKEN").description, "for the API");
  EXPECT_FALSE(m.env.at("OPTIONAL").required);
  ASSERT_EQ(m.addons.size(), 3u);
  EXPECT_EQ(m.addons[0].service, "heroku-postgresql");
  EXPECT_EQ(m.addons[0].plan, "");
  EXPECT_EQ(m.addons[1].plan, "premium-0");
  EXPECT_EQ(m.addons[2].service, "heroku-postgresql");
  EXPECT_EQ(m.addons[2].as, "ANALYTICS");
  EXPECT_EQ(m.formation.at("web").quantity, 2);
  EXPECT_EQ(m.formation.at("web").size, "standard-2x");
  EXPECT_EQ(m.formation.at("worker").size, "");
  EXPECT_EQ(m.buildpacks, std::vector<std::string>{"heroku/nodejs"});
  EXPECT_EQ(m.postdeploy, "node seed.js");
  EXPECT_EQ(m.pr_predestroy, "echo bye");
}

TEST(AppManifest, MalformedKeysAreNamed) {
  EXPECT_NE(error_of("{").find("app.json: not valid JSON"), std::string::npos);
  EXPECT_EQ(error_of("[]"), "app.json: must be a JSON object");
  EXPECT_EQ(error_of(R"({"env": {"A": {"required": "yes"}}})"),
            "app.json: env.A.required must be true or false");
  EXPECT_EQ(error_of(R"({"env": {"A": 3}})"), "app.json: env.A must be an object");
  EXPECT_EQ(error_of(R"({"env": {"BAD-NAME": "x"}})"),
            "app.json: env.BAD-NAME is not a config var name (letters, digits and _)");
  EXPECT_EQ(error_of(R"({"env": {"A": {"generator": "uuid"}}})"),
            "app.json: env.A.generator must be \"secret\" (the only generator)");
  EXPECT_EQ(error_of(R"({"addons": "heroku-redis"})"), "app.json: addons must be a list");
  EXPECT_EQ(error_of(R"({"addons": [{"as": "X"}]})"), "app.json: addons[0].plan is required");
  EXPECT_EQ(error_of(R"({"formation": {"web": {"quantity": -1}}})"),
            "app.json: formation.web.quantity must be a whole number, 0 or more");
  EXPECT_NE(error_of(R"({"formation": {"web": {"quantity": 1, "size": "huge"}}})")
                .find("app.json: formation.web.size 'huge' is not a dyno size"),
            std::string::npos);
  EXPECT_EQ(error_of(R"({"buildpacks": [{"uri": "x"}]})"),
            "app.json: buildpacks[0].url is required");
  EXPECT_EQ(error_of(R"({"scripts": {"postdeploy": ["a"]}})"),
            "app.json: scripts.postdeploy must be a string");
}

TEST(AppManifest, APP3ConfigValuesSecretsAndRequiredVariables) {
  auto m = parse_app_manifest(R"({"env": {"GREETING": "hello", "SECRET": {"generator": "secret"},
                                          "TOKEN": {"required": true}, "OPT": {"required": false},
                                          "KEEP": "from app.json"}})");
  // APP-4: existing keys win; a required one already set is fine.
  auto vars = manifest_config(m, {{"TOKEN", "t"}, {"KEEP", "mine"}}, "demo", fixed_hex);
  EXPECT_EQ(vars, (std::map<std::string, std::string>{{"GREETING", "hello"},
                                                      {"SECRET", std::string(64, 'a')}}));
  try {
    manifest_config(m, {}, "demo", fixed_hex);
    FAIL() << "TOKEN is required";
  } catch (const InputError& e) {
    EXPECT_EQ(std::string(e.what()),
              "app.json requires TOKEN (no value, no generator); set it first: lokku config:set "
              "TOKEN=... -a demo");
  }
}

TEST(AppManifest, PIPE3ReviewAppsUseEnvironmentsReviewOverTheTopLevel) {
  const char* text = R"({"env": {"A": "top", "B": "top"},
                         "addons": ["heroku-postgresql:standard-0"],
                         "scripts": {"postdeploy": "seed", "pr-predestroy": "bye"},
                         "environments": {"review": {"env": {"B": "review", "C": "new"},
                                                     "addons": ["heroku-postgresql"],
                                                     "scripts": {"postdeploy": "seed --small"}},
                                          "test": {"env": {"A": "test"}}}})";
  auto top = parse_app_manifest(text);
  EXPECT_EQ(top.env.at("B").value, "top");
  auto review = parse_review_manifest(text);
  EXPECT_EQ(review.env.at("A").value, "top");
  EXPECT_EQ(review.env.at("B").value, "review");
  EXPECT_EQ(review.env.at("C").value, "new");
  ASSERT_EQ(review.addons.size(), 1u);
  EXPECT_EQ(review.addons[0].plan, "");
  EXPECT_EQ(review.postdeploy, "seed --small");
  EXPECT_EQ(review.pr_predestroy, "bye");  // not overridden
  try {
    parse_review_manifest(R"({"environments": {"review": {"formation": {"web": {}}}}})");
    FAIL();
  } catch (const InputError& e) {
    EXPECT_EQ(std::string(e.what()),
              "app.json (environments.review): formation.web.quantity must be a whole number, 0 "
              "or more");
  }
}

}  // namespace
}  // namespace lokku::release
