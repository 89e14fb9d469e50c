// lokku clock (issue #27 point 3): shows, freezes, resumes or advances the running platform's
// clock through its API (`/lokku/clock`): `lokku clock advance 24h` fires, in order, the
// scheduler runs that fall due on the way and ends the crash cool-offs that are over.
#include "app/command_support.hpp"
#include "app/commands.hpp"
#include "app/platform_clock.hpp"
#include "release/error.hpp"

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
  const auto j = platform_clock(st, method, body);
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
