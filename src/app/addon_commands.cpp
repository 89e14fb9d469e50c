// addons, addons:create, addons:info, addons:destroy, pg:psql, pg:info, redis:cli and
// redis:info: add-ons as real servers on this machine (src/addons). Like every store
// command they write the store; a running platform starts and stops the servers.

#include "addons/addons.hpp"
#include "app/command_support.hpp"
#include "app/commands.hpp"
#include "common/child_process.hpp"
#include "common/ids.hpp"
#include "platform/addon_lifecycle.hpp"
#include "platform/app_lifecycle.hpp"
#include "platform/platform_file.hpp"
#include "release/app_manifest.hpp"
#include "release/dyno_size.hpp"
#include "release/error.hpp"
#include "store/changes.hpp"
#include "store/files.hpp"
#include "store/pipelines.hpp"
#include "store/store.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/json.hpp>
#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <csignal>
#include <filesystem>
#include <iostream>
#include <optional>
#include <regex>
#include <sstream>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>
#include <utility>

namespace lokku::app {

namespace json = boost::json;

namespace {

/// The add-on a command names (its name, attachment or config var), or the app's only one
/// of `service` (the first, like Heroku's DATABASE_URL default).
const store::Addon& pick_addon(const store::App& app, const std::vector<std::string>& args,
                               const std::string& service) {
  if (!args.empty()) {
    if (const auto* a = app.find_addon(args[0])) {
      if (!service.empty() && a->service != service) {
        throw release::InputError(fmt::format("{} is a {} add-on", a->name, a->service));
      }
      return *a;
    }
    throw release::InputError(
        fmt::format("Couldn't find that add-on: {} (see lokku addons -a {})", args[0], app.name));
  }
  for (const auto& a : app.addons) {
    if (a.service == service) {
      return a;
    }
  }
  throw release::InputError(
      fmt::format("{} has no {} add-on; create one with lokku "
                  "addons:create {} -a {}",
                  app.name, service, service, app.name));
}

/// Runs a client program attached to this terminal and returns its exit code.
int run_attached(const std::vector<std::string>& argv, const std::vector<std::string>& env) {
  common::ChildSpec spec;
  spec.argv = argv;
  spec.env = env;
  spec.group = common::ChildGroup::terminal;  // Ctrl-C is the client's (it cancels a query)
  struct sigaction ignore {
  }, old_int{};
  ignore.sa_handler = SIG_IGN;
  ::sigaction(SIGINT, &ignore, &old_int);  // ... and lokku waits it out
  int status = 127;
  try {
    net::io_context ctx;
    bp2::process_stdio stdio{};  // this terminal
    auto child = common::start_child(ctx.get_executor(), spec, stdio);
    status = common::wait_child(child);
  } catch (const std::system_error& e) {
    std::cerr << "lokku: error: " << e.what() << '\n';
  }
  ::sigaction(SIGINT, &old_int, nullptr);
  return status;
}

std::vector<std::string> client_env() {
  std::vector<std::string> env = {"PATH=/usr/local/bin:/usr/bin:/bin"};
  for (const char* k : {"TERM", "LANG", "HOME", "PAGER", "PSQL_PAGER", "COLUMNS", "LINES"}) {
    if (const char* v = std::getenv(k)) {
      env.push_back(std::string(k) + "=" + v);
    }
  }
  return env;
}

bool platform_runs(const store::Store& st) {
  return platform::running_platform(st).has_value();
}

}  // namespace

int run_addons_create(const CommandOptions& o) {
  if (o.args.empty()) {
    throw release::InputError(
        fmt::format("addons:create needs a service: {}", addons::service_names()));
  }
  auto st = open_store();
  const std::string name = app_of(o);
  st.load(name);
  addons::find_plan(o.args[0]);  // Heroku's message for an unknown service or plan, first
  std::cout << "Creating " << o.args[0] << " on ⬢ " << name << "... " << std::flush;
  platform::AddonRequest req{name, o.args[0], o.as, o.follow};
  ApiLog log(st, name);
  auto made = platform::create_addon(st, req, runtime(o), log.sink);
  std::cout << "done\n";
  if (!o.follow.empty()) {
    std::cout << fmt::format("{} follows {}: a read-only streaming replica\n", made.addon.name,
                             made.addon.follows);
  }
  std::cout << fmt::format("Created {} as {}\n", made.addon.name, made.addon.config_var());
  print_release_outcome(made.release, "Attaching it and restarting", name);
  return made.release.status == "failed" ? 1 : 0;
}

int run_addons(const CommandOptions& o) {
  auto st = open_store();
  auto app = st.load(app_of(o));
  if (app.addons.empty()) {
    std::cout << "No add-ons for app " << app.name << ".\n";
    return 0;
  }
  std::cout << "=== ⬢ " << app.name << " Add-ons\n\n";
  for (const auto& a : app.addons) {
    std::cout << fmt::format("{} ({}:{})  as {}  127.0.0.1:{}  {}\n", a.name, a.service, a.plan,
                             a.attachment, a.port, addons::ready(a) ? "up" : "stopped");
  }
  return 0;
}

int run_addons_info(const CommandOptions& o) {
  auto st = open_store();
  auto app = st.load(app_of(o));
  if (o.args.empty()) {
    throw release::InputError("addons:info needs an add-on name (see lokku addons)");
  }
  const auto& a = pick_addon(app, o.args, "");
  std::cout << "=== " << a.name << "\n"
            << "Attachments:  " << app.name << "::" << a.attachment << "\n"
            << "Config vars:  " << a.config_var() << "\n"
            << "Created at:   " << a.created_at << "\n"
            << "Id:           " << a.id << "\n"
            << "Installed at: " << addons::addon_dir(st.home(), a.name).string() << "\n"
            << "Plan:         " << a.service << ":" << a.plan << "\n"
            << "Port:         127.0.0.1:" << a.port << "\n"
            << "State:        " << (addons::ready(a) ? "up" : "stopped") << "\n";
  return 0;
}

int run_addons_destroy(const CommandOptions& o) {
  auto st = open_store();
  const std::string name = app_of(o);
  auto app = st.load(name);
  if (o.args.empty()) {
    throw release::InputError("addons:destroy needs an add-on name (see lokku addons)");
  }
  const store::Addon addon = pick_addon(app, o.args, "");
  for (const auto& other : app.addons) {
    if (other.follows == addon.name) {
      throw release::InputError(
          fmt::format("{} has a follower, {}; destroy it first", addon.name, other.name));
    }
  }
  confirm_destructive(o, name, "destroy " + addon.name + " and all its data");
  ApiLog log(st, name);
  auto r = platform::destroy_addon(st, name, addon, runtime(o), log.sink);
  std::cout << "Destroying " << addon.name << " on ⬢ " << name << "... done\n";
  print_release_outcome(r, "Detaching it and restarting", name);
  return 0;
}

int run_addons_attach(const CommandOptions& o) {
  auto st = open_store();
  const std::string name = app_of(o);
  st.load(name);
  std::cout << "Attaching " << o.args.at(0) << " to ⬢ " << name << "... " << std::flush;
  ApiLog log(st, name);
  auto made = platform::attach_addon(st, o.args.at(0), name, o.as, runtime(o), log.sink);
  std::cout << "done\n" << fmt::format("Set {} on ⬢ {} (a new release)\n", made.config_var(), name);
  return 0;
}

int run_addons_detach(const CommandOptions& o) {
  auto st = open_store();
  const std::string name = app_of(o);
  ApiLog log(st, name);
  auto r = platform::detach_addon(st, name, o.args.at(0), runtime(o), log.sink);
  std::cout << "Detaching " << o.args.at(0) << " from ⬢ " << name << "... done, v" << r.version
            << "\n";
  return 0;
}

int run_pg_psql(const CommandOptions& o) {
  auto st = open_store();
  auto app = st.load(app_of(o));
  const auto& a = pick_addon(app, o.args, "heroku-postgresql");
  addons::ServerScope servers(st.home(), app, platform::find_init(), platform_runs(st));
  std::cerr << "--> Connecting to " << a.name << "\n";
  std::vector<std::string> argv = {addons::postgres_program("psql"), addons::url(a)};
  if (o.sql) {
    argv.insert(argv.end(), {"-v", "ON_ERROR_STOP=1", "-c", *o.sql});
  }
  return run_attached(argv, client_env());
}

int run_pg_info(const CommandOptions& o) {
  auto st = open_store();
  auto app = st.load(app_of(o));
  bool any = false;
  std::optional<addons::ServerScope> servers;
  for (const auto& a : app.addons) {
    if (a.service != "heroku-postgresql" || (!o.args.empty() && app.find_addon(o.args[0]) != &a)) {
      continue;
    }
    if (!servers) {
      servers.emplace(st.home(), app, platform::find_init(), platform_runs(st));
    }
    any = true;
    auto field = [&](const std::string& sql, const std::string& db) {
      auto out = addons::admin_sql(a, sql, db);
      while (!out.empty() && (out.back() == '\n' || out.back() == ' ')) {
        out.pop_back();
      }
      return out;
    };
    std::cout << "=== " << a.config_var() << "\n"
              << "Plan:                  " << a.plan << "\n"
              << "Status:                Available\n"
              << "Connections:           "
              << field("SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()",
                       a.database)
              << "\n"
              << "PG Version:            " << field("SHOW server_version", a.database) << "\n"
              << "Created:               " << a.created_at << "\n"
              << "Data Size:             "
              << field("SELECT pg_size_pretty(pg_database_size(current_database()))", a.database)
              << "\n"
              << "Tables:                "
              << field(
                     "SELECT count(*) FROM pg_tables WHERE schemaname NOT IN "
                     "('pg_catalog', 'information_schema')",
                     a.database)
              << "\n"
              << "Add-on:                " << a.name << "\n";
    if (const auto* leader = app.find_addon(a.follows); leader && !a.follows.empty()) {
      auto lag = addons::follower_lag_bytes(a, *leader);
      std::cout << "Following:             " << leader->name << " (" << leader->config_var()
                << ")\n"
                << "Behind By:             "
                << (lag < 0 ? std::string("not streaming yet") : fmt::format("{} bytes", lag))
                << "\n";
    }
    for (const auto& f : app.addons) {
      if (f.follows == a.name) {
        std::cout << "Followers:             " << f.name << " (" << f.config_var() << ")\n";
      }
    }
    std::cout << "\n";
  }
  if (!any) {
    throw release::InputError(fmt::format("{} has no heroku-postgresql add-on", app.name));
  }
  return 0;
}

int run_pg_query(const CommandOptions& o) {
  if (o.args.empty()) {
    throw release::InputError("pg:query needs the SQL to run: lokku pg:query \"SELECT ...\"");
  }
  auto st = open_store();
  auto app = st.load(app_of(o));
  std::vector<std::string> which(o.args.begin() + 1, o.args.end());
  const auto& a = pick_addon(app, which, "heroku-postgresql");
  addons::ServerScope servers(st.home(), app, platform::find_init(), platform_runs(st));
  auto format = o.json  ? addons::QueryFormat::json
                : o.csv ? addons::QueryFormat::csv
                        : addons::QueryFormat::table;
  std::cout << addons::readonly_query(a, o.args[0], format);
  return 0;
}

int run_pg_credentials_rotate(const CommandOptions& o) {
  auto st = open_store();
  const std::string name = app_of(o);
  auto app = st.load(name);
  const store::Addon a = pick_addon(app, o.args, "heroku-postgresql");
  if (!a.follows.empty()) {
    throw release::InputError(
        fmt::format("{} follows {}: rotate the leader's credentials (its followers get them)",
                    a.name, a.follows));
  }
  confirm_destructive(o, name,
                      "new credentials for " + a.name + "; connections with the old ones end");
  addons::ServerScope servers(st.home(), app, platform::find_init(), platform_runs(st));
  std::cout << "Rotating all credentials on " << a.name << "... " << std::flush;
  const std::string password = addons::rotate_password(a);
  ApiLog log(st, name);
  // REL-6: an add-on changing its own config vars makes a release without a release phase.
  auto r = platform::make_release(
      st, name,
      [&](store::App& app_now) {
        for (auto& x : app_now.addons) {
          if (x.name == a.name || x.follows == a.name) {
            x.password = password;
            app_now.config[x.config_var()] = addons::url(x);
          }
        }
      },
      [&](const store::App&) {
        return fmt::format("Update {} by heroku-postgresql", a.attachment);
      },
      {}, runtime(o), log.sink, false);
  std::cout << "done\n";
  print_release_outcome(r, "Updating config and restarting", name);
  return 0;
}

namespace {

fs::path backups_dir(const store::Store& st, const std::string& app) {
  return st.app_dir(app) / "backups";
}

struct Backup {
  std::string id;  ///< b001
  std::string source;
  std::string attachment;
  std::string created_at;
  std::uintmax_t size = 0;
};

std::vector<Backup> list_backups(const store::Store& st, const std::string& app) {
  std::vector<Backup> out;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(backups_dir(st, app), ec)) {
    if (e.path().extension() != ".info") {
      continue;
    }
    Backup b;
    b.id = e.path().stem().string();
    std::istringstream in(store::read_file(e.path()).value_or(""));
    std::getline(in, b.source);
    std::getline(in, b.attachment);
    std::getline(in, b.created_at);
    b.size = fs::file_size(backups_dir(st, app) / (b.id + ".dump"), ec);
    out.push_back(std::move(b));
  }
  std::sort(out.begin(), out.end(), [](const Backup& x, const Backup& y) { return x.id < y.id; });
  return out;
}

}  // namespace

int run_pg_backups(const CommandOptions& o) {
  auto st = open_store();
  auto app = st.load(app_of(o));
  auto backups = list_backups(st, app.name);
  std::cout << "=== Backups\n";
  if (backups.empty()) {
    std::cout << "No backups. Capture one with lokku pg:backups:capture -a " << app.name << "\n";
  }
  for (auto it = backups.rbegin(); it != backups.rend(); ++it) {
    std::cout << fmt::format("{}  {}  Completed  {} bytes  {} ({})\n", it->id, it->created_at,
                             it->size, it->attachment, it->source);
  }
  return 0;
}

int run_pg_backups_capture(const CommandOptions& o) {
  auto st = open_store();
  const std::string name = app_of(o);
  auto app = st.load(name);
  const auto& a = pick_addon(app, o.args, "heroku-postgresql");
  addons::ServerScope servers(st.home(), app, platform::find_init(), platform_runs(st));
  auto dir = backups_dir(st, name);
  fs::create_directories(dir);
  store::FileLock lock(dir / ".lock");
  auto existing = list_backups(st, name);
  int next = existing.empty() ? 1 : std::stoi(existing.back().id.substr(1)) + 1;
  const std::string id = fmt::format("b{:03}", next);
  std::cout << "Backing up " << a.attachment << " to " << id << "... " << std::flush;
  const fs::path partial = dir / (id + ".dump.partial");
  try {
    addons::capture_backup(a, partial);
  } catch (...) {
    std::error_code ec;
    fs::remove(partial, ec);
    throw;
  }
  fs::rename(partial, dir / (id + ".dump"));
  store::write_file_atomic(dir / (id + ".info"), fmt::format("{}\n{}\n{}\n", a.name, a.attachment,
                                                             common::iso8601_now()));
  std::cout << "done\n";
  std::error_code ec;
  std::cout << fmt::format("Backup {} of {}: {} bytes, {}\n", id, a.name,
                           fs::file_size(dir / (id + ".dump"), ec),
                           (dir / (id + ".dump")).string());
  return 0;
}

int run_pg_backups_restore(const CommandOptions& o) {
  auto st = open_store();
  const std::string name = app_of(o);
  auto app = st.load(name);
  auto backups = list_backups(st, name);
  std::vector<std::string> rest = o.args;
  std::string id;
  if (!rest.empty() && std::regex_match(rest[0], std::regex("b\\d{3,}"))) {
    id = rest[0];
    rest.erase(rest.begin());
  } else if (!backups.empty()) {
    id = backups.back().id;
  } else {
    throw release::InputError(fmt::format("{} has no backups; capture one first", name));
  }
  if (std::none_of(backups.begin(), backups.end(), [&](const Backup& b) { return b.id == id; })) {
    throw release::InputError(fmt::format("Couldn't find backup {} (see lokku pg:backups)", id));
  }
  const auto& a = pick_addon(app, rest, "heroku-postgresql");
  if (!a.follows.empty()) {
    throw release::InputError(fmt::format("{} is a read-only follower", a.name));
  }
  confirm_destructive(o, name, "the data of " + a.name + " is replaced by backup " + id);
  addons::ServerScope servers(st.home(), app, platform::find_init(), platform_runs(st));
  std::cout << "Restoring " << id << " to " << a.attachment << "... " << std::flush;
  addons::restore_backup(a, backups_dir(st, name) / (id + ".dump"));
  std::cout << "done\n";
  return 0;
}

int run_redis_cli(const CommandOptions& o) {
  auto st = open_store();
  auto app = st.load(app_of(o));
  std::vector<std::string> names;
  std::vector<std::string> rest = o.args;
  if (!rest.empty() && app.find_addon(rest[0])) {
    names.push_back(rest[0]);
    rest.erase(rest.begin());
  }
  const auto& a = pick_addon(app, names, "heroku-redis");
  addons::ServerScope servers(st.home(), app, platform::find_init(), platform_runs(st));
  std::vector<std::string> argv = {addons::redis_program("redis-cli"),
                                   "-h",
                                   "127.0.0.1",
                                   "-p",
                                   std::to_string(a.port),
                                   "--no-auth-warning",
                                   "-a",
                                   a.password};
  argv.insert(argv.end(), rest.begin(), rest.end());
  return run_attached(argv, client_env());
}

int run_redis_info(const CommandOptions& o) {
  auto st = open_store();
  auto app = st.load(app_of(o));
  const auto& a = pick_addon(app, o.args, "heroku-redis");
  addons::ServerScope servers(st.home(), app, platform::find_init(), platform_runs(st));
  std::cout << "=== " << a.name << " (" << a.config_var() << ")\n"
            << "Plan:                  " << a.plan << "\n"
            << "Status:                available\n"
            << "Created:               " << a.created_at << "\n"
            << "Port:                  127.0.0.1:" << a.port << "\n";
  std::cout.flush();
  return run_attached(
      {addons::redis_program("redis-cli"), "-h", "127.0.0.1", "-p", std::to_string(a.port),
       "--no-auth-warning", "-a", a.password, "info", "server"},
      client_env());
}

void destroy_app(store::Store& st, const store::App& app, const platform::Runtime& rt) {
  platform::destroy_app(st, app, platform::running_platform(st).has_value(), rt);
}

std::optional<release::AppManifest> read_app_manifest(const fs::path& dir) {
  const fs::path file = dir / "app.json";
  auto text = store::read_file(file);
  if (!text) {
    return std::nullopt;
  }
  return release::parse_app_manifest(*text, file.string());
}

void setup_from_manifest(store::Store& st, const std::string& name,
                         const release::AppManifest& manifest, const platform::Runtime& rt) {
  // APP-4.1: env, existing keys winning (checked for required ones before anything else).
  auto vars = release::manifest_config(manifest, st.load(name).config, name, common::random_hex);
  if (!vars.empty()) {
    std::vector<std::string> keys;
    for (const auto& [k, v] : vars) {
      keys.push_back(k);
    }
    ApiLog log(st, name);
    platform::make_release(
        st, name,
        [&](store::App& a) {
          for (const auto& [k, v] : vars) {
            a.config.emplace(k, v);
          }
        },
        [&](const store::App&) { return store::config_description("Set", keys); }, {}, rt,
        log.sink);
    std::cout << "-----> Setting config vars from app.json: "
              << fmt::format("{}", fmt::join(keys, ", ")) << "\n"
              << std::flush;
  }
  // APP-4.5 (before the release, so that the first one already has them).
  if (!manifest.formation.empty()) {
    st.update(name, [&](store::App& a) {
      for (const auto& [type, f] : manifest.formation) {
        auto& row = a.formation[type];
        row.quantity = f.quantity;
        if (!f.size.empty()) {
          row.size = f.size;
        }
      }
    });
  }
  // APP-4.2: add-ons, as real servers.
  if (manifest.addons.empty()) {
    return;
  }
  bool said = false;  // the step's title, once, when it has something to show
  auto step = [&] {
    if (!std::exchange(said, true)) {
      std::cout << "-----> Provisioning add-ons from app.json\n" << std::flush;
    }
  };
  for (const auto& wanted : manifest.addons) {
    const auto* service = addons::find_service(wanted.service);
    if (!service) {
      step();
      std::cout << "       Skipping " << wanted.service
                << (wanted.plan.empty() ? "" : ":" + wanted.plan) << ": lokku provides "
                << addons::service_names() << "\n";
      continue;
    }
    auto app = st.load(name);
    bool present = std::any_of(app.addons.begin(), app.addons.end(), [&](const store::Addon& a) {
      return a.service == service->name &&
             (wanted.as.empty() || a.attachment == wanted.as || a.config_var() == wanted.as);
    });
    if (present) {
      continue;  // provisioned by an earlier attempt at this first deploy
    }
    step();
    platform::AddonRequest req{
        name, wanted.plan.empty() ? service->name : service->name + ":" + wanted.plan, wanted.as,
        ""};
    ApiLog log(st, name);
    auto made = platform::create_addon(st, req, rt, log.sink);
    std::cout << "       Created " << made.addon.name << " as " << made.addon.config_var() << "\n"
              << std::flush;
  }
}

}  // namespace lokku::app
