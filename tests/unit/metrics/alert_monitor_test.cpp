// Threshold alerts (issue #22 point 2): fired when every minute of the sensitivity window
// breached the threshold, resolved by the first minute back under; empty minutes breach
// nothing; minutes go by the monitor's clock.
#include "metrics/alert_monitor.hpp"

#include <gtest/gtest.h>

namespace lokku::metrics {
namespace {

using namespace std::chrono_literals;

class AlertMonitorTest : public ::testing::Test {
 protected:
  SystemTime now = SystemTime(std::chrono::hours(24 * 20000));  // on a minute boundary
  AlertMonitor monitor{[this] { return now; }};

  /// A minute of `n` requests answered `status` in `ms`, then the minute is over.
  std::vector<AlertChange> minute(int n, int status, double ms) {
    for (int i = 0; i < n; ++i) {
      monitor.request(status, ms, "");
    }
    now += 1min;
    return monitor.tick();
  }
};

TEST_F(AlertMonitorTest, ALatencyAlertFiresAfterItsSensitivityAndResolvesWhenBackUnder) {
  monitor.set_rules({{"slow", AlertKind::latency, 500, 5}});
  for (int m = 0; m < 4; ++m) {
    EXPECT_TRUE(minute(20, 200, 800).empty()) << "minute " << m;
  }
  auto fired = minute(20, 200, 800);
  ASSERT_EQ(fired.size(), 1u);
  EXPECT_TRUE(fired[0].firing);
  EXPECT_EQ(fired[0].rule.id, "slow");
  EXPECT_NEAR(fired[0].value, 800, 8);        // the sketch's 1 %
  EXPECT_TRUE(minute(20, 200, 900).empty());  // still firing: told once
  auto resolved = minute(20, 200, 100);
  ASSERT_EQ(resolved.size(), 1u);
  EXPECT_FALSE(resolved[0].firing);
  EXPECT_NEAR(resolved[0].value, 100, 1);
}

TEST_F(AlertMonitorTest, AMinuteUnderTheThresholdInTheWindowKeepsItQuiet) {
  monitor.set_rules({{"slow", AlertKind::latency, 500, 5}});
  for (int m = 0; m < 3; ++m) {
    minute(20, 200, 800);
  }
  EXPECT_TRUE(minute(20, 200, 200).empty());
  for (int m = 0; m < 4; ++m) {
    EXPECT_TRUE(minute(20, 200, 800).empty());
  }
  EXPECT_EQ(minute(20, 200, 800).size(), 1u);
}

TEST_F(AlertMonitorTest, ErrorRateCountsFiveHundredsAmongAllRequests) {
  monitor.set_rules({{"errors", AlertKind::error_rate, 20, 1}});
  EXPECT_TRUE(minute(0, 200, 1).empty());  // no requests: nothing breached
  for (int i = 0; i < 9; ++i) {
    monitor.request(200, 5, "");
  }
  monitor.request(503, -1, "H12");  // an H-code, answered 503: failed
  now += 1min;
  EXPECT_TRUE(monitor.tick().empty());  // 10 %
  for (int i = 0; i < 3; ++i) {
    monitor.request(200, 5, "");
  }
  monitor.request(500, 5, "");
  now += 1min;
  auto fired = monitor.tick();  // 25 %
  ASSERT_EQ(fired.size(), 1u);
  EXPECT_DOUBLE_EQ(fired[0].value, 25.0);
  EXPECT_TRUE(minute(0, 200, 1).size() == 0);  // an empty minute resolves nothing...
  EXPECT_EQ(minute(10, 200, 1).size(), 1u);    // ...a minute of successes does
}

TEST_F(AlertMonitorTest, RulesKeepTheirStateAcrossUpdatesAndStartFromTheStores) {
  monitor.set_rules({{"slow", AlertKind::latency, 500, 1}});
  ASSERT_EQ(minute(5, 200, 800).size(), 1u);
  monitor.set_rules({{"slow", AlertKind::latency, 500, 1}});  // the same: still firing
  EXPECT_TRUE(minute(5, 200, 800).empty());
  monitor.set_rules({{"slow", AlertKind::latency, 1000, 1}});  // changed: starts over
  EXPECT_TRUE(minute(5, 200, 800).empty());
  AlertMonitor restarted{[this] { return now; }};
  restarted.set_rules({{"slow", AlertKind::latency, 500, 1}}, {{"slow", true}});
  restarted.request(200, 100, "");
  now += 1min;
  auto resolved = restarted.tick();
  ASSERT_EQ(resolved.size(), 1u);
  EXPECT_FALSE(resolved[0].firing);
}

TEST_F(AlertMonitorTest, ALongQuietTimeIsEmptyMinutes) {
  monitor.set_rules({{"slow", AlertKind::latency, 500, 1}});
  monitor.request(200, 800, "");
  now += 3h;
  EXPECT_TRUE(monitor.tick().empty());  // the slow minute is long gone: only empty ones
}

}  // namespace
}  // namespace lokku::metrics
