// Threshold alerts (lokku's own resource, issue #22 point 2; `lokku alerts:*` does the same):
// the app's alerts with their state, added and removed.
#include "api/api_error.hpp"
#include "api/request_body.hpp"
#include "api/routes.hpp"
#include "api/schema.hpp"
#include "store/changes.hpp"

namespace lokku::api {

namespace json = boost::json;

namespace {

Response list(Context& c) {
  auto app = c.app();
  json::array out;
  for (const auto& a : app.alerts) {
    out.push_back(alert_json(app, a));
  }
  return list_response(c, std::move(out), "id", {"id", "created_at"});
}

Response create(Context& c) {
  auto app = c.app();
  auto body = c.body();
  const auto& o = body_object(body);
  const auto kind = string_field(o, "kind").value_or("");
  const auto* threshold = o.if_contains("threshold");
  if (!threshold || !threshold->is_number()) {
    invalid("threshold must be a number (latency: p95 ms; error-rate: percent)");
  }
  const auto sensitivity = int_field(o, "sensitivity").value_or(1);
  auto made = store::add_alert(c.store, app.name, kind, threshold->to_number<double>(),
                               static_cast<int>(sensitivity));
  return json_response(201, alert_json(c.app(), made));
}

Response destroy(Context& c) {
  auto app = c.app();
  return json_response(200,
                       alert_json(app, store::remove_alert(c.store, app.name, c.param("alert"))));
}

}  // namespace

void add_alert_routes(Routes& t) {
  t.add("GET", "/apps/{app}/alerts", list);
  t.add("POST", "/apps/{app}/alerts", create);
  t.add("DELETE", "/apps/{app}/alerts/{alert}", destroy);
}

}  // namespace lokku::api
