#include "platform/stale_review_apps.hpp"

#include "common/log_line.hpp"

namespace lokku::platform {

const store::Release* last_deploy(const store::App& app) {
  const store::Release* out = nullptr;
  const store::Release* before = nullptr;
  for (const auto& r : app.releases) {  // oldest first
    if (r.status != "succeeded") {
      continue;
    }
    if (!r.slug_id.empty() && (!before || before->slug_id != r.slug_id)) {
      out = &r;
    }
    before = &r;
  }
  return out;
}

std::optional<SystemTime> stale_at(const store::App& app, std::optional<SystemTime> seen) {
  if (app.review_of.empty() || app.review_stale_days <= 0) {
    return std::nullopt;
  }
  const auto* deploy = last_deploy(app);
  auto since = common::parse_timestamp(deploy ? deploy->created_at : app.created_at);
  if (seen && (!since || *seen > *since)) {
    since = seen;
  }
  if (!since) {
    return std::nullopt;  // no date to count from (a record written by hand)
  }
  return *since + std::chrono::hours(24) * app.review_stale_days;
}

}  // namespace lokku::platform
