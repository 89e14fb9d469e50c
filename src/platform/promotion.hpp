#pragma once
// Pipeline promotion (build-and-release.md PIPE-2), shared by `lokku pipelines:promote` and
// the Platform API's pipeline-promotions: the source's current slug, not a build, released on
// each app of the next stage, each keeping its own config vars and running its release phase.

#include "platform/runtime.hpp"
#include "store/store.hpp"

#include <string>
#include <vector>

namespace lokku::platform {

struct PromotionPlan {
  store::Release source;             ///< the source app's current release
  std::string stage;                 ///< the source's stage
  std::string next;                  ///< the stage promoted to
  std::vector<std::string> targets;  ///< the apps in `next`
};

/// What promoting `source` would do. Throws InputError naming why it cannot: no slug, not
/// in a pipeline, nothing downstream.
PromotionPlan plan_promotion(const store::Store& store, const std::string& source);

struct PromotionResult {
  std::string app;
  store::Release release;  ///< version 0: not released (`error` says why)
  std::string error;
};

/// Releases the plan's slug on `targets` (the plan's, or some of them), one after the other.
std::vector<PromotionResult> promote(store::Store& store, const std::string& source,
                                     const PromotionPlan& plan,
                                     const std::vector<std::string>& targets, const Runtime& rt);

}  // namespace lokku::platform
