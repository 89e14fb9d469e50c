#include "drains/syslog_frame.hpp"

#include "common/log_line.hpp"

#include <fmt/format.h>

#include <charconv>

namespace lokku::drains {

namespace {
constexpr int kInfo = 6;
constexpr int kLocal0 = 16;
constexpr int kLocal3 = 19;
constexpr int kLocal7 = 23;

/// The timestamp in seconds (`2013-04-17T19:04:46+00:00`), as L10's text has it.
std::string whole_seconds(common::SystemTime t) {
  std::string stamp = common::format_timestamp(t);
  const auto dot = stamp.find('.');
  const auto zone = stamp.find('+', dot);
  if (dot != std::string::npos && zone != std::string::npos) {
    stamp.erase(dot, zone - dot);
  }
  return stamp;
}

/// `<PRI>1 TIME HOSTNAME APP-NAME PROCID - [- ]MSG\n` appended to `out`: the one place that
/// lays a message out.
void append_message(std::string& out, std::string_view pri, common::SystemTime time,
                    std::string_view app_name, std::string_view proc, std::string_view text,
                    const Framing& framing) {
  out += '<';
  out += pri;
  out += ">1 ";
  common::append_timestamp(out, time);
  out += ' ';
  out += framing.hostname;
  out += ' ';
  out += app_name;
  out += ' ';
  out += proc.empty() ? std::string_view("-") : proc;
  out += framing.structured_data ? " - - " : " - ";
  out += text;
  out += '\n';
}

std::string message(int pri, common::SystemTime time, std::string_view app_name,
                    std::string_view proc, std::string_view text, const Framing& framing) {
  std::string out;
  append_message(out, std::to_string(pri), time, app_name, proc, text, framing);
  return out;
}
}  // namespace

int priority(std::string_view source, std::string_view dyno) {
  if (source == "app") {
    return dyno == "api" ? 5 * 8 + 5 : kLocal7 * 8 + kInfo;
  }
  return (dyno == "router" ? kLocal3 : kLocal0) * 8 + kInfo;
}

std::string syslog_message(const common::LogLine& line, const Framing& framing) {
  return message(priority(line.source, line.dyno), line.time, line.source, line.dyno, line.message,
                 framing);
}

std::string overflow_message(common::SystemTime now, std::size_t dropped, common::SystemTime since,
                             const Framing& framing) {
  constexpr int kLocal5Warning = 21 * 8 + 4;
  return message(kLocal5Warning, now, "heroku", "logplex",
                 fmt::format("Error L10 (output buffer overflow): {} messages dropped since {}.",
                             dropped, whole_seconds(since)),
                 framing);
}

void append_syslog_frame(std::string& out, const common::LogLine& line, const Framing& framing) {
  char pri_text[8];
  const auto pri_end =
      std::to_chars(pri_text, pri_text + sizeof pri_text, priority(line.source, line.dyno)).ptr;
  const std::string_view pri(pri_text, static_cast<std::size_t>(pri_end - pri_text));
  const std::string_view proc = line.dyno.empty() ? std::string_view("-") : line.dyno;
  // Its length first, so that the count goes before it without moving it: `<PRI>1 `, the
  // timestamp (32 characters: `2026-01-02T12:00:05.112000+00:00`), and the fields.
  constexpr std::size_t kStamp = 32;
  const std::size_t length = 1 + pri.size() + 3 + kStamp + 1 + framing.hostname.size() + 1 +
                             line.source.size() + 1 + proc.size() +
                             (framing.structured_data ? 5 : 3) + line.message.size() + 1;
  char count[24];
  auto count_end = std::to_chars(count, count + sizeof count, length).ptr;
  *count_end++ = ' ';
  const std::size_t start = out.size();
  out.append(count, count_end);
  const std::size_t frame = out.size();
  append_message(out, pri, line.time, line.source, proc, line.message, framing);
  if (out.size() - frame != length) {
    // A timestamp of another length (a year past 9999): counted again, the slow way.
    const std::string whole = out.substr(frame);
    out.resize(start);
    append_octet_counted(out, whole);
  }
}

void append_octet_counted(std::string& out, std::string_view message) {
  out += std::to_string(message.size());
  out += ' ';
  out += message;
}

}  // namespace lokku::drains
