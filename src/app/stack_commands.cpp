// stack, stack:set and regions: the stacks a build may name (set for the next build, as
// Heroku's stack:set), and lokku's one region.
#include "app/command_support.hpp"
#include "app/commands.hpp"
#include "release/error.hpp"
#include "store/changes.hpp"

#include <iostream>

namespace lokku::app {

int run_stack(const CommandOptions& o) {
  auto st = open_store();
  auto app = st.load(app_of(o));
  std::cout << "=== ⬢ " << app.name << " Available Stacks\n\n";
  for (const auto& s : store::known_stacks()) {
    if (s == app.stack) {
      std::cout << "* " << s << "\n";
    } else if (s == store::build_stack(app)) {
      std::cout << "  " << s << " (active on next deploy)\n";
    } else {
      std::cout << "  " << s << "\n";
    }
  }
  return 0;
}

int run_stack_set(const CommandOptions& o) {
  if (o.args.empty()) {
    throw release::InputError("stack:set needs a stack (see lokku stack)");
  }
  auto st = open_store();
  const std::string name = app_of(o);
  std::cout << "Setting stack to " << o.args[0] << "... " << std::flush;
  auto app = st.update(name, [&](store::App& a) { store::set_build_stack(a, o.args[0]); });
  std::cout << "done\n";
  if (app.stack != store::build_stack(app)) {
    std::cout << "You will need to redeploy ⬢ " << name << " for the change to take effect.\n"
              << "Run git push heroku main (or lokku deploy) to trigger a new build on ⬢ " << name
              << ".\n";
  }
  return 0;
}

int run_regions(const CommandOptions&) {
  std::cout << "ID     Location      Runtime\n"
            << "local  This machine  Common Runtime\n";
  return 0;
}

}  // namespace lokku::app
