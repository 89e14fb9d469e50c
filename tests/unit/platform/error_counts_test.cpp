// Error counts from an app's metrics (`apps:errors`, drains-webhooks-metrics.md §4.3).
#include "platform/error_counts.hpp"

#include <gtest/gtest.h>

#include <map>

namespace lokku::platform {
namespace {

using namespace std::chrono_literals;

common::SystemTime at(const char* iso) {
  auto t = common::parse_timestamp(iso);
  EXPECT_TRUE(t) << iso;
  return t.value_or(common::SystemTime{});
}

/// A minute of `type` with these error counts.
metrics::Point minute(const char* iso, const char* type,
                      std::map<std::string, std::uint64_t> errors) {
  metrics::Point p;
  p.start = at(iso);
  p.type = type;
  p.data.errors = std::move(errors);
  return p;
}

const std::vector<metrics::Point> kMinutes = {
    minute("2026-12-05T10:05:00Z", "web", {{"H14", 1}, {"R14", 2}}),
    minute("2026-12-05T10:59:00Z", "web", {{"H12", 1}}),
    minute("2026-12-05T11:00:00Z", "web", {{"H12", 2}, {"R10", 1}, {"X1", 4}}),
    minute("2026-12-05T11:34:00Z", "worker", {{"R14", 1}, {"H12", 9}}),
    minute("2026-12-05T12:00:00Z", "web", {{"H12", 5}}),  // the end is not included
};

ErrorSeries count(const ErrorQuery& q) {
  ErrorSeries s;
  s.steps = *error_steps(q);
  count_errors(kMinutes, q, s);
  return s;
}

TEST(ErrorCounts, RouterCodesPerHourAreWebsHCodes) {
  ErrorQuery q{at("2026-12-05T10:00:00Z"), at("2026-12-05T12:00:00Z"), 1h, true, ""};
  auto s = count(q);
  EXPECT_EQ(s.steps, 2u);
  ASSERT_EQ(s.counts.size(), 2u);  // H14 and H12 of web only
  EXPECT_EQ(s.counts["H14"], (std::vector<long>{1, 0}));
  EXPECT_EQ(s.counts["H12"], (std::vector<long>{1, 2}));
}

TEST(ErrorCounts, AProcessTypesRAndLCodes) {
  ErrorQuery q{at("2026-12-05T10:00:00.000Z"), at("2026-12-05T12:00:00.000Z"), 1h, false, "web"};
  auto s = count(q);
  ASSERT_EQ(s.counts.size(), 2u);  // not its H-codes, not an unknown code, not worker's
  EXPECT_EQ(s.counts["R14"], (std::vector<long>{2, 0}));
  EXPECT_EQ(s.counts["R10"], (std::vector<long>{0, 1}));
  q.process_type = "worker";
  EXPECT_EQ(count(q).counts["R14"], (std::vector<long>{0, 1}));
  EXPECT_TRUE(wanted_code("L10", q));
  EXPECT_FALSE(wanted_code("H12", q));
}

TEST(ErrorCounts, StepsAreBoundedAndTheEndComesAfterTheStart) {
  ErrorQuery q{at("2026-12-05T10:00:00Z"), at("2026-12-05T10:00:00Z"), 1h, true, ""};
  EXPECT_FALSE(error_steps(q));
  q.end = q.start + 90min;
  EXPECT_EQ(error_steps(q), 2u);
  q.end = q.start + std::chrono::hours(24 * 365);
  q.step = 1min;
  EXPECT_FALSE(error_steps(q));
}

TEST(ErrorCounts, TimestampsOfTheLogAndOfJavaScript) {
  EXPECT_EQ(at("2026-12-05T10:00:00.5Z") - at("2026-12-05T10:00:00Z"), 500ms);
  EXPECT_EQ(at("2026-12-05T10:00:01.000001+00:00") - at("2026-12-05T10:00:01Z"), 1us);
  for (const char* bad :
       {"", "2026-12-05", "2026-12-05T10:00:00", "2026-12-05T10:00:00+01:00",
        "2026-13-05T10:00:00Z", "2026-12-05T10:00:00.Z", "x026-12-05T10:00:00Z"}) {
    EXPECT_FALSE(common::parse_timestamp(bad)) << bad;
  }
}

TEST(ErrorCounts, StepsAsGoWritesThem) {
  EXPECT_EQ(parse_step("1h"), 3600s);
  EXPECT_EQ(parse_step("1h0m0s"), 3600s);
  EXPECT_EQ(parse_step("10m"), 600s);
  for (const char* bad : {"", "0s", "1", "h", "1d", "-1h", "1h5"}) {
    EXPECT_FALSE(parse_step(bad)) << bad;
  }
  EXPECT_EQ(format_step(3600s), "1h0m0s");
  EXPECT_EQ(format_step(610s), "10m10s");
  EXPECT_EQ(format_step(30s), "30s");
}

TEST(ErrorCounts, CodesHaveTheCliTitles) {
  EXPECT_EQ(error_info("H14").title, "No web dynos running");
  EXPECT_EQ(error_info("H27").level, "info");
  EXPECT_EQ(error_info("R14").level, "critical");
  EXPECT_EQ(error_info("H77").title, "unknown error");
}

}  // namespace
}  // namespace lokku::platform
