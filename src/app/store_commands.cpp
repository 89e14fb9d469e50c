// apps, config, releases, rollback, ps and ps:scale: commands that write the store (and
// never touch processes: a running platform reconciles; CONVENTIONS.md, Design).

#include "addons/addons.hpp"
#include "app/command_support.hpp"
#include "app/commands.hpp"
#include "common/app_log.hpp"
#include "common/ids.hpp"
#include "common/log_line.hpp"
#include "platform/app_lifecycle.hpp"
#include "platform/platform_file.hpp"
#include "platform/runtime.hpp"
#include "release/dyno_size.hpp"
#include "release/error.hpp"
#include "store/app_name.hpp"
#include "store/changes.hpp"
#include "store/store.hpp"

#include <boost/json.hpp>
#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <iostream>
#include <optional>
#include <thread>
#include <unistd.h>

namespace lokku::app {

namespace fs = std::filesystem;
namespace json = boost::json;

int run_apps(const CommandOptions& o) {
  auto st = open_store();
  auto names = st.apps();
  if (o.json) {
    json::array a;
    for (const auto& n : names) {
      if (auto app = st.try_load(n)) {
        a.push_back(json::object{{"name", app->name},
                                 {"id", app->id},
                                 {"stack", app->stack},
                                 {"created_at", app->created_at},
                                 {"web_url", router_url(st, app->name)}});
      }
    }
    std::cout << json::serialize(a) << '\n';
    return 0;
  }
  if (names.empty()) {
    std::cout << "You have no apps.\n";
    return 0;
  }
  std::cout << "=== Apps\n";
  for (const auto& n : names) {
    std::cout << n << '\n';
  }
  return 0;
}

int run_apps_create(const CommandOptions& o) {
  std::string name;
  if (!o.args.empty()) {
    name = o.args[0];
    store::validate_app_name(name);
  } else {
    name = app_of(o);
  }
  auto st = open_store();
  std::optional<release::AppManifest> manifest;
  if (o.from) {
    // APP-2: an app created from a source directory is set up from its app.json (its
    // postdeploy runs after the first deploy's release).
    if (!fs::is_directory(*o.from)) {
      throw release::InputError(fmt::format("--from {}: not a directory", *o.from));
    }
    manifest = read_app_manifest(*o.from);
    if (manifest) {
      release::manifest_config(*manifest, {}, name, common::random_hex);  // required vars
    }
  }
  auto app = st.create(name);
  std::cout << "Creating ⬢ " << name << "... done\n" << router_url(st, name) << '\n';
  if (manifest) {
    setup_from_manifest(st, name, *manifest, runtime(o));
  }
  return 0;
}

int run_apps_destroy(const CommandOptions& o) {
  std::string name = !o.args.empty() ? o.args[0] : app_of(o);
  auto st = open_store();
  auto app = st.load(name);
  std::string confirm = o.confirm.value_or("");
  if (confirm.empty() && ::isatty(0) == 1) {
    std::cerr << " !    WARNING: This will delete ⬢ " << name
              << " including all its releases, slugs and config vars.\n"
              << " !    To proceed, type " << name << " or re-run this command with --confirm "
              << name << "\n\n> ";
    std::getline(std::cin, confirm);
  }
  if (confirm != name) {
    throw release::InputError(fmt::format(
        "Confirmation did not match {}. Re-run with --confirm {} to destroy it.", name, name));
  }
  destroy_app(st, app, runtime(o));
  std::cout << "Destroying ⬢ " << name << " (including all add-ons)... done\n";
  return 0;
}

int run_apps_info(const CommandOptions& o) {
  auto st = open_store();
  auto app = st.load(app_of(o));
  const auto* cur = app.current();
  if (o.json) {
    json::object j{{"name", app.name},
                   {"id", app.id},
                   {"stack", app.stack},
                   {"created_at", app.created_at},
                   {"web_url", router_url(st, app.name)},
                   {"current_release", cur ? cur->version : 0}};
    std::cout << json::serialize(j) << '\n';
    return 0;
  }
  std::vector<std::string> dynos;
  for (const auto& [type, row] : app.formation) {
    dynos.push_back(fmt::format("{}: {}", type, row.quantity));
  }
  std::cout << "=== " << app.name << "\n"
            << "Dynos:    " << fmt::format("{}", fmt::join(dynos, ", ")) << "\n"
            << "Release:  " << (cur ? fmt::format("v{}", cur->version) : std::string("(none)"))
            << "\n"
            << "Stack:    " << app.stack << "\n"
            << "Web URL:  " << router_url(st, app.name) << "\n"
            << "Buildpacks: " << fmt::format("{}", fmt::join(app.buildpacks, ", ")) << "\n";
  return 0;
}

int run_config(const CommandOptions& o) {
  auto st = open_store();
  auto app = st.load(app_of(o));
  if (o.json) {
    json::object j;
    for (const auto& [k, v] : app.config) {
      j[k] = v;
    }
    std::cout << json::serialize(j) << '\n';
    return 0;
  }
  if (o.shell) {
    for (const auto& [k, v] : app.config) {
      std::string q;
      for (char c : v) {
        q += c == '\'' ? std::string("'\\''") : std::string(1, c);
      }
      std::cout << k << "='" << q << "'\n";
    }
    return 0;
  }
  std::cout << "=== " << app.name << " Config Vars\n";
  std::size_t width = 0;
  for (const auto& [k, v] : app.config) {
    width = std::max(width, k.size());
  }
  for (const auto& [k, v] : app.config) {
    std::cout << k << ":" << std::string(width - k.size() + 1, ' ') << v << '\n';
  }
  return 0;
}

int run_config_get(const CommandOptions& o) {
  if (o.args.size() != 1) {
    throw release::InputError("config:get takes one KEY");
  }
  auto st = open_store();
  auto app = st.load(app_of(o));
  auto it = app.config.find(o.args[0]);
  if (it == app.config.end()) {
    return 1;  // like heroku config:get: nothing printed, and scripts can tell
  }
  std::cout << it->second << '\n';
  return 0;
}

int run_config_set(const CommandOptions& o) {
  auto vars = store::parse_config_assignments(o.args);
  std::vector<std::string> keys;
  for (const auto& [k, v] : vars) {
    if (auto warning = store::check_config_key(k); !warning.empty()) {
      std::cerr << " !    Warning: " << warning << '\n';
    }
    keys.push_back(k);
  }
  auto st = open_store();
  std::string name = app_of(o);
  st.load(name);
  ApiLog log(st, name);
  auto r = platform::make_release(
      st, name, [&](store::App& a) { store::set_config(a, vars); },
      [&](const store::App&) { return store::config_description("Set", keys); }, {}, runtime(o),
      log.sink);
  print_release_outcome(r, fmt::format("Setting {} and restarting", fmt::join(keys, ", ")).c_str(),
                        name);
  for (const auto& [k, v] : vars) {
    std::cout << k << ": " << v << '\n';
  }
  return r.status == "failed" ? 1 : 0;
}

int run_config_unset(const CommandOptions& o) {
  if (o.args.empty()) {
    throw release::InputError("config:unset needs at least one KEY");
  }
  auto st = open_store();
  std::string name = app_of(o);
  st.load(name);
  ApiLog log(st, name);
  auto r = platform::make_release(
      st, name,
      [&](store::App& a) {
        for (const auto& k : o.args) {
          a.config.erase(k);
        }
      },
      [&](const store::App&) { return store::config_description("Remove", o.args); }, {},
      runtime(o), log.sink);
  print_release_outcome(
      r, fmt::format("Unsetting {} and restarting", fmt::join(o.args, ", ")).c_str(), name);
  return r.status == "failed" ? 1 : 0;
}

int run_releases(const CommandOptions& o) {
  auto st = open_store();
  auto app = st.load(app_of(o));
  int limit = o.num > 0 ? o.num : 15;
  if (o.json) {
    json::array a;
    int n = 0;
    for (auto it = app.releases.rbegin(); it != app.releases.rend() && n < limit; ++it, ++n) {
      a.push_back(json::object{
          {"version", it->version},
          {"id", it->id},
          {"description", it->description},
          {"status", it->status},
          {"current", app.current() == &*it},
          {"created_at", it->created_at},
          {"user", json::object{{"email", it->user}}},
          {"slug", it->slug_id.empty() ? json::value(nullptr)
                                       : json::value(json::object{{"id", it->slug_id}})}});
    }
    std::cout << json::serialize(a) << '\n';
    return 0;
  }
  const auto* cur = app.current();
  std::cout << "=== ⬢ " << app.name << " Releases"
            << (cur ? fmt::format(" - Current: v{}", cur->version) : std::string()) << '\n';
  std::size_t width = 0;
  for (const auto& r : app.releases) {
    width = std::max(width, r.description.size());
  }
  int n = 0;
  for (auto it = app.releases.rbegin(); it != app.releases.rend() && n < limit; ++it, ++n) {
    std::string desc = it->description;
    if (it->status == "failed") {
      desc += " release command failed";
    } else if (it->status == "pending") {
      desc += " release command executing";
    }
    std::cout << fmt::format("v{:<4} {:<{}}  {}  {}\n", it->version, desc, width + 26, it->user,
                             it->created_at);
  }
  return 0;
}

int run_releases_info(const CommandOptions& o) {
  auto st = open_store();
  auto app = st.load(app_of(o));
  const store::Release* r = app.current() ? app.current() : app.latest_succeeded();
  if (!o.args.empty()) {
    auto v = store::parse_version(o.args[0]);
    if (!v) {
      throw release::InputError(fmt::format("'{}' is not a release version (vN)", o.args[0]));
    }
    r = app.find(*v);
    if (!r) {
      throw release::InputError(fmt::format("No such release: v{}", *v));
    }
  }
  if (!r) {
    throw release::InputError(app.name + " has no releases");
  }
  std::cout << "=== Release v" << r->version << "\n"
            << "Add-ons:     \n"
            << "By:          " << r->user << "\n"
            << "Change:      " << r->description << "\n"
            << "Status:      " << r->status << (app.current() == r ? " (current)" : "") << "\n"
            << "Slug:        " << (r->slug_id.empty() ? "(none)" : r->slug_id) << "\n"
            << "When:        " << r->created_at << "\n\n"
            << "=== v" << r->version << " Config vars\n";
  for (const auto& [k, v] : r->config) {
    std::cout << k << ": " << v << '\n';
  }
  return 0;
}

int run_rollback(const CommandOptions& o) {
  auto st = open_store();
  std::string name = app_of(o);
  auto app = st.load(name);
  std::optional<int> version;
  if (!o.args.empty()) {
    version = store::parse_version(o.args[0]);
    if (!version) {
      throw release::InputError(fmt::format("'{}' is not a release version (vN)", o.args[0]));
    }
  }
  const int was = app.current() ? app.current()->version : 0;
  int target_version = store::rollback_target(app, version).version;
  ApiLog log(st, name);
  auto r = platform::make_release(
      st, name,
      [&](store::App& a) {
        // REL-7: slug and config vars of the target.
        a.config = store::rollback_target(a, target_version).config;
      },
      [&](const store::App&) { return fmt::format("Rollback to v{}", target_version); },
      [&](const store::App& a) { return store::rollback_target(a, target_version).slug_id; },
      runtime(o), log.sink);
  print_release_outcome(r, fmt::format("Rolling back to v{} on", target_version).c_str(), name);
  std::cerr << " !    Rollback affects code and config vars; it doesn't add or remove addons.\n";
  if (was != 0) {
    std::cout << "To undo, run: lokku rollback v" << was << " -a " << name << '\n';
  }
  return r.status == "failed" ? 1 : 0;
}

int run_ps_scale(const CommandOptions& o) {
  auto changes = store::parse_scale_args(o.args);
  auto st = open_store();
  auto app = st.update(app_of(o), [&](store::App& a) { store::apply_scale(a, changes); });
  std::cout << "Scaling dynos... done, now running " << store::describe_scale(app, changes) << '\n';
  return 0;
}

int run_ps(const CommandOptions& o) {
  auto st = open_store();
  auto app = st.load(app_of(o));
  const auto* cur = app.current();
  auto platform_info = platform::running_platform(st);
  auto observed = platform::read_observed(st, app.name);
  if (o.json) {
    json::array a;
    if (platform_info && observed && observed->platform_pid == platform_info->pid) {
      for (const auto& d : observed->dynos) {
        a.push_back(json::object{{"name", d.name},
                                 {"type", d.type},
                                 {"state", d.state},
                                 {"updated_at", d.since},
                                 {"command", d.command},
                                 {"size", size_display(d.size)},
                                 {"release", json::object{{"version", d.release}}}});
      }
    }
    std::cout << json::serialize(a) << '\n';
    return 0;
  }
  if (!cur) {
    std::cout << "No dynos on ⬢ " << app.name << " (nothing deployed yet)\n";
    return 0;
  }
  if (!platform_info || !observed || observed->platform_pid != platform_info->pid) {
    std::cout << "=== ⬢ " << app.name << ": the platform is not running (`lokku up` runs it)\n"
              << "Formation:\n";
    for (const auto& [type, row] : app.formation) {
      std::cout << fmt::format("{}={}:{}\n", type, row.quantity, size_display(row.size));
    }
    return 0;
  }
  std::map<std::string, std::vector<const platform::ObservedDyno*>> by_type;
  for (const auto& d : observed->dynos) {
    by_type[d.type].push_back(&d);
  }
  bool first = true;
  for (const auto& [type, dynos] : by_type) {
    if (!first) {
      std::cout << '\n';
    }
    first = false;
    const auto* d0 = dynos.front();
    if (type == "run" || type == "release" || type == "scheduler") {
      std::cout << "=== " << type << ": one-off processes (" << dynos.size() << ")\n";
    } else {
      std::cout << "=== " << type << " (" << size_display(d0->size) << "): " << d0->command << " ("
                << dynos.size() << ")\n";
    }
    for (const auto* d : dynos) {
      std::cout << d->name << ": " << d->state << " " << d->since << " (v" << d->release << ")\n";
    }
  }
  if (by_type.empty()) {
    std::cout << "No dynos on ⬢ " << app.name << '\n';
  }
  return 0;
}

int run_apps_rename(const CommandOptions& o) {
  if (o.args.empty()) {
    throw release::InputError("apps:rename needs the new name");
  }
  auto st = open_store();
  const std::string from = app_of(o);
  const std::string& to = o.args[0];
  std::cout << "Renaming ⬢ " << from << " to " << to << "... " << std::flush;
  platform::rename_app(st, from, to);
  std::cout << "done\n" << router_url(st, to) << '\n';
  update_git_remotes(st, from, to);
  return 0;
}

int run_releases_output(const CommandOptions& o) {
  auto st = open_store();
  auto app = st.load(app_of(o));
  const store::Release* r = app.releases.empty() ? nullptr : &app.releases.back();
  if (!o.args.empty()) {
    auto v = store::parse_version(o.args[0]);
    r = v ? app.find(*v) : nullptr;
    if (!r) {
      throw release::InputError(fmt::format("No such release: {}", o.args[0]));
    }
  }
  if (!r || r->release_dyno.empty()) {
    std::cerr << " !    Release v" << (r ? r->version : 0) << " has no release output available.\n";
    return 0;
  }
  // RPH-1: what the release phase's dyno printed, until the release settles.
  platform::LogFollower follower(st.log_file(app.name), "app", r->release_dyno);
  for (bool last = false;;) {
    auto now = st.load(app.name);
    const auto* settled = now.find(r->version);
    bool done = settled == nullptr || settled->status != "pending";
    for (const auto& line : follower.read_new()) {
      std::cout << common::log_message(line) << '\n';
    }
    std::cout << std::flush;
    if (done && last) {
      return 0;
    }
    last = done;
    if (!done) {
      std::this_thread::sleep_for(std::chrono::milliseconds(200));
    }
  }
}

int run_ps_type(const CommandOptions& o) {
  auto st = open_store();
  const std::string name = app_of(o);
  std::vector<store::ScaleChange> changes;
  auto app = st.load(name);
  for (const auto& arg : o.args) {
    auto eq = arg.find('=');
    std::string size = eq == std::string::npos ? arg : arg.substr(eq + 1);
    auto spec = release::find_dyno_size(size);
    if (!spec) {
      throw release::InputError(
          fmt::format("No such dyno size: {} (sizes: {})", size, release::dyno_size_names()));
    }
    if (eq == std::string::npos) {  // one size for every process type
      for (const auto& [type, row] : app.formation) {
        changes.push_back({type, '\0', 0, spec->name});
      }
      continue;
    }
    std::string type = arg.substr(0, eq);
    if (app.formation.count(type) == 0) {
      throw release::InputError(fmt::format("Type {} not found in process formation.", type));
    }
    changes.push_back({type, '\0', 0, spec->name});
  }
  if (!changes.empty()) {
    std::cout << "Scaling dynos on ⬢ " << name << "... " << std::flush;
    app = st.update(name, [&](store::App& a) { store::apply_scale(a, changes); });
    std::cout << "done\n";
  }
  std::cout << "=== Process Types\n\n" << fmt::format("{:<12} {:<14} {}\n", "type", "size", "qty");
  for (const auto& [type, row] : app.formation) {
    std::cout << fmt::format("{:<12} {:<14} {}\n", type, size_display(row.size), row.quantity);
  }
  return 0;
}

}  // namespace lokku::app
