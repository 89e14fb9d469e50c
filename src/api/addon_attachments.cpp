// Add-on attachments: each add-on is attached to its own app under one name (DATABASE,
// REDIS, HEROKU_POSTGRESQL_<COLOUR>), and may be attached to other apps too
// (`heroku addons:attach`, `addons:detach`); each attachment's `_URL` config var points at it.
#include "api/api_error.hpp"
#include "api/request_body.hpp"
#include "api/routes.hpp"
#include "api/schema.hpp"
#include "platform/addon_lifecycle.hpp"

#include <fmt/format.h>

namespace lokku::api {

namespace json = boost::json;

namespace {

/// One attachment: of `app` to `addon` (owned by `owner`), named `name`.
struct Attached {
  store::App app;
  store::App owner;
  store::Addon addon;
  std::string id;
  std::string name;
  std::string created_at;
};

/// Every attachment, own and foreign, of one app or of all.
std::vector<Attached> all_attachments(const Context& c, const std::string& only_app = {}) {
  std::vector<Attached> out;
  for (const auto& [owner, x] : all_addons(c)) {
    if (only_app.empty() || owner.name == only_app) {
      out.push_back({owner, owner, x, x.id, x.attachment, x.created_at});
    }
  }
  for (const auto& name : c.store.apps()) {
    if (!only_app.empty() && name != only_app) {
      continue;
    }
    auto app = c.store.try_load(name);
    for (const auto& att : app ? app->attachments : std::vector<store::AddonAttachment>{}) {
      for (const auto& [owner, x] : all_addons(c, att.owner)) {
        if (x.name == att.addon) {
          out.push_back({*app, owner, x, att.id, att.name, att.created_at});
        }
      }
    }
  }
  return out;
}

json::object to_json(const Attached& a) {
  return attachment_json(a.app, a.owner, a.addon, a.id, a.name, a.created_at);
}

json::array select(const Context& c, const std::string& app,
                   const std::function<bool(const Attached&)>& keep = {}) {
  json::array out;
  for (const auto& a : all_attachments(c, app)) {
    if (!keep || keep(a)) {
      out.push_back(to_json(a));
    }
  }
  return out;
}

Response list(Context& c) {
  return json_response(200, select(c, {}));
}

Response list_of_app(Context& c) {
  return json_response(200, select(c, c.app().name));
}

Response list_of_addon(Context& c) {
  const auto& key = c.param("addon");
  auto out =
      select(c, {}, [&](const Attached& a) { return a.addon.name == key || a.addon.id == key; });
  if (out.empty()) {
    not_found("add-on");
  }
  return json_response(200, out);
}

Response info_of_app(Context& c) {
  const auto& key = c.param("attachment");
  auto out =
      select(c, c.app().name, [&](const Attached& a) { return a.name == key || a.id == key; });
  if (out.empty()) {
    not_found("add-on attachment");
  }
  return json_response(200, out[0]);
}

/// `POST /addon-attachments` (`heroku addons:attach`).
Response create(Context& c) {
  auto body = c.body();
  const auto& o = body_object(body);
  auto addon = identity_field(o, "addon");
  auto app = identity_field(o, "app");
  if (!addon || !app) {
    invalid("addon and app are required.");
  }
  auto target = c.app_named(*app);
  platform::ApiLog log(c.store, target.name);
  auto made = platform::attach_addon(c.store, *addon, target.name,
                                     string_field(o, "name").value_or(""), c.rt, log.sink);
  auto out = select(c, target.name, [&](const Attached& a) { return a.id == made.id; });
  return json_response(201, out.at(0));
}

/// `DELETE /addon-attachments/{id}` (`heroku addons:detach`).
Response destroy(Context& c) {
  for (const auto& a : all_attachments(c)) {
    if (a.id == c.param("attachment")) {
      if (a.app.name == a.owner.name && a.name == a.addon.attachment) {
        invalid(
            fmt::format("{} is {}'s own attachment of {}; it goes with the add-on "
                        "(addons:destroy).",
                        a.name, a.app.name, a.addon.name));
      }
      platform::ApiLog log(c.store, a.app.name);
      platform::detach_addon(c.store, a.app.name, a.id, c.rt, log.sink);
      return json_response(200, to_json(a));
    }
  }
  not_found("add-on attachment");
}

/// `POST /actions/addon-attachments/resolve`: the attachments an identifier names
/// (`DATABASE`, `app::DATABASE`, an add-on's name).
Response resolve(Context& c) {
  auto body = c.body();
  const auto& o = body_object(body);
  auto key = string_field(o, "addon_attachment");
  if (!key) {
    invalid("addon_attachment is required.");
  }
  auto app = string_field(o, "app").value_or("");
  std::string id = *key;
  if (auto sep = id.find("::"); sep != std::string::npos) {
    app = id.substr(0, sep);
    id = id.substr(sep + 2);
  }
  auto service = string_field(o, "addon_service").value_or("");
  auto out = select(c, app, [&](const Attached& a) {
    return (a.name == id || a.addon.name == id || a.id == id) &&
           (service.empty() || a.addon.service == service);
  });
  if (out.empty()) {
    return json_response(
        404,
        json::object{{"id", "not_found"},
                     {"message", fmt::format("Couldn't find that add-on attachment: {}.", *key)},
                     {"resource", "add_on attachment"}});
  }
  return json_response(200, out);
}

}  // namespace

void add_addon_attachment_routes(Routes& t) {
  t.add("GET", "/addon-attachments", list);
  t.add("POST", "/addon-attachments", create);
  t.add("DELETE", "/addon-attachments/{attachment}", destroy);
  t.add("GET", "/apps/{app}/addon-attachments", list_of_app);
  t.add("GET", "/apps/{app}/addon-attachments/{attachment}", info_of_app);
  t.add("GET", "/addons/{addon}/addon-attachments", list_of_addon);
  t.add("POST", "/actions/addon-attachments/resolve", resolve);
}

}  // namespace lokku::api
