// lokku dashboard and lokku auth:token (issue #24): where the running platform serves its
// dashboard, and the API token that logs into it (what `heroku auth:token` prints too).
#include "api/api.hpp"
#include "app/command_support.hpp"
#include "app/commands.hpp"
#include "platform/platform_file.hpp"
#include "release/error.hpp"

#include <fmt/format.h>

#include <iostream>

namespace lokku::app {

int run_dashboard(const CommandOptions&) {
  auto st = open_store();
  auto info = platform::running_platform(st);
  if (!info || info->api_port == 0) {
    throw release::InputError(
        "no lokku platform is running with its API: start one with `lokku up`; the dashboard "
        "is served by it");
  }
  std::cout << fmt::format(
      "http://dashboard.localhost:{}/  (also http://127.0.0.1:{}/)\n"
      "Log in with the API token, which `lokku auth:token` prints.\n",
      info->router_port, info->api_port);
  return 0;
}

int run_auth_token(const CommandOptions&) {
  auto st = open_store();
  std::cout << api::load_or_create_token(st) << "\n";
  return 0;
}

}  // namespace lokku::app
