// Config vars (CFG-1..3): read, and set or unset in one new release.
#include "api/api_error.hpp"
#include "api/request_body.hpp"
#include "api/routes.hpp"
#include "store/changes.hpp"

#include <fmt/format.h>

namespace lokku::api {

namespace json = boost::json;

namespace {

json::object config_json(const store::App& app) {
  json::object o;
  for (const auto& [k, v] : app.config) {
    o[k] = v;
  }
  return o;
}

Response info(Context& c) {
  return json_response(200, config_json(c.app()));
}

Response update(Context& c) {
  auto app = c.app();
  auto body = c.body();
  const auto& o = body_object(body);
  release::ConfigVars set;
  std::vector<std::string> unset, keys;
  for (const auto& kv : o) {
    std::string k(kv.key());
    store::check_config_key(k);
    if (kv.value().is_null()) {
      unset.push_back(k);
    } else if (kv.value().is_string()) {
      set[k] = std::string(kv.value().as_string());
    } else {
      invalid(fmt::format("The value of {} must be a string or null.", k));
    }
    keys.push_back(k);
  }
  if (!keys.empty()) {
    c.release(
        app.name,
        [&](store::App& a) {
          store::set_config(a, set);
          for (const auto& k : unset) {
            a.config.erase(k);
          }
        },
        [&](const store::App&) {
          return store::config_description(set.empty() ? "Remove" : "Set", keys);
        });
    app = c.app_named(app.name);
  }
  return json_response(200, config_json(app));
}

}  // namespace

void add_config_var_routes(Routes& t) {
  t.add("GET", "/apps/{app}/config-vars", info);
  t.add("PATCH", "/apps/{app}/config-vars", update);
}

}  // namespace lokku::api
