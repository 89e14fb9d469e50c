// lokku clock (issue #27 point 3): shows, freezes, resumes or advances the running platform's
// clock through its API (`/lokku/clock`): `lokku clock advance 24h` fires, in order, the
// scheduler runs that fall due on the way and ends the crash cool-offs that are over.
#include "api/api.hpp"
#include "app/command_support.hpp"
#include "app/commands.hpp"
#include "platform/platform_file.hpp"
#include "release/error.hpp"
#include "webhooks/sender.hpp"

#include <boost/json.hpp>
#include <fmt/format.h>

#include <iostream>

namespace lokku::app {

namespace json = boost::json;

int run_clock(const CommandOptions& o) {
  const auto& a = o.args;
  json::object body;
  std::string method = "GET";
  if (!a.empty()) {
    method = "POST";
    if ((a[0] == "freeze" || a[0] == "resume") && a.size() == 1) {
      body["action"] = a[0];
    } else if (a[0] == "advance" && a.size() == 2) {
      body["action"] = "advance";
      body["by"] = a[1];
    } else {
      throw release::InputError(
          "usage: lokku clock [freeze | resume | advance DURATION] (DURATION: 10m, 1h, 24h)");
    }
  }
  auto st = open_store();
  auto running = platform::running_platform(st);
  if (!running || running->api_port == 0) {
    throw release::InputError("no platform is running here: the clock is lokku up's (start it)");
  }
  webhooks::Sender sender("");
  auto r = sender.send(method, fmt::format("http://127.0.0.1:{}/lokku/clock", running->api_port),
                       {{"Authorization", "Bearer " + api::load_or_create_token(st)},
                        {"Accept", "application/vnd.heroku+json; version=3"}},
                       body.empty() ? std::string() : json::serialize(body));
  if (!r.code) {
    throw std::runtime_error("the platform's API did not answer: " + r.error_class);
  }
  boost::system::error_code ec;
  auto answer = json::parse(r.body, ec);
  if (ec || !answer.is_object()) {
    throw std::runtime_error(fmt::format("the platform answered {} without JSON", *r.code));
  }
  const auto& j = answer.as_object();
  if (*r.code != 200) {
    const auto* message = j.if_contains("message");
    throw release::InputError(message && message->is_string()
                                  ? std::string(message->as_string())
                                  : fmt::format("the platform answered {}", *r.code));
  }
  if (o.json) {
    std::cout << json::serialize(j) << "\n";
    return 0;
  }
  const auto advanced = j.at("advanced_seconds").to_number<std::int64_t>();
  std::cout << fmt::format(
      "Platform clock: {}{}, {}x real time{}\n", std::string(j.at("now").as_string()),
      j.at("frozen").as_bool() ? " (frozen)" : "", j.at("rate").to_number<double>(),
      advanced > 0 ? fmt::format(", advanced {} s in all", advanced) : "");
  const auto& fired = j.at("fired").as_array();
  if (!fired.empty()) {
    std::cout << "Fired on the way, in order:\n";
    for (const auto& f : fired) {
      std::cout << "  " << std::string(f.as_string()) << "\n";
    }
  }
  return 0;
}

}  // namespace lokku::app
