// Readiness (#27 point 1): `GET /lokku/health` on the API port (no token) answers 503 with
// what is pending per app while a release phase runs, 200 once the formation is up on the
// new release; `lokku wait` blocks on the same, and gives up with the list, or at once on a
// failure.
#include "support/platform.hpp"

#include <boost/json.hpp>
#include <gtest/gtest.h>

namespace lokku::test {
namespace {

namespace json = boost::json;
using namespace std::chrono_literals;

class Readiness : public ::testing::Test {
 protected:
  void SetUp() override {
    auto r = h.deploy("web");
    ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
    up = h.up(free_port(), {"--time-scale", "10"});
    ASSERT_TRUE(up->wait_for_diagnostic("Platform API on http://127.0.0.1:"));
    port = h.api_port();
    ASSERT_NE(port, 0u);
  }

  /// GET /lokku/health with no token and no Heroku Accept header: its status and body.
  std::pair<int, json::object> health() const {
    auto r = api_request(port, "GET", "/lokku/health", "", "", "", "*/*");
    if (!r) {
      return {0, {}};
    }
    auto v = json::parse(r->body);
    return {r->status, v.as_object()};
  }

  ::testing::AssertionResult health_becomes(int status, const std::string& app = "",
                                            const std::string& part = "",
                                            const std::string& why = "") {
    json::object last;
    auto ok = wait_until(
        [&] {
          auto [code, body] = health();
          last = body;
          if (code != status) {
            return false;
          }
          if (app.empty()) {
            return true;
          }
          const auto* pending = body.at("pending").as_object().if_contains(app);
          const auto* failed = body.at("failed").as_object().if_contains(app);
          for (const auto* m : {pending, failed}) {
            if (m && m->as_object().contains(part) &&
                m->as_object().at(part).as_string().find(why) != json::string::npos) {
              return true;
            }
          }
          return false;
        },
        60s, "GET /lokku/health " + std::to_string(status) + " " + part + " " + why);
    return ok ? ok : ok << "; last answer: " << json::serialize(last);
  }

  LokkuHome h;
  unsigned port = 0;
  std::unique_ptr<LokkuProcess> up;
};

TEST_F(Readiness, HealthIs503WhileAReleasePhaseRunsAnd200OnceTheNewReleaseIsUp) {
  ASSERT_TRUE(health_becomes(200));
  EXPECT_EQ(health().second.at("ready"), true);

  // A config change with a slow release phase: pending while it runs (named, with the
  // release), and the CLI that waits for it says so and exits 1 at its timeout.
  LokkuProcess set({"config:set", "RELEASE_SECONDS=4", "-a", "web"}, h.root(), h.env());
  ASSERT_TRUE(health_becomes(503, "web", "release", "release phase running"));
  EXPECT_EQ(health().second.at("ready"), false);
  auto waited = h.run({"wait", "-a", "web", "--timeout", "1s"});
  EXPECT_EQ(waited.exit_code, 1) << waited.out << waited.err;
  EXPECT_NE(waited.err.find("not ready after 1s; still pending:"), std::string::npos) << waited.err;
  EXPECT_NE(waited.err.find("web release: v"), std::string::npos) << waited.err;
  EXPECT_NE(waited.err.find("release phase running"), std::string::npos) << waited.err;

  // `lokku wait` returns once the release phase ended and web.1 runs the new release.
  waited = h.run({"wait", "--timeout", "60s"});
  EXPECT_EQ(waited.exit_code, 0) << waited.out << waited.err;
  EXPECT_NE(waited.out.find("Ready: every app up"), std::string::npos) << waited.out;
  ASSERT_EQ(set.wait_exit(30s), 0);
  auto [code, body] = health();
  EXPECT_EQ(code, 200) << json::serialize(body);
  EXPECT_TRUE(body.at("pending").as_object().empty());
  EXPECT_NE(h.app_yaml("web").find("RELEASE_SECONDS"), std::string::npos);

  // The next deploy: 503 again during its build and release phase, 200 after.
  LokkuProcess deploy({"deploy", "-a", "web"}, h.root() / "web", h.env());
  ASSERT_TRUE(health_becomes(503, "web", "release", "release phase running"));
  waited = h.run({"wait", "-a", "web", "--timeout", "90s", "--json"});
  EXPECT_EQ(waited.exit_code, 0) << waited.out << waited.err;
  EXPECT_EQ(json::parse(waited.out).at("ready"), true) << waited.out;
  EXPECT_EQ(deploy.wait_exit(30s), 0);
  EXPECT_EQ(health().first, 200);
}

TEST_F(Readiness, AFailedReleasePhaseFailsAtOnceAndAnUnknownAppIsNamed) {
  ASSERT_TRUE(health_becomes(200));
  auto set = h.run({"config:set", "RELEASE_EXIT=3", "-a", "web"});
  EXPECT_NE(set.exit_code, 0);
  ASSERT_TRUE(health_becomes(503, "web", "release", "release phase failed"));
  const auto started = std::chrono::steady_clock::now();
  auto waited = h.run({"wait", "--timeout", "60s"});
  EXPECT_EQ(waited.exit_code, 1);
  EXPECT_LT(std::chrono::steady_clock::now() - started, 20s) << "it did not wait for the timeout";
  EXPECT_NE(waited.err.find("failed (waiting will not mend it)"), std::string::npos) << waited.err;
  EXPECT_NE(waited.err.find("web release: v"), std::string::npos) << waited.err;

  // A rollback to the release that ran is the answer: ready again.
  auto back = h.run({"rollback", "v3", "-a", "web"});
  ASSERT_EQ(back.exit_code, 0) << back.out << back.err;
  EXPECT_TRUE(health_becomes(200));

  auto unknown = h.run({"wait", "-a", "nope", "--timeout", "1s"});
  EXPECT_EQ(unknown.exit_code, 1);
  EXPECT_NE(unknown.err.find("Couldn't find that app: nope"), std::string::npos) << unknown.err;
  auto bad = h.run({"wait", "--timeout", "soon"});
  EXPECT_EQ(bad.exit_code, 1);
  EXPECT_NE(bad.err.find("--timeout soon: not a duration"), std::string::npos) << bad.err;
  // The conformance ledger is public too (#27 point 4), as JSON and as a page.
  auto ledger = api_request(port, "GET", "/lokku/conformance", "", "", "", "*/*");
  ASSERT_TRUE(ledger);
  EXPECT_EQ(ledger->status, 200);
  auto j = json::parse(ledger->body);
  EXPECT_FALSE(j.at("specs").at("router.md").as_array().empty());
  auto page = api_request(port, "GET", "/lokku/conformance.html", "", "", "", "*/*");
  ASSERT_TRUE(page);
  EXPECT_EQ(page->header("content-type"), "text/html; charset=utf-8");
  EXPECT_NE(page->body.find("<h2>router.md</h2>"), std::string::npos);
  // The API's other endpoints still want the token.
  auto apps = api_request(port, "GET", "/apps", "");
  ASSERT_TRUE(apps);
  EXPECT_EQ(apps->status, 401);
}

TEST(ReadinessWithoutPlatform, WaitSaysNoPlatformRunsAtItsTimeout) {
  LokkuHome h;
  auto r = h.deploy("web");
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  auto waited = h.run({"wait", "--timeout", "1s"});
  EXPECT_EQ(waited.exit_code, 1);
  EXPECT_NE(waited.err.find("the platform: not running"), std::string::npos) << waited.err;
}

}  // namespace
}  // namespace lokku::test
