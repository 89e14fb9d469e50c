// Log sessions (`heroku logs`): a stream URL of the app's log, its last lines and, with
// tail, what follows.
#include "api/request_body.hpp"
#include "api/routes.hpp"
#include "common/ids.hpp"

#include <algorithm>

namespace lokku::api {

namespace json = boost::json;

namespace {

Response create(Context& c) {
  auto app = c.app();
  auto body = c.body();
  const auto& o = body_object(body);
  LogSession s;
  s.app = app.name;
  s.lines =
      static_cast<int>(std::clamp<std::int64_t>(int_field(o, "lines").value_or(100), 0, 1500));
  s.tail = bool_field(o, "tail").value_or(false);
  s.source = string_field(o, "source").value_or("");
  s.dyno = string_field(o, "dyno").value_or("");
  s.expires = c.stream_expiry(std::chrono::minutes(5));
  auto now = common::iso8601_now();
  return json_response(201, json::object{{"id", common::random_uuid()},
                                         {"logplex_url", c.stream_url(std::move(s))},
                                         {"created_at", now},
                                         {"updated_at", now}});
}

}  // namespace

void add_log_session_routes(Routes& t) {
  t.add("POST", "/apps/{app}/log-sessions", create);
}

}  // namespace lokku::api
