// Web autoscaling (#22 point 3, drains-webhooks-metrics.md §4.2): the official CLI's
// ps:autoscale:enable/disable through lokku's metrics proxy, refused on Standard dynos as the
// CLI does; on Performance dynos, a dyno whose latency grows with its load is scaled up one
// dyno a minute to the maximum under load and back down to the minimum when quiet, at time
// scale 60 (a minute is a second).
#include "support/cli_platform.hpp"

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <atomic>
#include <fstream>
#include <regex>
#include <thread>

namespace lokku::test {
namespace {

using namespace std::chrono_literals;

class Autoscale : public CliPlatformTest {
 protected:
  /// `heroku ARGS` in a shell set up by `lokku env`, whose proxy brings api.metrics.heroku.com
  /// to lokku.
  ShellResult proxied(const std::string& args) const {
    return shell->run_fresh("heroku " + args + "\n", h.root());
  }
  std::string app_log() const {
    std::ifstream in(h.home() / "apps" / "web" / "log");
    return std::string(std::istreambuf_iterator<char>(in), {});
  }
  int web_quantity() const {
    auto r = api_request(port, "GET", "/apps/web/formation/web", h.token());
    std::smatch m;
    const std::string body = r ? r->body : "";
    return std::regex_search(body, m, std::regex(R"("quantity":(\d+))")) ? std::stoi(m[1]) : -1;
  }
};

TEST_F(Autoscale, WebScalesUpUnderLoadOneDynoAMinuteToTheMaxAndBackDownWhenQuiet) {
  auto standard = proxied("ps:autoscale:enable --min 1 --max 3 --p95 200 -a web");
  EXPECT_NE(standard.code, 0);
  EXPECT_NE(standard.out.find("Autoscaling is only available with Performance or Private dynos"),
            std::string::npos)
      << standard.out;
  ASSERT_EQ(heroku("ps:type web=performance-m -a web").code, 0);
  auto enable = proxied("ps:autoscale:enable --min 1 --max 3 --p95 200 --notifications -a web");
  ASSERT_EQ(enable.code, 0) << enable.out;
  EXPECT_NE(enable.out.find("Enabling dyno autoscaling... done"), std::string::npos) << enable.out;
  auto monitors = api_request(port, "GET", "/apps/web/formation/web/monitors", h.token());
  ASSERT_TRUE(monitors);
  EXPECT_NE(monitors->body.find(R"("min_quantity":1,"max_quantity":3)"), std::string::npos)
      << monitors->body;

  // Eight clients at once on /busy (60 ms each, one at a time per dyno): ~480 ms on one dyno,
  // ~240 ms on two, ~160 ms on three.
  std::atomic<bool> loading{true};
  std::vector<std::thread> clients;
  for (int i = 0; i < 8; ++i) {
    clients.emplace_back([&] {
      while (loading) {
        get_by_host(router, "web.localhost", "/busy");
      }
    });
  }
  const bool scaled_up = wait_until(
      [&] {
        return app_log().find("Scaled to web@3:Performance-M by autoscaling") != std::string::npos;
      },
      40s, "web to be scaled to its maximum");
  const int under_load = web_quantity();
  loading = false;
  for (auto& c : clients) {
    c.join();
  }
  ASSERT_TRUE(scaled_up) << app_log();
  EXPECT_EQ(under_load, 3);
  const auto log = app_log();
  // One dyno at a time, and never past the maximum.
  EXPECT_TRUE(std::regex_search(
      log,
      std::regex(
          R"(app\[api\]: Scaled to web@2:Performance-M by autoscaling \(p95 \d+ ms, desired 200 ms\))")))
      << log;
  EXPECT_LT(log.find("Scaled to web@2:"), log.find("Scaled to web@3:"));
  EXPECT_EQ(log.find("Scaled to web@4:"), std::string::npos);
  EXPECT_NE(log.find("heroku[autoscale]: web reached its maximum of 3 dynos"), std::string::npos)
      << log;

  // Quiet: one dyno fewer after each three quiet minutes, down to the minimum.
  ASSERT_TRUE(wait_until(
      [&] {
        return app_log().find("Scaled to web@1:Performance-M by autoscaling") != std::string::npos;
      },
      40s, "web to come back to its minimum"))
      << app_log();
  EXPECT_EQ(web_quantity(), 1);

  auto disable = proxied("ps:autoscale:disable -a web");
  EXPECT_EQ(disable.code, 0) << disable.out;
  auto off = api_request(port, "GET", "/apps/web/formation/web/monitors", h.token());
  ASSERT_TRUE(off);
  EXPECT_NE(off->body.find(R"("is_active":false)"), std::string::npos) << off->body;
}

TEST_F(Autoscale, LokkusOwnCommandsCheckTheirBounds) {
  auto standard = h.run({"ps:autoscale:enable", "--min", "1", "--max", "2", "-a", "web"});
  EXPECT_NE(standard.exit_code, 0);
  EXPECT_NE(standard.err.find("Autoscaling is only available with Performance or Private dynos"),
            std::string::npos)
      << standard.err;
  auto never = h.run({"ps:autoscale:disable", "-a", "web"});
  EXPECT_NE(never.exit_code, 0);
  EXPECT_NE(never.err.find("web does not have autoscale enabled"), std::string::npos) << never.err;
  ASSERT_EQ(h.run({"ps:type", "web=performance-l", "-a", "web"}).exit_code, 0);
  auto upside_down = h.run({"ps:autoscale:enable", "--min", "3", "--max", "2", "-a", "web"});
  EXPECT_NE(upside_down.exit_code, 0);
  EXPECT_NE(
      upside_down.err.find("The maximum number of dynos (2) must be at least the minimum (3)"),
      std::string::npos)
      << upside_down.err;
  auto zero = h.run({"ps:autoscale:enable", "--min", "0", "--max", "2", "-a", "web"});
  EXPECT_NE(zero.exit_code, 0);
  EXPECT_NE(zero.err.find("at least 1"), std::string::npos) << zero.err;
  auto ok = h.run({"ps:autoscale:enable", "--min", "2", "--max", "4", "--p95", "300", "-a", "web"});
  EXPECT_EQ(ok.exit_code, 0) << ok.err;
  EXPECT_NE(ok.out.find("web between 2 and 4 dynos, desired p95 300 ms"), std::string::npos)
      << ok.out;
  // Below its minimum, web is brought up to it at the next minute.
  EXPECT_TRUE(wait_until([&] { return web_quantity() == 2; }, 20s, "web at its minimum"));
}

}  // namespace
}  // namespace lokku::test
