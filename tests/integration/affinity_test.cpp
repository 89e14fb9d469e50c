// Session affinity through the real router (router.md AFF-1..7): `lokku start
// --session-affinity`, and the app feature set through the Platform API.
#include "support/platform.hpp"

#include <gtest/gtest.h>

#include <csignal>
#include <regex>
#include <set>

namespace lokku::test {
namespace {

namespace fs = std::filesystem;

std::optional<Response> get_with_cookie(unsigned port, const std::string& cookie) {
  Connection c(port);
  std::string req = "GET / HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n";
  if (!cookie.empty()) {
    req += "Cookie: theme=dark; " + cookie + "\r\n";
  }
  c.send(req + "\r\n");
  return c.read_response();
}

std::string affinity_cookie(const Response& r) {
  auto range = r.headers.equal_range("set-cookie");
  for (auto it = range.first; it != range.second; ++it) {
    if (it->second.rfind("heroku-session-affinity=", 0) == 0) {
      return it->second;
    }
  }
  return "";
}

TEST(Affinity, AFF5And6ClientsStickToTheirDyno) {
  TempDir dir;
  fs::copy(fs::path(LOKKU_TEST_FIXTURES_DIR) / "apps" / "pyweb", dir.path() / "app",
           fs::copy_options::recursive);
  unsigned port = free_port();
  LokkuProcess lokku({"start", "-p", std::to_string(port), "-m", "web=3", "--session-affinity"},
                     dir.path() / "app");
  for (int n = 1; n <= 3; ++n) {
    ASSERT_TRUE(lokku.wait_for(R"(heroku\[web\.)" + std::to_string(n) +
                               R"(\]: State changed from starting to up$)"));
  }
  auto first = get_with_cookie(port, "");
  ASSERT_TRUE(first);
  auto set = affinity_cookie(*first);
  ASSERT_TRUE(std::regex_match(
      set,
      std::regex(
          R"(heroku-session-affinity=[A-Za-z0-9+/_]+; Version=1; Expires=\w{3}, \d\d-\w{3}-\d{4} \d\d:\d\d:\d\d GMT; Max-Age=86400; Domain=localhost; Path=/; HttpOnly)")))
      << set;
  std::string cookie = set.substr(0, set.find(';'));
  const std::string dyno = first->body;
  for (int i = 0; i < 15; ++i) {
    auto r = get_with_cookie(port, cookie);
    ASSERT_TRUE(r);
    EXPECT_EQ(r->body, dyno);
    EXPECT_FALSE(affinity_cookie(*r).empty());  // AFF-7: re-sent on every response
  }
  // Without the cookie, clients spread over the dynos (LB-1).
  std::set<std::string> seen;
  for (int i = 0; i < 30; ++i) {
    seen.insert(get_with_cookie(port, "")->body);
  }
  EXPECT_EQ(seen.size(), 3u);
  // A tampered cookie counts as none: a new one is issued.
  std::string tampered = cookie;
  tampered[tampered.size() - 3] = tampered[tampered.size() - 3] == 'A' ? 'B' : 'A';
  auto t = get_with_cookie(port, tampered);
  ASSERT_TRUE(t);
  EXPECT_NE(affinity_cookie(*t).substr(0, affinity_cookie(*t).find(';')), tampered);
  lokku.signal(SIGINT);
  EXPECT_EQ(lokku.wait_exit(30s), 0);
}

TEST(Affinity, AFF1OffByDefaultAndSwitchedOnByTheAppFeature) {
  LokkuHome h;
  ASSERT_EQ(h.deploy("aff").exit_code, 0);
  unsigned router = free_port();
  auto up = h.up(router);
  ASSERT_TRUE(up->wait_for_diagnostic("Platform API on"));
  ASSERT_TRUE(wait_until(
      [&] {
        auto r = get_by_host(router, "aff.localhost");
        return r && r->status == 200;
      },
      20s, "the app"));
  auto plain = get_by_host(router, "aff.localhost");
  EXPECT_EQ(affinity_cookie(*plain), "");
  auto on = api_request(h.api_port(), "PATCH", "/apps/aff/features/http-session-affinity",
                        h.token(), R"({"enabled": true})");
  ASSERT_TRUE(on);
  EXPECT_EQ(on->status, 200) << on->body;
  EXPECT_NE(on->body.find("\"enabled\":true"), std::string::npos);
  EXPECT_TRUE(wait_until(
      [&] {
        auto r = get_by_host(router, "aff.localhost");
        return r && affinity_cookie(*r).find("Domain=aff.localhost;") != std::string::npos;
      },
      10s, "the affinity cookie"));
}

}  // namespace
}  // namespace lokku::test
