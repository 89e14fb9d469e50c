// Add-on attachments: each add-on is attached to its own app under one name (DATABASE,
// REDIS, HEROKU_POSTGRESQL_<COLOUR>), whose `_URL` config var points at it.
#include "api/api_error.hpp"
#include "api/request_body.hpp"
#include "api/routes.hpp"
#include "api/schema.hpp"

#include <fmt/format.h>

namespace lokku::api {

namespace json = boost::json;

namespace {

json::array attachments(const Context& c, const std::string& app = {},
                        const std::string& addon = {}) {
  json::array out;
  for (const auto& [a, x] : all_addons(c, app)) {
    if (addon.empty() || x.name == addon || x.id == addon) {
      out.push_back(attachment_json(a, x));
    }
  }
  return out;
}

Response list(Context& c) {
  return json_response(200, attachments(c));
}

Response list_of_app(Context& c) {
  return json_response(200, attachments(c, c.app().name));
}

Response list_of_addon(Context& c) {
  auto out = attachments(c, {}, c.param("addon"));
  if (out.empty()) {
    not_found("add-on");
  }
  return json_response(200, out);
}

Response info_of_app(Context& c) {
  auto app = c.app();
  for (const auto& x : app.addons) {
    if (x.attachment == c.param("attachment") || x.id == c.param("attachment")) {
      return json_response(200, attachment_json(app, x));
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
  json::array out;
  for (const auto& [a, x] : all_addons(c, app)) {
    if ((x.attachment == id || x.name == id || x.id == id) &&
        (service.empty() || x.service == service)) {
      out.push_back(attachment_json(a, x));
    }
  }
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
  t.add("GET", "/apps/{app}/addon-attachments", list_of_app);
  t.add("GET", "/apps/{app}/addon-attachments/{attachment}", info_of_app);
  t.add("GET", "/addons/{addon}/addon-attachments", list_of_addon);
  t.add("POST", "/actions/addon-attachments/resolve", resolve);
}

}  // namespace lokku::api
