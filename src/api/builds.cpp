// Builds (BP-1..8): from a local directory or tarball, run in the background and released on
// success; their output streams as it is produced (`heroku builds:output`).
#include "api/api_error.hpp"
#include "api/request_body.hpp"
#include "api/routes.hpp"
#include "api/schema.hpp"
#include "buildpack/build_record.hpp"
#include "buildpack/builder.hpp"
#include "common/ids.hpp"
#include "platform/deploy.hpp"
#include "slug/slug.hpp"
#include "store/files.hpp"

#include <fmt/format.h>

#include <filesystem>

namespace lokku::api {

namespace json = boost::json;

namespace {

json::object recorded_build(const Context& c, const store::App& app, const std::string& id) {
  auto b = buildpack::read_build_record(buildpack::builds_dir(c.store, app.name), id);
  if (!b) {
    not_found("build");
  }
  return build_json(app, *b);
}

/// The build's output, whole (a finished build) or as it is produced (BP-8).
std::string output_url(const Context& c, const std::string& app, const std::string& id) {
  LogSession s;
  s.app = app;
  s.build_id = id;
  s.expires = c.stream_expiry(std::chrono::minutes(30));
  return c.stream_url(std::move(s));
}

Response list(Context& c) {
  auto app = c.app();
  json::array out;
  for (const auto& b : buildpack::read_build_records(c.store, app.name)) {
    out.push_back(build_json(app, b));
  }
  return list_response(c, std::move(out), "created_at", {"created_at", "id"});
}

Response info(Context& c) {
  auto app = c.app();
  auto j = recorded_build(c, app, c.param("build"));
  j["output_stream_url"] = output_url(c, app.name, c.param("build"));
  return json_response(200, j);
}

/// Builds in the background, then releases the slug; a failure marks the build failed.
void build_and_release(store::Store& store, platform::PlatformControl& platform,
                       platform::Runtime rt, std::string app, std::string id, std::string path,
                       std::vector<std::string> buildpacks) {
  std::filesystem::path tmp;
  try {
    std::filesystem::path source = path;
    if (!std::filesystem::is_directory(path)) {
      tmp = store.home() / "tmp" / ("source_" + common::random_hex(8));
      slug::extract(path, tmp);
      source = tmp;
    }
    buildpack::BuildOptions bo;
    bo.app = app;
    bo.source = source;
    bo.buildpacks = buildpacks;
    bo.build_id = id;
    bo.compile_timeout = rt.scale(std::chrono::minutes(15));
    auto result = buildpack::build(store, bo);
    if (result.ok) {
      {
        platform::ApiLog log(store, app);
        platform::release_build(store, app, result, rt, log.sink);
      }
      platform.changed();
    }
  } catch (const std::exception& e) {
    buildpack::mark_build_failed(store, app, id, e.what());
  }
  if (!tmp.empty()) {
    std::error_code ec;
    std::filesystem::remove_all(tmp, ec);
  }
}

Response create(Context& c) {
  auto app = c.app();
  auto body = c.body();
  const auto& o = body_object(body);
  const auto* blob = object_field(o, "source_blob");
  if (!blob) {
    invalid("source_blob must be an object with a url.");
  }
  auto url = string_field(*blob, "url");
  if (!url) {
    invalid("source_blob.url is required.");
  }
  std::string path = url->rfind("file://", 0) == 0 ? url->substr(7) : *url;
  if (path.empty() || path[0] != '/' || !std::filesystem::exists(path)) {
    invalid("source_blob.url must name a local directory or tarball (file:///path or /path): " +
            *url);
  }
  std::vector<std::string> buildpacks;
  if (auto bp = o.find("buildpacks"); bp != o.end() && bp->value().is_array()) {
    for (const auto& b : bp->value().as_array()) {
      if (!b.is_object()) {
        invalid("buildpacks must be a list of {\"url\": ...}.");
      }
      auto u = string_field(b.as_object(), "url");
      if (!u) {
        invalid("buildpacks[].url is required.");
      }
      buildpacks.push_back(*u);
    }
  }
  std::string id = common::random_uuid();
  const auto dir = buildpack::builds_dir(c.store, app.name);
  std::filesystem::create_directories(dir);
  buildpack::write_build_record(dir, buildpack::BuildRecord{id, "pending"});
  c.jobs.start([&store = c.store, &platform = c.platform, rt = c.rt, app = app.name, id, path,
                buildpacks] { build_and_release(store, platform, rt, app, id, path, buildpacks); });
  auto j = recorded_build(c, app, id);
  j["output_stream_url"] = output_url(c, app.name, id);
  json::array bps;
  for (const auto& b : buildpacks) {
    bps.push_back(json::object{{"url", b}});
  }
  j["buildpacks"] = bps;
  j["source_blob"] = json::object{{"url", *url}, {"version", nullptr}, {"checksum", nullptr}};
  return json_response(201, j);
}

}  // namespace

void add_build_routes(Routes& t) {
  t.add("GET", "/apps/{app}/builds", list);
  t.add("POST", "/apps/{app}/builds", create);
  t.add("GET", "/apps/{app}/builds/{build}", info);
}

}  // namespace lokku::api
