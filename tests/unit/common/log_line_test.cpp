#include "common/log_line.hpp"

#include <gtest/gtest.h>

namespace lokku::common {
namespace {

using namespace std::chrono;

SystemTime at(int64_t unix_micros) {
  return SystemTime(microseconds(unix_micros));
}

// dynos.md STATE-6: RFC 3339 timestamp with microseconds, then source[dyno]: message.
TEST(LogLine, TimestampHasMicrosecondsAndUtcOffset) {
  EXPECT_EQ(format_timestamp(at(1798761600000000)), "2027-01-01T00:00:00.000000+00:00");
  EXPECT_EQ(format_timestamp(at(1798761600123456)), "2027-01-01T00:00:00.123456+00:00");
}

// The seconds are formatted once per second per thread: going back and forth between
// seconds, minutes and days must still print each one right.
TEST(LogLine, TimestampsOfDifferentSecondsInTurn) {
  EXPECT_EQ(format_timestamp(at(1798761599999999)), "2026-12-31T23:59:59.999999+00:00");
  EXPECT_EQ(format_timestamp(at(1798761600000000)), "2027-01-01T00:00:00.000000+00:00");
  EXPECT_EQ(format_timestamp(at(1798761599000001)), "2026-12-31T23:59:59.000001+00:00");
  EXPECT_EQ(format_timestamp(at(1798761661500000)), "2027-01-01T00:01:01.500000+00:00");
  EXPECT_EQ(format_timestamp(at(1798761661000010)), "2027-01-01T00:01:01.000010+00:00");
  std::string out = "x ";
  append_timestamp(out, at(1798761600000007));
  EXPECT_EQ(out, "x 2027-01-01T00:00:00.000007+00:00");
}

TEST(LogLine, FrameIsTimestampSourceDynoMessage) {
  EXPECT_EQ(format_log_line(at(1798761600000001), "app", "web.1", "hello"),
            "2027-01-01T00:00:00.000001+00:00 app[web.1]: hello\n");
  EXPECT_EQ(
      format_log_line(at(1798761600000001), "heroku", "worker.2",
                      "State changed from starting to up"),
      "2027-01-01T00:00:00.000001+00:00 heroku[worker.2]: State changed from starting to up\n");
}

TEST(LogLine, ColourWrapsOnlyThePrefix) {
  auto line = format_log_line(at(0), "app", "web.1", "x", "\x1b[36m");
  EXPECT_EQ(line, "1970-01-01T00:00:00.000000+00:00 \x1b[36mapp[web.1]:\x1b[0m x\n");
}

// A line read back from an app's log file (what its drains are fed) gives back the time,
// source, dyno and message it was written with; anything else is not taken for one.
TEST(LogLine, ALineOfTheFrameParsesBackIntoItsParts) {
  const auto t = at(1798761600123456);
  const std::string written = format_log_line(t, "heroku", "router", "at=info path=\"/a: b\"");
  auto line = parse_log_line(std::string_view(written).substr(0, written.size() - 1));
  ASSERT_TRUE(line);
  EXPECT_EQ(line->time, t);
  EXPECT_EQ(line->source, "heroku");
  EXPECT_EQ(line->dyno, "router");
  EXPECT_EQ(line->message, "at=info path=\"/a: b\"");
  auto bare = parse_log_line("2027-01-01T00:00:00.000001+00:00 app: ");
  ASSERT_TRUE(bare);
  EXPECT_EQ(bare->source, "app");
  EXPECT_EQ(bare->dyno, "");
  EXPECT_EQ(bare->message, "");
  EXPECT_FALSE(parse_log_line("hello from web.1"));
  EXPECT_FALSE(parse_log_line("2027-13-01T00:00:00.000001+00:00 app[web.1]: month 13"));
  EXPECT_FALSE(parse_log_line("2027-01-01T00:00:00.000001+00:00 no colon here"));
}

}  // namespace
}  // namespace lokku::common
