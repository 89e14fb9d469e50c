#pragma once
// Stale review apps (build-and-release.md PIPE-3.6): a review app is destroyed, its
// pr-predestroy first, once it has gone `review_stale_days` days without a deploy, counted on
// the platform's clock (`lokku clock advance 5d` retires it at once). Pure: the platform
// tells the time and runs `lokku review-apps:destroy`.

#include "store/store.hpp"

#include <chrono>
#include <optional>

namespace lokku::platform {

using SystemTime = std::chrono::system_clock::time_point;

/// The release that last deployed the app: the newest succeeded one whose slug differs
/// from the release before it (a config change is no deploy); nullptr when none did.
const store::Release* last_deploy(const store::App& app);

/// When the review app becomes stale: its last deploy (or its creation) plus its stale days;
/// `seen`, when the platform saw that deploy happen on its clock (which an advance may have
/// put ahead of the wall clock), counts when later. nullopt: not a review app, or one kept
/// forever (0 days).
std::optional<SystemTime> stale_at(const store::App& app, std::optional<SystemTime> seen);

}  // namespace lokku::platform
