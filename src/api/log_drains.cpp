// Log drains (`heroku drains:*`, drains-webhooks-metrics.md §2.1): URLs every line of the
// app's log goes to, delivered by the platform (drains/drain.hpp). A drain is named by its
// id, its URL or its token.
#include "api/api_error.hpp"
#include "api/request_body.hpp"
#include "api/routes.hpp"
#include "api/schema.hpp"
#include "common/ids.hpp"
#include "drains/drain_url.hpp"
#include "release/error.hpp"
#include "store/changes.hpp"

#include <boost/url/pct_string_view.hpp>

#include <algorithm>
#include <functional>
#include <stdexcept>

namespace lokku::api {

namespace json = boost::json;

namespace {

json::object drain_json(const store::App& app, const store::LogDrain& d) {
  return {{"id", d.id},
          {"url", d.url},
          {"token", d.token},
          {"addon", nullptr},
          {"app", app_ref(app)},
          {"created_at", d.created_at},
          {"updated_at", d.created_at}};
}

/// `{drain}` as the CLI sends it: a URL or token, percent-encoded.
std::string drain_key(const Context& c) {
  const auto& raw = c.param("drain");
  auto pct = boost::urls::make_pct_string_view(raw);
  return pct ? pct->decode() : raw;
}

Response list(Context& c) {
  auto app = c.app();
  const bool extended = c.query("extended").value_or("") == "true";
  json::array out;
  for (const auto& d : app.drains) {
    auto o = drain_json(app, d);
    if (extended) {  // `heroku drains -x`: Logplex's number for the drain
      o["extended"] = {{"drain_id", std::hash<std::string>{}(d.id) % 100000000}};
    }
    out.push_back(std::move(o));
  }
  return json_response(200, std::move(out));
}

Response info(Context& c) {
  auto app = c.app();
  const auto* d = store::find_log_drain(app, drain_key(c));
  if (!d) {
    not_found("log drain");
  }
  return json_response(200, drain_json(app, *d));
}

Response create(Context& c) {
  auto app = c.app();
  auto body = c.body();
  const auto& o = body_object(body);
  auto url = string_field(o, "url");
  if (!url || url->empty()) {
    invalid("url is required.");
  }
  if (auto problem = drains::drain_url_problem(*url)) {
    invalid(*problem);
  }
  store::LogDrain made;
  try {
    made = store::add_log_drain(c.store, app.name, *url);
  } catch (const store::DrainExists& e) {
    fail(409, "conflict", e.what());
  } catch (const release::InputError& e) {
    invalid(e.what());
  }
  app = c.app();
  return json_response(201, drain_json(app, made));
}

Response destroy(Context& c) {
  auto app = c.app();
  const auto* d = store::find_log_drain(app, drain_key(c));
  if (!d) {
    not_found("log drain");
  }
  return json_response(200, drain_json(app, store::remove_log_drain(c.store, app.name, d->id)));
}

}  // namespace

void add_log_drain_routes(Routes& t) {
  t.add("GET", "/apps/{app}/log-drains", list);
  t.add("POST", "/apps/{app}/log-drains", create);
  t.add("GET", "/apps/{app}/log-drains/{drain}", info);
  t.add("DELETE", "/apps/{app}/log-drains/{drain}", destroy);
}

}  // namespace lokku::api
