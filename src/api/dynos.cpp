// Dynos: the platform's live view, restarts (`heroku ps:restart`), stops (`ps:stop`,
// `ps:kill`), and one-off dynos (`heroku run`, RUN-1..4).
#include "api/api_error.hpp"
#include "api/request_body.hpp"
#include "api/routes.hpp"
#include "api/schema.hpp"
#include "common/ids.hpp"

#include <boost/json/serialize.hpp>
#include <fmt/format.h>

#include <algorithm>
#include <cstdlib>

namespace lokku::api {

namespace json = boost::json;

namespace {

Response list(Context& c) {
  auto app = c.app();
  json::array out;
  for (const auto& d : c.platform.dynos(app.name)) {
    out.push_back(dyno_json(app, d));
  }
  return list_response(c, std::move(out), "name", {"name", "id"});
}

Response info(Context& c) {
  auto app = c.app();
  for (const auto& d : c.platform.dynos(app.name)) {
    if (d.name == c.param("dyno")) {
      return json_response(200, dyno_json(app, d));
    }
  }
  not_found("dyno");
}

Response restart_all(Context& c) {
  c.platform.restart(c.app().name, "");
  return json_response(202, json::object{});
}

/// A dyno by name, or (the CLI's older form) every dyno of a type.
Response restart_one(Context& c) {
  c.platform.restart(c.app().name, c.param("dyno"));
  return json_response(202, json::object{});
}

Response restart_type(Context& c) {
  c.platform.restart(c.app().name, c.param("type"));
  return json_response(202, json::object{});
}

Response stop(Context& c) {
  auto app = c.app();
  auto dynos = c.platform.dynos(app.name);
  const auto& name = c.param("dyno");
  if (std::none_of(dynos.begin(), dynos.end(), [&](const auto& d) { return d.name == name; })) {
    not_found("dyno");
  }
  c.platform.stop(app.name, name);
  return json_response(202, json::object{});
}

Response create(Context& c) {
  auto app = c.app();
  auto body = c.body();
  const auto& o = body_object(body);
  auto command = string_field(o, "command");
  if (!command || command->empty()) {
    invalid("command is required.");
  }
  platform::OneOffRequest req;
  req.app = app.name;
  req.command = *command;
  req.size = string_field(o, "size").value_or("");
  req.attach = bool_field(o, "attach").value_or(false);
  req.tty = !bool_field(o, "force_no_tty").value_or(false);
  if (const auto* env = object_field(o, "env")) {
    for (const auto& kv : *env) {
      const auto& v = kv.value();
      std::string key(kv.key());
      if (v.is_string()) {
        req.env[key] = std::string(v.as_string());
      } else if (v.is_int64() || v.is_uint64()) {
        // The CLI sends the terminal's COLUMNS and LINES as numbers.
        req.env[key] = json::serialize(v);
      } else if (!v.is_null()) {
        invalid(fmt::format("env.{} must be a string.", key));
      }
    }
  }
  auto dimension = [&](const char* key, unsigned short fallback) -> unsigned short {
    auto it = req.env.find(key);
    if (it == req.env.end()) {
      return fallback;
    }
    int v = std::atoi(it->second.c_str());
    return v > 0 && v < 10000 ? static_cast<unsigned short>(v) : fallback;
  };
  req.columns = dimension("COLUMNS", 80);
  req.rows = dimension("LINES", 24);
  auto started = c.platform.run_one_off(req);
  platform::ObservedDyno d{started.name,
                           "run",
                           "starting",
                           common::iso8601_now(),
                           req.command,
                           req.size.empty() ? "standard-1x" : req.size,
                           0};
  if (const auto* cur = app.current()) {
    d.release = cur->version;
  }
  auto j = dyno_json(app, d);
  if (req.attach) {
    j["attach_url"] = started.attach_url;
  }
  return json_response(201, j);
}

}  // namespace

void add_dyno_routes(Routes& t) {
  t.add("GET", "/apps/{app}/dynos", list);
  t.add("POST", "/apps/{app}/dynos", create);
  t.add("DELETE", "/apps/{app}/dynos", restart_all);
  t.add("GET", "/apps/{app}/dynos/{dyno}", info);
  t.add("DELETE", "/apps/{app}/dynos/{dyno}", restart_one);
  t.add("POST", "/apps/{app}/dynos/{dyno}/actions/stop", stop);
  t.add("DELETE", "/apps/{app}/formations/{type}", restart_type);
}

}  // namespace lokku::api
