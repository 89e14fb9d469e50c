// lokku's own diagnostics (STYLE.md §7): spdlog loggers on stderr, by level, set by
// `--log-level` or $LOKKU_LOG, never mixed into an app's log stream.
#include "support/http_client.hpp"
#include "support/platform.hpp"

#include <gtest/gtest.h>

#include <csignal>

namespace lokku::test {
namespace {

TEST(Diagnostics, ABadLevelIsRefusedNamingWhereItCameFrom) {
  LokkuHome h;
  h.extra["LOKKU_LOG"] = "loud";
  auto r = h.run({"apps"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("LOKKU_LOG: 'loud' is not a level (trace, debug, info, warn, error, off)"),
            std::string::npos)
      << r.err;
  // The flag wins over the variable, so the flag is the one named.
  auto flag = h.run({"up", "--log-level", "chatty", "-p", std::to_string(free_port())});
  EXPECT_EQ(flag.exit_code, 1);
  EXPECT_NE(flag.err.find("--log-level: 'chatty' is not a level"), std::string::npos) << flag.err;
}

/// Asks lokku's API port to tunnel to a host it refuses (an info-level diagnostic).
void refused_connect(const LokkuHome& h) {
  auto r = http_request(h.api_port(), "CONNECT", "api.github.com:443");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 403);
}

TEST(Diagnostics, InfoLinesGoToStderrByLevelAndNeverToTheAppStream) {
  LokkuHome h;
  {
    auto up = h.up(free_port());
    ASSERT_TRUE(up->wait_for_diagnostic("lokku\\[platform\\] info: Platform API on"));
    refused_connect(h);
    const std::string want = "lokku[api] info: proxy refused CONNECT api.github.com:443";
    EXPECT_TRUE(wait_until([&] { return up->stderr_text().find(want) != std::string::npos; }, 10s,
                           "the diagnostic"))
        << up->stderr_text();
    EXPECT_EQ(up->count("proxy refused"), 0u);  // stdout: the apps' log stream
    EXPECT_EQ(up->count("Platform API on"), 0u);
    up->signal(SIGINT);
    EXPECT_EQ(up->wait_exit(30s), 0);
  }
  {
    auto up = h.up(free_port(), {"--log-level", "warn"});
    ASSERT_TRUE(
        wait_until([&] { return h.api_port() != 0 && http_request(h.api_port(), "GET", "/apps"); },
                   20s, "the Platform API to answer"));
    refused_connect(h);
    up->signal(SIGINT);
    EXPECT_EQ(up->wait_exit(30s), 0);
    // Below warn: neither the lifecycle lines nor the refused request.
    EXPECT_EQ(up->stderr_text().find("lokku platform up"), std::string::npos) << up->stderr_text();
    EXPECT_EQ(up->stderr_text().find("proxy refused"), std::string::npos) << up->stderr_text();
  }
}

}  // namespace
}  // namespace lokku::test
