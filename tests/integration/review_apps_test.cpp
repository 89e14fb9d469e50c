// Review apps (build-and-release.md PIPE-3): a branch built into an app of its own from the
// branch's app.json (environments.review first), and removed with its add-ons.
#include "support/platform.hpp"

#include <gtest/gtest.h>

#include <fstream>
#include <regex>

namespace lokku::test {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

class ReviewApps : public ::testing::Test {
 protected:
  void SetUp() override {
    repo = h.app_dir("pyweb");
    std::ofstream(repo / "app.json") << R"({
      "env": {"GREETING": "from main"},
      "scripts": {"pr-predestroy": "echo bye from $HEROKU_BRANCH"},
      "environments": {"review": {
        "env": {"GREETING": "from review"},
        "scripts": {"postdeploy": "echo seeded $HEROKU_BRANCH with $GREETING"}}}})";
    ASSERT_EQ(sh("git init -q -b main && git add -A && git -c user.email=t@t -c user.name=t "
                 "commit -qm main",
                 repo),
              0);
    ASSERT_EQ(sh("git checkout -q -b feature/Login && echo only on the branch > branch.txt && "
                 "git add -A && git -c user.email=t@t -c user.name=t commit -qm branch && "
                 "git checkout -q main",
                 repo),
              0);
    auto parent = h.run({"deploy", "-a", "shop"}, repo);
    ASSERT_EQ(parent.exit_code, 0) << parent.out << parent.err;
    ASSERT_EQ(h.run({"pipelines:create", "shop", "-a", "shop", "--stage", "staging"}).exit_code, 0);
  }
  LokkuHome h;
  fs::path repo;
};

TEST_F(ReviewApps, PIPE3ABranchBecomesAnAppOfItsOwnAndGoesWithItsPredestroy) {
  auto made = h.run({"review-apps:create", "feature/Login", "-a", "shop"}, repo);
  ASSERT_EQ(made.exit_code, 0) << made.out << made.err;
  const std::string app = "shop-feature-login";
  EXPECT_NE(made.out.find("Creating review app ⬢ " + app + " from branch feature/Login"),
            std::string::npos)
      << made.out;
  EXPECT_TRUE(std::regex_search(
      made.out, std::regex(R"(app\[postdeploy\.\d{4}\]: seeded feature/Login with from review\n)")))
      << made.out;
  EXPECT_EQ(h.run({"config:get", "HEROKU_BRANCH", "-a", app}).out, "feature/Login\n");
  // The branch's commit, not the checked-out one.
  EXPECT_EQ(h.run({"run", "-a", app, "--", "cat branch.txt"}).out, "only on the branch\n");
  EXPECT_NE(h.run({"run", "-a", "shop", "--", "cat branch.txt; true"}).err.find("No such file"),
            std::string::npos);
  auto info = h.run({"pipelines:info", "shop"});
  EXPECT_TRUE(std::regex_search(info.out, std::regex("review +⬢ " + app))) << info.out;

  auto gone = h.run({"review-apps:destroy", "-a", app});
  ASSERT_EQ(gone.exit_code, 0) << gone.err;
  EXPECT_TRUE(std::regex_search(
      gone.out, std::regex(R"(app\[predestroy\.\d{4}\]: bye from feature/Login\n)")))
      << gone.out;
  EXPECT_FALSE(fs::exists(h.home() / "apps" / app));
  EXPECT_EQ(h.run({"pipelines:info", "shop"}).out.find(app), std::string::npos);
  auto not_review = h.run({"review-apps:destroy", "-a", "shop"});
  EXPECT_EQ(not_review.exit_code, 1);
  EXPECT_NE(not_review.err.find("shop is not a review app"), std::string::npos);
}

TEST_F(ReviewApps, AMissingBranchOrAFailedReviewAppLeavesNothingBehind) {
  auto nope = h.run({"review-apps:create", "nope", "-a", "shop"}, repo);
  EXPECT_EQ(nope.exit_code, 1);
  EXPECT_NE(nope.err.find("no branch 'nope'"), std::string::npos) << nope.err;
  EXPECT_FALSE(fs::exists(h.home() / "apps" / "shop-nope"));

  // A branch whose release phase fails, with an add-on already provisioned for it.
  ASSERT_EQ(sh("git checkout -q -b broken && "
               "printf '{\"addons\": [\"heroku-redis\"], \"env\": {\"RELEASE_EXIT\": \"3\"}}' > "
               "app.json && git add -A && git -c user.email=t@t -c user.name=t commit -qm broken "
               "&& git checkout -q main",
               repo),
            0);
  auto broken = h.run({"review-apps:create", "broken", "-a", "shop"}, repo);
  EXPECT_EQ(broken.exit_code, 1);
  EXPECT_NE(broken.out.find("Created redis-"), std::string::npos) << broken.out;
  EXPECT_NE(broken.err.find("The review app shop-broken failed; it was removed with its add-ons"),
            std::string::npos)
      << broken.err;
  EXPECT_FALSE(fs::exists(h.home() / "apps" / "shop-broken"));
  EXPECT_TRUE(!fs::exists(h.home() / "addons") || fs::is_empty(h.home() / "addons"));
}

// PIPE-3.6: a review app goes, its pr-predestroy first, 5 days (its stale days) after its
// last deploy, counted on the platform's clock; one kept with --stale-days 0 stays.
TEST_F(ReviewApps, PIPE3AStaleReviewAppIsDestroyedOnThePlatformsClock) {
  ASSERT_EQ(sh("git branch kept", repo), 0);
  auto made = h.run({"review-apps:create", "feature/Login", "-a", "shop"}, repo);
  ASSERT_EQ(made.exit_code, 0) << made.out << made.err;
  auto kept = h.run({"review-apps:create", "kept", "-a", "shop", "--stale-days", "0"}, repo);
  ASSERT_EQ(kept.exit_code, 0) << kept.out << kept.err;
  const std::string app = "shop-feature-login";
  auto up = h.up(free_port());
  ASSERT_TRUE(up->wait_for_diagnostic("Platform API on http://127.0.0.1:"));
  ASSERT_EQ(h.run({"clock", "freeze"}).exit_code, 0);
  // A config change is no deploy: the days still count from the build.
  ASSERT_EQ(h.run({"config:set", "X=1", "-a", app}).exit_code, 0);
  auto four = h.run({"clock", "advance", "96h", "--json"});
  ASSERT_EQ(four.exit_code, 0) << four.err;
  EXPECT_EQ(four.out.find("review app"), std::string::npos) << four.out;
  EXPECT_TRUE(fs::exists(h.home() / "apps" / app));

  auto five = h.run({"clock", "advance", "25h"});
  ASSERT_EQ(five.exit_code, 0) << five.err;
  EXPECT_NE(five.out.find(app + ": review app destroyed (stale: 5 days without a deploy)"),
            std::string::npos)
      << five.out;
  EXPECT_TRUE(wait_until([&] { return !fs::exists(h.home() / "apps" / app); }, 60s,
                         "the stale review app to go"));
  std::string output;
  std::getline(std::ifstream(h.home() / "apps/shop/review-apps.log"), output, '\0');
  EXPECT_TRUE(
      std::regex_search(output, std::regex(R"(app\[predestroy\.\d{4}\]: bye from feature/Login)")))
      << output;
  EXPECT_NE(
      h.run({"logs", "-a", "shop"})
          .out.find("Review app ⬢ " + app + " (stale: 5 days without a deploy): destroying it"),
      std::string::npos);
  EXPECT_TRUE(fs::exists(h.home() / "apps" / "shop-kept"));
  EXPECT_TRUE(fs::exists(h.home() / "apps" / "shop"));
}

}  // namespace
}  // namespace lokku::test
