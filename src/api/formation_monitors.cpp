// Web autoscaling as Heroku's metrics API has it (drains-webhooks-metrics.md §4.2): the
// official CLI's `ps:autoscale:enable/disable` GET, POST and PATCH the `scale` monitor of
// /apps/{app id}/formation/web/monitors on api.metrics.heroku.com, which lokku's proxy brings
// here (local_proxy.hpp). The monitor is the app's `autoscale` in the store; the platform acts
// on it.
#include "api/api_error.hpp"
#include "api/request_body.hpp"
#include "api/routes.hpp"
#include "store/changes.hpp"

namespace lokku::api {

namespace json = boost::json;

namespace {

json::object monitor_json(const store::App& app) {
  const auto& x = app.autoscale;
  json::array channels;
  if (x.notify) {
    channels.push_back("app");
  }
  return {{"id", x.id},
          {"app_id", app.id},
          {"process_type", "web"},
          {"action_type", "scale"},
          {"name", "LATENCY_SCALE"},
          {"is_active", x.active},
          {"op", "GREATER_OR_EQUAL"},
          {"period", 1},
          {"value", x.p95_ms},
          {"min_quantity", x.min},
          {"max_quantity", x.max},
          {"notification_channels", std::move(channels)},
          {"notification_period", 1440},
          {"created_at", x.created_at},
          {"updated_at", x.updated_at}};
}

void web_only(const Context& c) {
  if (c.param("type") != "web") {
    fail(422, "invalid_params", "Only web dynos autoscale");
  }
}

std::optional<int> int_of(const json::object& o, const char* key) {
  auto v = int_field(o, key);
  return v ? std::optional<int>(static_cast<int>(*v)) : std::nullopt;
}

std::optional<bool> notify_of(const json::object& o) {
  const auto* v = o.if_contains("notification_channels");
  if (!v || v->is_null()) {
    return std::nullopt;
  }
  if (!v->is_array()) {
    invalid("notification_channels must be an array");
  }
  return !v->as_array().empty();
}

Response list(Context& c) {
  web_only(c);
  auto app = c.app();
  json::array out;
  if (!app.autoscale.id.empty()) {
    out.push_back(monitor_json(app));
  }
  return json_response(200, out);
}

Response create(Context& c) {
  web_only(c);
  auto app = c.app();
  auto body = c.body();
  const auto& o = body_object(body);
  if (string_field(o, "action_type").value_or("scale") != "scale") {
    invalid("Only monitors of action_type scale are kept here");
  }
  store::set_autoscale(c.store, app.name, bool_field(o, "is_active").value_or(true),
                       int_of(o, "min_quantity"), int_of(o, "max_quantity"), int_of(o, "value"),
                       notify_of(o));
  return json_response(201, monitor_json(c.app()));
}

Response update(Context& c) {
  web_only(c);
  auto app = c.app();
  if (app.autoscale.id.empty() || app.autoscale.id != c.param("monitor")) {
    not_found("monitor");
  }
  auto body = c.body();
  const auto& o = body_object(body);
  store::set_autoscale(c.store, app.name, bool_field(o, "is_active").value_or(true),
                       int_of(o, "min_quantity"), int_of(o, "max_quantity"), int_of(o, "value"),
                       notify_of(o));
  return json_response(200, monitor_json(c.app()));
}

}  // namespace

void add_formation_monitor_routes(Routes& t) {
  t.add("GET", "/apps/{app}/formation/{type}/monitors", list);
  t.add("POST", "/apps/{app}/formation/{type}/monitors", create);
  t.add("PATCH", "/apps/{app}/formation/{type}/monitors/{monitor}", update);
}

}  // namespace lokku::api
