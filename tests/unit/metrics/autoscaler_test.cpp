// Web autoscaling's decision (drains-webhooks-metrics.md §4.2, DC:autoscaling): ±1 dyno,
// within [min, max]; the past hour says how many requests a dyno serves within the desired
// p95, and the current throughput how many dynos that takes; up on one slow minute or one
// that needs more dynos than run, down only after three quiet ones.
#include "metrics/autoscaler.hpp"

#include <gtest/gtest.h>

namespace lokku::metrics {
namespace {

/// A minute of `requests` at `quantity` web dynos whose p95 was `p95_ms`.
AutoscaleMinute at(double p95_ms, std::uint64_t requests = 20, int quantity = 1) {
  AutoscaleMinute m;
  m.requests = requests;
  m.quantity = quantity;
  if (requests > 0) {
    m.p95_ms = p95_ms;
  }
  return m;
}

TEST(Autoscaler, UpOneDynoOnASlowMinuteNeverPastTheMax) {
  const AutoscaleTarget t{1, 3, 500};
  EXPECT_EQ(autoscale_quantity(t, 1, {at(800)}), 2);
  EXPECT_EQ(autoscale_quantity(t, 2, {at(500)}), 3);  // reaching the target is slow enough
  EXPECT_EQ(autoscale_quantity(t, 3, {at(5000)}), 3);
  EXPECT_EQ(autoscale_quantity(t, 2, {at(400), at(900), at(900)}), 2);  // the latest counts
}

// "The minimum number of web dynos required to achieve the desired response time at your
// current request throughput", from the past hour: a dyno served 600 requests a minute under
// 500 ms. When web runs fewer dynos than the last minute's 1 500 requests need (scaled down
// by hand), it is scaled up before any minute is slow.
TEST(Autoscaler, TheHoursCapacitySaysHowManyDynosTheThroughputNeeds) {
  const AutoscaleTarget t{1, 5, 500};
  const std::deque<AutoscaleMinute> hour = {at(300, 1500, 3), at(450, 600, 1), at(200, 100, 1)};
  EXPECT_EQ(autoscale_quantity(t, 3, hour), 3);  // 1 500 / 600 → 3: as many as run
  EXPECT_EQ(autoscale_quantity(t, 2, hour), 3);
  // A slow minute's load is no evidence of capacity: 1 000 a minute on one dyno was too many,
  // so 1 200 a minute still need 3 dynos (400 each, the fast minute's).
  const std::deque<AutoscaleMinute> with_slow = {at(300, 1200, 3), at(900, 1000, 1)};
  EXPECT_EQ(autoscale_quantity(t, 2, with_slow), 3);
}

TEST(Autoscaler, DownOneDynoOnlyAfterThreeQuietMinutesNeverUnderTheMin) {
  const AutoscaleTarget t{2, 5, 500};
  EXPECT_EQ(autoscale_quantity(t, 4, {at(100), at(100)}), 4);
  EXPECT_EQ(autoscale_quantity(t, 4, {at(100), at(100), at(100)}), 3);
  EXPECT_EQ(autoscale_quantity(t, 4, {at(0, 0), at(0, 0), at(0, 0)}), 3);  // no requests: quiet
  EXPECT_EQ(autoscale_quantity(t, 2, {at(100), at(100), at(100)}), 2);
  // 300 ms is over half the target; with no capacity known, not quiet.
  EXPECT_EQ(autoscale_quantity(t, 4, {at(300, 20, 4), at(300, 20, 4), at(300, 20, 4)}), 4);
}

// Quiet also means one dyno fewer would have served the minute within the target, by the
// hour's capacity (600 a minute a dyno here): 1 000 a minute on 4 dynos fit on 3, for three
// minutes, so one goes; 2 000 a minute do not (4 needed).
TEST(Autoscaler, DownWhenOneDynoFewerWouldHaveServedThreeMinutesInARow) {
  const AutoscaleTarget t{1, 5, 500};
  const auto minute = [](std::uint64_t requests) { return at(300, requests, 4); };
  std::deque<AutoscaleMinute> hour = {minute(1000), minute(1000), minute(1000), at(450, 600, 1)};
  EXPECT_EQ(autoscale_quantity(t, 4, hour), 3);
  hour = {minute(1000), minute(2000), minute(1000), at(450, 600, 1)};
  EXPECT_EQ(autoscale_quantity(t, 4, hour), 4);
}

TEST(Autoscaler, AFormationOutsideTheBoundsIsBroughtIntoThem) {
  const AutoscaleTarget t{2, 4, 500};
  EXPECT_EQ(autoscale_quantity(t, 0, {}), 2);
  EXPECT_EQ(autoscale_quantity(t, 9, {at(900)}), 4);
  EXPECT_EQ(autoscale_quantity(t, 3, {}), 3);
}

TEST(Autoscaler, AMinuteOfTheAlertMonitorKeepsItsRequestsP95AndTheQuantity) {
  AlertMinute m;
  for (int i = 1; i <= 100; ++i) {
    ++m.requests;
    m.service.add(i);
  }
  const auto a = autoscale_minute(m, 3);
  EXPECT_EQ(a.requests, 100u);
  EXPECT_EQ(a.quantity, 3);
  ASSERT_TRUE(a.p95_ms);
  EXPECT_NEAR(*a.p95_ms, 95, 3);
  EXPECT_FALSE(autoscale_minute(AlertMinute{}, 1).p95_ms);
}

}  // namespace
}  // namespace lokku::metrics
