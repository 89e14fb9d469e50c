// Pipelines (PIPE-1..2): the list, and one by id or name.
#include "api/api_error.hpp"
#include "api/routes.hpp"
#include "api/schema.hpp"

namespace lokku::api {

namespace json = boost::json;

namespace {

Response list(Context& c) {
  store::Pipelines pipelines(c.store);
  json::array out;
  for (const auto& name : pipelines.names()) {
    if (auto p = pipelines.find(name)) {
      out.push_back(pipeline_json(*p));
    }
  }
  return list_response(c, std::move(out), "name", {"name", "id", "created_at"});
}

Response info(Context& c) {
  store::Pipelines pipelines(c.store);
  for (const auto& name : pipelines.names()) {
    if (auto p = pipelines.find(name);
        p && (p->name == c.param("pipeline") || p->id == c.param("pipeline"))) {
      return json_response(200, pipeline_json(*p));
    }
  }
  not_found("pipeline");
}

}  // namespace

void add_pipeline_routes(Routes& t) {
  t.add("GET", "/pipelines", list);
  t.add("GET", "/pipelines/{pipeline}", info);
}

}  // namespace lokku::api
