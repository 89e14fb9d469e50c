// Issue #24: the dashboard, served by `lokku up` at dashboard.localhost on the router's port
// and at `/` of the API's. Its login and what guards it, as a client meets them over real
// sockets (curl-like requests: the session cookie, CSRF, other sites, remote clients); then a
// whole walkthrough in Debian's chromium (tests/helpers/dashboard_walkthrough.mjs), with
// screenshots kept under the build's test-artefacts/dashboard.
#include "support/platform.hpp"
#include "support/user_shell.hpp"

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <future>
#include <regex>
#include <thread>

namespace lokku::test {
namespace {

const std::string kHelpers = LOKKU_TEST_HELPERS_DIR;
const std::string kBrowserTools = LOKKU_BROWSER_TOOLS;
const std::string kArtefacts = LOKKU_TEST_ARTEFACTS;

class Dashboard : public ::testing::Test {
 protected:
  void SetUp() override {
    auto r = h.deploy("web");
    ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
    up = h.up(router);
    ASSERT_TRUE(up->wait_for_diagnostic("Dashboard on http://dashboard.localhost:"));
    api = h.api_port();
    ASSERT_NE(api, 0u);
    ASSERT_TRUE(up->wait_for(R"(heroku\[web\.1\]: State changed from starting to up$)"));
  }

  /// Logs in with the token; the session cookie (`lokku_session=…`) and the page's CSRF token.
  std::pair<std::string, std::string> login() {
    auto r = api_request(api, "POST", "/login", "", "token=" + h.token(),
                         "Content-Type: application/x-www-form-urlencoded\r\n");
    EXPECT_TRUE(r);
    if (!r) {
      return {};
    }
    EXPECT_EQ(r->status, 303);
    const std::string set = r->header("set-cookie");
    std::string cookie = set.substr(0, set.find(';'));
    auto page = api_request(api, "GET", "/", "", "", "Cookie: " + cookie + "\r\n", "text/html");
    EXPECT_TRUE(page);
    std::smatch m;
    std::string body = page ? page->body : "";
    EXPECT_TRUE(std::regex_search(
        body, m, std::regex(R"re(<meta name="csrf-token" content="([0-9a-f]{64})">)re")))
        << body;
    return {cookie, m.empty() ? "" : m[1].str()};
  }

  LokkuHome h;
  const unsigned router = free_port();
  std::unique_ptr<LokkuProcess> up;
  unsigned api = 0;
};

TEST_F(Dashboard, TheLoginPageIsWhatATokenlessVisitorGetsAndOnlyTheTokenLogsIn) {
  // At / of the API's port and at dashboard.localhost on the router's.
  auto home = api_request(api, "GET", "/", "", "", "", "text/html");
  ASSERT_TRUE(home);
  EXPECT_EQ(home->status, 303);
  EXPECT_EQ(home->header("location"), "/login");
  auto page = get_by_host(router, "dashboard.localhost", "/login");
  ASSERT_TRUE(page);
  EXPECT_EQ(page->status, 200);
  EXPECT_NE(page->body.find(R"(<input id="token" name="token" type="password")"),
            std::string::npos);
  EXPECT_NE(page->header("content-security-policy").find("frame-ancestors 'none'"),
            std::string::npos);
  auto css = get_by_host(router, "dashboard.localhost", "/assets/app.css");
  ASSERT_TRUE(css);
  EXPECT_EQ(css->status, 200);
  EXPECT_EQ(css->header("content-type"), "text/css; charset=utf-8");

  auto wrong = api_request(api, "POST", "/login", "", "token=0123",
                           "Content-Type: application/x-www-form-urlencoded\r\n", "text/html");
  ASSERT_TRUE(wrong);
  EXPECT_EQ(wrong->status, 401);
  EXPECT_NE(wrong->body.find("That is not lokku's API token."), std::string::npos);
  EXPECT_FALSE(wrong->has("set-cookie"));

  auto ok = api_request(api, "POST", "/login", "", "token=" + h.token(),
                        "Content-Type: application/x-www-form-urlencoded\r\n", "text/html");
  ASSERT_TRUE(ok);
  EXPECT_EQ(ok->status, 303);
  EXPECT_TRUE(
      std::regex_match(ok->header("set-cookie"),
                       std::regex("lokku_session=[0-9a-f]{64}; Path=/; HttpOnly; SameSite=Strict")))
      << ok->header("set-cookie");

  // A forged cookie is no session: back to the login page, and no API.
  const std::string forged = "Cookie: lokku_session=" + std::string(64, 'a') + "\r\n";
  auto again = api_request(api, "GET", "/", "", "", forged, "text/html");
  ASSERT_TRUE(again);
  EXPECT_EQ(again->status, 303);
  auto apps = api_request(api, "GET", "/apps", "", "", forged);
  ASSERT_TRUE(apps);
  EXPECT_EQ(apps->status, 401);

  // `lokku dashboard` says where it is; `dashboard` is no app's name.
  auto where = h.run({"dashboard"});
  EXPECT_EQ(where.exit_code, 0);
  EXPECT_NE(where.out.find(fmt::format("http://dashboard.localhost:{}/", router)),
            std::string::npos)
      << where.out;
  EXPECT_EQ(h.run({"auth:token"}).out, h.token() + "\n");
  auto reserved = h.run({"apps:create", "dashboard"});
  EXPECT_NE(reserved.exit_code, 0);
  EXPECT_NE(reserved.err.find("'dashboard' is a reserved app name"), std::string::npos)
      << reserved.err;
}

TEST_F(Dashboard, TheSessionReadsTheApiButChangesNeedItsCsrfTokenAndTheDashboardsOwnSite) {
  auto [cookie, csrf] = login();
  ASSERT_FALSE(cookie.empty());
  const std::string with_cookie = "Cookie: " + cookie + "\r\n";
  auto apps = api_request(api, "GET", "/apps", "", "", with_cookie);
  ASSERT_TRUE(apps);
  EXPECT_EQ(apps->status, 200);
  EXPECT_NE(apps->body.find(R"("name":"web")"), std::string::npos);

  const std::string json = "Content-Type: application/json\r\n";
  const std::string body = R"({"FOO":"bar"})";
  // No CSRF token: what a cross-site form post carries (the browser adds the cookie).
  auto forged = api_request(api, "PATCH", "/apps/web/config-vars", "", body, with_cookie + json);
  ASSERT_TRUE(forged);
  EXPECT_EQ(forged->status, 403);
  auto form = api_request(api, "POST", "/apps/web/config-vars", "", "FOO=bar",
                          with_cookie +
                              "Origin: http://evil.example\r\n"
                              "Content-Type: application/x-www-form-urlencoded\r\n");
  ASSERT_TRUE(form);
  EXPECT_EQ(form->status, 403);
  // The right token from another site's page.
  auto other_site = api_request(
      api, "PATCH", "/apps/web/config-vars", "", body,
      with_cookie + json + "X-CSRF-Token: " + csrf + "\r\nOrigin: http://evil.example\r\n");
  ASSERT_TRUE(other_site);
  EXPECT_EQ(other_site->status, 403);
  auto fetch_site = api_request(
      api, "PATCH", "/apps/web/config-vars", "", body,
      with_cookie + json + "X-CSRF-Token: " + csrf + "\r\nSec-Fetch-Site: same-site\r\n");
  ASSERT_TRUE(fetch_site);
  EXPECT_EQ(fetch_site->status, 403);
  EXPECT_EQ(h.run({"config:get", "FOO", "-a", "web"}).exit_code, 1);  // still unset

  // The dashboard's own page: its token, its origin (this client sends `Host: 127.0.0.1`,
  // so a page it loaded has the origin http://127.0.0.1).
  auto mine = api_request(api, "PATCH", "/apps/web/config-vars", "", body,
                          with_cookie + json + "X-CSRF-Token: " + csrf +
                              "\r\nOrigin: http://127.0.0.1\r\nSec-Fetch-Site: same-origin\r\n");
  ASSERT_TRUE(mine);
  EXPECT_EQ(mine->status, 200) << mine->body;
  EXPECT_EQ(h.run({"config:get", "FOO", "-a", "web"}).out, "bar\n");

  // Logging out ends the session.
  auto out = api_request(api, "POST", "/logout", "", "", with_cookie, "text/html");
  ASSERT_TRUE(out);
  EXPECT_EQ(out->status, 303);
  auto after = api_request(api, "GET", "/apps", "", "", with_cookie);
  ASSERT_TRUE(after);
  EXPECT_EQ(after->status, 401);
}

TEST_F(Dashboard, AClientOnAnotherMachineIsRefusedEvenWithTheToken) {
  // What the router adds for a client it accepted from the network (it listens on 0.0.0.0).
  auto remote = api_request(api, "GET", "/apps", h.token(), "",
                            "X-Forwarded-For: 127.0.0.1, 203.0.113.9\r\n");
  ASSERT_TRUE(remote);
  EXPECT_EQ(remote->status, 403);
  EXPECT_NE(remote->body.find("clients on this machine only"), std::string::npos);
  auto login =
      api_request(api, "GET", "/login", "", "", "X-Forwarded-For: 203.0.113.9\r\n", "text/html");
  ASSERT_TRUE(login);
  EXPECT_EQ(login->status, 403);
  // Through the router from this machine: the router's own X-Forwarded-For ends in 127.0.0.1.
  auto local = get_by_host(router, "dashboard.localhost", "/login");
  ASSERT_TRUE(local);
  EXPECT_EQ(local->status, 200);
}

TEST(DashboardTimeScale, ItsPagesAndStreamsKeepRealTimeDeadlinesWhileTheAppsRunScaled) {
  // At --time-scale 30 an app's router deadlines are 1 s to the first byte (H12) and 1.83 s
  // idle (T-3); the dashboard's are the real 30 s and 55 s, so its live log stream (through
  // the router, as the browser reads it) outlives 3 s without a line. (A larger scale would
  // also cut the app's boot timeout, BOOT-1, below what a loaded CI machine needs to start
  // Python: at 1000 it is 60 ms.)
  LokkuHome h;
  ASSERT_EQ(h.deploy("web").exit_code, 0);
  const unsigned router = free_port();
  auto up = h.up(router, {"--time-scale", "30"});
  ASSERT_TRUE(up->wait_for(R"(heroku\[web\.1\]: State changed from starting to up$)"));
  auto session = api_request(h.api_port(), "POST", "/apps/web/log-sessions", h.token(),
                             R"({"tail":true,"lines":0})", "Content-Type: application/json\r\n");
  ASSERT_TRUE(session);
  ASSERT_EQ(session->status, 201) << session->body;
  std::smatch m;
  ASSERT_TRUE(std::regex_search(session->body, m,
                                std::regex(R"re("logplex_url":"http://[^/]+(/streams/[^"]+)")re")));
  const std::string stream = m[1].str();
  auto later = std::async(std::launch::async, [&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(3000));
    return get_by_host(router, "web.localhost", "/after-a-quiet-second");
  });
  auto r = run_shell(
      fmt::format("curl -sS -N --max-time 5 -H 'Host: dashboard.localhost' http://127.0.0.1:{}{}",
                  router, stream));
  auto answered = later.get();
  ASSERT_TRUE(answered);
  EXPECT_EQ(answered->status, 200);
  EXPECT_NE(r.out.find(R"(path="/after-a-quiet-second")"), std::string::npos) << r.out;
  // The app's own deadlines are scaled: its router line is on the stream, then curl's timeout
  // (28) ends it, not the router.
  EXPECT_EQ(r.code, 28) << r.out;
}

TEST(DashboardBrowser, InChromiumALearnerScalesConfiguresRollsBackWatchesCrashesAndPromotes) {
  LokkuHome h;
  ASSERT_EQ(h.deploy("web").exit_code, 0);
  ASSERT_EQ(h.run({"apps:create", "web-prod"}).exit_code, 0);
  ASSERT_EQ(h.run({"pipelines:create", "shop", "-a", "web", "--stage", "staging"}).exit_code, 0);
  ASSERT_EQ(h.run({"pipelines:add", "shop", "-a", "web-prod", "--stage", "production"}).exit_code,
            0);
  const unsigned router = free_port();
  auto up = h.up(router, {"--time-scale", "10"});
  ASSERT_TRUE(up->wait_for(R"(web \| .* heroku\[web\.1\]: State changed from starting to up$)"));
  const std::string artefacts = kArtefacts + "/dashboard";
  auto r = run_shell(fmt::format(
      "DASHBOARD_URL=http://dashboard.localhost:{}/ LOKKU_TOKEN={} APP=web TARGET_APP=web-prod "
      "ROUTER_PORT={} ARTEFACTS={} LOKKU_BROWSER_TOOLS={} timeout 240 node "
      "{}/dashboard_walkthrough.mjs",
      router, h.token(), router, shell_quote(artefacts), shell_quote(kBrowserTools), kHelpers));
  EXPECT_EQ(r.code, 0) << r.out;
  EXPECT_NE(r.out.find("walkthrough: ok"), std::string::npos) << r.out;
  // What the browser did is in the store, as the CLI sees it.
  auto ps = h.run({"ps", "-a", "web"});
  EXPECT_TRUE(std::regex_search(ps.out, std::regex(R"(=== web \(Standard-1X\): .*\(2\))")))
      << ps.out;
  auto releases = h.run({"releases", "-a", "web"});
  EXPECT_TRUE(std::regex_search(releases.out, std::regex(R"(v\d+ +Rollback to v\d+)")))
      << releases.out;
  auto promoted = h.run({"releases", "-a", "web-prod"});
  EXPECT_TRUE(std::regex_search(promoted.out, std::regex(R"(Promote web v\d+)"))) << promoted.out;
  for (const char* shot : {"login", "apps", "overview", "resources", "settings", "deploy", "logs",
                           "metrics", "timeline", "pipelines", "resources-phone"}) {
    EXPECT_TRUE(std::filesystem::exists(artefacts + "/" + shot + ".png")) << shot;
  }
}

}  // namespace
}  // namespace lokku::test
