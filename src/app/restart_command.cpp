// lokku ps:restart (the official CLI's `heroku ps:restart`): restarts every dyno of the app,
// those of one process type (-p), or one dyno (-d), through the running platform's API as the
// CLI does (DELETE /apps/APP/dynos[/DYNO], /apps/APP/formations/TYPE). Each dyno stops with
// SIGTERM and starts again (STOP-5); the log says `Restarting`.
#include "app/command_support.hpp"
#include "app/commands.hpp"
#include "app/platform_clock.hpp"
#include "release/error.hpp"

#include <boost/url/encode.hpp>
#include <boost/url/rfc/pchars.hpp>
#include <fmt/format.h>

#include <iostream>

namespace lokku::app {

int run_ps_restart(const CommandOptions& o) {
  auto st = open_store();
  const auto app = app_of(o);
  (void)st.load(app);  // an unknown app is refused here, by name
  if (!o.dyno.empty() && !o.process_type.empty()) {
    throw release::InputError("give --dyno-name or --process-type, not both");
  }
  const auto encode = [](const std::string& s) {
    return boost::urls::encode(s, boost::urls::pchars);
  };
  std::string what = "all dynos";
  std::string path = "/apps/" + encode(app) + "/dynos";
  if (!o.process_type.empty()) {
    what = fmt::format("all {} dynos", o.process_type);
    path = "/apps/" + encode(app) + "/formations/" + encode(o.process_type);
  } else if (!o.dyno.empty()) {
    what = "dyno " + o.dyno;
    path += "/" + encode(o.dyno);
  }
  std::cout << fmt::format("Restarting {} on ⬢ {}... ", what, app) << std::flush;
  try {
    (void)platform_api(st, "DELETE", path);
  } catch (...) {
    std::cout << "!\n";
    throw;
  }
  std::cout << "done\n";
  return 0;
}

}  // namespace lokku::app
