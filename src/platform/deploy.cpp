#include "platform/deploy.hpp"

#include "store/changes.hpp"

#include <fmt/format.h>

namespace lokku::platform {

store::Release release_build(store::Store& store, const std::string& app,
                             const buildpack::BuildResult& r, const Runtime& rt,
                             common::AppLog& sink,
                             const std::function<void(const store::Release&)>& created) {
  // BP-6 [emu]: bin/release config vars fill absent keys, in a release of their own.
  std::vector<std::string> added;
  auto current = store.load(app);
  for (const auto& [k, v] : r.release_info.config_vars) {
    if (current.config.count(k) == 0) {
      added.push_back(k);
    }
  }
  if (!added.empty()) {
    make_release(
        store, app,
        [&](store::App& a) {
          for (const auto& [k, v] : r.release_info.config_vars) {
            a.config.emplace(k, v);
          }
        },
        [&](const store::App&) { return store::config_description("Set", added); }, {}, rt, sink);
  }
  return make_release(
      store, app,
      [&](store::App& a) {
        if (r.detected) {
          a.buildpacks = r.buildpacks;  // BP-3.2: saved as if set by hand
        }
        store::add_new_types(a, r.slug.process_types);
        if (!r.slug.stack.empty()) {  // `heroku stack:set` takes effect with this release
          a.stack = r.slug.stack;
          a.build_stack.clear();
        }
      },
      [&](const store::App&) { return fmt::format("Deploy {}", r.source_version.substr(0, 8)); },
      [&](const store::App&) { return r.slug.id; }, rt, sink, true, created);
}

}  // namespace lokku::platform
