#pragma once
// Destroying and renaming an app, shared by `lokku apps:*` and the Platform API: everything
// the app's name reaches (its store record, add-ons, pipeline, review apps, dynos' files) goes
// or follows.

#include "platform/runtime.hpp"
#include "store/store.hpp"

#include <string>

namespace lokku::platform {

/// Removes the app from the store (a running platform stops its dynos, then its add-ons'
/// servers), then its add-ons' data, and takes it out of its pipeline. `platform_runs`: a
/// platform runs on this home.
/// Its add-ons attached to other apps are detached from them first (a release each).
void destroy_app(store::Store& store, const store::App& app, bool platform_runs, const Runtime& rt);

/// Renames the app (store::Store::rename), its place in a pipeline and the review apps that
/// name it as their parent. A running platform then serves it under the new name (a new
/// Host; its dynos restart). Throws InputError for a taken or invalid name.
void rename_app(store::Store& store, const std::string& from, const std::string& to);

}  // namespace lokku::platform
