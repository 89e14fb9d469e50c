#pragma once
// What an app's webhooks are told (drains-webhooks-metrics.md §3.3): the changes between two
// records of the app (and two views of its dynos), each as Heroku's event: the entity it
// belongs to, its action, and the Platform API object as it is now and, for an update, the
// fields it had before.

#include "api/context.hpp"
#include "buildpack/build_record.hpp"
#include "platform/platform_file.hpp"
#include "store/store.hpp"

#include <boost/json/object.hpp>

#include <string>
#include <vector>

namespace lokku::api {

struct WebhookChange {
  std::string include;   ///< api:release
  std::string resource;  ///< release
  std::string action;    ///< create | update | destroy
  boost::json::object data;
  boost::json::object previous_data;
};

/// api:release (create, and update when its status changes), api:formation (update),
/// api:addon, api:addon-attachment and api:domain (create, destroy), api:sni-endpoint
/// (create, update, destroy), api:app (update:
/// maintenance), and lokku's own alert (update: fired or resolved).
std::vector<WebhookChange> app_changes(const Context& c, const store::App& before,
                                       const store::App& after);

/// api:dyno (create: a one-off dyno) and dyno (create when it appears, update when its
/// state changes).
std::vector<WebhookChange> dyno_changes(const store::App& app,
                                        const std::vector<platform::ObservedDyno>& before,
                                        const std::vector<platform::ObservedDyno>& after);

/// api:build: a build started (create) and its status changed (update: succeeded or failed),
/// from two readings of the app's build records.
std::vector<WebhookChange> build_changes(const store::App& app,
                                         const std::vector<buildpack::BuildRecord>& before,
                                         const std::vector<buildpack::BuildRecord>& after);

/// The event's payload (its `payload` in the API; the body of a delivery adds the event's
/// id and times and `webhook_metadata`).
boost::json::object webhook_payload(const WebhookChange& change);

}  // namespace lokku::api
