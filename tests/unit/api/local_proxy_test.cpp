// Which hosts lokku's local proxy reaches, and which it refuses (issue #20 point 3).
#include "api/local_proxy.hpp"

#include <gtest/gtest.h>

namespace lokku::api {
namespace {

constexpr unsigned kApi = 5001;

TEST(LocalProxy, LoopbackGoesStraightToThePortAsked) {
  for (const char* a : {"127.0.0.1:5000", "localhost:5000", "web.localhost:5000",
                        "Web.LocalHost:5000", "localhost.:5000"}) {
    auto t = connect_target(a, kApi);
    ASSERT_TRUE(t.allowed) << a << ": " << t.reason;
    EXPECT_EQ(t.address, "127.0.0.1") << a;
    EXPECT_EQ(t.port, 5000) << a;
  }
  auto v6 = connect_target("[::1]:8080", kApi);
  ASSERT_TRUE(v6.allowed);
  EXPECT_EQ(v6.address, "::1");
  auto other = connect_target("127.0.0.2:9", kApi);
  ASSERT_TRUE(other.allowed);
  EXPECT_EQ(other.address, "127.0.0.2");
  auto api = connect_target("127.0.0.1:5001", kApi);
  ASSERT_TRUE(api.allowed);
  EXPECT_EQ(api.port, kApi);
}

TEST(LocalProxy, TheCliHardCodedHostsGoToTheApiOnAnyPort) {
  for (const char* a : {"api.metrics.herokai.com:5001", "api.metrics.herokai.com:443",
                        "api.metrics.heroku.com:443", "KOLKRABBI.heroku.com:443"}) {
    auto t = connect_target(a, kApi);
    ASSERT_TRUE(t.allowed) << a;
    EXPECT_EQ(t.address, "127.0.0.1") << a;
    EXPECT_EQ(t.port, kApi) << a;
  }
}

TEST(LocalProxy, EveryOtherHostIsRefusedWithAReason) {
  for (const char* a : {"api.github.com:443", "example.com:443", "10.0.0.1:80", "[::2]:443",
                        "notlocalhost:80", "metrics.herokai.com:443", "localhost.evil.com:80"}) {
    auto t = connect_target(a, kApi);
    EXPECT_FALSE(t.allowed) << a;
    EXPECT_EQ(t.status, 403) << a;
    EXPECT_NE(t.reason.find("does not reach"), std::string::npos) << t.reason;
    EXPECT_NE(t.reason.find("api.metrics.herokai.com"), std::string::npos) << t.reason;
  }
}

TEST(LocalProxy, MalformedTargetsAre400) {
  for (const char* a : {"", "localhost", "localhost:", "user@localhost:80", "localhost:99999",
                        "localhost:0", "a b:80"}) {
    auto t = connect_target(a, kApi);
    EXPECT_FALSE(t.allowed) << a;
    EXPECT_EQ(t.status, 400) << a;
  }
}

TEST(LocalProxy, AbsoluteFormKeepsPathAndQuery) {
  auto t = absolute_target("http://web.localhost:5000/a/b?x=1&y=%20", kApi);
  ASSERT_TRUE(t.allowed) << t.reason;
  EXPECT_EQ(t.port, 5000);
  EXPECT_EQ(t.origin_form, "/a/b?x=1&y=%20");
  auto bare = absolute_target("http://localhost", kApi);
  ASSERT_TRUE(bare.allowed);
  EXPECT_EQ(bare.port, 80);
  EXPECT_EQ(bare.origin_form, "/");
  auto metrics =
      absolute_target("http://api.metrics.herokai.com:5001/apps/a/router-metrics/errors", kApi);
  ASSERT_TRUE(metrics.allowed);
  EXPECT_EQ(metrics.port, kApi);
  EXPECT_EQ(absolute_target("http://example.com/", kApi).status, 403);
  EXPECT_EQ(absolute_target("https://localhost:5000/", kApi).status, 400);
  EXPECT_EQ(absolute_target("http:///nohost", kApi).status, 400);
}

TEST(LocalProxy, AbsoluteFormIsToldFromAPath) {
  EXPECT_TRUE(is_absolute_form("http://x/"));
  EXPECT_FALSE(is_absolute_form("/apps"));
  EXPECT_FALSE(is_absolute_form("/apps?next=http://x"));
  EXPECT_FALSE(is_absolute_form("*"));
}

TEST(LocalProxy, CertificateNamesTheServedHosts) {
  EXPECT_EQ(proxied_host_names(),
            "DNS:api.metrics.herokai.com,DNS:api.metrics.heroku.com,DNS:kolkrabbi.heroku.com");
}

}  // namespace
}  // namespace lokku::api
