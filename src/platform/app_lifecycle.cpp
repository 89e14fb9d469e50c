#include "platform/app_lifecycle.hpp"

#include "addons/addons.hpp"
#include "store/pipelines.hpp"

#include <chrono>
#include <thread>

namespace lokku::platform {

void destroy_app(store::Store& store, const store::App& app, bool platform_runs) {
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
  for (const auto& name : store.apps()) {
    if (auto a = store.try_load(name); a && a->review_of == from) {
      store.update(name, [&](store::App& x) { x.review_of = to; });
    }
  }
}

}  // namespace lokku::platform
