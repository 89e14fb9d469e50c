#include "platform/error_counts.hpp"

#include "metrics/metrics_store.hpp"
#include "platform/runtime.hpp"

#include <fmt/format.h>

#include <charconv>
#include <ctime>
#include <stdexcept>

namespace lokku::platform {

namespace {

bool is_code(std::string_view s, char letter) {
  if (s.size() < 3 || s[0] != letter) {
    return false;
  }
  for (char c : s.substr(1)) {
    if (c < '0' || c > '9') {
      return false;
    }
  }
  return true;
}

}  // namespace

ErrorInfo error_info(std::string_view code) {
  // Heroku's error codes (devcenter.heroku.com/articles/error-codes) with the CLI's levels.
  static constexpr std::pair<std::string_view, ErrorInfo> kCodes[] = {
      {"H10", {"critical", "App Crashed"}},
      {"H11", {"critical", "Backlog too deep"}},
      {"H12", {"critical", "Request Timeout"}},
      {"H13", {"critical", "Connection closed without response"}},
      {"H14", {"critical", "No web dynos running"}},
      {"H15", {"warning", "Idle connection"}},
      {"H16", {"warning", "Redirect to herokuapp.com"}},
      {"H17", {"warning", "Poorly formatted HTTP response"}},
      {"H18", {"critical", "Server Request Interrupted"}},
      {"H19", {"critical", "Backend connection timeout"}},
      {"H20", {"critical", "App boot timeout"}},
      {"H21", {"critical", "Backend connection refused"}},
      {"H22", {"critical", "Connection limit reached"}},
      {"H23", {"critical", "Endpoint misconfigured"}},
      {"H24", {"critical", "Forced close"}},
      {"H25", {"critical", "HTTP Restriction"}},
      {"H26", {"critical", "Request Error"}},
      {"H27", {"info", "Client Request Interrupted"}},
      {"H28", {"warning", "Client Connection Idle"}},
      {"H31", {"critical", "Misdirected Request"}},
      {"H80", {"warning", "Maintenance Mode"}},
      {"H81", {"info", "Blank app"}},
      {"H82", {"info", "You've used up your dyno hour pool"}},
      {"H99", {"critical", "Platform error"}},
      {"R10", {"critical", "Boot timeout"}},
      {"R12", {"warning", "Exit timeout"}},
      {"R13", {"warning", "Attach error"}},
      {"R14", {"critical", "Memory quota exceeded"}},
      {"R15", {"critical", "Memory quota vastly exceeded"}},
      {"R16", {"warning", "Detached"}},
      {"R99", {"warning", "Platform error"}},
      {"L10", {"warning", "Drain buffer overflow"}},
      {"L11", {"warning", "Tail buffer overflow"}},
      {"L12", {"warning", "Local buffer overflow"}},
      {"L13", {"critical", "Local delivery error"}},
  };
  for (const auto& [name, info] : kCodes) {
    if (name == code) {
      return info;
    }
  }
  return {"critical", "unknown error"};
}

std::optional<std::chrono::seconds> parse_step(std::string_view text) {
  std::chrono::seconds total{0};
  std::size_t i = 0;
  if (text.empty()) {
    return std::nullopt;
  }
  while (i < text.size()) {
    long long n = 0;
    auto r = std::from_chars(text.data() + i, text.data() + text.size(), n);
    if (r.ec != std::errc() || r.ptr == text.data() + text.size() || n < 0 || n > 1000000) {
      return std::nullopt;
    }
    i = static_cast<std::size_t>(r.ptr - text.data());
    switch (text[i++]) {
      case 'h':
        total += std::chrono::hours(n);
        break;
      case 'm':
        total += std::chrono::minutes(n);
        break;
      case 's':
        total += std::chrono::seconds(n);
        break;
      default:
        return std::nullopt;
    }
  }
  if (total.count() == 0) {
    return std::nullopt;
  }
  return total;
}

std::string format_step(std::chrono::seconds step) {
  // As Go's time.Duration prints it: the largest unit first, none above it that is zero.
  const long long s = step.count();
  if (s >= 3600) {
    return fmt::format("{}h{}m{}s", s / 3600, s % 3600 / 60, s % 60);
  }
  if (s >= 60) {
    return fmt::format("{}m{}s", s / 60, s % 60);
  }
  return fmt::format("{}s", s);
}

std::optional<std::size_t> error_steps(const ErrorQuery& q) {
  if (q.end <= q.start || q.step.count() <= 0) {
    return std::nullopt;
  }
  const auto span = std::chrono::duration_cast<std::chrono::seconds>(q.end - q.start);
  const auto n = static_cast<std::size_t>((span.count() + q.step.count() - 1) / q.step.count());
  if (n == 0 || n > kMaxErrorSteps) {
    return std::nullopt;
  }
  return n;
}

bool wanted_code(std::string_view code, const ErrorQuery& q) {
  return q.router ? is_code(code, 'H') : is_code(code, 'R') || is_code(code, 'L');
}

void count_errors(const std::vector<metrics::Point>& minutes, const ErrorQuery& q,
                  ErrorSeries& series) {
  const std::string& type = q.router ? std::string("web") : q.process_type;
  for (const auto& p : minutes) {
    if (p.type != type || p.start < q.start || p.start >= q.end) {
      continue;
    }
    const auto i = static_cast<std::size_t>(
        std::chrono::duration_cast<std::chrono::seconds>(p.start - q.start).count() /
        q.step.count());
    if (i >= series.steps) {
      continue;
    }
    for (const auto& [code, n] : p.data.errors) {
      if (!wanted_code(code, q)) {
        continue;
      }
      auto& counts = series.counts[code];
      counts.resize(series.steps, 0);
      counts[i] += static_cast<long>(n);
    }
  }
}

ErrorSeries app_errors(const store::Store& store, const std::string& app, const ErrorQuery& q) {
  auto steps = error_steps(q);
  if (!steps) {
    throw std::invalid_argument(fmt::format(
        "the time range must end after it starts and cover at most {} steps", kMaxErrorSteps));
  }
  ErrorSeries series;
  series.steps = *steps;
  metrics::MetricsStore db(store.metrics_file(app), metrics::MetricsStore::Mode::read);
  count_errors(db.points(metrics::kMinuteStep, q.start, q.end, q.router ? "web" : q.process_type),
               q, series);
  return series;
}

}  // namespace lokku::platform
