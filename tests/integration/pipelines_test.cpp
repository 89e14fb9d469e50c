// Pipelines (build-and-release.md PIPE-1..2): stages, and promotion of a slug downstream.
#include "support/platform.hpp"

#include <gtest/gtest.h>

#include <regex>

namespace lokku::test {
namespace {

/// The slug of the app's newest release (the last `slug:` of its record).
std::string slug_of_current(const LokkuHome& h, const std::string& app) {
  auto yaml = h.app_yaml(app);
  std::string last;
  const std::regex slug(R"(slug: (\S+))");
  for (std::sregex_iterator it(yaml.begin(), yaml.end(), slug), end; it != end; ++it) {
    last = (*it)[1].str();
  }
  return last;
}

TEST(Pipelines, PIPE2PromotionReleasesTheSameSlugDownstreamWithItsOwnConfig) {
  LokkuHome h;
  ASSERT_EQ(h.deploy("shop-staging").exit_code, 0);
  ASSERT_EQ(h.run({"apps:create", "shop-prod"}).exit_code, 0);
  ASSERT_EQ(h.run({"config:set", "GREETING=production", "-a", "shop-prod"}).exit_code, 0);

  auto create = h.run({"pipelines:create", "shop", "-a", "shop-staging", "--stage", "staging"});
  ASSERT_EQ(create.exit_code, 0) << create.err;
  EXPECT_NE(create.out.find("Adding ⬢ shop-staging to shop pipeline as staging... done"),
            std::string::npos);
  ASSERT_EQ(h.run({"pipelines:add", "shop", "-a", "shop-prod", "--stage", "production"}).exit_code,
            0);
  auto info = h.run({"pipelines:info", "shop"});
  EXPECT_TRUE(std::regex_search(info.out, std::regex(R"(staging +⬢ shop-staging +v3\n)")))
      << info.out;
  EXPECT_TRUE(std::regex_search(info.out, std::regex(R"(production +⬢ shop-prod +\(no release\))")))
      << info.out;
  EXPECT_NE(h.run({"pipelines"}).out.find("shop\n"), std::string::npos);

  auto promote = h.run({"pipelines:promote", "-a", "shop-staging"});
  ASSERT_EQ(promote.exit_code, 0) << promote.out << promote.err;
  EXPECT_NE(promote.out.find("Starting promotion to production... done"), std::string::npos);
  EXPECT_NE(promote.out.find("shop-prod: succeeded\nPromotion successful\n"), std::string::npos)
      << promote.out;
  EXPECT_EQ(promote.out.find("Building"), std::string::npos);  // no build
  // The very slug, the downstream's own config, its release phase run.
  const std::string slug = slug_of_current(h, "shop-staging");
  EXPECT_FALSE(slug.empty());
  EXPECT_EQ(slug_of_current(h, "shop-prod"), slug);
  auto releases = h.run({"releases", "-a", "shop-prod"});
  EXPECT_TRUE(std::regex_search(releases.out, std::regex(R"(v4 +Promote shop-staging v3 )")))
      << releases.out;
  auto logs = h.run({"logs", "-a", "shop-prod", "-n", "100"});
  EXPECT_NE(logs.out.find("release phase for v4 greeting=production"), std::string::npos)
      << logs.out;
  // The promoted app runs it.
  auto up = h.up(free_port());
  ASSERT_TRUE(
      up->wait_for(R"(shop-prod \| .* heroku\[web\.1\]: State changed from starting to up$)"));
}

TEST(Pipelines, PromotionAndStagesCheckTheirInput) {
  LokkuHome h;
  ASSERT_EQ(h.deploy("a-one").exit_code, 0);
  ASSERT_EQ(h.run({"apps:create", "a-two"}).exit_code, 0);
  auto alone = h.run({"pipelines:promote", "-a", "a-one"});
  EXPECT_EQ(alone.exit_code, 1);
  EXPECT_NE(alone.err.find("a-one is not in a pipeline"), std::string::npos) << alone.err;
  auto bad_stage = h.run({"pipelines:create", "p1", "-a", "a-one", "--stage", "qa"});
  EXPECT_EQ(bad_stage.exit_code, 1);
  EXPECT_NE(bad_stage.err.find("'qa' is not a pipeline stage"), std::string::npos);
  ASSERT_EQ(h.run({"pipelines:create", "p1", "-a", "a-one", "--stage", "production"}).exit_code, 0);
  auto twice = h.run({"pipelines:create", "p1"});
  EXPECT_EQ(twice.exit_code, 1);
  auto other = h.run({"pipelines:create", "p2"});
  ASSERT_EQ(other.exit_code, 0);
  auto second = h.run({"pipelines:add", "p2", "-a", "a-one", "--stage", "staging"});
  EXPECT_EQ(second.exit_code, 1);
  EXPECT_NE(second.err.find("a-one is already in the pipeline p1"), std::string::npos);
  auto nowhere = h.run({"pipelines:promote", "-a", "a-one"});
  EXPECT_EQ(nowhere.exit_code, 1);
  EXPECT_NE(nowhere.err.find("production, and that stage promotes nowhere"), std::string::npos)
      << nowhere.err;
  ASSERT_EQ(h.run({"pipelines:add", "p1", "-a", "a-two", "--stage", "staging"}).exit_code, 0);
  auto empty = h.run({"pipelines:promote", "-a", "a-two"});
  EXPECT_EQ(empty.exit_code, 1);
  EXPECT_NE(empty.err.find("a-two has no release with a slug to promote"), std::string::npos);
}

}  // namespace
}  // namespace lokku::test
