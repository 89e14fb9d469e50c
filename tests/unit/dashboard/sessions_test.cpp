// The dashboard's logins (issue #24): the token buys a session; a forged, stale or evicted
// cookie finds none; what marks a request as another site's.
#include "dashboard/sessions.hpp"

#include <gtest/gtest.h>

namespace lokku::dashboard {
namespace {

using namespace std::chrono_literals;

struct FakeClock {
  std::chrono::steady_clock::time_point now{};
  Sessions::Clock fn() {
    return [this] { return now; };
  }
};

std::string cookie_of(const Session& s) {
  return "theme=dark; " + std::string(Sessions::kCookie) + "=" + s.id + "; other=1";
}

TEST(DashboardSessions, OnlyTheTokenLogsIn) {
  Sessions sessions("secret-token");
  EXPECT_FALSE(sessions.login("wrong"));
  EXPECT_FALSE(sessions.login(""));
  EXPECT_FALSE(sessions.login("secret-token "));
  auto s = sessions.login("secret-token");
  ASSERT_TRUE(s);
  EXPECT_EQ(s->id.size(), 64u);
  EXPECT_EQ(s->csrf.size(), 64u);
  EXPECT_NE(s->id, s->csrf);
  auto found = sessions.find(cookie_of(*s));
  ASSERT_TRUE(found);
  EXPECT_EQ(found->csrf, s->csrf);
}

TEST(DashboardSessions, NoTokenNoLogins) {
  Sessions sessions("");
  EXPECT_FALSE(sessions.login(""));
}

TEST(DashboardSessions, AForgedCookieFindsNothing) {
  Sessions sessions("t");
  auto s = sessions.login("t");
  ASSERT_TRUE(s);
  std::string forged = s->id;
  forged[0] = forged[0] == 'a' ? 'b' : 'a';
  EXPECT_FALSE(sessions.find(std::string(Sessions::kCookie) + "=" + forged));
  EXPECT_FALSE(sessions.find(std::string(Sessions::kCookie) + "=" + std::string(64, '0')));
  EXPECT_FALSE(sessions.find(std::string(Sessions::kCookie) + "=short"));
  EXPECT_FALSE(sessions.find(""));
  EXPECT_FALSE(sessions.find("x" + std::string(Sessions::kCookie) + "=" + s->id));
}

TEST(DashboardSessions, ASessionIdleTwelveHoursEndsAndUseKeepsItAlive) {
  FakeClock clock;
  Sessions sessions("t", clock.fn());
  auto s = sessions.login("t");
  ASSERT_TRUE(s);
  clock.now += 11h;
  EXPECT_TRUE(sessions.find(cookie_of(*s)));  // used: good for another 12 h
  clock.now += 11h;
  EXPECT_TRUE(sessions.find(cookie_of(*s)));
  clock.now += 12h;
  EXPECT_FALSE(sessions.find(cookie_of(*s)));
}

TEST(DashboardSessions, LogoutEndsTheSession) {
  Sessions sessions("t");
  auto s = sessions.login("t");
  ASSERT_TRUE(s);
  sessions.logout(cookie_of(*s));
  EXPECT_FALSE(sessions.find(cookie_of(*s)));
}

TEST(DashboardSessions, TheLeastRecentlyUsedGoesWhenThereAreTooMany) {
  FakeClock clock;
  Sessions sessions("t", clock.fn());
  auto first = sessions.login("t");
  clock.now += 1s;
  auto second = sessions.login("t");
  for (std::size_t i = 2; i < Sessions::kMax; ++i) {
    clock.now += 1s;
    ASSERT_TRUE(sessions.login("t"));
  }
  clock.now += 1s;
  ASSERT_TRUE(sessions.find(cookie_of(*first)));  // first is now the most recent
  clock.now += 1s;
  ASSERT_TRUE(sessions.login("t"));
  EXPECT_TRUE(sessions.find(cookie_of(*first)));
  EXPECT_FALSE(sessions.find(cookie_of(*second)));
}

TEST(DashboardSessions, TheCookieIsHttpOnlyAndSameSiteStrict) {
  Session s{"abc", "def"};
  EXPECT_EQ(Sessions::set_cookie(s), "lokku_session=abc; Path=/; HttpOnly; SameSite=Strict");
  EXPECT_NE(Sessions::clear_cookie().find("Max-Age=0"), std::string::npos);
}

TEST(DashboardSessions, CookieValuesAreReadAsRfc6265SaysBrowsersSendThem) {
  EXPECT_EQ(Sessions::cookie_value("a=1; b=2", "b"), "2");
  EXPECT_EQ(Sessions::cookie_value("a=1;b=2", "a"), "1");
  EXPECT_EQ(Sessions::cookie_value("a=", "a"), "");
  EXPECT_FALSE(Sessions::cookie_value("ab=1", "a"));
  EXPECT_FALSE(Sessions::cookie_value("", "a"));
}

TEST(DashboardSessions, CrossSiteIsAnotherOriginOrWhatFetchMetadataSays) {
  EXPECT_FALSE(cross_site("", "", "dashboard.localhost:5000"));  // curl, the CLI
  EXPECT_FALSE(
      cross_site("http://dashboard.localhost:5000", "same-origin", "dashboard.localhost:5000"));
  EXPECT_FALSE(cross_site("http://Dashboard.localhost:5000", "", "dashboard.localhost:5000"));
  EXPECT_FALSE(cross_site("", "none", "127.0.0.1:5001"));  // typed in the address bar
  EXPECT_TRUE(cross_site("http://evil.example", "", "dashboard.localhost:5000"));
  EXPECT_TRUE(cross_site("http://dashboard.localhost:5001", "", "dashboard.localhost:5000"));
  EXPECT_TRUE(cross_site("null", "", "dashboard.localhost:5000"));
  EXPECT_TRUE(cross_site("", "cross-site", "dashboard.localhost:5000"));
  EXPECT_TRUE(cross_site("", "same-site", "dashboard.localhost:5000"));  // another app's page
}

}  // namespace
}  // namespace lokku::dashboard
