// Pipeline couplings: an app's place (stage) in its pipeline.
#include "api/api_error.hpp"
#include "api/routes.hpp"
#include "api/schema.hpp"

namespace lokku::api {

namespace json = boost::json;

namespace {

Response of_app(Context& c) {
  auto app = c.app();
  auto p = store::Pipelines(c.store).of_app(app.name);
  if (!p) {
    fail(404, "not_found", "This app is not in a pipeline.");
  }
  std::string stage;
  for (const auto& a : p->apps) {
    if (a.app == app.name) {
      stage = a.stage;
    }
  }
  return json_response(200, json::object{{"id", app.id},
                                         {"app", app_ref(app)},
                                         {"pipeline", {{"id", p->id}, {"name", p->name}}},
                                         {"stage", stage},
                                         {"created_at", p->created_at},
                                         {"updated_at", p->created_at}});
}

}  // namespace

void add_pipeline_coupling_routes(Routes& t) {
  t.add("GET", "/apps/{app}/pipeline-couplings", of_app);
}

}  // namespace lokku::api
