// SNI endpoints (`heroku certs`): none until lokku serves certificates of an app's own;
// `heroku domains:add` asks for the list first.
#include "api/routes.hpp"

namespace lokku::api {

namespace {

Response list(Context& c) {
  c.app();
  return json_response(200, boost::json::array{});
}

}  // namespace

void add_sni_endpoint_routes(Routes& t) {
  t.add("GET", "/apps/{app}/sni-endpoints", list);
}

}  // namespace lokku::api
