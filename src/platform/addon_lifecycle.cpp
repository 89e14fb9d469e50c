#include "platform/addon_lifecycle.hpp"

#include "addons/addons.hpp"
#include "platform/platform_file.hpp"
#include "release/error.hpp"

#include <fmt/format.h>

#include <chrono>
#include <thread>

namespace lokku::platform {

AddonCreated create_addon(store::Store& store, const AddonRequest& request, const Runtime& rt,
                          common::LogSink& sink) {
  auto [service, plan] = addons::find_plan(request.plan);
  auto app = store.load(request.app);
  store::Addon addon;
  if (!request.follow.empty()) {
    const auto* leader = app.find_addon(request.follow);
    if (!leader || service->name != "heroku-postgresql") {
      throw release::InputError(
          fmt::format("--follow {}: no such heroku-postgresql add-on on {} (see lokku addons)",
                      request.follow, app.name));
    }
    addons::ServerScope servers(store.home(), app, rt.init_path,
                                running_platform(store).has_value());
    addon = addons::provision_follower(store.home(), app, *leader,
                                       request.plan.find(':') == std::string::npos ? "" : plan,
                                       request.as, rt.init_path);
  } else {
    addon = addons::provision(store.home(), app, *service, plan, request.as, rt.init_path);
  }
  try {
    auto release = make_release(
        store, app.name,
        [&](store::App& a) {
          a.addons.push_back(addon);
          a.config[addon.config_var()] = addons::url(addon);
        },
        [&](const store::App&) {
          return fmt::format("Attach {} (@ref:{})", addon.attachment, addon.name);
        },
        {}, rt, sink);
    return {addon, release};
  } catch (...) {
    addons::remove_data(store.home(), addon);
    throw;
  }
}

store::Release destroy_addon(store::Store& store, const std::string& app, const store::Addon& addon,
                             const Runtime& rt, common::LogSink& sink) {
  for (const auto& other : store.load(app).addons) {
    if (other.follows == addon.name) {
      throw release::InputError(
          fmt::format("{} has a follower, {}; destroy it first", addon.name, other.name));
    }
  }
  auto release = make_release(
      store, app,
      [&](store::App& a) {
        std::erase_if(a.addons, [&](const store::Addon& x) { return x.name == addon.name; });
        a.config.erase(addon.config_var());
      },
      [&](const store::App&) {
        return fmt::format("Detach {} (@ref:{})", addon.attachment, addon.name);
      },
      {}, rt, sink);
  // A running platform stops the server once the add-on is gone from the store.
  if (running_platform(store)) {
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
    while (addons::ready(addon) && std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(std::chrono::milliseconds(200));
    }
  }
  addons::remove_data(store.home(), addon);
  return release;
}

}  // namespace lokku::platform
