// Pipeline couplings: an app's place (stage) in its pipeline; `heroku pipelines:add`,
// `pipelines:remove`, `pipelines:update`. A coupling's id is its app's.
#include "api/api_error.hpp"
#include "api/request_body.hpp"
#include "api/routes.hpp"
#include "api/schema.hpp"

namespace lokku::api {

namespace json = boost::json;

namespace {

struct Coupled {
  store::App app;
  store::Pipeline pipeline;
};

Coupled coupled(const Context& c, const store::App& app) {
  auto p = store::Pipelines(c.store).of_app(app.name);
  if (!p) {
    fail(404, "not_found", "This app is not in a pipeline.");
  }
  return {app, *p};
}

Response of_app(Context& c) {
  auto [app, p] = coupled(c, c.app());
  return json_response(200, coupling_json(app, p));
}

Response create(Context& c) {
  auto body = c.body();
  const auto& o = body_object(body);
  auto app_key = identity_field(o, "app");
  auto pipeline_key = identity_field(o, "pipeline");
  auto stage = string_field(o, "stage");
  if (!app_key || !pipeline_key || !stage) {
    invalid("app, pipeline and stage are required.");
  }
  auto app = c.app_named(*app_key);
  store::Pipelines pipelines(c.store);
  std::optional<store::Pipeline> found;
  for (const auto& name : pipelines.names()) {
    if (auto p = pipelines.find(name); p && (p->id == *pipeline_key || p->name == *pipeline_key)) {
      found = p;
    }
  }
  if (!found) {
    not_found("pipeline");
  }
  auto p = pipelines.add(found->name, app.name, *stage);
  return json_response(201, coupling_json(app, p));
}

Response update(Context& c) {
  auto app = c.app_named(c.param("coupling"));
  auto body = c.body();
  auto stage = string_field(body_object(body), "stage");
  if (!stage) {
    invalid("stage is required.");
  }
  coupled(c, app);
  auto p = store::Pipelines(c.store).set_stage(app.name, *stage);
  return json_response(200, coupling_json(app, p));
}

Response destroy(Context& c) {
  auto [app, p] = coupled(c, c.app_named(c.param("coupling")));
  store::Pipelines(c.store).remove_app(app.name);
  return json_response(200, coupling_json(app, p));
}

}  // namespace

void add_pipeline_coupling_routes(Routes& t) {
  t.add("GET", "/apps/{app}/pipeline-couplings", of_app);
  t.add("POST", "/pipeline-couplings", create);
  t.add("PATCH", "/pipeline-couplings/{coupling}", update);
  t.add("DELETE", "/pipeline-couplings/{coupling}", destroy);
}

}  // namespace lokku::api
