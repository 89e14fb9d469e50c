// `GET /lokku/health[?app=NAME]` (issue #27): 200 when every app (or the one) is up, else 503
// with what is pending or failed, per app and part. No token: a readiness probe reads it.
#include "api/routes.hpp"
#include "platform/readiness.hpp"

namespace lokku::api {

namespace {

Response health(Context& c) {
  auto r = platform::readiness(c.store, c.query("app"));
  // It answers from inside the running platform, whatever platform.json says meanwhile.
  r.platform_running = true;
  auto res = json_response(r.ready() ? 200 : 503, r.to_json());
  res.headers.emplace_back("Cache-Control", "no-store");
  return res;
}

}  // namespace

void add_health_routes(Routes& t) {
  t.add("GET", "/lokku/health", health);
}

}  // namespace lokku::api
