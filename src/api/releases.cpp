// Releases (REL-1..7): the list (newest first with `order=desc`, as `heroku releases` and
// `releases:info` ask), one release and its config vars, and new releases: a rollback or a
// slug.
#include "api/api_error.hpp"
#include "api/request_body.hpp"
#include "api/routes.hpp"
#include "api/schema.hpp"
#include "release/error.hpp"
#include "store/changes.hpp"

#include <fmt/format.h>

namespace lokku::api {

namespace json = boost::json;

namespace {

/// A release as `heroku releases:info` shows it: with what it may be rolled back to and the
/// add-on plans its config vars point at.
json::object full_release_json(const Context& c, const store::App& app, const store::Release& r) {
  auto j = release_json(app, r);
  if (!r.release_dyno.empty()) {  // `heroku releases:output`
    j["output_stream_url"] = fmt::format("http://127.0.0.1:{}{}", c.api_port,
                                         c.streams.release_path(app.name, r.version));
  }
  json::array plans;
  for (const auto& x : app.addons) {
    if (r.config.count(x.config_var()) != 0) {
      plans.push_back(json::value(x.service + ":" + x.plan));
    }
  }
  j["addon_plan_names"] = std::move(plans);
  j["eligible_for_rollback"] = r.status == "succeeded" && !r.slug_id.empty();
  return j;
}

const store::Release& release_of(const Context& c, const store::App& app) {
  const auto* r = find_release(app, c.param("release"));
  if (!r) {
    not_found("release");
  }
  return *r;
}

Response list(Context& c) {
  auto app = c.app();
  json::array rels;
  for (const auto& rel : app.releases) {
    rels.push_back(full_release_json(c, app, rel));
  }
  return list_response(c, std::move(rels), "version", {"version", "id", "created_at"});
}

Response info(Context& c) {
  auto app = c.app();
  return json_response(200, full_release_json(c, app, release_of(c, app)));
}

Response config_vars(Context& c) {
  auto app = c.app();
  json::object o;
  for (const auto& [k, v] : release_of(c, app).config) {
    o[k] = v;
  }
  return json_response(200, o);
}

Response create(Context& c) {
  auto app = c.app();
  auto body = c.body();
  const auto& o = body_object(body);
  auto target_key = string_field(o, "release");
  auto slug_id = string_field(o, "slug");
  store::Release made;
  if (target_key) {
    const auto* target = find_release(app, *target_key);
    if (!target) {
      not_found("release");
    }
    int v = store::rollback_target(app, target->version).version;
    made = c.release(
        app.name, [&](store::App& a) { a.config = store::rollback_target(a, v).config; },
        [&](const store::App&) { return fmt::format("Rollback to v{}", v); },
        [&](const store::App& a) { return store::rollback_target(a, v).slug_id; });
  } else if (slug_id) {
    store::Slug slug;
    try {
      slug = c.store.load_slug(app.name, *slug_id);
    } catch (const release::InputError&) {
      not_found("slug");
    }
    auto desc =
        string_field(o, "description").value_or(fmt::format("Deploy {}", slug.commit.substr(0, 8)));
    made = c.release(
        app.name, [&](store::App& a) { store::add_new_types(a, slug.process_types); },
        [&](const store::App&) { return desc; }, [&](const store::App&) { return slug.id; });
  } else {
    invalid("Give release (to roll back to) or slug (to release).");
  }
  app = c.app_named(app.name);
  const auto* rel = app.find(made.version);
  return json_response(201, full_release_json(c, app, rel ? *rel : made));
}

}  // namespace

void add_release_routes(Routes& t) {
  t.add("GET", "/apps/{app}/releases", list);
  t.add("GET", "/apps/{app}/releases/{release}", info);
  t.add("GET", "/apps/{app}/releases/{release}/config-vars", config_vars);
  t.add("POST", "/apps/{app}/releases", create);
}

}  // namespace lokku::api
