// chaos:add, chaos:list and chaos:clear (issue #25 point 1): faults on purpose for a test of
// how an app copes, applied by the running platform (platform/chaos.hpp).

#include "app/command_support.hpp"
#include "app/commands.hpp"
#include "app/platform_clock.hpp"
#include "platform/chaos.hpp"
#include "platform/platform_file.hpp"
#include "release/error.hpp"

#include <boost/json.hpp>
#include <fmt/format.h>

#include <iostream>

namespace lokku::app {

namespace {

void require_platform(const store::Store& st) {
  if (!platform::running_platform(st)) {
    throw release::InputError(
        "no platform is running here: faults act on lokku up's dynos and add-ons (start it)");
  }
}

}  // namespace

int run_chaos_add(const CommandOptions& o) {
  auto st = open_store();
  if (o.args.size() != 1) {
    throw release::InputError(fmt::format("lokku chaos:add: give one KIND ({})",
                                          fmt::join(platform::fault_kinds(), ", ")));
  }
  require_platform(st);
  platform::FaultRequest r;
  r.kind = o.args[0];
  r.app = app_of(o);
  r.type = o.process_type;
  r.dyno = o.dyno;
  r.addon = o.addon;
  r.duration = o.for_duration;
  r.rate = o.rate;
  r.delay = o.delay;
  r.after_head = o.after_head;
  const auto f = platform::add_fault(st, r, platform_now(st));
  if (o.json) {
    std::cout << boost::json::serialize(platform::to_json(f)) << "\n";
  } else {
    std::cout << fmt::format("Added fault {} on ⬢ {}: {}\n", f.id, f.app, platform::describe(f));
  }
  return 0;
}

int run_chaos_list(const CommandOptions& o) {
  auto st = open_store();
  const auto faults = platform::read_faults(st, o.app.value_or(""));
  if (o.json) {
    boost::json::array a;
    for (const auto& f : faults) {
      a.push_back(platform::to_json(f));
    }
    std::cout << boost::json::serialize(a) << "\n";
    return 0;
  }
  if (faults.empty()) {
    std::cout << "No faults.\n";
    return 0;
  }
  std::cout << "ID  App" << std::string(24, ' ') << "Fault\n";
  for (const auto& f : faults) {
    std::cout << fmt::format("{:<3} {:<27} {}\n", f.id, f.app, platform::describe(f));
  }
  return 0;
}

int run_chaos_clear(const CommandOptions& o) {
  auto st = open_store();
  std::optional<int> id;
  if (!o.args.empty()) {
    id = platform::parse_fault_id(o.args[0]);
    if (!id || o.args.size() > 1) {
      throw release::InputError(
          fmt::format("'{}' is not a fault's ID (see lokku chaos:list)", o.args[0]));
    }
  }
  const auto gone = platform::clear_faults(st, o.app.value_or(""), id);
  if (gone.empty()) {
    std::cout << "No faults to clear.\n";
    return 0;
  }
  for (const auto& f : gone) {
    std::cout << fmt::format("Cleared fault {} on ⬢ {}: {}\n", f.id, f.app, platform::describe(f));
  }
  return 0;
}

}  // namespace lokku::app
