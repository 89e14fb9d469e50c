#include "platform/app_lifecycle.hpp"

#include "addons/addons.hpp"
#include "platform/addon_lifecycle.hpp"
#include "store/pipelines.hpp"

#include <algorithm>
#include <chrono>
#include <thread>

namespace lokku::platform {

void destroy_app(store::Store& store, const store::App& app, bool platform_runs,
                 const Runtime& rt) {
  for (const auto& addon : app.addons) {
    ApiLog log(store, app.name);
    detach_everywhere(store, addon.name, rt, log.sink);
  }
  store.destroy(app.name);
  for (const auto& addon : app.addons) {
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
    while (platform_runs && addons::ready(addon) && std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(std::chrono::milliseconds(200));
    }
    addons::remove_data(store.home(), addon);
  }
  store::Pipelines(store).remove_app(app.name);
  if (!platform_runs) {
    // The slug files its dynos ran from (a running platform removes them once it has
    // stopped the app's dynos).
    std::error_code ec;
    std::filesystem::remove_all(store.dynos_dir(app.name), ec);
  }
}

void rename_app(store::Store& store, const std::string& from, const std::string& to) {
  store.rename(from, to);
  store::Pipelines(store).rename_app(from, to);
  // Review apps name their parent; attachments name the add-on's owner.
  for (const auto& name : store.apps()) {
    auto a = store.try_load(name);
    bool names_it =
        a && (a->review_of == from || std::any_of(a->attachments.begin(), a->attachments.end(),
                                                  [&](const auto& x) { return x.owner == from; }));
    if (names_it) {
      store.update(name, [&](store::App& x) {
        if (x.review_of == from) {
          x.review_of = to;
        }
        for (auto& att : x.attachments) {
          if (att.owner == from) {
            att.owner = to;
          }
        }
      });
    }
  }
}

}  // namespace lokku::platform
