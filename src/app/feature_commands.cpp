// labs, labs:info, labs:enable, labs:disable and features, features:info, features:enable,
// features:disable: the app features lokku implements (store::app_features), the beta ones
// through labs and the general ones through features, as Heroku splits them.
#include "app/command_support.hpp"
#include "app/commands.hpp"
#include "release/error.hpp"
#include "store/changes.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <iostream>

namespace lokku::app {

namespace {

bool enabled(const store::App& app, const std::string& name) {
  return std::find(app.features.begin(), app.features.end(), name) != app.features.end();
}

/// The feature the first argument names, of the kind the command lists (labs: beta).
const store::AppFeature& feature_arg(const CommandOptions& o, bool labs) {
  if (o.args.empty()) {
    throw release::InputError("name a feature (see lokku " +
                              std::string(labs ? "labs" : "features") + ")");
  }
  const auto* f = store::find_app_feature(o.args[0]);
  if (!f || (f->state == "beta") != labs) {
    throw release::InputError(fmt::format("Couldn't find that feature: {} (see lokku {})",
                                          o.args[0], labs ? "labs" : "features"));
  }
  return *f;
}

int list(const CommandOptions& o, bool labs) {
  auto st = open_store();
  auto app = st.load(app_of(o));
  std::cout << "=== App Features ⬢ " << app.name << "\n\n";
  for (const auto& f : store::app_features()) {
    if ((f.state == "beta") == labs) {
      std::cout << (enabled(app, f.name) ? "[+] " : "[ ] ") << f.name << "  " << f.description
                << "\n";
    }
  }
  return 0;
}

int info(const CommandOptions& o, bool labs) {
  const auto& f = feature_arg(o, labs);
  auto st = open_store();
  auto app = st.load(app_of(o));
  std::cout << "=== " << f.name << "\n\n"
            << "Description: " << f.description << "\n"
            << "Enabled:     " << (enabled(app, f.name) ? "true" : "false") << "\n"
            << "Docs:        " << f.doc_url << "\n";
  return 0;
}

int set(const CommandOptions& o, bool labs, bool on) {
  const auto& f = feature_arg(o, labs);
  auto st = open_store();
  const std::string name = app_of(o);
  std::cout << (on ? "Enabling " : "Disabling ") << f.name << " for ⬢ " << name << "... "
            << std::flush;
  st.update(name, [&](store::App& a) { store::set_feature(a, f.name, on); });
  std::cout << "done\n";
  return 0;
}

}  // namespace

int run_labs(const CommandOptions& o) {
  return list(o, true);
}
int run_labs_info(const CommandOptions& o) {
  return info(o, true);
}
int run_labs_enable(const CommandOptions& o) {
  return set(o, true, true);
}
int run_labs_disable(const CommandOptions& o) {
  return set(o, true, false);
}
int run_features(const CommandOptions& o) {
  return list(o, false);
}
int run_features_info(const CommandOptions& o) {
  return info(o, false);
}
int run_features_enable(const CommandOptions& o) {
  return set(o, false, true);
}
int run_features_disable(const CommandOptions& o) {
  return set(o, false, false);
}

}  // namespace lokku::app
