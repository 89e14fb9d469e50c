#include "release/schedule.hpp"

#include "release/error.hpp"

#include <fmt/format.h>

#include <regex>

namespace lokku::release {

namespace {

constexpr const char* kForms =
    "\"every 10 minutes\", \"every hour at :MM\" (MM = 00, 10, 20, 30, 40 or 50) or "
    "\"every day at HH:MM\" (UTC, MM = 00 or 30)";

}  // namespace

std::chrono::minutes Frequency::interval() const {
  switch (kind) {
    case Kind::ten_minutes:
      return std::chrono::minutes(10);
    case Kind::hourly:
      return std::chrono::minutes(60);
    case Kind::daily:
      return std::chrono::minutes(24 * 60);
  }
  return std::chrono::minutes(10);
}

std::string Frequency::text() const {
  switch (kind) {
    case Kind::ten_minutes:
      return "every 10 minutes";
    case Kind::hourly:
      return fmt::format("every hour at :{:02}", minute);
    case Kind::daily:
      return fmt::format("every day at {:02}:{:02}", hour, minute);
  }
  return "";
}

Frequency parse_frequency(std::string_view text) {
  const std::string s(text);
  std::smatch m;
  Frequency f;
  if (std::regex_match(s, std::regex(R"(\s*every 10 minutes\s*)", std::regex::icase))) {
    return f;
  }
  if (std::regex_match(s, m,
                       std::regex(R"(\s*every hour(?: at :(\d\d))?\s*)", std::regex::icase))) {
    f.kind = Frequency::Kind::hourly;
    f.minute = m[1].matched ? std::stoi(m[1].str()) : 0;
    if (f.minute % 10 != 0 || f.minute > 50) {
      throw InputError(fmt::format("'{}': the minute must be 00, 10, 20, 30, 40 or 50", s));
    }
    return f;
  }
  if (std::regex_match(s, m,
                       std::regex(R"(\s*every day at (\d\d?):(\d\d)\s*)", std::regex::icase))) {
    f.kind = Frequency::Kind::daily;
    f.hour = std::stoi(m[1].str());
    f.minute = std::stoi(m[2].str());
    if (f.hour > 23 || (f.minute != 0 && f.minute != 30)) {
      throw InputError(
          fmt::format("'{}': a daily job runs at HH:00 or HH:30 (UTC), HH from 00 to 23", s));
    }
    return f;
  }
  throw InputError(fmt::format("'{}' is not a frequency; use {}", s, kForms));
}

std::chrono::system_clock::time_point next_run(const Frequency& f,
                                               std::chrono::system_clock::time_point after) {
  using namespace std::chrono;
  const auto day = floor<days>(after);
  switch (f.kind) {
    case Frequency::Kind::ten_minutes: {
      auto t = floor<minutes>(after);
      t -= minutes(t.time_since_epoch().count() % 10);
      while (t <= after) {
        t += minutes(10);
      }
      return t;
    }
    case Frequency::Kind::hourly: {
      auto t = floor<hours>(after) + minutes(f.minute);
      while (t <= after) {
        t += hours(1);
      }
      return t;
    }
    case Frequency::Kind::daily: {
      auto t = day + hours(f.hour) + minutes(f.minute);
      while (t <= after) {
        t += days(1);
      }
      return t;
    }
  }
  return after;
}

}  // namespace lokku::release
