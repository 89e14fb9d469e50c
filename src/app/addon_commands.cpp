// addons, addons:create, addons:info, addons:destroy, pg:psql, pg:info, redis:cli and
// redis:info: add-ons as real servers on this machine (src/addons). Like every store
// command they write the store; a running platform starts and stops the servers.

#include "addons/addons.hpp"
#include "app/command_support.hpp"
#include "app/commands.hpp"
#include "platform/platform_file.hpp"
#include "release/error.hpp"
#include "store/store.hpp"

#include <fmt/format.h>

#include <chrono>
#include <csignal>
#include <iostream>
#include <optional>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>

namespace lokku::app {

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
  std::vector<char*> args, envp;
  for (const auto& a : argv) {
    args.push_back(const_cast<char*>(a.c_str()));
  }
  args.push_back(nullptr);
  for (const auto& e : env) {
    envp.push_back(const_cast<char*>(e.c_str()));
  }
  envp.push_back(nullptr);
  struct sigaction ignore {
  }, old_int{};
  ignore.sa_handler = SIG_IGN;
  ::sigaction(SIGINT, &ignore, &old_int);  // Ctrl-C is the client's (it cancels a query)
  pid_t pid = ::fork();
  if (pid == 0) {
    ::signal(SIGINT, SIG_DFL);
    ::execve(args[0], args.data(), envp.data());
    ::_exit(127);
  }
  int status = 0;
  while (pid > 0 && ::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  ::sigaction(SIGINT, &old_int, nullptr);
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
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
  std::string spec = o.args[0];
  std::string plan;
  if (auto colon = spec.find(':'); colon != std::string::npos) {
    plan = spec.substr(colon + 1);
    spec.resize(colon);
  }
  const auto* service = addons::find_service(spec);
  if (!service) {
    throw release::InputError(
        fmt::format("Couldn't find either the add-on service or the add-on "
                    "plan: {} (lokku provides {})",
                    o.args[0], addons::service_names()));
  }
  auto st = open_store();
  const std::string name = app_of(o);
  auto app = st.load(name);
  std::cout << "Creating " << o.args[0] << " on ⬢ " << name << "... " << std::flush;
  auto addon = addons::provision(st.home(), app, *service, plan, o.as, platform::find_init());
  store::Release r;
  try {
    ApiLog log(st, name);
    r = platform::make_release(
        st, name,
        [&](store::App& a) {
          a.addons.push_back(addon);
          a.config[addon.config_var()] = addons::url(addon);
        },
        [&](const store::App&) {
          return fmt::format("Attach {} (@ref:{})", addon.attachment, addon.name);
        },
        {}, runtime(o), log.sink);
  } catch (...) {
    addons::remove_data(st.home(), addon);
    throw;
  }
  std::cout << "done\n";
  std::cout << fmt::format("Created {} as {}\n", addon.name, addon.config_var());
  print_release_outcome(r, "Attaching it and restarting", name);
  return r.status == "failed" ? 1 : 0;
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
  std::string confirm = o.confirm.value_or("");
  if (confirm.empty() && ::isatty(0) == 1) {
    std::cerr << " !    WARNING: Destructive Action\n"
              << " !    This command will affect the app " << name << " and destroy " << addon.name
              << " and all its data.\n"
              << " !    To proceed, type " << name << " or re-run this command with --confirm "
              << name << "\n\n> ";
    std::getline(std::cin, confirm);
  }
  if (confirm != name) {
    throw release::InputError(fmt::format(
        "Confirmation did not match {}. Re-run with --confirm {} to destroy {} and its data.", name,
        name, addon.name));
  }
  ApiLog log(st, name);
  auto r = platform::make_release(
      st, name,
      [&](store::App& a) {
        std::erase_if(a.addons, [&](const store::Addon& x) { return x.name == addon.name; });
        a.config.erase(addon.config_var());
      },
      [&](const store::App&) {
        return fmt::format("Detach {} (@ref:{})", addon.attachment, addon.name);
      },
      {}, runtime(o), log.sink);
  // A running platform stops the server once the add-on is gone from the store.
  if (platform_runs(st)) {
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
    while (addons::ready(addon) && std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(std::chrono::milliseconds(200));
    }
  }
  addons::remove_data(st.home(), addon);
  std::cout << "Destroying " << addon.name << " on ⬢ " << name << "... done\n";
  print_release_outcome(r, "Detaching it and restarting", name);
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
              << "Add-on:                " << a.name << "\n\n";
  }
  if (!any) {
    throw release::InputError(fmt::format("{} has no heroku-postgresql add-on", app.name));
  }
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

}  // namespace lokku::app
