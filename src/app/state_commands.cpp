// state:export, state:import and state:reset: the whole platform's desired state saved to
// one file and loaded back, so that a test suite starts from a known platform
// (platform/state_snapshot.hpp).

#include "app/command_support.hpp"
#include "platform/platform_file.hpp"
#include "platform/state_snapshot.hpp"
#include "release/error.hpp"
#include "slug/slug.hpp"

#include <fmt/format.h>

#include <iostream>
#include <string>
#include <vector>

namespace lokku::app {

namespace {

std::string counted(std::size_t n, const char* one, const char* many) {
  return fmt::format("{} {}", n, n == 1 ? one : many);
}

std::string listed(const std::vector<std::string>& names) {
  return names.empty() ? "none" : fmt::format("{}", fmt::join(names, ", "));
}

/// `2 apps (api, web), 3 add-ons, 1 pipeline`
std::string contents(const platform::StateSummary& s) {
  return fmt::format("{}{}, {}, {}", counted(s.apps.size(), "app", "apps"),
                     s.apps.empty() ? "" : " (" + listed(s.apps) + ")",
                     counted(s.addons.size(), "add-on", "add-ons"),
                     counted(s.pipelines.size(), "pipeline", "pipelines"));
}

void progress(const std::string& step) {
  std::cerr << "       " << step << "\n";
}

const std::string& file_argument(const CommandOptions& o, const char* command) {
  if (o.args.size() != 1) {
    throw release::InputError(fmt::format("lokku {}: give one FILE", command));
  }
  return o.args.front();
}

}  // namespace

int run_state_export(const CommandOptions& o) {
  const auto& file = file_argument(o, "state:export");
  auto st = open_store();
  std::cerr << fmt::format("-----> Exporting the state of {} to {}\n", st.home().string(), file);
  auto s = platform::export_state(st, file, LOKKU_VERSION,
                                  platform::running_platform(st).has_value(), runtime(o), progress);
  std::cout << fmt::format("Exported {} to {} ({})\n", contents(s), file,
                           slug::human_size(s.bytes));
  return 0;
}

int run_state_import(const CommandOptions& o) {
  const auto& file = file_argument(o, "state:import");
  auto st = open_store();
  platform::ImportOptions options;
  options.replace = o.confirmed;
  options.fresh_ports = o.fresh_ports;
  options.platform_runs = platform::running_platform(st).has_value();
  std::cerr << fmt::format("-----> Importing {} into {}\n", file, st.home().string());
  auto s = platform::import_state(st, file, options, runtime(o), progress);
  std::cout << fmt::format("Imported {}{}\n", contents(s),
                           options.platform_runs ? "; the running platform starts them now" : "");
  return 0;
}

int run_state_reset(const CommandOptions& o) {
  auto st = open_store();
  if (!o.confirmed) {
    throw release::InputError(fmt::format(
        "state:reset destroys every app of {} ({}) with its add-ons' data, and every pipeline; "
        "run `lokku state:reset --confirm` to do it",
        st.home().string(), listed(st.apps())));
  }
  auto s = platform::reset_state(st, platform::running_platform(st).has_value(), runtime(o));
  std::cout << fmt::format("Destroyed {}\n", contents(s));
  return 0;
}

}  // namespace lokku::app
