// Error counts from an app's log (`apps:errors`, drains-webhooks-metrics.md §4.3).
#include "platform/error_counts.hpp"

#include <gtest/gtest.h>

#include <sstream>

namespace lokku::platform {
namespace {

using namespace std::chrono_literals;

common::SystemTime at(const char* iso) {
  auto t = common::parse_timestamp(iso);
  EXPECT_TRUE(t) << iso;
  return t.value_or(common::SystemTime{});
}

const char* kLog =
    "2026-12-05T10:05:00.000000+00:00 heroku[router]: at=error code=H14 desc=\"No web processes "
    "running\" method=GET path=\"/\" host=a.localhost dyno= connect= service= status=503\n"
    "2026-12-05T10:59:59.999999+00:00 heroku[router]: at=error code=H12 desc=\"Request timeout\"\n"
    "2026-12-05T11:00:00.000000+00:00 heroku[router]: at=error code=H12 desc=\"Request timeout\"\n"
    "2026-12-05T11:30:00.000000+00:00 heroku[router]: at=info method=GET path=\"/code=H99\" "
    "status=200\n"
    "2026-12-05T11:31:00.000000+00:00 app[web.1]: at=error code=H10 (an app's own line)\n"
    "2026-12-05T11:32:00.000000+00:00 heroku[web.1]: Error R14 (Memory quota exceeded)\n"
    "2026-12-05T11:33:00.000000+00:00 heroku[web.2]: Error R10 (Boot timeout) -> Web process "
    "failed to bind to $PORT within 60 seconds of launch\n"
    "2026-12-05T11:34:00.000000+00:00 heroku[worker.1]: Error R14 (Memory quota exceeded)\n"
    "2026-12-05T11:35:00.000000+00:00 heroku[webhook.1]: Error R14 (Memory quota exceeded)\n"
    "2026-12-05T11:36:00.000000+00:00 heroku[web.1]: State changed from up to crashed\n"
    "2026-12-05T12:00:00.000000+00:00 heroku[router]: at=error code=H12 desc=\"outside\"\n"
    "not a log line\n";

ErrorSeries count(const ErrorQuery& q) {
  ErrorSeries s;
  s.steps = *error_steps(q);
  std::istringstream in(kLog);
  count_errors(in, q, s);
  return s;
}

TEST(ErrorCounts, RouterCodesPerHour) {
  ErrorQuery q{at("2026-12-05T10:00:00Z"), at("2026-12-05T12:00:00Z"), 1h, true, ""};
  auto s = count(q);
  EXPECT_EQ(s.steps, 2u);
  ASSERT_EQ(s.counts.size(), 2u);  // H14 and H12 only: not an app's line, not a path
  EXPECT_EQ(s.counts["H14"], (std::vector<long>{1, 0}));
  EXPECT_EQ(s.counts["H12"], (std::vector<long>{1, 1}));  // the end is not included
}

TEST(ErrorCounts, AProcessTypesRAndLCodes) {
  ErrorQuery q{at("2026-12-05T10:00:00.000Z"), at("2026-12-05T12:00:00.000Z"), 1h, false, "web"};
  auto s = count(q);
  ASSERT_EQ(s.counts.size(), 2u);  // web.1 and web.2, not worker.1 nor webhook.1
  EXPECT_EQ(s.counts["R14"], (std::vector<long>{0, 1}));
  EXPECT_EQ(s.counts["R10"], (std::vector<long>{0, 1}));
  q.process_type = "worker";
  EXPECT_EQ(count(q).counts["R14"], (std::vector<long>{0, 1}));
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
