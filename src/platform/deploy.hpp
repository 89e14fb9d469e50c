#pragma once
// What follows a successful build on a deploy (build-and-release.md BP-6, REL-2): bin/release's
// config vars in a release of their own, then the `Deploy <commit>` release with its release
// phase. Shared by `lokku deploy` and the API's builds.

#include "buildpack/builder.hpp"
#include "common/app_log.hpp"
#include "platform/runtime.hpp"
#include "store/store.hpp"

namespace lokku::platform {

/// `created`: told of the `Deploy` release once it is recorded, before its release phase.
store::Release release_build(store::Store& store, const std::string& app,
                             const buildpack::BuildResult& build, const Runtime& rt,
                             common::AppLog& sink,
                             const std::function<void(const store::Release&)>& created = {});

}  // namespace lokku::platform
