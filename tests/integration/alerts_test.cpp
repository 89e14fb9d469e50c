// Threshold alerts (#22 point 2): on a live `lokku up` at time scale 60 (a minute is a second),
// slow answers fire a p95 alert and fast ones resolve it, 5xx answers fire an error-rate
// alert; each shows as a `heroku[alerts]` line, in `lokku alerts`, and as an `alert` webhook.
#include "support/drain_receiver.hpp"
#include "support/platform.hpp"

#include <boost/json.hpp>
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <fstream>
#include <regex>

namespace lokku::test {
namespace {

namespace json = boost::json;
using namespace std::chrono_literals;

class Alerts : public ::testing::Test {
 protected:
  void SetUp() override {
    auto r = h.deploy("web");
    ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
    router = free_port();
    up = h.up(router, {"--time-scale", "60"});
    ASSERT_TRUE(up->wait_for_diagnostic("Platform API on http://127.0.0.1:"));
    port = h.api_port();
    ASSERT_NE(port, 0u);
    ASSERT_TRUE(up->wait_for(R"(heroku\[web\.1\]: State changed from starting to up$)"));
  }

  std::string app_log() const {
    std::ifstream in(h.home() / "apps" / "web" / "log");
    return std::string(std::istreambuf_iterator<char>(in), {});
  }

  /// Requests `path` until the app's log matches `pattern` (at most 30 s).
  bool request_until(const std::string& path, const std::string& pattern) {
    return wait_until(
        [&] {
          get_by_host(router, "web.localhost", path);
          return std::regex_search(app_log(), std::regex(pattern));
        },
        30s, pattern);
  }

  /// The `alert` webhook deliveries so far, parsed.
  static std::vector<json::object> alert_posts(const DrainReceiver& r) {
    std::vector<json::object> out;
    for (const auto& p : r.posts()) {
      auto v = json::parse(p.body).as_object();
      if (v.at("resource").as_string() == "alert") {
        out.push_back(std::move(v));
      }
    }
    return out;
  }

  LokkuHome h;
  unsigned router = 0, port = 0;
  std::unique_ptr<LokkuProcess> up;
};

TEST_F(Alerts, SlowAnswersFireAP95AlertFastOnesResolveItAndWebhooksAreTold) {
  DrainReceiver receiver(DrainReceiver::Protocol::http);
  auto hook = api_request(
      port, "POST", "/apps/web/webhooks", h.token(),
      fmt::format(R"({{"include":["alert"],"level":"notify","url":"http://127.0.0.1:{}/"}})",
                  receiver.port()));
  ASSERT_TRUE(hook && hook->status == 201) << (hook ? hook->body : "no answer");

  auto add = h.run({"alerts:add", "--p95", "200", "-a", "web"});
  ASSERT_EQ(add.exit_code, 0) << add.err;
  EXPECT_TRUE(std::regex_search(
      add.out,
      std::regex(R"(Added latency alert [0-9a-f-]{36} to web: web p95 ≥ 200 ms for 1 minute)")))
      << add.out;

  // /slow answers in 300 ms: the next whole minute's p95 is over 200 ms.
  ASSERT_TRUE(request_until(
      "/slow",
      R"(heroku\[alerts\]: Alert fired: web p95 response time 3\d\d ms ≥ 200 ms for 1 minute \(latency alert)"))
      << app_log();
  auto firing = h.run({"alerts", "-a", "web"});
  EXPECT_TRUE(std::regex_search(firing.out, std::regex(R"(latency +p95 ≥ 200 ms +1 min +firing)")))
      << firing.out;
  ASSERT_TRUE(wait_until([&] { return !alert_posts(receiver).empty(); }, 10s, "the alert webhook"));
  auto fired = alert_posts(receiver).front();
  EXPECT_EQ(fired.at("action").as_string(), "update");
  EXPECT_EQ(fired.at("data").at("state").as_string(), "firing");
  EXPECT_EQ(fired.at("data").at("kind").as_string(), "latency");
  EXPECT_EQ(fired.at("previous_data").at("state").as_string(), "ok");
  EXPECT_GE(fired.at("data").at("value").to_number<double>(), 300.0);

  ASSERT_TRUE(request_until(
      "/", R"(heroku\[alerts\]: Alert resolved: web p95 response time \d+ ms < 200 ms)"))
      << app_log();
  EXPECT_NE(h.run({"alerts", "-a", "web"}).out.find(" ok "), std::string::npos);
  ASSERT_TRUE(wait_until([&] { return alert_posts(receiver).size() >= 2; }, 10s, "the resolution"));
  EXPECT_EQ(alert_posts(receiver)[1].at("data").at("state").as_string(), "ok");
  // The metrics' events carry both, as chart markers.
  auto metrics = h.run({"metrics", "-a", "web", "--json", "--since", "10m"});
  EXPECT_NE(metrics.out.find("\"kind\":\"alert\""), std::string::npos) << metrics.out;
}

TEST_F(Alerts, FiveHundredsFireAnErrorRateAlert) {
  auto add = h.run({"alerts:add", "--error-rate", "50", "-a", "web"});
  ASSERT_EQ(add.exit_code, 0) << add.err;
  ASSERT_TRUE(request_until(
      "/status/500",
      R"(heroku\[alerts\]: Alert fired: web failed requests 100\.0 % ≥ 50 % for 1 minute)"))
      << app_log();
  auto listed = api_request(port, "GET", "/apps/web/alerts", h.token());
  ASSERT_TRUE(listed);
  EXPECT_EQ(listed->status, 200);
  EXPECT_NE(listed->body.find(R"("kind":"error-rate")"), std::string::npos) << listed->body;
  EXPECT_NE(listed->body.find(R"("state":"firing")"), std::string::npos) << listed->body;
  auto removed = h.run({"alerts:remove", "error-rate", "-a", "web"});
  EXPECT_EQ(removed.exit_code, 0) << removed.err;
  EXPECT_NE(h.run({"alerts", "-a", "web"}).out.find("web has no alerts"), std::string::npos);
}

TEST_F(Alerts, BadThresholdsAndSensitivitiesAreRefusedSayingWhy) {
  struct Case {
    std::vector<std::string> args;
    std::string message;
  };
  const std::vector<Case> cases = {
      {{"alerts:add", "-a", "web"}, "needs a threshold: --p95 MS or --error-rate PERCENT"},
      {{"alerts:add", "--p95", "0", "-a", "web"}, "a p95 in milliseconds above 0"},
      {{"alerts:add", "--error-rate", "150", "-a", "web"}, "a percentage above 0, at most 100"},
      {{"alerts:add", "--p95", "300", "--sensitivity", "3", "-a", "web"},
       "Sensitivity must be 1, 5 or 10 minutes, not 3"},
      {{"alerts:remove", "latency", "-a", "web"}, "Couldn't find that alert: latency"},
  };
  for (const auto& c : cases) {
    auto r = h.run(c.args);
    EXPECT_NE(r.exit_code, 0) << c.args[1];
    EXPECT_NE(r.err.find(c.message), std::string::npos) << r.err;
  }
  ASSERT_EQ(h.run({"alerts:add", "--p95", "300", "-a", "web"}).exit_code, 0);
  auto twice = h.run({"alerts:add", "--p95", "400", "-a", "web"});
  EXPECT_NE(twice.exit_code, 0);
  EXPECT_NE(twice.err.find("web already has a latency alert; remove it first"), std::string::npos)
      << twice.err;
  auto both = h.run({"alerts:add", "--p95", "400", "--error-rate", "5", "-a", "web"});
  EXPECT_NE(both.exit_code, 0);
}

}  // namespace
}  // namespace lokku::test
