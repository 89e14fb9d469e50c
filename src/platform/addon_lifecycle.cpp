#include "platform/addon_lifecycle.hpp"

#include "addons/addons.hpp"
#include "common/ids.hpp"
#include "platform/platform_file.hpp"
#include "release/error.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <thread>

namespace lokku::platform {

AddonCreated create_addon(store::Store& store, const AddonRequest& request, const Runtime& rt,
                          common::AppLog& sink) {
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

namespace {

/// The add-on `key` names (its name or id) and the app that owns it.
std::pair<store::App, store::Addon> find_owned(const store::Store& store, const std::string& key) {
  for (const auto& name : store.apps()) {
    if (auto a = store.try_load(name)) {
      for (const auto& x : a->addons) {
        if (x.name == key || x.id == key) {
          return {*a, x};
        }
      }
    }
  }
  throw release::InputError(fmt::format("Couldn't find that add-on: {}", key));
}

}  // namespace

void detach_everywhere(store::Store& store, const std::string& addon, const Runtime& rt,
                       common::AppLog& sink) {
  for (const auto& name : store.apps()) {
    if (auto a = store.try_load(name)) {
      for (const auto& x : a->attachments) {
        if (x.addon == addon) {
          detach_addon(store, name, x.id, rt, sink);
        }
      }
    }
  }
}

store::AddonAttachment attach_addon(store::Store& store, const std::string& addon,
                                    const std::string& app, const std::string& as,
                                    const Runtime& rt, common::AppLog& sink) {
  const auto found = find_owned(store, addon);
  const auto& owner = found.first;  // named, not bound: lambdas below use them (C++20 and clang 14)
  const auto& x = found.second;
  const auto* service = addons::find_service(x.service);
  store::AddonAttachment made;
  make_release(
      store, app,
      [&](store::App& a) {
        made = {common::random_uuid(), addons::choose_attachment(a, *service, as), x.name,
                owner.name, common::iso8601_now()};
        a.attachments.push_back(made);
        a.config[made.config_var()] = addons::url(x);
      },
      [&](const store::App&) { return fmt::format("Attach {} (@ref:{})", made.name, x.name); }, {},
      rt, sink);
  return made;
}

store::Release detach_addon(store::Store& store, const std::string& app,
                            const std::string& attachment, const Runtime& rt,
                            common::AppLog& sink) {
  auto current = store.load(app);
  auto it = std::find_if(
      current.attachments.begin(), current.attachments.end(),
      [&](const store::AddonAttachment& x) { return x.name == attachment || x.id == attachment; });
  if (it == current.attachments.end()) {
    if (const auto* own = current.find_addon(attachment)) {
      throw release::InputError(
          fmt::format("{} is {}'s own attachment of {}; it goes with the add-on (addons:destroy)",
                      own->attachment, app, own->name));
    }
    throw release::InputError(fmt::format("Couldn't find that add-on attachment: {}", attachment));
  }
  const store::AddonAttachment gone = *it;
  return make_release(
      store, app,
      [&](store::App& a) {
        std::erase_if(a.attachments,
                      [&](const store::AddonAttachment& x) { return x.id == gone.id; });
        a.config.erase(gone.config_var());
      },
      [&](const store::App&) { return fmt::format("Detach {} (@ref:{})", gone.name, gone.addon); },
      {}, rt, sink);
}

store::Release destroy_addon(store::Store& store, const std::string& app, const store::Addon& addon,
                             const Runtime& rt, common::AppLog& sink) {
  for (const auto& other : store.load(app).addons) {
    if (other.follows == addon.name) {
      throw release::InputError(
          fmt::format("{} has a follower, {}; destroy it first", addon.name, other.name));
    }
  }
  detach_everywhere(store, addon.name, rt, sink);
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
