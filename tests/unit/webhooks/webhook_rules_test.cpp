// App webhooks' rules (drains-webhooks-metrics.md §3.1, §3.4): the signature, the secret,
// what a webhook may be made with, and the retries of a sync delivery.
#include "webhooks/webhook_rules.hpp"

#include <gtest/gtest.h>

#include <regex>

namespace lokku::webhooks {
namespace {

using std::chrono::seconds;

// §3.4: base64(HMAC-SHA256(secret, raw body)); RFC 4231's second case, and the empty one.
TEST(WebhookRules, SignatureIsTheBase64OfTheBodysHmacSha256) {
  EXPECT_EQ(signature("Jefe", "what do ya want for nothing?"),
            "W9zBRr9gdU5qBCQmCJV1x1oAPwidJzmDnexYuWTsOEM=");
  EXPECT_EQ(signature("", ""), "thNnmggU2ex3L5XXeMNfxf8Wl8STcVZTxscSFEKSxa0=");
  EXPECT_NE(signature("Jefe", "what do ya want for nothing!"),
            signature("Jefe", "what do ya want for nothing?"));
}

// §3.1: a secret is 60 hexadecimal digits, a new one each time.
TEST(WebhookRules, SecretsAreSixtyHexDigitsAndNeverTheSame) {
  auto a = make_secret();
  EXPECT_TRUE(std::regex_match(a, std::regex("[0-9a-f]{60}"))) << a;
  EXPECT_NE(a, make_secret());
}

TEST(WebhookRules, AWebhookNeedsAnHttpUrlALevelAndKnownEntities) {
  EXPECT_EQ(webhook_problem("https://example.com/hooks", {"api:release", "dyno"}, "sync"), "");
  EXPECT_EQ(webhook_problem("http://127.0.0.1:8080/", {"api:formation"}, "notify"), "");
  EXPECT_NE(webhook_problem("ftp://example.com/", {"api:release"}, "notify")
                .find("Url must be an http or https URL, not ftp://example.com/"),
            std::string::npos);
  EXPECT_NE(webhook_problem("example.com", {"api:release"}, "notify").find("Url must be"),
            std::string::npos);
  EXPECT_NE(webhook_problem("https://example.com/", {"api:release"}, "often")
                .find("Level must be notify or sync, not often"),
            std::string::npos);
  EXPECT_NE(webhook_problem("https://example.com/", {}, "sync").find("at least one entity"),
            std::string::npos);
  EXPECT_NE(webhook_problem("https://example.com/", {"api:release", "api:relase"}, "sync")
                .find("unknown entity api:relase"),
            std::string::npos);
}

// §3.4: doubling waits from a second up to an hour, then hourly: 180 tries take about
// seven days (Heroku's old figure); tries stop 72 h after the event (its rule since 2023).
TEST(WebhookRules, SyncRetriesDoubleUpToAnHourThenComeHourly) {
  EXPECT_EQ(retry_delay(1), seconds(1));
  EXPECT_EQ(retry_delay(2), seconds(2));
  EXPECT_EQ(retry_delay(12), seconds(2048));
  EXPECT_EQ(retry_delay(13), seconds(3600));
  EXPECT_EQ(retry_delay(500), seconds(3600));
  seconds total{0};
  for (int attempt = 1; attempt < 180; ++attempt) {
    total += retry_delay(attempt);
  }
  EXPECT_GT(total, std::chrono::hours(24 * 6));
  EXPECT_LT(total, std::chrono::hours(24 * 8));
  EXPECT_EQ(kRetryFor, std::chrono::hours(72));
}

}  // namespace
}  // namespace lokku::webhooks
