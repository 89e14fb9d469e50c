// lokku metrics: what the platform measured of an app (drains-webhooks-metrics.md §4.1, the
// Metrics tab's charts) read from its metrics store: per process type and step, throughput by
// status class, response-time percentiles, errors, memory and load, with the period's
// events. A table for scripts, sparklines on a terminal, the API's JSON with --json.
#include "app/command_support.hpp"
#include "app/commands.hpp"
#include "app/platform_clock.hpp"
#include "metrics/report.hpp"
#include "release/error.hpp"

#include <boost/json.hpp>
#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <functional>
#include <iostream>
#include <stdexcept>
#include <unistd.h>

namespace lokku::app {

namespace json = boost::json;
using metrics::Row;

namespace {

using Value = std::function<std::optional<double>(const metrics::TypePoint&)>;

struct Column {
  const char* name;
  Value value;
  int decimals;
};

const std::array<Column, 11>& columns() {
  static const std::array<Column, 11> kColumns{{
      {"2xx", [](const auto& d) { return static_cast<double>(d.requests[0]); }, 0},
      {"3xx", [](const auto& d) { return static_cast<double>(d.requests[1]); }, 0},
      {"4xx", [](const auto& d) { return static_cast<double>(d.requests[2]); }, 0},
      {"5xx", [](const auto& d) { return static_cast<double>(d.requests[3]); }, 0},
      {"p50 ms", [](const auto& d) { return d.service.quantile(0.50); }, 1},
      {"p95 ms", [](const auto& d) { return d.service.quantile(0.95); }, 1},
      {"p99 ms", [](const auto& d) { return d.service.quantile(0.99); }, 1},
      {"max ms",
       [](const auto& d) {
         return d.service.empty() ? std::nullopt : std::optional<double>(d.service.max());
       },
       1},
      {"rss MB", [](const auto& d) { return d.mean(d.rss_mb); }, 1},
      {"load", [](const auto& d) { return d.mean(d.load); }, 2},
      {"dynos", [](const auto& d) { return d.mean(d.dynos); }, 1},
  }};
  return kColumns;
}

std::string cell(std::optional<double> v, int decimals) {
  return v ? fmt::format("{:.{}f}", *v, decimals) : std::string("-");
}

std::string errors_of(const metrics::TypePoint& d) {
  std::string out;
  for (const auto& [code, n] : d.errors) {
    out += fmt::format("{}{}={}", out.empty() ? "" : ",", code, n);
  }
  return out.empty() ? "-" : out;
}

/// `▁▂▃▅▇` of `values` (a gap where there is none), scaled from 0 to their largest.
std::string sparkline(const std::vector<std::optional<double>>& values) {
  static const std::array<const char*, 8> kBars{"▁", "▂", "▃", "▄", "▅", "▆", "▇", "█"};
  double top = 0;
  for (const auto& v : values) {
    top = std::max(top, v.value_or(0));
  }
  std::string out;
  for (const auto& v : values) {
    if (!v) {
      out += ' ';
      continue;
    }
    auto i = top > 0 ? static_cast<std::size_t>(std::lround(*v / top * 7)) : 0;
    out += kBars[std::min<std::size_t>(i, 7)];
  }
  return out;
}

void print_table(const metrics::Report& r) {
  for (const auto& s : r.types) {
    std::cout << fmt::format("=== {} ({} steps from {} to {})\n", s.type,
                             metrics::format_period(r.step), metrics::iso_time(r.start),
                             metrics::iso_time(r.end));
    std::cout << fmt::format("{:<20}", "time");
    for (const auto& c : columns()) {
      std::cout << fmt::format(" {:>8}", c.name);
    }
    std::cout << "  errors\n";
    for (const auto& row : s.rows) {
      std::cout << fmt::format("{:<20}", metrics::iso_time(row.start));
      for (const auto& c : columns()) {
        std::cout << fmt::format(" {:>8}", cell(c.value(row.data), c.decimals));
      }
      std::cout << "  " << errors_of(row.data) << '\n';
    }
    std::cout << '\n';
  }
}

void print_sparklines(const metrics::Report& r) {
  for (const auto& s : r.types) {
    const auto span = std::chrono::duration_cast<std::chrono::seconds>(r.end - r.start);
    std::cout << fmt::format("\033[1m=== {}\033[0m  the last {} in {} steps, newest on the right\n",
                             s.type, metrics::format_period(span), metrics::format_period(r.step));
    std::cout << fmt::format("{:<8} {:<{}} {:>9} {:>9}\n", "", "", s.rows.size(), "latest", "max");
    metrics::TypePoint all;
    for (const auto& row : s.rows) {
      all.merge(row.data);
    }
    for (const auto& c : columns()) {
      std::vector<std::optional<double>> values;
      std::optional<double> top;
      for (const auto& row : s.rows) {
        values.push_back(c.value(row.data));
        if (values.back()) {
          top = std::max(top.value_or(0), *values.back());
        }
      }
      std::optional<double> latest;
      for (auto it = values.rbegin(); it != values.rend() && !latest; ++it) {
        latest = *it;
      }
      std::cout << fmt::format("{:<8} {} {:>9} {:>9}\n", c.name, sparkline(values),
                               cell(latest, c.decimals), cell(top, c.decimals));
    }
    std::cout << fmt::format("errors   {}   restarts {}   crashes {}\n\n", errors_of(all),
                             all.restarts, all.crashes);
  }
  if (!r.events.empty()) {
    std::cout << "\033[1m=== Events\033[0m\n";
    for (const auto& e : r.events) {
      std::cout << fmt::format("{}  {:<8} {}\n", metrics::iso_time(e.time), e.kind, e.description);
    }
  }
}

std::chrono::seconds period_arg(const std::string& text, const char* flag) {
  auto p = metrics::parse_period(text);
  if (!p) {
    throw release::InputError(
        fmt::format("{} {}: expected a duration such as 10s, 5m, 1h or 24h", flag, text));
  }
  return *p;
}

}  // namespace

int run_metrics(const CommandOptions& o) {
  auto st = open_store();
  auto app = st.load(app_of(o));
  const bool tty = !o.json && ::isatty(STDOUT_FILENO) == 1;
  metrics::ReportQuery q;
  q.now = platform_now(st);  // the platform dates what it measures on its clock
  q.type = o.process_type;
  q.since = period_arg(o.since, "--since");
  if (!o.resolution.empty()) {
    q.step = period_arg(o.resolution, "--resolution");
  } else if (tty) {
    // About sixty points a line: whole minutes, ten seconds for the last ten minutes or less.
    q.step = q.since <= std::chrono::minutes(10)
                 ? metrics::kLiveStep
                 : std::chrono::seconds(std::chrono::ceil<std::chrono::minutes>(q.since / 60));
  }
  if (auto why = metrics::check_query(q); !why.empty()) {
    throw release::InputError(why);
  }
  metrics::Report report;
  try {
    metrics::MetricsStore db(st.metrics_file(app.name), metrics::MetricsStore::Mode::read);
    report = metrics::read_report(db, app, q);
  } catch (const metrics::MetricsError& e) {
    throw release::InputError(e.what());
  }
  if (o.json) {
    std::cout << json::serialize(metrics::report_json(app.name, report)) << '\n';
  } else if (tty) {
    print_sparklines(report);
  } else {
    print_table(report);
  }
  return 0;
}

}  // namespace lokku::app
