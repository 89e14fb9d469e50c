#pragma once
// Creating and destroying an app's add-ons (heroku-postgresql, heroku-redis), shared by
// `lokku addons:*` and the Platform API: a provisioned server, its config var in a release of
// its own (`Attach DATABASE (@ref:…)` / `Detach …`), its data gone with it.

#include "common/app_log.hpp"
#include "platform/runtime.hpp"
#include "store/store.hpp"

#include <string>

namespace lokku::platform {

struct AddonRequest {
  std::string app;
  std::string plan;    ///< `heroku-postgresql[:plan]`, `heroku-redis[:plan]`
  std::string as;      ///< the attachment's name (DATABASE...); empty: the service's default
  std::string follow;  ///< a Postgres add-on of the app to follow (a read-only replica)
};

struct AddonCreated {
  store::Addon addon;
  store::Release release;
};

/// Provisions the add-on and attaches it to the app (a release). Throws InputError with
/// Heroku's message for an unknown service or plan ("Couldn't find either the add-on service
/// or the add-on plan"), an attachment name in use, or a follower of nothing.
AddonCreated create_addon(store::Store& store, const AddonRequest& request, const Runtime& rt,
                          common::AppLog& sink);

/// Attaches an add-on of another app (or of this one, under a second name) to `app`: its
/// `<name>_URL` config var in a release of `app`'s (`Attach NAME (@ref:addon)`). `as` names
/// the attachment (default: the service's name while free on the app, else a colour).
/// Throws InputError for an unknown add-on or a name in use.
store::AddonAttachment attach_addon(store::Store& store, const std::string& addon,
                                    const std::string& app, const std::string& as,
                                    const Runtime& rt, common::AppLog& sink);

/// Removes an attachment made by attach_addon (by name or id) from `app`, and its config
/// var, in a release. The owner's own attachment goes only with the add-on (destroy_addon).
store::Release detach_addon(store::Store& store, const std::string& app,
                            const std::string& attachment, const Runtime& rt, common::AppLog& sink);

/// Detaches `addon` from every app it is attached to but its owner (a release each).
void detach_everywhere(store::Store& store, const std::string& addon, const Runtime& rt,
                       common::AppLog& sink);

/// Detaches the add-on (a release) from its app and from every app it is attached to, waits
/// for a running platform to stop its server, and removes its data. Throws InputError when it
/// has a follower.
store::Release destroy_addon(store::Store& store, const std::string& app, const store::Addon& addon,
                             const Runtime& rt, common::AppLog& sink);

}  // namespace lokku::platform
