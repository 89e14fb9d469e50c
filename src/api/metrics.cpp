// The metrics API's error counts (`heroku apps:errors`; drains-webhooks-metrics.md §4.3). The
// CLI sends these to api.metrics.herokai.com, which lokku's proxy brings here
// (local_proxy.hpp); they are read from the app's metrics store (platform/error_counts.hpp).
// And lokku's own `/apps/{app}/metrics`: what `lokku metrics --json` prints, for the dashboard
// and scripts.
#include "api/api_error.hpp"
#include "api/routes.hpp"
#include "api/schema.hpp"
#include "metrics/report.hpp"
#include "platform/error_counts.hpp"

#include <boost/json.hpp>

namespace lokku::api {

namespace json = boost::json;

namespace {

common::SystemTime time_param(const Context& c, const char* name, common::SystemTime fallback) {
  auto text = c.query(name);
  if (!text) {
    return fallback;
  }
  auto t = common::parse_timestamp(*text);
  if (!t) {
    fail(400, "bad_request",
         std::string("invalid ") + name + " provided: expected an ISO 8601 time in UTC");
  }
  return *t;
}

platform::ErrorQuery query_of(const Context& c) {
  platform::ErrorQuery q;
  // What the platform measured is dated on its clock, which runs ahead of the wall clock when
  // time-scaled or advanced; a client's times (the CLI's `apps:errors` sends the last 24 hours
  // of the wall clock) are read relative to now, on the platform's clock.
  const auto wall = std::chrono::system_clock::now();
  const auto ahead = c.platform.now() - wall;
  const auto end = time_param(c, "end_time", wall);
  q.start = time_param(c, "start_time", end - std::chrono::hours(24)) + ahead;
  q.end = end + ahead;
  if (auto step = c.query("step")) {
    auto s = platform::parse_step(*step);
    if (!s) {
      fail(400, "bad_request", "invalid step provided: expected a duration such as 1h or 10m");
    }
    q.step = *s;
  }
  if (!platform::error_steps(q)) {
    fail(400, "bad_request",
         "invalid time range provided: end_time must come after start_time, within " +
             std::to_string(platform::kMaxErrorSteps) + " steps");
  }
  return q;
}

Response series_response(const platform::ErrorQuery& q, const platform::ErrorSeries& s) {
  json::object data;
  for (const auto& [code, counts] : s.counts) {
    json::array values;
    for (long n : counts) {
      values.push_back(n == 0 ? json::value(nullptr) : json::value(n));
    }
    data[code] = std::move(values);
  }
  return json_response(200, json::object{{"data", std::move(data)},
                                         {"start_time", common::format_timestamp(q.start)},
                                         {"end_time", common::format_timestamp(q.end)},
                                         {"step", platform::format_step(q.step)}});
}

Response router_errors(Context& c) {
  const auto app = c.app();
  auto q = query_of(c);
  if (auto type = c.query("process_type"); type && *type != "web") {
    fail(400, "bad_request", "invalid process_type provided: the router serves web only");
  }
  q.router = true;
  return series_response(q, platform::app_errors(c.store, app.name, q));
}

Response formation_errors(Context& c) {
  const auto app = c.app();
  const std::string& type = c.param("type");
  if (formation_json(app, {type}).empty()) {
    fail(400, "bad_request", "invalid process_type provided: " + app.name + " has no " + type);
  }
  auto q = query_of(c);
  q.process_type = type;
  return series_response(q, platform::app_errors(c.store, app.name, q));
}

std::chrono::seconds period_param(const Context& c, const char* name,
                                  std::chrono::seconds fallback) {
  auto text = c.query(name);
  if (!text) {
    return fallback;
  }
  auto p = metrics::parse_period(*text);
  if (!p) {
    fail(400, "bad_request",
         std::string("invalid ") + name + " provided: expected a duration such as 10s, 5m or 1h");
  }
  return *p;
}

Response app_metrics(Context& c) {
  const auto app = c.app();
  metrics::ReportQuery q;
  q.now = c.platform.now();  // the platform dates what it measures on its clock
  q.type = c.query("type").value_or("");
  q.since = period_param(c, "since", q.since);
  q.step = period_param(c, "resolution", q.step);
  if (auto why = metrics::check_query(q); !why.empty()) {
    fail(400, "bad_request", why);
  }
  try {
    metrics::MetricsStore db(c.store.metrics_file(app.name), metrics::MetricsStore::Mode::read);
    return json_response(200, metrics::report_json(app.name, metrics::read_report(db, app, q)));
  } catch (const metrics::MetricsError& e) {
    fail(503, "unavailable", e.what());
  }
}

}  // namespace

void add_metrics_routes(Routes& t) {
  t.add("GET", "/apps/{app}/metrics", app_metrics);
  t.add("GET", "/apps/{app}/router-metrics/errors", router_errors);
  t.add("GET", "/apps/{app}/formation/{type}/metrics/errors", formation_errors);
}

}  // namespace lokku::api
