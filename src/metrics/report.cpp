#include "metrics/report.hpp"

#include <boost/json.hpp>
#include <fmt/chrono.h>
#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <ctime>
#include <map>
#include <stdexcept>

namespace lokku::metrics {

namespace json = boost::json;

namespace {

/// The kind of chart marker a release is, from its description (REL-4's wording).
std::string release_kind(std::string_view description) {
  if (description.starts_with("Deploy")) {
    return "deploy";
  }
  if (description.starts_with("Rollback")) {
    return "rollback";
  }
  if (description.ends_with("config vars") || description.ends_with("config var")) {
    return "config";
  }
  return "release";
}

json::value number_or_null(std::optional<double> v) {
  if (!v) {
    return nullptr;
  }
  return std::round(*v * 100) / 100;
}

json::object row_json(const Row& row) {
  const auto& d = row.data;
  json::object requests;
  for (std::size_t i = 0; i < kStatusClassNames.size(); ++i) {
    requests[kStatusClassNames[i]] = d.requests[i];
  }
  json::object errors;
  for (const auto& [code, n] : d.errors) {
    errors[code] = n;
  }
  json::object o{
      {"time", iso_time(row.start)},
      {"requests", std::move(requests)},
      {"p50", number_or_null(d.service.quantile(0.50))},
      {"p95", number_or_null(d.service.quantile(0.95))},
      {"p99", number_or_null(d.service.quantile(0.99))},
      {"max", d.service.empty() ? json::value(nullptr) : number_or_null(d.service.max())},
      {"errors", std::move(errors)},
      {"restarts", d.restarts},
      {"crashes", d.crashes},
      {"dynos", number_or_null(d.mean(d.dynos))},
      {"memory_rss_mb", number_or_null(d.mean(d.rss_mb))},
      {"memory_rss_max_mb", d.snapshots ? number_or_null(d.rss_mb.max) : nullptr},
      {"memory_swap_mb", number_or_null(d.mean(d.swap_mb))},
      {"memory_quota_mb", d.quota_mb > 0 ? json::value(d.quota_mb) : nullptr},
      {"load_mean", number_or_null(d.mean(d.load))},
      {"load_max", d.snapshots ? number_or_null(d.load.max) : nullptr}};
  // The share of its quota the fullest dyno used (R14 past 100 %).
  if (d.snapshots && d.quota_mb > 0) {
    o["memory_quota_pct"] = number_or_null((d.rss_mb.max + d.swap_mb.max) / d.quota_mb * 100);
  } else {
    o["memory_quota_pct"] = nullptr;
  }
  return o;
}

}  // namespace

std::optional<std::chrono::seconds> parse_period(std::string_view text) {
  long long n = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), n);
  if (ec != std::errc{} || n <= 0 || end + 1 != text.data() + text.size()) {
    return std::nullopt;
  }
  switch (*end) {
    case 's':
      return std::chrono::seconds(n);
    case 'm':
      return std::chrono::minutes(n);
    case 'h':
      return std::chrono::hours(n);
    case 'd':
      return std::chrono::hours(24 * n);
    default:
      return std::nullopt;
  }
}

std::string format_period(std::chrono::seconds s) {
  const auto n = s.count();
  if (n % 3600 == 0) {
    return fmt::format("{}h", n / 3600);
  }
  if (n % 60 == 0) {
    return fmt::format("{}m", n / 60);
  }
  return fmt::format("{}s", n);
}

std::string iso_time(SystemTime t) {
  const std::time_t secs = std::chrono::system_clock::to_time_t(t);
  std::tm tm{};
  ::gmtime_r(&secs, &tm);
  return fmt::format("{:%Y-%m-%dT%H:%M:%SZ}", tm);
}

std::string check_query(const ReportQuery& q) {
  if (q.step != kLiveStep && q.step % kMinuteStep != std::chrono::seconds(0)) {
    return "the resolution must be 10s or whole minutes (1m, 10m, 1h)";
  }
  if (q.step == kLiveStep && q.since > kLiveRetention) {
    return "ten-second windows are kept for 1h: ask for --since 1h or less, or --resolution 1m";
  }
  if (q.since > kMinuteRetention) {
    return "metrics are kept for 24h: ask for --since 24h or less";
  }
  if (q.since < q.step) {
    return fmt::format("--since {} is shorter than one step of {}", format_period(q.since),
                       format_period(q.step));
  }
  return {};
}

Report read_report(const MetricsStore& store, const store::App& app, const ReportQuery& q) {
  if (auto why = check_query(q); !why.empty()) {
    throw std::invalid_argument(why);
  }
  const auto source = q.step == kLiveStep ? kLiveStep : kMinuteStep;
  Report r;
  r.step = q.step;
  r.end = window_start(q.now, q.step) + q.step;
  r.start = r.end - (q.since / q.step) * q.step;
  std::map<std::string, std::map<SystemTime, TypePoint>> by_type;
  if (!q.type.empty()) {
    by_type[q.type];
  }
  for (auto& p : store.points(source, r.start, r.end, q.type)) {
    by_type[p.type][window_start(p.start, q.step)].merge(p.data);
  }
  for (auto& [type, windows] : by_type) {
    Series s{type, {}};
    for (auto t = r.start; t < r.end; t += q.step) {
      auto it = windows.find(t);
      s.rows.push_back(Row{t, it == windows.end() ? TypePoint{} : std::move(it->second)});
    }
    r.types.push_back(std::move(s));
  }
  r.events = store.events(r.start, r.end);
  for (const auto& rel : app.releases) {
    auto at = common::parse_timestamp(rel.created_at);
    if (at && *at >= r.start && *at < r.end) {
      r.events.push_back(Event{*at, release_kind(rel.description), "",
                               fmt::format("v{} {}", rel.version, rel.description)});
    }
  }
  std::stable_sort(r.events.begin(), r.events.end(),
                   [](const Event& a, const Event& b) { return a.time < b.time; });
  return r;
}

json::object report_json(const std::string& app, const Report& r) {
  json::object types;
  for (const auto& s : r.types) {
    json::array rows;
    for (const auto& row : s.rows) {
      rows.push_back(row_json(row));
    }
    types[s.type] = std::move(rows);
  }
  json::array events;
  for (const auto& e : r.events) {
    events.push_back(
        json::object{{"time", iso_time(e.time)},
                     {"kind", e.kind},
                     {"type", e.type.empty() ? json::value(nullptr) : json::value(e.type)},
                     {"description", e.description}});
  }
  return json::object{{"app", app},
                      {"start_time", iso_time(r.start)},
                      {"end_time", iso_time(r.end)},
                      {"step", format_period(r.step)},
                      {"types", std::move(types)},
                      {"events", std::move(events)}};
}

}  // namespace lokku::metrics
