// Web autoscaling's decision (drains-webhooks-metrics.md §4.2): ±1 dyno, within [min, max], up
// on one slow minute, down only after three quiet ones.
#include "metrics/autoscaler.hpp"

#include <gtest/gtest.h>

namespace lokku::metrics {
namespace {

AlertMinute at(double p95_ms, int requests = 20) {
  AlertMinute m;
  for (int i = 0; i < requests; ++i) {
    ++m.requests;
    m.service.add(p95_ms);
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

TEST(Autoscaler, DownOneDynoOnlyAfterThreeQuietMinutesNeverUnderTheMin) {
  const AutoscaleTarget t{2, 5, 500};
  EXPECT_EQ(autoscale_quantity(t, 4, {at(100), at(100)}), 4);
  EXPECT_EQ(autoscale_quantity(t, 4, {at(100), at(100), at(100)}), 3);
  EXPECT_EQ(autoscale_quantity(t, 4, {at(0, 0), at(0, 0), at(0, 0)}), 3);  // no requests: quiet
  EXPECT_EQ(autoscale_quantity(t, 4, {at(100), at(300), at(100)}), 4);     // 300 ≥ half of 500
  EXPECT_EQ(autoscale_quantity(t, 2, {at(100), at(100), at(100)}), 2);
}

TEST(Autoscaler, AFormationOutsideTheBoundsIsBroughtIntoThem) {
  const AutoscaleTarget t{2, 4, 500};
  EXPECT_EQ(autoscale_quantity(t, 0, {}), 2);
  EXPECT_EQ(autoscale_quantity(t, 9, {at(900)}), 4);
  EXPECT_EQ(autoscale_quantity(t, 3, {}), 3);
}

}  // namespace
}  // namespace lokku::metrics
