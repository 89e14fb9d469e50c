// lokku export kubernetes|systemd|compose (issue #26): an app's release and formation written
// for another engine, from what the store knows (src/export).
#include "app/command_support.hpp"
#include "app/commands.hpp"
#include "export/compose.hpp"
#include "export/kubernetes.hpp"
#include "export/systemd.hpp"
#include "release/error.hpp"

#include <fmt/format.h>

#include <iostream>
#include <map>

namespace lokku::app {

namespace {

using Writer = exports::Written (*)(const exports::ExportInput&, const exports::ExportOptions&);

struct Target {
  const char* engine;
  Writer write;
};

const std::map<std::string, Target>& targets() {
  static const std::map<std::string, Target> t = {
      {"kubernetes", {"Kubernetes", exports::export_kubernetes}},
      {"systemd", {"systemd", exports::export_systemd}},
      {"compose", {"Docker Compose", exports::export_compose}},
  };
  return t;
}

}  // namespace

int run_export(const CommandOptions& o) {
  const auto it = targets().find(o.args.empty() ? "" : o.args[0]);
  if (o.args.size() != 1 || it == targets().end()) {
    throw release::InputError(
        fmt::format("lokku export: give one TARGET: kubernetes, systemd or "
                    "compose{}",
                    o.args.empty() ? "" : " (not '" + o.args[0] + "')"));
  }
  const std::string& target = it->first;
  if (target != "kubernetes" && (o.with_addons || !o.base_image.empty())) {
    throw release::InputError("--with-addons and --base-image are for kubernetes");
  }
  if (target != "systemd" && (!o.prefix.empty() || o.port)) {
    throw release::InputError("--prefix and --port are for systemd");
  }
  if (target == "systemd" && !o.image.empty()) {
    throw release::InputError("--image is for kubernetes and compose");
  }
  auto st = open_store();
  const auto name = app_of(o);
  const auto input = exports::export_input(
      st, name,
      o.release_version.empty()
          ? std::nullopt
          : std::optional<int>(exports::parse_release_option(o.release_version)));
  exports::ExportOptions eo;
  eo.out = o.out;
  eo.image = o.image;
  eo.with_addons = o.with_addons;
  eo.base_image = o.base_image;
  eo.prefix = o.prefix;
  eo.port = o.port.value_or(5000);
  if (!eo.prefix.empty() && !eo.prefix.is_absolute()) {
    throw release::InputError(fmt::format("--prefix {}: give an absolute path", o.prefix));
  }
  if (fs::exists(eo.out) && !fs::is_directory(eo.out)) {
    throw release::InputError(fmt::format("-o {}: not a folder", o.out));
  }
  fs::create_directories(eo.out);
  std::cout << fmt::format("Exporting ⬢ {} v{} for {} to {}...\n", input.app, input.version,
                           it->second.engine, o.out);
  const auto written = it->second.write(input, eo);
  for (const auto& f : written.files) {
    std::cout << "  " << f << "\n";
  }
  std::cout << fmt::format("See {} for how to use it and what does not carry over.\n",
                           (eo.out / "README.md").string());
  return 0;
}

}  // namespace lokku::app
