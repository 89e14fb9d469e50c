#pragma once
// Reading an app's metrics back: the windows of a period at a chosen resolution, merged from
// what the store keeps (ten-second windows for the last hour, minutes for the last day), with
// the events and releases that mark the charts. What `lokku metrics` prints and the API's
// `/apps/{app}/metrics` serves.

#include "metrics/metrics_store.hpp"
#include "store/store.hpp"

#include <boost/json/object.hpp>

#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace lokku::metrics {

struct ReportQuery {
  std::string type;                  ///< one process type, or empty: every type
  std::chrono::seconds since{3600};  ///< how far back from `now`
  std::chrono::seconds step{60};     ///< 10 s, or whole minutes
  SystemTime now = std::chrono::system_clock::now();
};

/// `10s`, `5m`, `1h`, `24h`, `1d`: a whole number and a unit; nullopt for anything else or 0.
std::optional<std::chrono::seconds> parse_period(std::string_view text);
/// `10s`, `1m`, `2h`.
std::string format_period(std::chrono::seconds s);

/// Why a query cannot be answered (`--step 10s` over more than the hour kept at ten
/// seconds, ...), or empty.
std::string check_query(const ReportQuery& q);

struct Row {
  SystemTime start;
  TypePoint data;
};

struct Series {
  std::string type;
  std::vector<Row> rows;  ///< every step of the period, oldest first, empty ones included
};

struct Report {
  SystemTime start, end;
  std::chrono::seconds step{60};
  std::vector<Series> types;  ///< by type name
  std::vector<Event> events;  ///< by time
};

/// The report of `q` from `store`, with `app`'s releases of the period among the events.
/// Throws MetricsError when the store cannot be read, std::invalid_argument when
/// check_query() says why not.
Report read_report(const MetricsStore& store, const store::App& app, const ReportQuery& q);

/// The JSON of `lokku metrics --json` and of `GET /apps/{app}/metrics` (README, "Metrics").
boost::json::object report_json(const std::string& app, const Report& r);

/// `2026-12-06T14:00:00Z`
std::string iso_time(SystemTime t);

}  // namespace lokku::metrics
