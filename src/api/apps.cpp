// Apps: list, create, info, update (maintenance, rename, the next build's stack), destroy.
#include "api/api_error.hpp"
#include "api/request_body.hpp"
#include "api/routes.hpp"
#include "api/schema.hpp"
#include "common/ids.hpp"
#include "platform/app_lifecycle.hpp"
#include "store/app_name.hpp"
#include "store/changes.hpp"

#include <fmt/format.h>

namespace lokku::api {

namespace json = boost::json;

namespace {

Response list(Context& c) {
  json::array apps;
  for (const auto& name : c.store.apps()) {
    if (auto a = c.store.try_load(name)) {
      apps.push_back(app_json(c, *a));
    }
  }
  return list_response(c, std::move(apps), "name", {"name", "id", "created_at", "updated_at"});
}

Response create(Context& c) {
  auto body = c.body();
  const auto& o = body_object(body);
  auto name = string_field(o, "name").value_or("app-" + common::random_hex(4));
  store::validate_app_name(name);
  if (auto region = identity_field(o, "region"); region && *region != kRegion) {
    not_found("region");
  }
  std::string stack = identity_field(o, "stack").value_or("heroku-24");
  if (!store::known_stack(stack)) {
    not_found("stack");
  }
  if (c.store.exists(name)) {
    invalid(fmt::format("Name {} is already taken", name));
  }
  auto a = c.store.create(name);
  if (stack != a.stack) {
    a = c.store.update(name, [&](store::App& x) { x.stack = stack; });
  }
  return json_response(201, app_json(c, a));
}

/// `POST /filters/apps` `{"in": {"id": [...]}}`: the apps of those ids (`pipelines:info`).
Response filter(Context& c) {
  auto body = c.body();
  const auto* in = object_field(body_object(body), "in");
  auto ids = in ? in->find("id") : nullptr;
  if (!in || ids == in->end() || !ids->value().is_array()) {
    invalid("in.id must be a list of app ids.");
  }
  json::array out;
  for (const auto& id : ids->value().as_array()) {
    if (id.is_string()) {
      for (const auto& name : c.store.apps()) {
        if (auto a = c.store.try_load(name); a && a->id == id.as_string()) {
          out.push_back(app_json(c, *a));
        }
      }
    }
  }
  return json_response(200, out);
}

Response info(Context& c) {
  return json_response(200, app_json(c, c.app()));
}

Response update(Context& c) {
  auto app = c.app();
  auto body = c.body();
  const auto& o = body_object(body);
  auto new_name = string_field(o, "name");
  auto maintenance = bool_field(o, "maintenance");
  auto build_stack = identity_field(o, "build_stack");
  if (build_stack && !store::known_stack(*build_stack)) {
    not_found("stack");
  }
  if (new_name && *new_name != app.name) {
    store::validate_app_name(*new_name);
    if (c.store.exists(*new_name)) {
      invalid(fmt::format("Name {} is already taken", *new_name));
    }
  }
  if (maintenance || build_stack) {
    app = c.store.update(app.name, [&](store::App& a) {
      if (maintenance) {
        a.maintenance = *maintenance;
      }
      if (build_stack) {
        store::set_build_stack(a, *build_stack);
      }
    });
  }
  if (new_name && *new_name != app.name) {
    platform::rename_app(c.store, app.name, *new_name);
    app = c.app_named(*new_name);
  }
  return json_response(200, app_json(c, app));
}

Response destroy(Context& c) {
  auto app = c.app();
  auto j = app_json(c, app);
  platform::destroy_app(c.store, app, true, c.rt);
  return json_response(200, j);
}

}  // namespace

void add_app_routes(Routes& t) {
  t.add("GET", "/apps", list);
  t.add("GET", "/users/{user}/apps", list);
  t.add("POST", "/apps", create);
  t.add("POST", "/filters/apps", filter);
  t.add("GET", "/apps/{app}", info);
  t.add("PATCH", "/apps/{app}", update);
  t.add("DELETE", "/apps/{app}", destroy);
}

}  // namespace lokku::api
