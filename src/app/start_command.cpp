#include "app/start_command.hpp"

#include "app/cli.hpp"
#include "common/app_log.hpp"
#include "common/child_process.hpp"
#include "common/ports.hpp"
#include "common/time_scale.hpp"
#include "dyno/manager.hpp"
#include "platform/runtime.hpp"
#include "release/dotenv.hpp"
#include "release/error.hpp"
#include "release/formation.hpp"
#include "release/procfile.hpp"
#include "router/router.hpp"

#include <boost/asio/signal_set.hpp>
#include <fmt/format.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

namespace lokku::app {

namespace fs = std::filesystem;

namespace {

std::optional<std::string> getenv_str(const std::string& name) {
  if (const char* v = std::getenv(name.c_str())) {
    return std::string(v);
  }
  return std::nullopt;
}

unsigned resolve_port(const StartOptions& o) {
  if (o.port) {
    return *o.port;
  }
  if (auto p = getenv_str("PORT")) {
    char* end = nullptr;
    long v = std::strtol(p->c_str(), &end, 10);
    if (end == p->c_str() || *end != '\0' || v < 1 || v > 65535) {
      throw release::InputError(fmt::format("$PORT: '{}' is not a port number (1-65535)", *p));
    }
    return static_cast<unsigned>(v);
  }
  return 5000;
}

}  // namespace

int run_start(const StartOptions& o) {
  std::error_code ec;
  fs::path app_dir = fs::absolute(o.app_dir, ec);
  if (ec || !fs::is_directory(app_dir)) {
    throw release::InputError(fmt::format("{}: not a directory", o.app_dir));
  }
  app_dir = fs::canonical(app_dir);

  std::string procfile_path = o.procfile.empty() ? (app_dir / "Procfile").string() : o.procfile;
  if (!fs::exists(procfile_path)) {
    throw release::InputError(fmt::format(
        "{}: no Procfile; lokku start runs the process types of a Procfile (web: COMMAND)",
        procfile_path));
  }
  if (fs::is_directory(procfile_path)) {
    throw release::InputError(fmt::format("{}: is a directory, not a Procfile", procfile_path));
  }
  auto procfile = release::load_procfile(procfile_path);
  for (const auto& w : procfile.warnings) {
    std::cerr << w << '\n';
  }

  release::ConfigVars config;
  std::vector<std::string> env_files = o.env_files;
  if (env_files.empty() && fs::exists(app_dir / ".env")) {
    env_files.push_back((app_dir / ".env").string());
  }
  for (const auto& f : env_files) {
    if (fs::is_directory(f)) {
      throw release::InputError(fmt::format("{}: is a directory, not an env file", f));
    }
    release::load_dotenv(f, config, getenv_str);
  }

  std::optional<release::FormationSpec> spec;
  if (o.formation) {
    spec = release::parse_formation(*o.formation);
  }
  auto formation = release::resolve_formation(procfile, spec, o.types);
  if (formation.empty()) {
    throw release::InputError("the formation runs no dyno (every quantity is 0)");
  }

  dyno::DynoSettings settings;
  settings.scale = platform::resolve_time_scale(o.time_scale);
  settings.restart_profile =
      o.no_backoff ? dyno::RestartProfile::none : *dyno::parse_restart_profile(o.restart_profile);
  settings.crash_jitter = o.crash_jitter;
  settings.runtime_metrics = o.runtime_metrics;
  settings.init_path = platform::find_init();
  settings.app_dir = app_dir.string();
  settings.app_number =
      static_cast<unsigned>(std::hash<std::string>{}(settings.app_dir) % 100000000);
  settings.config = std::move(config);
  if (::access(settings.bash_path.c_str(), X_OK) != 0) {
    throw std::runtime_error(settings.bash_path + ": not found; dynos run their command with bash");
  }
  unsigned port = resolve_port(o);
  // The router serves apps that have a web process type, even when none runs (H14).
  const bool has_web = procfile.find("web") != nullptr;
  if (has_web && common::port_in_use(port)) {
    throw release::InputError(
        fmt::format("port {} is already in use; choose another with -p PORT", port));
  }

  ::signal(SIGPIPE, SIG_IGN);
  common::raise_open_file_limit();
  net::io_context ioc;
  common::AppLog sink(1, colour_wanted(o.colour));
  common::RouteTable routes;
  auto route = std::make_shared<common::AppRoute>("app", sink);
  routes.set_default(route);  // one app answers every Host (router.md §9)
  router::RouterOptions ropts;
  ropts.port = port;
  ropts.legacy = o.router == "legacy";
  ropts.scale = settings.scale;
  ropts.threads = o.router_threads;
  router::Router router(routes, ropts);
  if (has_web) {
    router.start();
  }
  dyno::Manager manager(ioc.get_executor(), sink, std::move(settings), formation, route->feed);

  int exit_code = kExitOk;
  int signals_seen = 0;
  net::signal_set signals(ioc, SIGINT, SIGTERM, SIGHUP);
  std::function<void()> wait_signal = [&]() {
    signals.async_wait([&](boost::system::error_code e, int) {
      if (e) {
        return;
      }
      if (++signals_seen == 1) {
        router.stop();
        // STOP-1/2: every dyno gets SIGTERM, then SIGKILL after the grace period.
        manager.stop([&](bool clean) {
          exit_code = clean ? kExitOk : kExitUnclean;
          boost::system::error_code ignored;
          signals.cancel(ignored);
        });
      } else {
        manager.kill();  // a second Ctrl-C: no more waiting
      }
      wait_signal();
    });
  };
  wait_signal();
  manager.set_session_affinity(o.session_affinity);
  manager.start();
  ioc.run();
  sink.flush();
  return exit_code;
}

}  // namespace lokku::app
