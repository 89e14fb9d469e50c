#include "app/commands.hpp"
#include "platform/platform.hpp"
#include "platform/runtime.hpp"
#include "store/store.hpp"

#include <cstdlib>
#include <unistd.h>

namespace lokku::app {

int run_up(const CommandOptions& o) {
  store::Store st(store::Store::default_home());
  platform::PlatformOptions p;
  p.port = o.port.value_or(5000);
  p.scale = platform::resolve_time_scale(o.time_scale);
  p.legacy_router = o.router == "legacy";
  p.router_threads = o.router_threads;
  const char* term = std::getenv("TERM");
  p.colour =
      o.colour == "always" || (o.colour == "auto" && ::isatty(1) == 1 && !std::getenv("NO_COLOR") &&
                               !(term && std::string(term) == "dumb"));
  p.init_path = platform::find_init();
  return platform::run_platform(st, p);
}

}  // namespace lokku::app
