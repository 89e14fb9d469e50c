// `GET /lokku/clock` and `POST /lokku/clock` (issue #27 point 3): the platform's clock, shown,
// frozen, resumed or advanced (`{"action": "advance", "by": "24h"}`). lokku's own, behind the
// token like the Platform API.
#include "api/api_error.hpp"
#include "api/request_body.hpp"
#include "api/routes.hpp"
#include "metrics/report.hpp"

namespace lokku::api {

namespace json = boost::json;

namespace {

Response answer(const platform::ClockState& s) {
  json::array fired;
  for (const auto& f : s.fired) {
    fired.push_back(json::string(f));
  }
  return json_response(200, json::object{{"now", s.now},
                                         {"frozen", s.frozen},
                                         {"rate", s.rate},
                                         {"advanced_seconds", s.advanced_s},
                                         {"fired", std::move(fired)}});
}

Response show(Context& c) {
  return answer(c.platform.clock({}));
}

Response change(Context& c) {
  auto body = c.body();
  const auto& o = body_object(body);
  const auto action = string_field(o, "action").value_or("");
  platform::ClockRequest r;
  if (action == "freeze") {
    r.action = platform::ClockRequest::Action::freeze;
  } else if (action == "resume") {
    r.action = platform::ClockRequest::Action::resume;
  } else if (action == "advance") {
    const auto by = string_field(o, "by").value_or("");
    if (!by.empty() && by.front() == '-') {
      invalid("by: " + by + ": the clock only goes forward (give a positive duration: 10m, 24h)");
    }
    auto d = metrics::parse_period(by);
    if (!d) {
      invalid("by: '" + by + "' is not a duration (a whole number and s, m, h or d: 10m, 24h)");
    }
    r.action = platform::ClockRequest::Action::advance;
    r.by = *d;
  } else {
    invalid("action: '" + action + "' is not one of freeze, resume, advance.");
  }
  return answer(c.platform.clock(r));
}

}  // namespace

void add_clock_routes(Routes& t) {
  t.add("GET", "/lokku/clock", show);
  t.add("POST", "/lokku/clock", change);
}

}  // namespace lokku::api
