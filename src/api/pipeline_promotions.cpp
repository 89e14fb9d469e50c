// Pipeline promotions (`heroku pipelines:promote`, PIPE-2): the source app's slug released
// on the apps of the next stage. The promotion runs before the answer (each target's
// release phase included) and is kept as `pipelines/promotions/<id>.json`, so its targets'
// statuses can be read afterwards, as the CLI polls them.
#include "api/api_error.hpp"
#include "api/request_body.hpp"
#include "api/routes.hpp"
#include "api/schema.hpp"
#include "common/ids.hpp"
#include "platform/promotion.hpp"
#include "store/files.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include <algorithm>

namespace lokku::api {

namespace json = boost::json;

namespace {

std::filesystem::path promotion_file(const Context& c, const std::string& id) {
  return c.store.home() / "pipelines" / "promotions" / (id + ".json");
}

/// The `{app: {id}}` items' apps.
std::vector<std::string> target_apps(const Context& c, const json::object& o) {
  std::vector<std::string> out;
  auto it = o.find("targets");
  if (it == o.end() || !it->value().is_array()) {
    invalid("targets must be a list of {\"app\": {\"id\": ...}}.");
  }
  for (const auto& t : it->value().as_array()) {
    if (!t.is_object()) {
      invalid("targets must be a list of {\"app\": {\"id\": ...}}.");
    }
    auto app = identity_field(t.as_object(), "app");
    if (!app) {
      invalid("each target needs an app.");
    }
    out.push_back(c.app_named(*app).name);
  }
  return out;
}

Response create(Context& c) {
  auto body = c.body();
  const auto& o = body_object(body);
  const auto* source = object_field(o, "source");
  auto source_app = source ? identity_field(*source, "app") : std::nullopt;
  if (!source_app) {
    invalid("source.app is required.");
  }
  auto source_record = c.app_named(*source_app);
  auto plan = platform::plan_promotion(c.store, source_record.name);
  auto targets = target_apps(c, o);
  for (const auto& t : targets) {
    if (std::find(plan.targets.begin(), plan.targets.end(), t) == plan.targets.end()) {
      invalid("Cannot promote to " + t + ": it is not in the " + plan.next + " stage of " +
              source_record.name + "'s pipeline.");
    }
  }
  auto pipeline = *store::Pipelines(c.store).of_app(source_record.name);
  const std::string id = common::random_uuid();
  const std::string now = common::iso8601_now();
  json::array results;
  for (const auto& r : platform::promote(c.store, source_record.name, plan, targets, c.rt)) {
    auto app = c.app_named(r.app);
    bool ok = r.error.empty() && r.release.status == "succeeded";
    results.push_back(json::object{
        {"id", common::random_uuid()},
        {"app", app_ref(app)},
        {"status", ok ? "succeeded" : "failed"},
        {"error_message", r.error.empty() ? json::value(nullptr) : json::value(r.error)},
        {"release",
         r.release.version == 0
             ? json::value(nullptr)
             : json::value(json::object{{"id", r.release.id}, {"version", r.release.version}})},
        {"pipeline_promotion", {{"id", id}}}});
  }
  json::object promotion{
      {"id", id},
      {"pipeline", {{"id", pipeline.id}}},
      {"source", {{"app", {{"id", source_record.id}}}, {"release", {{"id", plan.source.id}}}}},
      {"status", "completed"},
      {"created_at", now},
      {"updated_at", now}};
  std::filesystem::create_directories(promotion_file(c, id).parent_path());
  store::write_file_atomic(promotion_file(c, id), json::serialize(results));
  return json_response(201, promotion);
}

Response targets(Context& c) {
  auto text = store::read_file(promotion_file(c, c.param("promotion")));
  if (!text || c.param("promotion").find('/') != std::string::npos) {
    not_found("pipeline promotion");
  }
  return json_response(200, json::parse(*text));
}

}  // namespace

void add_pipeline_promotion_routes(Routes& t) {
  t.add("POST", "/pipeline-promotions", create);
  t.add("GET", "/pipeline-promotions/{promotion}/promotion-targets", targets);
}

}  // namespace lokku::api
