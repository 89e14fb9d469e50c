// Domains (`heroku domains:*`, HOST-1): the app's default `<app>.localhost` and custom
// hostnames, which the router serves as soon as they are added. A domain is named by its id
// or its hostname.
#include "api/api_error.hpp"
#include "api/request_body.hpp"
#include "api/routes.hpp"
#include "api/schema.hpp"
#include "common/ids.hpp"
#include "platform/sni_endpoint.hpp"
#include "store/changes.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <functional>

namespace lokku::api {

namespace json = boost::json;

namespace {

/// The custom domain `{domain}` names (hostname or id); 404 otherwise.
std::string custom_domain(const Context& c, const store::App& app) {
  const auto& key = c.param("domain");
  for (const auto& d : app.domains) {
    if (d == store::normalize_hostname(key) || domain_id(app, d) == key) {
      return d;
    }
  }
  not_found("domain");
}

Response list(Context& c) {
  auto app = c.app();
  json::array out;
  out.push_back(domain_json(app, app.name + ".localhost", false));
  for (const auto& d : app.domains) {
    out.push_back(domain_json(app, d, true));
  }
  return list_response(c, std::move(out), "hostname", {"hostname", "id"});
}

Response info(Context& c) {
  auto app = c.app();
  if (c.param("domain") == app.name + ".localhost") {
    return json_response(200, domain_json(app, c.param("domain"), false));
  }
  return json_response(200, domain_json(app, custom_domain(c, app), true));
}

Response create(Context& c) {
  auto app = c.app();
  auto body = c.body();
  const auto& o = body_object(body);
  auto host = string_field(o, "hostname");
  if (!host) {
    invalid("hostname is required.");
  }
  auto cert = identity_field(o, "sni_endpoint");
  if (cert && !platform::find_sni_endpoint(app, *cert)) {
    fail(404, "not_found", "Couldn't find that SNI endpoint.");
  }
  auto [written, h] = store::add_custom_domain(c.store, app.name, *host);
  app = cert ? platform::attach_sni_endpoint(c.store, app.name, h, cert) : std::move(written);
  return json_response(201, domain_json(app, h, true));
}

Response destroy(Context& c) {
  auto app = c.app();
  auto host = custom_domain(c, app);
  app = c.store.update(app.name, [&](store::App& a) { a.remove_domain(host); });
  return json_response(200, domain_json(app, host, true));
}

}  // namespace

void add_domain_routes(Routes& t) {
  t.add("GET", "/apps/{app}/domains", list);
  t.add("POST", "/apps/{app}/domains", create);
  t.add("GET", "/apps/{app}/domains/{domain}", info);
  t.add("DELETE", "/apps/{app}/domains/{domain}", destroy);
}

}  // namespace lokku::api
