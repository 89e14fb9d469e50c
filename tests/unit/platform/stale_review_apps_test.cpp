// PIPE-3.6: a review app is stale its stale days after its last deploy (a config change is
// no deploy), counted from when the platform saw that deploy when that is later.
#include "platform/stale_review_apps.hpp"

#include "common/ids.hpp"

#include <gtest/gtest.h>

namespace lokku::platform {
namespace {

using namespace std::chrono_literals;

const SystemTime t0 = std::chrono::sys_days{std::chrono::year{2026} / 12 / 1};

store::Release release(int version, std::string slug, SystemTime at) {
  store::Release r;
  r.version = version;
  r.slug_id = std::move(slug);
  r.created_at = common::iso8601(at);
  return r;
}

store::App review_app() {
  store::App a;
  a.name = "shop-feature";
  a.review_of = "shop";
  a.review_stale_days = 5;
  a.created_at = common::iso8601(t0);
  a.releases = {release(1, "", t0),
                release(2, "", t0),
                release(3, "slug-a", t0 + 1h),
                release(4, "slug-a", t0 + 2h),
                release(5, "slug-b", t0 + 3h),
                release(6, "slug-b", t0 + 30h)};  // v6: a config change, no deploy
  return a;
}

TEST(StaleReviewApps, PIPE3StaleDaysAfterTheLastDeployNotTheLastConfigChange) {
  auto a = review_app();
  ASSERT_NE(last_deploy(a), nullptr);
  EXPECT_EQ(last_deploy(a)->version, 5);
  EXPECT_EQ(stale_at(a, std::nullopt), t0 + 3h + 5 * 24h);
  // A failed release deploys nothing.
  a.releases.push_back(release(7, "slug-c", t0 + 40h));
  a.releases.back().status = "failed";
  EXPECT_EQ(last_deploy(a)->version, 5);
}

TEST(StaleReviewApps, ADeploySeenLaterOnThePlatformsClockCountsFromThen) {
  auto a = review_app();
  EXPECT_EQ(stale_at(a, t0 + 100h), t0 + 100h + 5 * 24h);
  EXPECT_EQ(stale_at(a, t0), t0 + 3h + 5 * 24h);  // seen before its date: the date counts
}

TEST(StaleReviewApps, NeverDeployedCountsFromCreationAndZeroDaysOrNoParentIsNeverStale) {
  auto a = review_app();
  a.releases.resize(2);
  EXPECT_EQ(last_deploy(a), nullptr);
  EXPECT_EQ(stale_at(a, std::nullopt), t0 + 5 * 24h);
  a.review_stale_days = 0;
  EXPECT_FALSE(stale_at(a, std::nullopt));
  auto parent = review_app();
  parent.review_of.clear();
  EXPECT_FALSE(stale_at(parent, std::nullopt));
}

}  // namespace
}  // namespace lokku::platform
