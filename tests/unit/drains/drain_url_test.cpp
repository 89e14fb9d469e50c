#include "drains/drain_url.hpp"

#include <gtest/gtest.h>

#include <stdexcept>

namespace lokku::drains {
namespace {

std::string refusal(const std::string& url) {
  try {
    parse_drain_url(url);
  } catch (const std::invalid_argument& e) {
    return e.what();
  }
  return "accepted";
}

// drains-webhooks-metrics.md §2.1: Logplex's schemes; §2.3: user info becomes Basic auth.
TEST(DrainUrl, HttpsDrainsKeepTheirTargetAndTurnUserInfoIntoBasicAuth) {
  auto d = parse_drain_url("https://user:s3cret@logs.example.com/drain?app=web");
  EXPECT_EQ(d.kind, DrainUrl::Kind::http);
  EXPECT_TRUE(d.tls);
  EXPECT_EQ(d.host, "logs.example.com");
  EXPECT_EQ(d.port, "443");
  EXPECT_EQ(d.target, "/drain?app=web");
  EXPECT_EQ(d.authorization, "Basic dXNlcjpzM2NyZXQ=");
  auto plain = parse_drain_url("http://127.0.0.1:8080");
  EXPECT_FALSE(plain.tls);
  EXPECT_EQ(plain.port, "8080");
  EXPECT_EQ(plain.target, "/");
  EXPECT_EQ(plain.authorization, "");
}

TEST(DrainUrl, SyslogSchemesOverTcpAndTls) {
  EXPECT_FALSE(parse_drain_url("syslog://logs.example.com:514").tls);
  EXPECT_FALSE(parse_drain_url("syslog+tcp://logs.example.com:514").tls);
  auto tls = parse_drain_url("syslog+tls://[::1]:6514/");
  EXPECT_EQ(tls.kind, DrainUrl::Kind::syslog);
  EXPECT_TRUE(tls.tls);
  EXPECT_EQ(tls.host, "::1");
  EXPECT_EQ(tls.port, "6514");
}

TEST(DrainUrl, BadUrlsAreRefusedSayingWhy) {
  EXPECT_EQ(refusal("ftp://logs.example.com/"),
            "ftp://logs.example.com/: the scheme 'ftp' is not a drain's (http, https, syslog, "
            "syslog+tls)");
  EXPECT_EQ(refusal("syslog://logs.example.com"),
            "syslog://logs.example.com: a syslog drain needs a port");
  EXPECT_NE(refusal("syslog+udp://logs.example.com:514").find("UDP syslog drains are not"),
            std::string::npos);
  EXPECT_NE(refusal("logs.example.com").find("not a URL"), std::string::npos);
  EXPECT_NE(refusal("https:///path").find("no host"), std::string::npos);
}

TEST(DrainUrl, TheProblemIsSaidInHerokusWordsForTheCliAndTheApiAlike) {
  EXPECT_EQ(drain_url_problem("syslog://logs.example.com"),
            "Url is invalid: syslog://logs.example.com: a syslog drain needs a port");
  EXPECT_EQ(drain_url_problem("https://logs.example.com/x"), std::nullopt);
}

}  // namespace
}  // namespace lokku::drains
