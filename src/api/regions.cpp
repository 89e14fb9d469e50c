// Regions (`heroku regions`): lokku runs in one, this machine.
#include "api/api_error.hpp"
#include "api/routes.hpp"
#include "api/schema.hpp"

namespace lokku::api {

namespace {

Response list(Context&) {
  return json_response(200, boost::json::array{region_json()});
}

Response info(Context& c) {
  const auto& key = c.param("region");
  if (key != kRegion && key != kRegionId) {
    not_found("region");
  }
  return json_response(200, region_json());
}

}  // namespace

void add_region_routes(Routes& t) {
  t.add("GET", "/regions", list);
  t.add("GET", "/regions/{region}", info);
}

}  // namespace lokku::api
