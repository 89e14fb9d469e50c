// `lokku logs`: the app's log (every line its dynos, router, release phase and one-off dynos
// wrote), with Heroku's filters: -n, --tail, --source, --dyno.

#include "app/commands.hpp"
#include "platform/runtime.hpp"
#include "store/app_name.hpp"
#include "store/store.hpp"

#include <chrono>
#include <csignal>
#include <filesystem>
#include <iostream>
#include <thread>

namespace lokku::app {

namespace fs = std::filesystem;

int run_logs(const CommandOptions& o) {
  store::Store st(store::Store::default_home());
  std::string name = store::resolve_app(o.app, fs::current_path());
  st.load(name);
  const std::size_t limit = o.num > 0 ? static_cast<std::size_t>(o.num) : 100;
  platform::LogFollower follower(st.log_file(name), o.source, o.dyno);
  for (const auto& l : follower.read_new(limit)) {
    std::cout << l << '\n';
  }
  std::cout.flush();
  if (!o.tail) {
    return 0;
  }
  ::signal(SIGPIPE, SIG_DFL);
  for (;;) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    for (const auto& l : follower.read_new()) {
      std::cout << l << '\n';
    }
    std::cout.flush();
    if (!std::cout) {
      return 0;
    }
  }
}

}  // namespace lokku::app
