#include "app/platform_clock.hpp"

#include "api/api.hpp"
#include "common/log_line.hpp"
#include "platform/platform_file.hpp"
#include "release/error.hpp"
#include "webhooks/sender.hpp"

#include <boost/json.hpp>
#include <fmt/format.h>

namespace lokku::app {

namespace json = boost::json;

json::object platform_api(const store::Store& st, const std::string& method,
                          const std::string& path, const json::object& body) {
  auto running = platform::running_platform(st);
  if (!running || running->api_port == 0) {
    throw release::InputError("no platform is running here (start one with `lokku up`)");
  }
  webhooks::Sender sender("");
  auto r = sender.send(method, fmt::format("http://127.0.0.1:{}{}", running->api_port, path),
                       {{"Authorization", "Bearer " + api::load_or_create_token(st)},
                        {"Accept", "application/vnd.heroku+json; version=3"}},
                       body.empty() ? std::string() : json::serialize(body));
  if (!r.code) {
    throw std::runtime_error("the platform's API did not answer: " + r.error_class);
  }
  boost::system::error_code ec;
  auto answer = json::parse(r.body, ec);
  if (ec || !(answer.is_object() || answer.is_array())) {
    if (*r.code / 100 == 2 && r.body.empty()) {
      return {};
    }
    throw std::runtime_error(fmt::format("the platform answered {} without JSON", *r.code));
  }
  if (*r.code / 100 != 2) {
    const auto* message = answer.is_object() ? answer.as_object().if_contains("message") : nullptr;
    throw release::InputError(message && message->is_string()
                                  ? std::string(message->as_string())
                                  : fmt::format("the platform answered {}", *r.code));
  }
  return answer.is_object() ? std::move(answer.as_object()) : json::object{};
}

json::object platform_clock(const store::Store& st, const std::string& method,
                            const json::object& body) {
  if (!platform::running_platform(st)) {
    throw release::InputError("no platform is running here: the clock is lokku up's (start it)");
  }
  return platform_api(st, method, "/lokku/clock", body);
}

std::chrono::system_clock::time_point platform_now(const store::Store& st) {
  if (platform::running_platform(st)) {
    const auto j = platform_clock(st, "GET");
    if (const auto* now = j.if_contains("now"); now && now->is_string()) {
      if (auto t = common::parse_timestamp(now->as_string())) {
        return *t;
      }
    }
  }
  return std::chrono::system_clock::now();
}

}  // namespace lokku::app
