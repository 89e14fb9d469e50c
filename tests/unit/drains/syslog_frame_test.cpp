#include "drains/syslog_frame.hpp"

#include <gtest/gtest.h>

namespace lokku::drains {
namespace {

common::SystemTime at(int second, int micros) {
  return std::chrono::sys_days{std::chrono::year{2026} / 1 / 2} + std::chrono::hours{12} +
         std::chrono::seconds{second} + std::chrono::microseconds{micros};
}

// drains-webhooks-metrics.md §2.3: an HTTPS drain's message has HOSTNAME `host`, APP-NAME
// `app` or `heroku`, PROCID the dyno, MSGID `-` and no STRUCTURED-DATA; facilities local7
// (dyno output), local3 (router), local0 (the rest of the platform).
TEST(SyslogFrame, HttpsDrainMessagesNameTheHostHostAndHaveNoStructuredData) {
  const Framing https{"host", false};
  EXPECT_EQ(syslog_message({at(5, 112000), 0, "app", "web.1", "listening on 5000"}, https),
            "<190>1 2026-01-02T12:00:05.112000+00:00 host app web.1 - listening on 5000\n");
  EXPECT_EQ(syslog_message({at(5, 0), 0, "heroku", "router", "at=info method=GET"}, https),
            "<158>1 2026-01-02T12:00:05.000000+00:00 host heroku router - at=info method=GET\n");
  EXPECT_EQ(
      syslog_message({at(5, 0), 0, "heroku", "web.1", "State changed from starting to up"}, https),
      "<134>1 2026-01-02T12:00:05.000000+00:00 host heroku web.1 - State changed from "
      "starting to up\n");
  EXPECT_EQ(syslog_message({at(5, 0), 0, "app", "api", "Release v3 created by user a@b"}, https),
            "<45>1 2026-01-02T12:00:05.000000+00:00 host app api - Release v3 created by user "
            "a@b\n");
}

// §2.2: a syslog drain names the host by the drain's token and has `-` for MSGID and SD.
TEST(SyslogFrame, SyslogDrainMessagesNameTheHostByTheTokenWithAnEmptyStructuredData) {
  const Framing syslog{"d.0b8e2c4a-1111-4222-8333-444455556666", true};
  EXPECT_EQ(syslog_message({at(0, 0), 0, "app", "worker.2", "tick"}, syslog),
            "<190>1 2026-01-02T12:00:00.000000+00:00 d.0b8e2c4a-1111-4222-8333-444455556666 app "
            "worker.2 - - tick\n");
}

// §2.3: octet counting counts the message's bytes, its trailing newline included
// (DC:log-drains' `83 <40>1 …` is 82 + 1).
TEST(SyslogFrame, OctetCountingCountsTheTrailingNewline) {
  std::string out;
  append_octet_counted(out,
                       "<40>1 2012-11-30T06:45:29+00:00 host app web.3 - State changed from "
                       "starting to up\n");
  EXPECT_EQ(out.substr(0, 3), "83 ");
  append_octet_counted(out, "x\n");
  EXPECT_EQ(out.substr(out.size() - 4), "2 x\n");
}

// The drains' hot path frames a line straight into a batch: the same bytes as the message
// octet-counted, after what the batch holds already, for both framings and a dyno-less line.
TEST(SyslogFrame, FramingIntoABatchIsTheOctetCountedMessage) {
  const Framing https{"host", false};
  const Framing syslog{"d.0b8e2c4a-1111-4222-8333-444455556666", true};
  const std::string long_one(5000, 'x');
  const common::LogLine lines[] = {
      {at(5, 112000), 0, "app", "web.1", "listening on 5000"},
      {at(59, 999999), 0, "heroku", "router", long_one},
      {at(0, 0), 0, "app", "", "no dyno"},
  };
  for (const auto* framing : {&https, &syslog}) {
    std::string batch = "12 earlier one\n", expected = batch;
    for (const auto& line : lines) {
      append_syslog_frame(batch, line, *framing);
      append_octet_counted(expected, syslog_message(line, *framing));
    }
    EXPECT_EQ(batch, expected);
  }
}

// §2.4: L10 says how many messages were dropped since when, as a `heroku logplex` warning.
TEST(SyslogFrame, OverflowMessageIsLogplexsL10) {
  EXPECT_EQ(overflow_message(at(9, 250000), 500, at(4, 999999), {"host", false}),
            "<172>1 2026-01-02T12:00:09.250000+00:00 host heroku logplex - Error L10 (output "
            "buffer overflow): 500 messages dropped since 2026-01-02T12:00:04+00:00.\n");
}

}  // namespace
}  // namespace lokku::drains
