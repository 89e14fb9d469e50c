#include "app/cli.hpp"

#include "app/start_command.hpp"

#include <CLI/CLI.hpp>

#include <iostream>

namespace lokku::app {

namespace {

enum class Command { none, start };

/// Parses the command line into `start`; the parser (and all it allocated) is gone before
/// the command runs, which may run for days.
Command parse(int argc, char** argv, StartOptions& start, int& exit_code) {
  CLI::App app{"lokku: Heroku's core (dynos, router, releases) on your machine", "lokku"};
  app.set_version_flag("-v,--version", std::string("lokku ") + LOKKU_VERSION);
  app.require_subcommand(1);
  app.footer("Run `lokku COMMAND --help` for a command's options.");

  auto* cmd = app.add_subcommand(
      "start",
      "Run the app directory's Procfile in the foreground, as Heroku's dyno manager would");
  cmd->add_option("types", start.types, "Run only these process types (one of each unless -m)");
  cmd->add_option("-m,--formation", start.formation,
                  "Formation: web=2,worker=1 (unlisted types 0, all=N for the rest); sizes as "
                  "web=1:standard-2x");
  cmd->add_option("-e,--env", start.env_files,
                  "Env file to load (repeatable; default: .env in the app directory)");
  cmd->add_option("-p,--port", start.port, "The router's public port (default: $PORT, else 5000)")
      ->check(CLI::Range(1, 65535));
  cmd->add_option("-d,--app-dir", start.app_dir, "App directory (default: the current one)");
  cmd->add_option("-f,--procfile", start.procfile, "Procfile (default: APP_DIR/Procfile)");
  cmd->add_option("--time-scale", start.time_scale,
                  "Divide every platform duration by N (default: $LOKKU_TIME_SCALE, else 1)");
  cmd->add_flag("--no-backoff", start.no_backoff,
                "Restart crashed dynos at once, every time (Private Spaces; --restart-profile "
                "none)");
  cmd->add_option("--restart-profile", start.restart_profile,
                  "Crash cool-offs: heroku (0, 20, 40, 60, 180, 320 min), capped (0, 20, 20... "
                  "min), none")
      ->check(CLI::IsMember({"heroku", "capped", "none"}));
  cmd->add_flag("--crash-jitter", start.crash_jitter,
                "Draw each cool-off at random up to its bound instead of waiting the bound");
  cmd->add_flag("--runtime-metrics", start.runtime_metrics,
                "Log load and memory samples for each dyno (log-runtime-metrics)");
  cmd->add_option("--color", start.colour, "Colour the log: auto, always, never")
      ->check(CLI::IsMember({"auto", "always", "never"}));
  cmd->add_option("--router", start.router,
                  "Router generation: r2 (Router 2.0, default) or legacy (vegur: a new dyno "
                  "connection per request, Via 1.1 vegur, Connect-Time/Total-Route-Time)")
      ->check(CLI::IsMember({"r2", "legacy"}));
  cmd->add_option("--router-threads", start.router_threads,
                  "Threads serving the router (default: half the cores, at least one)")
      ->check(CLI::Range(1, 256));

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    int rc = app.exit(e);
    exit_code = rc == 0 ? kExitOk : kExitUsage;
    return Command::none;
  }
  return cmd->parsed() ? Command::start : Command::none;
}

}  // namespace

int run_cli(int argc, char** argv) {
  StartOptions start;
  int exit_code = kExitOk;
  Command command = parse(argc, argv, start, exit_code);
  try {
    switch (command) {
      case Command::start:
        return run_start(start);
      case Command::none:
        return exit_code;
    }
  } catch (const std::exception& e) {
    std::cerr << "lokku: error: " << e.what() << '\n';
    return kExitError;
  }
  return exit_code;
}

}  // namespace lokku::app
