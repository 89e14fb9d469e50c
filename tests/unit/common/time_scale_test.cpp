#include "common/time_scale.hpp"

#include <gtest/gtest.h>

namespace lokku::common {
namespace {

using namespace std::chrono_literals;

// CONVENTIONS.md, Time: --time-scale N divides every platform duration.
TEST(TimeScale, DividesDurations) {
  EXPECT_EQ(TimeScale(60)(60s), std::chrono::nanoseconds(1s));
  EXPECT_EQ(TimeScale(0.5)(30s), std::chrono::nanoseconds(60s));
  EXPECT_EQ(TimeScale()(20min), std::chrono::nanoseconds(20min));
}

TEST(TimeScale, ParsesOnlyPositiveNumbers) {
  EXPECT_DOUBLE_EQ(TimeScale::parse("2.5")->factor(), 2.5);
  EXPECT_FALSE(TimeScale::parse("0"));
  EXPECT_FALSE(TimeScale::parse("-3"));
  EXPECT_FALSE(TimeScale::parse("fast"));
  EXPECT_FALSE(TimeScale::parse("10x"));
  EXPECT_FALSE(TimeScale::parse(""));
  EXPECT_FALSE(TimeScale::parse("inf"));
}

}  // namespace
}  // namespace lokku::common
