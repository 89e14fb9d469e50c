// Add-ons (`heroku addons:*`): heroku-postgresql and heroku-redis as real servers on this
// machine (src/addons), created already provisioned, their config var in a release of their
// own; the services and plans Heroku lists; the CLI's resolver of add-on names.
#include "addons/addons.hpp"

#include "api/api_error.hpp"
#include "api/request_body.hpp"
#include "api/routes.hpp"
#include "api/schema.hpp"
#include "platform/addon_lifecycle.hpp"
#include "release/error.hpp"

#include <fmt/format.h>

#include <algorithm>

namespace lokku::api {

namespace json = boost::json;

namespace {

/// The add-on `key` names (its name, id, or its attachment on `app` when given); 404 with
/// the resource named as the CLI's resolver expects.
std::pair<store::App, store::Addon> find_addon(const Context& c, const std::string& key,
                                               const std::string& app = {}) {
  for (auto& [a, x] : all_addons(c, app)) {
    if (x.name == key || x.id == key || (!app.empty() && x.attachment == key)) {
      return {a, x};
    }
  }
  throw ApiError{404, "not_found", fmt::format("Couldn't find that add-on: {}.", key)};
}

Response list(Context& c) {
  json::array out;
  for (const auto& [a, x] : all_addons(c)) {
    out.push_back(addon_json(a, x));
  }
  return list_response(c, std::move(out), "name", {"name", "id", "created_at"});
}

Response list_of_app(Context& c) {
  auto app = c.app();
  json::array out;
  for (const auto& [owner, x] : attached_addons(c, app)) {
    out.push_back(addon_json(owner, x));
  }
  return list_response(c, std::move(out), "name", {"name", "id", "created_at"});
}

Response info(Context& c) {
  auto [a, x] = find_addon(c, c.param("addon"));
  return json_response(200, addon_json(a, x));
}

Response info_of_app(Context& c) {
  auto app = c.app();
  auto [a, x] = find_addon(c, c.param("addon"), app.name);
  return json_response(200, addon_json(a, x));
}

Response create(Context& c) {
  auto app = c.app();
  auto body = c.body();
  const auto& o = body_object(body);
  platform::AddonRequest req;
  req.app = app.name;
  auto plan = identity_field(o, "plan");
  if (!plan) {
    invalid("plan is required: {\"plan\": \"heroku-postgresql:essential-0\"}.");
  }
  req.plan = *plan;
  if (const auto* att = object_field(o, "attachment")) {
    req.as = string_field(*att, "name").value_or("");
  }
  if (const auto* config = object_field(o, "config")) {
    for (const auto& kv : *config) {
      if (kv.key() == "follow" && kv.value().is_string()) {
        req.follow = std::string(kv.value().as_string());
      } else {
        invalid(
            fmt::format("config {}: lokku's add-ons take only follow (a Postgres add-on "
                        "of the app).",
                        std::string(kv.key())));
      }
    }
  }
  if (auto name = string_field(o, "name")) {
    invalid("lokku names add-ons itself (<service>-<word>-<digits>); leave name out.");
  }
  try {
    addons::find_plan(req.plan);
  } catch (const release::InputError& e) {
    fail(422, "invalid_params", e.what());
  }
  platform::ApiLog log(c.store, app.name);
  auto made = platform::create_addon(c.store, req, c.rt, log.sink);
  app = c.app_named(app.name);
  auto j = addon_json(app, made.addon);
  j["provision_message"] = nullptr;
  return json_response(201, j);
}

Response destroy(Context& c) {
  auto app = c.app();
  auto [a, x] = find_addon(c, c.param("addon"), app.name);
  platform::ApiLog log(c.store, a.name);
  platform::destroy_addon(c.store, a.name, x, c.rt, log.sink);
  auto j = addon_json(a, x);
  j["state"] = "deprovisioned";
  return json_response(200, j);
}

/// `POST /actions/addons/resolve`: the add-ons an identifier names, for the CLI's commands
/// that take an add-on (`addons:info NAME`, `addons:destroy NAME`).
Response resolve(Context& c) {
  auto body = c.body();
  const auto& o = body_object(body);
  auto key = string_field(o, "addon");
  if (!key) {
    invalid("addon is required.");
  }
  auto app = string_field(o, "app").value_or("");
  std::string id = *key;
  if (auto sep = id.find("::"); sep != std::string::npos) {  // app::ATTACHMENT
    app = id.substr(0, sep);
    id = id.substr(sep + 2);
  }
  auto service = string_field(o, "addon_service").value_or("");
  json::array out;
  if (app.empty()) {
    for (const auto& [a, x] : all_addons(c)) {
      if ((x.name == id || x.id == id) && (service.empty() || x.service == service)) {
        out.push_back(addon_json(a, x));
      }
    }
  } else {
    // On an app: its own add-ons and those attached to it, by name, id or attachment name.
    auto record = c.app_named(app);
    for (const auto& pair : attached_addons(c, record)) {
      const auto& a = pair.first;  // named, not bound: the lambda below uses `x` (clang 14)
      const auto& x = pair.second;
      bool named =
          x.name == id || x.id == id || (a.name == record.name && x.attachment == id) ||
          std::any_of(record.attachments.begin(), record.attachments.end(),
                      [&](const auto& att) { return att.name == id && att.addon == x.name; });
      if (named && (service.empty() || x.service == service)) {
        out.push_back(addon_json(a, x));
      }
    }
  }
  if (out.empty()) {
    json::object err{{"id", "not_found"},
                     {"message", fmt::format("Couldn't find that add-on: {}.", *key)},
                     {"resource", "add_on"}};
    return json_response(404, err);
  }
  return json_response(200, out);
}

json::object service_json(const addons::Service& s) {
  return {
      {"id", s.name},
      {"name", s.name},
      {"human_name", s.name == "heroku-postgresql" ? "Heroku Postgres" : "Heroku Key-Value Store"},
      {"state", "ga"},
      {"cli_plugin_name", nullptr},
      {"supports_multiple_installations", true},
      {"supports_sharing", true},
      {"created_at", "2026-01-01T00:00:00Z"},
      {"updated_at", "2026-01-01T00:00:00Z"}};
}

const addons::Service& service_of(const Context& c) {
  const auto* s = addons::find_service(c.param("service"));
  if (!s) {
    not_found("add-on service");
  }
  return *s;
}

Response list_services(Context&) {
  json::array out;
  for (const char* name : {"heroku-postgresql", "heroku-redis"}) {
    out.push_back(service_json(*addons::find_service(name)));
  }
  return json_response(200, out);
}

Response service_info(Context& c) {
  return json_response(200, service_json(service_of(c)));
}

Response list_plans(Context& c) {
  const auto& s = service_of(c);
  json::array out;
  for (auto plan : s.plans) {
    std::string name = s.name + ":" + std::string(plan);
    out.push_back(json::object{{"id", name},
                               {"name", name},
                               {"human_name", std::string(plan)},
                               {"default", plan == s.default_plan},
                               {"state", "public"},
                               {"price", {{"cents", 0}, {"contract", false}, {"unit", "month"}}},
                               {"addon_service", {{"id", s.name}, {"name", s.name}}}});
  }
  return json_response(200, out);
}

}  // namespace

void add_addon_routes(Routes& t) {
  t.add("GET", "/addons", list);
  t.add("GET", "/addons/{addon}", info);
  t.add("GET", "/apps/{app}/addons", list_of_app);
  t.add("POST", "/apps/{app}/addons", create);
  t.add("GET", "/apps/{app}/addons/{addon}", info_of_app);
  t.add("DELETE", "/apps/{app}/addons/{addon}", destroy);
  t.add("POST", "/actions/addons/resolve", resolve);
  t.add("GET", "/addon-services", list_services);
  t.add("GET", "/addon-services/{service}", service_info);
  t.add("GET", "/addon-services/{service}/plans", list_plans);
}

}  // namespace lokku::api
