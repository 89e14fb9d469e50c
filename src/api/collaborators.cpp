// Collaborators: lokku has one local user, who owns every app; no one else collaborates.
#include "api/routes.hpp"

namespace lokku::api {

namespace {

Response list(Context& c) {
  c.app();  // 404 for an unknown app
  return json_response(200, boost::json::array{});
}

}  // namespace

void add_collaborator_routes(Routes& t) {
  t.add("GET", "/apps/{app}/collaborators", list);
}

}  // namespace lokku::api
