// Account and account features (`heroku auth:whoami`, `heroku labs`): one local user, and no
// account features (every feature lokku has is an app's).
#include "api/api_error.hpp"
#include "api/routes.hpp"
#include "api/schema.hpp"

namespace lokku::api {

namespace json = boost::json;

namespace {

Response info(Context&) {
  return json_response(200, account_json());
}

Response list_features(Context&) {
  return json_response(200, json::array{});
}

Response feature(Context&) {
  // Exactly 404: `heroku labs:enable F` then asks the app's features.
  not_found("feature");
}

}  // namespace

void add_account_routes(Routes& t) {
  t.add("GET", "/account", info);
  t.add("GET", "/users/{user}", info);  // `~` or the one local user
  t.add("GET", "/account/features", list_features);
  t.add("GET", "/account/features/{feature}", feature);
  t.add("PATCH", "/account/features/{feature}", feature);
}

}  // namespace lokku::api
