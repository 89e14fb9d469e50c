// `/lokku/chaos` (issue #25 point 1): faults on purpose, as `lokku chaos:*` makes them.
// lokku's own, behind the token like the Platform API. `GET` lists them (`?app=`), `POST`
// adds one (`{"kind": "crash", "app": "web", "type": "web"}`, with `dyno`, `addon`, `for`,
// `rate`, `delay`, `after_head`), `DELETE` clears an app's (`?app=`) or all, `DELETE
// /lokku/chaos/{id}` one.
#include "platform/chaos.hpp"

#include "api/api_error.hpp"
#include "api/request_body.hpp"
#include "api/routes.hpp"

namespace lokku::api {

namespace json = boost::json;

namespace {

Response listing(int status, const std::vector<platform::Fault>& faults) {
  json::array a;
  for (const auto& f : faults) {
    a.push_back(platform::to_json(f));
  }
  return json_response(status, std::move(a));
}

Response list(Context& c) {
  return listing(200, platform::read_faults(c.store, c.query("app").value_or("")));
}

Response add(Context& c) {
  auto body = c.body();
  const auto& o = body_object(body);
  platform::FaultRequest r;
  r.kind = string_field(o, "kind").value_or("");
  r.app = string_field(o, "app").value_or("");
  if (r.app.empty()) {
    invalid("app: name the app the fault is for");
  }
  (void)c.app_named(r.app);  // 404 for an app that is not there
  r.type = string_field(o, "type").value_or("");
  r.dyno = string_field(o, "dyno").value_or("");
  r.addon = string_field(o, "addon").value_or("");
  r.duration = string_field(o, "for").value_or("");
  if (const auto* rate = o.if_contains("rate"); rate && !rate->is_null()) {
    if (!rate->is_number()) {
      invalid("rate: must be a number");
    }
    r.rate = rate->to_number<double>();
  }
  r.delay = string_field(o, "delay").value_or("");
  if (const auto* a = o.if_contains("after_head"); a && !a->is_null()) {
    if (!a->is_bool()) {
      invalid("after_head: must be true or false");
    }
    r.after_head = a->as_bool();
  }
  auto f = platform::add_fault(c.store, r, c.platform.now());
  return json_response(201, platform::to_json(f));
}

Response clear(Context& c) {
  return listing(200, platform::clear_faults(c.store, c.query("app").value_or("")));
}

Response clear_one(Context& c) {
  const auto& text = c.param("id");
  const auto id = platform::parse_fault_id(text);
  if (!id) {
    not_found("fault " + text);
  }
  return listing(200, platform::clear_faults(c.store, "", *id));
}

}  // namespace

void add_chaos_routes(Routes& t) {
  t.add("GET", "/lokku/chaos", list);
  t.add("POST", "/lokku/chaos", add);
  t.add("DELETE", "/lokku/chaos", clear);
  t.add("DELETE", "/lokku/chaos/{id}", clear_one);
}

}  // namespace lokku::api
