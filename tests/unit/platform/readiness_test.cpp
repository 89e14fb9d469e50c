// Readiness (issue #27 point 1): what an app still waits for, judged from the store's facts
// and the platform's record of its dynos.
#include "platform/readiness.hpp"

#include <boost/json/serialize.hpp>
#include <gtest/gtest.h>

#include <set>

namespace lokku::platform {
namespace {

constexpr int kPlatform = 4242;

store::Release release(int version, std::string status = "succeeded") {
  store::Release r;
  r.version = version;
  r.slug_id = "slug";
  r.status = std::move(status);
  r.process_types = {{"web", "serve"}, {"worker", "work"}};
  r.created_at = "2026-12-06T10:00:0" + std::to_string(version) + "Z";
  return r;
}

struct Fixture {
  store::App app;
  AppFacts facts;
  Fixture() {
    app.name = "hc-post";
    app.releases = {release(1), release(2)};
    app.formation["web"] = {2, "standard-1x"};
    app.formation["worker"] = {0, "standard-1x"};
    facts.app = &app;
    facts.observed = Observed{kPlatform, 2, {}};
    up("web.1", 2);
    up("web.2", 2);
  }
  void up(const std::string& name, int version, const std::string& state = "up") {
    facts.observed->dynos.push_back(
        {name, name.substr(0, name.find('.')), state, "", "", "", version});
  }
  Readiness judge(const std::set<int>& alive = {}) {
    Readiness r;
    r.platform_running = true;
    judge_app(
        facts, kPlatform, [&](int pid) { return alive.contains(pid); }, r);
    return r;
  }
};

TEST(Readiness, AnAppWhoseFormationIsUpOnItsCurrentReleaseIsReady) {
  Fixture f;
  auto r = f.judge();
  EXPECT_TRUE(r.ready());
  EXPECT_TRUE(r.pending.empty());
  // Types scaled to 0 wait for nothing; with no platform running nothing is ready.
  r.platform_running = false;
  EXPECT_FALSE(r.ready());
}

TEST(Readiness, AReleasePhaseRunningIsPendingAndOneThatFailedIsFailed) {
  Fixture f;
  f.app.releases.push_back(release(3, "pending"));
  f.app.releases.back().runner_pid = 77;
  auto r = f.judge({77});
  ASSERT_FALSE(r.ready());
  EXPECT_EQ(r.pending["hc-post"]["release"], "v3 release phase running");
  EXPECT_TRUE(r.failed.empty());
  // Its process gone without an end: waiting will not mend it.
  r = f.judge();
  EXPECT_EQ(r.failed["hc-post"]["release"],
            "v3 release phase was interrupted (its process is gone)");
  f.app.releases.back().status = "failed";
  r = f.judge();
  EXPECT_EQ(r.failed["hc-post"]["release"], "v3 release phase failed");
  // The dynos still run v2, the current release: they are not pending.
  EXPECT_FALSE(r.pending.contains("hc-post"));
}

TEST(Readiness, EachDynoNotUpOnTheCurrentReleaseIsNamedWithWhy) {
  Fixture f;
  f.app.releases.push_back(release(3));
  f.facts.observed = Observed{kPlatform, 3, {}};
  f.up("web.1", 3);
  f.up("web.2", 2);
  f.app.formation["worker"].quantity = 2;
  f.up("worker.1", 3, "crashed");
  auto r = f.judge();
  ASSERT_FALSE(r.ready());
  const auto& p = r.pending["hc-post"];
  EXPECT_FALSE(p.contains("web.1"));
  EXPECT_EQ(p.at("web.2"), "running v2, v3 not started yet");
  EXPECT_EQ(p.at("worker.1"), "crashed");
  EXPECT_EQ(p.at("worker.2"), "not started yet (v3)");
  // Another platform's record (an old one, stopped) counts for nothing.
  f.facts.observed->platform_pid = 1;
  r = f.judge();
  EXPECT_EQ(r.pending["hc-post"]["web.1"], "not started yet (v3)");
}

TEST(Readiness, ABuildUnderWayIsPendingAndTheLatestFailedBuildFailsUntilAReleaseFollows) {
  Fixture f;
  buildpack::BuildRecord b;
  b.id = "b1";
  b.status = "pending";
  b.pid = 99;
  b.created_at = b.updated_at = "2026-12-06T10:00:05Z";
  f.facts.builds = {b};
  auto r = f.judge({99});
  EXPECT_EQ(r.pending["hc-post"]["build"], "build b1 running");
  r = f.judge();
  EXPECT_EQ(r.failed["hc-post"]["build"], "build b1 was interrupted (its process is gone)");
  f.facts.builds[0].status = "failed";
  r = f.judge();
  EXPECT_EQ(r.failed["hc-post"]["build"], "build b1 failed");
  // A rollback (a release after the failed build) is the user's answer to it.
  f.app.releases.push_back(release(6));
  f.facts.observed = Observed{kPlatform, 6, {}};
  f.up("web.1", 6);
  f.up("web.2", 6);
  r = f.judge();
  EXPECT_TRUE(r.failed.empty());
  EXPECT_TRUE(r.ready()) << boost::json::serialize(r.to_json());
}

TEST(Readiness, PostdeployAndAddOnsAreWaitedFor) {
  Fixture f;
  f.facts.postdeploy = PostdeployMark{"running", 55, 0, 2};
  f.facts.addons_down = {"postgresql-rugged-32907"};
  auto r = f.judge({55});
  EXPECT_EQ(r.pending["hc-post"]["postdeploy"], "postdeploy script running after v2");
  EXPECT_EQ(r.pending["hc-post"]["postgresql-rugged-32907"], "starting (not answering yet)");
  f.facts.postdeploy = PostdeployMark{"failed", 0, 3, 2};
  r = f.judge();
  EXPECT_EQ(r.failed["hc-post"]["postdeploy"], "postdeploy script failed (exit 3)");
  // The JSON a probe reads.
  auto j = r.to_json();
  EXPECT_EQ(j.at("ready"), false);
  EXPECT_EQ(j.at("pending").at("hc-post").at("postgresql-rugged-32907"),
            "starting (not answering yet)");
  EXPECT_EQ(j.at("failed").at("hc-post").at("postdeploy"), "postdeploy script failed (exit 3)");
  // A release after the one it ran on: its failure is history.
  f.app.releases.push_back(release(3));
  f.facts.addons_down.clear();
  f.facts.observed = Observed{kPlatform, 3, {}};
  f.up("web.1", 3);
  f.up("web.2", 3);
  EXPECT_TRUE(f.judge().ready());
}

}  // namespace
}  // namespace lokku::platform
