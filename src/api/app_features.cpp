// App features (`heroku features`, `heroku labs`): what lokku implements per app. Labs lists
// the beta ones; `features` the general ones. Each takes effect as on Heroku: affinity at once
// (the router), runtime metrics from the next start of the app's dynos.
#include "api/api_error.hpp"
#include "api/request_body.hpp"
#include "api/routes.hpp"
#include "store/changes.hpp"

#include <algorithm>

namespace lokku::api {

namespace json = boost::json;

namespace {

json::object feature_json(const store::App& app, const store::AppFeature& f) {
  bool on = std::find(app.features.begin(), app.features.end(), f.name) != app.features.end();
  return {{"id", f.name},
          {"name", f.name},
          {"enabled", on},
          {"state", f.state},
          {"description", f.description},
          {"doc_url", f.doc_url},
          {"display_name", f.name},
          {"feedback_email", nullptr}};
}

const store::AppFeature& feature_of(const Context& c) {
  const auto* f = store::find_app_feature(c.param("feature"));
  if (!f) {
    not_found("feature");
  }
  return *f;
}

Response list(Context& c) {
  auto app = c.app();
  json::array out;
  for (const auto& f : store::app_features()) {
    out.push_back(feature_json(app, f));
  }
  return json_response(200, out);
}

Response info(Context& c) {
  auto app = c.app();
  return json_response(200, feature_json(app, feature_of(c)));
}

Response update(Context& c) {
  auto app = c.app();
  const auto& f = feature_of(c);
  auto body = c.body();
  auto enabled = bool_field(body_object(body), "enabled");
  if (!enabled) {
    invalid("enabled must be true or false.");
  }
  app = c.store.update(app.name, [&](store::App& a) { store::set_feature(a, f.name, *enabled); });
  return json_response(200, feature_json(app, f));
}

}  // namespace

void add_app_feature_routes(Routes& t) {
  t.add("GET", "/apps/{app}/features", list);
  t.add("GET", "/apps/{app}/features/{feature}", info);
  t.add("PATCH", "/apps/{app}/features/{feature}", update);
}

}  // namespace lokku::api
