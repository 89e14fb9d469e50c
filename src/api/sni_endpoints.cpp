// SNI endpoints and ACM (`heroku certs:*`, issue #23 point 2): an app's own certificates
// (`sni-endpoints`), Automated Certificate Management (`acm`), and which certificate a custom
// domain is served (PATCH `domains/{domain}` `{sni_endpoint}`, as `certs:add` asks). The
// running platform serves what the store then says. ACM's certificate is listed as an
// endpoint of its own, `ssl_cert.acm` true, as `heroku certs` shows Heroku's.
#include "api/api_error.hpp"
#include "api/request_body.hpp"
#include "api/routes.hpp"
#include "api/schema.hpp"
#include "platform/sni_endpoint.hpp"
#include "store/changes.hpp"

#include <filesystem>

namespace lokku::api {

namespace json = boost::json;

namespace {

/// The certificate and key of a create or update body, both required.
std::pair<std::string, std::string> pair_of(Context& c) {
  auto body = c.body();
  const auto& o = body_object(body);
  auto chain = string_field(o, "certificate_chain");
  auto key = string_field(o, "private_key");
  if (!chain || chain->empty()) {
    invalid("certificate_chain is required.");
  }
  if (!key || key->empty()) {
    invalid("private_key is required.");
  }
  return {*chain, *key};
}

const store::SniEndpoint& endpoint(const Context& c, const store::App& app) {
  const auto* e = platform::find_sni_endpoint(app, c.param("sni"));
  if (!e) {
    fail(404, "not_found", "Couldn't find that SNI endpoint.");
  }
  return *e;
}

Response list(Context& c) {
  auto app = c.app();
  json::array out;
  if (app.acm &&
      std::filesystem::exists(platform::acm_certificate_file(c.store.home(), app.name))) {
    out.push_back(sni_endpoint_json(c.store.home(), app, nullptr));
  }
  for (const auto& e : app.sni_endpoints) {
    out.push_back(sni_endpoint_json(c.store.home(), app, &e));
  }
  return json_response(200, std::move(out));
}

Response info(Context& c) {
  auto app = c.app();
  if (app.acm && c.param("sni") == platform::acm_endpoint_name(app.name)) {
    return json_response(200, sni_endpoint_json(c.store.home(), app, nullptr));
  }
  return json_response(200, sni_endpoint_json(c.store.home(), app, &endpoint(c, app)));
}

Response create(Context& c) {
  auto name = c.app().name;
  auto [chain, key] = pair_of(c);
  auto e = platform::add_sni_endpoint(c.store, name, chain, key);
  return json_response(201, sni_endpoint_json(c.store.home(), c.store.load(name), &e));
}

Response update(Context& c) {
  auto app = c.app();
  const std::string name = endpoint(c, app).name;
  auto [chain, key] = pair_of(c);
  auto e = platform::update_sni_endpoint(c.store, app.name, name, chain, key);
  return json_response(200, sni_endpoint_json(c.store.home(), c.store.load(app.name), &e));
}

Response destroy(Context& c) {
  auto app = c.app();
  auto shown = sni_endpoint_json(c.store.home(), app, &endpoint(c, app));
  platform::remove_sni_endpoint(c.store, app.name, endpoint(c, app).name);
  return json_response(200, std::move(shown));
}

/// PATCH a domain: `{"sni_endpoint": NAME|ID|null}` serves it that certificate.
Response update_domain(Context& c) {
  auto app = c.app();
  auto body = c.body();
  const auto& o = body_object(body);
  if (!o.contains("sni_endpoint")) {
    invalid("sni_endpoint is required (null to serve the domain no certificate of its own).");
  }
  const auto& key = c.param("domain");
  std::string host;
  for (const auto& d : app.domains) {
    if (d == store::normalize_hostname(key) || domain_id(app, d) == key) {
      host = d;
    }
  }
  if (host.empty()) {
    not_found("domain");
  }
  auto to = identity_field(o, "sni_endpoint");
  if (to && !platform::find_sni_endpoint(app, *to)) {
    fail(404, "not_found", "Couldn't find that SNI endpoint.");
  }
  app = platform::attach_sni_endpoint(c.store, app.name, host, to);
  return json_response(200, domain_json(app, host, true));
}

Response set_acm(Context& c, bool on) {
  auto app = c.store.update(c.app().name, [&](store::App& a) { a.acm = on; });
  return json_response(200, app_json(c, app));
}

Response acm_enable(Context& c) {
  return set_acm(c, true);
}
Response acm_disable(Context& c) {
  return set_acm(c, false);
}
/// `certs:auto:refresh`: lokku's CA answers at once, so there is nothing to retry.
Response acm_refresh(Context& c) {
  auto app = c.app();
  if (!app.acm) {
    invalid("Automatic Certificate Management is not enabled on this app.");
  }
  return json_response(200, app_json(c, app));
}

}  // namespace

void add_sni_endpoint_routes(Routes& t) {
  t.add("GET", "/apps/{app}/sni-endpoints", list);
  t.add("POST", "/apps/{app}/sni-endpoints", create);
  t.add("GET", "/apps/{app}/sni-endpoints/{sni}", info);
  t.add("PATCH", "/apps/{app}/sni-endpoints/{sni}", update);
  t.add("DELETE", "/apps/{app}/sni-endpoints/{sni}", destroy);
  t.add("PATCH", "/apps/{app}/domains/{domain}", update_domain);
  t.add("POST", "/apps/{app}/acm", acm_enable);
  t.add("DELETE", "/apps/{app}/acm", acm_disable);
  t.add("PATCH", "/apps/{app}/acm", acm_refresh);
}

}  // namespace lokku::api
