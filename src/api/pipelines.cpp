// Pipelines (PIPE-1..2): list (`?eq[name]=` as the CLI's lookup by name), create, info,
// destroy, and a pipeline's couplings.
#include "api/api_error.hpp"
#include "api/request_body.hpp"
#include "api/routes.hpp"
#include "api/schema.hpp"

namespace lokku::api {

namespace json = boost::json;

namespace {

/// The pipeline `{pipeline}` names (its id or name); 404 otherwise.
store::Pipeline pipeline_of(const Context& c) {
  store::Pipelines pipelines(c.store);
  for (const auto& name : pipelines.names()) {
    if (auto p = pipelines.find(name);
        p && (p->name == c.param("pipeline") || p->id == c.param("pipeline"))) {
      return *p;
    }
  }
  not_found("pipeline");
}

Response list(Context& c) {
  store::Pipelines pipelines(c.store);
  auto only = c.query("eq[name]");
  json::array out;
  for (const auto& name : pipelines.names()) {
    if (auto p = pipelines.find(name); p && (!only || *only == p->name)) {
      out.push_back(pipeline_json(*p));
    }
  }
  return list_response(c, std::move(out), "name", {"name", "id", "created_at"});
}

Response create(Context& c) {
  auto body = c.body();
  auto name = string_field(body_object(body), "name");
  if (!name) {
    invalid("name is required.");
  }
  return json_response(201, pipeline_json(store::Pipelines(c.store).create(*name)));
}

Response info(Context& c) {
  return json_response(200, pipeline_json(pipeline_of(c)));
}

Response destroy(Context& c) {
  auto p = pipeline_of(c);
  store::Pipelines(c.store).destroy(p.name);
  return json_response(200, pipeline_json(p));
}

Response couplings(Context& c) {
  auto p = pipeline_of(c);
  json::array out;
  for (const auto& a : p.apps) {
    if (auto app = c.store.try_load(a.app)) {
      out.push_back(coupling_json(*app, p));
    }
  }
  return json_response(200, out);
}

}  // namespace

void add_pipeline_routes(Routes& t) {
  t.add("GET", "/pipelines", list);
  t.add("POST", "/pipelines", create);
  t.add("GET", "/pipelines/{pipeline}", info);
  t.add("DELETE", "/pipelines/{pipeline}", destroy);
  t.add("GET", "/pipelines/{pipeline}/pipeline-couplings", couplings);
}

}  // namespace lokku::api
