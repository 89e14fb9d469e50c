#include "app/cli.hpp"

#include "app/commands.hpp"
#include "app/start_command.hpp"
#include "common/log.hpp"
#include "release/error.hpp"

#include <CLI/CLI.hpp>

#include <algorithm>
#include <cstdlib>
#include <functional>
#include <iostream>
#include <list>
#include <memory>
#include <string_view>
#include <tuple>
#include <unistd.h>

namespace lokku::app {

namespace {

using Action = std::function<int()>;

/// The commands, by name. CLI11 does not allow `:` in subcommand names, and Heroku's
/// commands have one (`config:set`), so each command is a CLI::App of its own: the one
/// named by argv[1] is real, the others are scratch (their options are registered and
/// dropped) and only listed in `lokku --help`.
class Commands {
 public:
  explicit Commands(std::string wanted) : wanted_(std::move(wanted)) {}

  CLI::App* add(const std::string& name, const std::string& help) {
    listing_.emplace_back(name, help);
    if (name == wanted_) {
      chosen_ = std::make_unique<CLI::App>(help, "lokku " + name);
      return chosen_.get();
    }
    scratch_.emplace_back(help, "scratch");
    return &scratch_.back();
  }
  CLI::App* chosen() { return chosen_.get(); }
  std::string listing() const {
    std::string out = "Commands:\n";
    for (const auto& [name, help] : listing_) {
      out += "  " + name + std::string(name.size() < 15 ? 15 - name.size() : 1, ' ') + help + "\n";
    }
    return out;
  }

 private:
  std::string wanted_;
  std::unique_ptr<CLI::App> chosen_;
  std::list<CLI::App> scratch_;
  std::vector<std::pair<std::string, std::string>> listing_;
};

/// Registers a store command: `run` gets the options once parsing is done.
CLI::App* add_command(Commands& app, Action& action, CommandOptions& o, const std::string& name,
                      const std::string& help, int (*run)(const CommandOptions&),
                      bool takes_app = true) {
  auto* cmd = app.add(name, help);
  if (takes_app) {
    cmd->add_option("-a,--app", o.app, "App name (default: $LOKKU_APP, else the directory's name)");
  }
  cmd->callback([&action, &o, run] { action = [o, run] { return run(o); }; });
  return cmd;
}

/// Parses the command line into an action; the parser (and all it allocated) is gone before
/// the command runs, which may run for days.
constexpr const char* kLogLevelHelp =
    "lokku's own diagnostics on stderr: trace, debug, info, warn, error, off "
    "(default: $LOKKU_LOG, else info)";

/// The command line's action; `log_level` gets `--log-level` where the command has it.
Action parse(int argc, char** argv, int& exit_code, std::optional<std::string>& log_level) {
  StartOptions start;
  CommandOptions o;
  o.command_line.assign(argv + std::min(argc, 1), argv + argc);
  Action action;
  std::string wanted = argc >= 2 ? argv[1] : "";
  Commands app(wanted);

  auto* cmd =
      app.add("start",
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
  cmd->add_option("--log-level", log_level, kLogLevelHelp);
  cmd->add_option("--color", start.colour, "Colour the log: auto, always, never")
      ->check(CLI::IsMember({"auto", "always", "never"}));
  cmd->add_option("--router", start.router,
                  "Router generation: r2 (Router 2.0, default) or legacy (vegur: a new dyno "
                  "connection per request, Via 1.1 vegur, Connect-Time/Total-Route-Time)")
      ->check(CLI::IsMember({"r2", "legacy"}));
  cmd->add_flag("--session-affinity", start.session_affinity,
                "Route each client to the same web dyno (the heroku-session-affinity cookie)");
  cmd->add_option("--router-threads", start.router_threads,
                  "Threads serving the router (default: one per core)")
      ->check(CLI::Range(1, 256));

  cmd->callback([&] { action = [start] { return run_start(start); }; });

  // --- the store and the platform ---------------------------------------------------------
  add_command(app, action, o, "apps", "List your apps", run_apps, false)
      ->add_flag("--json", o.json, "Output as JSON");
  auto* create =
      add_command(app, action, o, "apps:create", "Create an app (default name: the directory's)",
                  run_apps_create, false);
  create->add_option("name", o.args, "App name");
  create->add_option("--from", o.from,
                     "Set it up from this source directory's app.json (env, add-ons, formation)");
  auto* destroy =
      add_command(app, action, o, "apps:destroy",
                  "Delete an app with its releases, slugs and config vars", run_apps_destroy);
  destroy->add_option("name", o.args, "App name");
  destroy->add_option("--confirm", o.confirm, "The app's name, to skip the question");
  add_command(app, action, o, "apps:rename",
              "Rename the app (its store, host, add-ons and this repository's git remote follow)",
              run_apps_rename)
      ->add_option("newname", o.args, "New name")
      ->required();
  add_command(app, action, o, "apps:info", "Show an app", run_apps_info)
      ->add_flag("--json", o.json, "Output as JSON");

  auto* config = add_command(app, action, o, "config", "Show config vars", run_config);
  config->add_flag("--json", o.json, "Output as JSON");
  config->add_flag("-s,--shell", o.shell, "Output as KEY='VALUE' lines for a shell");
  add_command(app, action, o, "config:get", "Print one config var's value (exit 1 if unset)",
              run_config_get)
      ->add_option("key", o.args, "Name")
      ->required();
  auto* cset =
      add_command(app, action, o, "config:set",
                  "Set config vars (one new release, dynos restarted onto it)", run_config_set);
  cset->add_option("pairs", o.args, "KEY=VALUE ...")->required();
  cset->add_option("--time-scale", o.time_scale, "Divide the release phase's time limit by N");
  auto* cunset = add_command(app, action, o, "config:unset", "Remove config vars (a new release)",
                             run_config_unset);
  cunset->add_option("keys", o.args, "KEY ...")->required();
  cunset->add_option("--time-scale", o.time_scale, "Divide the release phase's time limit by N");

  auto* releases =
      add_command(app, action, o, "releases", "List releases, newest first", run_releases);
  releases->add_option("-n,--num", o.num, "How many (default 15)");
  releases->add_flag("--json", o.json, "Output as JSON");
  add_command(app, action, o, "releases:info", "Show a release (default: the current one)",
              run_releases_info)
      ->add_option("release", o.args, "vN");
  add_command(app, action, o, "releases:output",
              "Print a release phase's output (default: the newest release's), following it "
              "while it runs",
              run_releases_output)
      ->add_option("release", o.args, "vN");
  auto* rollback = add_command(app, action, o, "rollback",
                               "Release the slug and config vars of an earlier release again "
                               "(default: the one before the current one)",
                               run_rollback);
  rollback->add_option("release", o.args, "vN");
  rollback->add_option("--time-scale", o.time_scale, "Divide the release phase's time limit by N");

  auto* ps =
      add_command(app, action, o, "ps", "Show the app's dynos as the platform runs them", run_ps);
  ps->add_flag("--json", o.json, "Output as JSON");
  add_command(app, action, o, "ps:scale",
              "Scale process types: web=2 worker+1 web=1:standard-2x (sizes: eco, basic, "
              "standard-1x, standard-2x, performance-m, performance-l)",
              run_ps_scale)
      ->add_option("changes", o.args, "TYPE=N[:SIZE], TYPE+N, TYPE-N")
      ->required();

  auto* autoscale = add_command(
      app, action, o, "ps:autoscale:enable",
      "Scale web between --min and --max dynos to keep its p95 response time under --p95 "
      "(Performance dynos)",
      run_ps_autoscale_enable);
  autoscale->add_option("--min", o.autoscale_min, "Minimum number of dynos")->required();
  autoscale->add_option("--max", o.autoscale_max, "Maximum number of dynos")->required();
  autoscale->add_option("--p95", o.p95_ms, "Desired p95 response time, ms (default 1000)");
  autoscale->add_flag("--notifications", o.notifications,
                      "Say so when web reaches --max (at most daily)");
  add_command(app, action, o, "ps:autoscale:disable", "Stop autoscaling web",
              run_ps_autoscale_disable);

  add_command(app, action, o, "ps:type",
              "Show the dyno size of each process type, or set it: SIZE for every type, or "
              "TYPE=SIZE (a dyno restarts onto its new size)",
              run_ps_type)
      ->add_option("sizes", o.args, "SIZE or TYPE=SIZE ...");

  // --- domains, features, stacks (the official CLI's commands of the same names) ---------
  add_command(app, action, o, "domains", "List the app's domains", run_domains)
      ->add_flag("--json", o.json, "Output as JSON");
  add_command(app, action, o, "domains:add",
              "Add a custom domain (HOST-1: the router serves it at once)", run_domains_add)
      ->add_option("hostname", o.args, "Hostname")
      ->required();
  add_command(app, action, o, "domains:remove", "Remove a custom domain", run_domains_remove)
      ->add_option("hostname", o.args, "Hostname")
      ->required();
  auto* dinfo = add_command(app, action, o, "domains:info", "Show a domain", run_domains_info);
  dinfo->add_option("hostname", o.args, "Hostname")->required();
  dinfo->add_flag("--json", o.json, "Output as JSON");
  add_command(app, action, o, "drains", "List the app's log drains", run_drains)
      ->add_flag("--json", o.json, "Output as JSON");
  add_command(app, action, o, "drains:add",
              "Add a log drain: every line of the app's log goes to URL (https://, syslog://, "
              "syslog+tls://)",
              run_drains_add)
      ->add_option("url", o.args, "URL")
      ->required();
  add_command(app, action, o, "drains:remove", "Remove a log drain, named by its URL or token",
              run_drains_remove)
      ->add_option("url", o.args, "URL or token")
      ->required();
  auto* metrics = add_command(app, action, o, "metrics",
                              "Show what the platform measured: requests by status, response "
                              "times p50/p95/p99/max, errors, memory, load, events",
                              run_metrics);
  metrics->add_option("--type", o.process_type, "Only this process type (web, worker, ...)");
  metrics->add_option("--since", o.since, "How far back: 10m, 1h (default), 24h");
  metrics->add_option("--resolution", o.resolution,
                      "One row per 10s (the last hour) or whole minutes (default 1m)");
  metrics->add_flag("--json", o.json, "Output as JSON (keys in the README)");
  add_command(app, action, o, "alerts", "List the app's threshold alerts and their state",
              run_alerts)
      ->add_flag("--json", o.json, "Output as JSON");
  auto* alert_add = add_command(
      app, action, o, "alerts:add",
      "Alert when web's p95 response time or failed-request rate stays over a threshold",
      run_alerts_add);
  auto* p95 = alert_add->add_option("--p95", o.p95_ms, "Threshold: p95 response time, in ms");
  alert_add
      ->add_option("--error-rate", o.error_rate, "Threshold: share of requests failed (5xx), in %")
      ->excludes(p95);
  alert_add->add_option("--sensitivity", o.sensitivity,
                        "Minutes in a row over the threshold before it fires: 1 (default), 5, 10");
  add_command(app, action, o, "alerts:remove", "Remove an alert, named by its id or kind",
              run_alerts_remove)
      ->add_option("alert", o.args, "Alert id, or latency / error-rate")
      ->required();
  add_command(app, action, o, "domains:clear", "Remove every custom domain", run_domains_clear);
  add_command(app, action, o, "domains:wait",
              "Wait for domains to be ready (they are at once here)", run_domains_wait)
      ->add_option("hostname", o.args, "Hostname");
  auto* dupdate = add_command(app, action, o, "domains:update",
                              "Serve a custom domain an SNI endpoint's certificate (--cert NAME)",
                              run_domains_update);
  dupdate->add_option("hostname", o.args, "Hostname")->required();
  dupdate->add_option("--cert", o.cert_name, "The SNI endpoint (see lokku certs)")->required();
  add_command(app, action, o, "certs", "List the app's SSL certificates", run_certs)
      ->add_flag("--json", o.json, "Output as JSON");
  for (auto [name, help, run, pair] :
       {std::tuple{"certs:add", "Add an SSL certificate (CRT KEY, PEM) to the app", &run_certs_add,
                   true},
        std::tuple{"certs:update", "Replace an SSL certificate's certificate and key (CRT KEY)",
                   &run_certs_update, true},
        std::tuple{"certs:info", "Show an SSL certificate", &run_certs_info, false},
        std::tuple{"certs:remove", "Remove an SSL certificate from the app", &run_certs_remove,
                   false}}) {
    auto* c = add_command(app, action, o, name, help, run);
    if (pair) {
      c->add_option("files", o.args, "CRT KEY: the certificate (chain) and key files")
          ->expected(2)
          ->required();
    }
    if (std::string(name) == "certs:add") {
      c->add_option("--domains", o.cert_domains,
                    "Custom domains to serve it (comma-separated; default: every one it names)")
          ->delimiter(',');
    } else {
      c->add_option("--name", o.cert_name, "The certificate's name (when the app has several)");
    }
    if (std::string(name) == "certs:update" || std::string(name) == "certs:remove") {
      c->add_option("--confirm", o.confirm, "The app's name, to confirm without a prompt");
    }
    if (std::string(name) == "certs:info") {
      c->add_flag("--json", o.json, "Output as JSON");
    }
  }
  add_command(app, action, o, "certs:auto", "Show Automatic Certificate Management's status",
              run_certs_auto)
      ->add_flag("--json", o.json, "Output as JSON");
  add_command(app, action, o, "certs:auto:enable",
              "Enable Automatic Certificate Management (lokku's CA issues, renews)",
              run_certs_auto_enable);
  add_command(app, action, o, "certs:auto:disable", "Disable Automatic Certificate Management",
              run_certs_auto_disable)
      ->add_option("--confirm", o.confirm, "The app's name, to confirm without a prompt");
  for (auto [name, help, run, takes_feature] :
       {std::tuple{"labs", "List the app's beta features", &run_labs, false},
        std::tuple{"labs:info", "Show a beta feature", &run_labs_info, true},
        std::tuple{"labs:enable", "Enable a beta feature (log-runtime-metrics)", &run_labs_enable,
                   true},
        std::tuple{"labs:disable", "Disable a beta feature", &run_labs_disable, true},
        std::tuple{"features", "List the app's features", &run_features, false},
        std::tuple{"features:info", "Show a feature", &run_features_info, true},
        std::tuple{"features:enable", "Enable a feature (http-session-affinity)",
                   &run_features_enable, true},
        std::tuple{"features:disable", "Disable a feature", &run_features_disable, true}}) {
    auto* f = add_command(app, action, o, name, help, run);
    if (takes_feature) {
      f->add_option("feature", o.args, "Feature name")->required();
    }
  }
  add_command(app, action, o, "stack", "List the stacks, the app's marked", run_stack);
  add_command(app, action, o, "stack:set", "Set the stack of the app's next build", run_stack_set)
      ->add_option("stack", o.args, "heroku-22 or heroku-24")
      ->required();
  add_command(app, action, o, "regions", "List the regions (lokku has one: local)", run_regions,
              false);
  auto* errors = add_command(app, action, o, "apps:errors",
                             "Count the app's errors per code (router H-codes, dynos' R- and "
                             "L-codes) from its log",
                             run_apps_errors);
  errors->add_option("--hours", o.hours, "Hours to look back (default 24)")
      ->check(CLI::Range(1, 168));
  errors->add_flag("--router", o.router_only, "Only the router's errors");
  errors->add_flag("--dyno", o.dyno_only, "Only the dynos' errors");
  errors->add_flag("--json", o.json, "Output as JSON");
  add_command(app, action, o, "env",
              "Print the exports that point the heroku CLI and git at lokku: eval \"$(lokku "
              "env)\"",
              run_env, false)
      ->add_option("--api-port", o.api_port,
                   "The API's port (default: the running platform's, else 5001)")
      ->check(CLI::Range(1, 65535));

  for (auto [name, help, run] :
       {std::tuple{"build", "Build the app directory into a slug (no release)", &run_build},
        std::tuple{"deploy", "Build the app directory and release it (creates the app when needed)",
                   &run_deploy},
        std::tuple{"ci",
                   "Run the app's tests as Heroku CI does: test-compile, test-setup, test (exit "
                   "0 when they pass)",
                   &run_ci}}) {
    auto* b = add_command(app, action, o, name, help, run);
    b->add_option("-d,--app-dir", o.dir, "App directory (default: the current one)");
    b->add_option("-b,--buildpack", o.buildpacks,
                  "Buildpack for this build (repeatable, in order): lokku/NAME, a directory, a "
                  ".tgz or a git URL with #ref");
    b->add_option("--time-scale", o.time_scale, "Divide the compile and release limits by N");
    b->add_option("--git-ref", o.git_ref,
                  "In a git repository, the branch, tag or commit to build (default HEAD)");
  }

  for (auto [name, help, run] :
       {std::tuple{"run", "Run a command in a one-off dyno attached to this terminal", &run_run},
        std::tuple{"run:detached", "Run a command in a one-off dyno in the background",
                   &run_run_detached}}) {
    auto* r = add_command(app, action, o, name, help, run);
    r->add_option("command", o.args, "COMMAND [ARGS...] (put -- before it)")->required();
    r->add_option("-s,--size", o.size, "Dyno size (default standard-1x)");
    r->add_option("--time-scale", o.time_scale, "Divide platform durations by N");
    if (std::string_view(name) == "run:detached") {
      r->add_option("--background-dyno", o.background_dyno)->group("");  // its own child
    }
    r->prefix_command(false);
  }

  // --- git deploys (git-and-ci.md §1) ------------------------------------------------------
  add_command(app, action, o, "git:remote",
              "Add (or set) the git remote of the app in this repository: git push heroku main "
              "deploys",
              run_git_remote)
      ->add_option("-r,--remote", o.remote, "The remote's name (default heroku)");
  auto* clone = add_command(app, action, o, "git:clone",
                            "Clone the app's git repository (remote heroku)", run_git_clone);
  clone->add_option("dir", o.args, "Directory (default: the app's name)");
  clone->add_option("-r,--remote", o.remote, "The remote's name (default heroku)");
  add_command(app, action, o, "git:credentials",
              "git's credential helper for lokku's git remotes (the API token)",
              run_git_credentials, false)
      ->add_option("operation", o.args, "get, store or erase");
  add_command(app, action, o, "git:pre-receive",
              "The pre-receive hook of an app's repository: builds and releases a push of main",
              run_git_pre_receive);

  auto* autodeploy = add_command(app, action, o, "autodeploy:enable",
                                 "Deploy each new commit of a branch of a local repository "
                                 "(the platform watches it), after lokku ci passes with "
                                 "--wait-for-ci",
                                 run_autodeploy_enable);
  autodeploy->add_option("--repo", o.dir, "The git repository (a working tree)")->required();
  autodeploy->add_option("--branch", o.branch, "The branch to follow (default main)");
  autodeploy->add_flag("--wait-for-ci", o.wait_for_ci,
                       "Deploy a commit only once `lokku ci` passes on it");
  autodeploy->add_flag("--review-apps", o.review_apps,
                       "Create a review app for each other branch that appears");
  add_command(app, action, o, "autodeploy:disable", "Stop deploying a branch automatically",
              run_autodeploy_disable);
  add_command(app, action, o, "autodeploy:info", "Show what the app deploys automatically",
              run_autodeploy_info)
      ->add_flag("--json", o.json, "Output as JSON");
  add_command(app, action, o, "ci:list", "List the app's test runs (lokku ci), newest first",
              run_ci_list)
      ->add_flag("--json", o.json, "Output as JSON");

  auto* pack = add_command(app, action, o, "slug:pack",
                           "Pack a directory into a slug (a tar.gz under ./app/) and print its "
                           "size and SHA256",
                           run_slug_pack, false);
  pack->add_option("dir", o.dir, "Directory to pack")->required();
  pack->add_option("out", o.args, "The slug file to write")->required();

  add_command(app, action, o, "cache:purge", "Empty the app's build cache (SLUG-7)",
              run_cache_purge);

  auto* logs = add_command(app, action, o, "logs", "Show the app's log", run_logs);
  logs->add_option("-n,--num", o.num, "Lines to show (default 100)");
  logs->add_flag("-t,--tail", o.tail, "Keep following the log");
  logs->add_option("-s,--source", o.source, "Only lines of this source (app, heroku)");
  logs->add_option("-d,--dyno", o.dyno, "Only lines of this dyno (web.1) or type (web)");

  auto* acreate = add_command(app, action, o, "addons:create",
                              "Provision an add-on as a real local server: heroku-postgresql or "
                              "heroku-redis (sets DATABASE_URL / REDIS_URL in a new release)",
                              run_addons_create);
  acreate->add_option("service", o.args, "SERVICE[:PLAN]")->required();
  acreate->add_option("--as", o.as, "Attachment name (NAME sets NAME_URL)");
  acreate->add_option("--follow", o.follow,
                      "Make a follower (a read-only streaming replica) of this database "
                      "(DATABASE_URL or an add-on name)");
  acreate->add_option("--time-scale", o.time_scale, "Divide the release phase's limit by N");
  add_command(app, action, o, "addons", "List the app's add-ons", run_addons);
  add_command(app, action, o, "addons:info", "Show an add-on", run_addons_info)
      ->add_option("addon", o.args, "Add-on name or attachment (DATABASE)")
      ->required();
  auto* adestroy = add_command(app, action, o, "addons:destroy",
                               "Remove an add-on, its server and all its data", run_addons_destroy);
  adestroy->add_option("addon", o.args, "Add-on name or attachment (DATABASE)")->required();
  adestroy->add_option("--confirm", o.confirm, "The app's name, to confirm without a prompt");
  auto* attach = add_command(app, action, o, "addons:attach",
                             "Attach an add-on of another app to this one (its NAME_URL here too)",
                             run_addons_attach);
  attach->add_option("addon", o.args, "Add-on name")->required();
  attach->add_option("--as", o.as, "Attachment name (default: the service's, else a colour)");
  add_command(app, action, o, "addons:detach", "Detach an add-on attached with addons:attach",
              run_addons_detach)
      ->add_option("attachment", o.args, "Attachment name (CACHE)")
      ->required();
  auto* psql =
      add_command(app, action, o, "pg:psql",
                  "Open psql on a heroku-postgresql add-on (default: the first)", run_pg_psql);
  psql->add_option("addon", o.args, "Add-on name or attachment (DATABASE)");
  psql->add_option("-c,--command", o.sql, "SQL to run instead of an interactive session");
  add_command(app, action, o, "pg:info", "Show the app's heroku-postgresql databases", run_pg_info)
      ->add_option("addon", o.args, "Add-on name or attachment");
  auto* query = add_command(app, action, o, "pg:query",
                            "Run a read-only query (as a role that cannot change data) and print "
                            "the result, like a dataclip",
                            run_pg_query);
  query->add_option("sql", o.args, "SQL [ADDON]")->required();
  query->add_flag("--csv", o.csv, "Output as CSV");
  query->add_flag("--json", o.json, "Output as a JSON array of rows");
  auto* rotate = add_command(app, action, o, "pg:credentials:rotate",
                             "Give the database's role a new password (a new config var value, "
                             "a release, dynos restarted)",
                             run_pg_credentials_rotate);
  rotate->add_option("addon", o.args, "Add-on name or attachment (default: the first)");
  rotate->add_option("--confirm", o.confirm, "The app's name, to confirm without a prompt");
  add_command(app, action, o, "pg:backups", "List the app's database backups", run_pg_backups);
  add_command(app, action, o, "pg:backups:capture",
              "Back up a database (pg_dump, kept in the lokku home)", run_pg_backups_capture)
      ->add_option("addon", o.args, "Add-on name or attachment (default: the first)");
  auto* restore = add_command(app, action, o, "pg:backups:restore",
                              "Replace a database's data with a backup (default: the latest)",
                              run_pg_backups_restore);
  restore->add_option("args", o.args, "[BACKUP] [ADDON]");
  restore->add_option("--confirm", o.confirm, "The app's name, to confirm without a prompt");
  auto* rcli = add_command(app, action, o, "redis:cli",
                           "Open redis-cli on a heroku-redis add-on (arguments: a command to run)",
                           run_redis_cli);
  rcli->add_option("args", o.args, "[ADDON] [COMMAND ARGS...] (put -- before a command)");
  rcli->prefix_command(false);
  add_command(app, action, o, "redis:info", "Show a heroku-redis add-on", run_redis_info)
      ->add_option("addon", o.args, "Add-on name or attachment");

  add_command(app, action, o, "pipelines", "List the pipelines", run_pipelines, false);
  auto* pcreate =
      add_command(app, action, o, "pipelines:create",
                  "Create a pipeline (with -a APP: its first app)", run_pipelines_create);
  pcreate->add_option("name", o.args, "Pipeline name")->required();
  pcreate->add_option("-s,--stage", o.stage,
                      "The app's stage: review, development, staging (default), production");
  auto* padd =
      add_command(app, action, o, "pipelines:add", "Add the app to a pipeline", run_pipelines_add);
  padd->add_option("pipeline", o.args, "Pipeline name")->required();
  padd->add_option("-s,--stage", o.stage, "review, development, staging or production")->required();
  add_command(app, action, o, "pipelines:info",
              "Show a pipeline's apps by stage (default: the app's)", run_pipelines_info)
      ->add_option("pipeline", o.args, "Pipeline name");
  auto* promote = add_command(app, action, o, "pipelines:promote",
                              "Release the app's slug on every app of the next stage (no build; "
                              "their own config)",
                              run_pipelines_promote);
  promote->add_option("--time-scale", o.time_scale, "Divide the release phase's limit by N");
  auto* rcreate = add_command(app, action, o, "review-apps:create",
                              "Build a git branch of the app's repository into a review app of "
                              "its own, set up from the branch's app.json",
                              run_review_apps_create);
  rcreate->add_option("branch", o.args, "Branch")->required();
  rcreate->add_option("-d,--app-dir", o.dir, "The repository (default: the current directory)");
  rcreate->add_option("--time-scale", o.time_scale, "Divide the build and release limits by N");
  rcreate
      ->add_option("--stale-days", o.stale_days,
                   "Destroy it this many days after its last deploy, as Heroku destroys "
                   "stale review apps (default 5; 0: never)")
      ->check(CLI::Range(0, 30));
  add_command(app, action, o, "review-apps:destroy",
              "Run the review app's pr-predestroy, then remove it with its add-ons",
              run_review_apps_destroy);
  add_command(app, action, o, "scheduler", "List the app's scheduled jobs (UTC)", run_scheduler);
  auto* sadd = add_command(app, action, o, "scheduler:add",
                           "Run a command on a schedule as scheduler.N one-off dynos: \"every 10 "
                           "minutes\", \"every hour at :MM\", \"every day at HH:MM\" (UTC)",
                           run_scheduler_add);
  sadd->add_option("job", o.args, "FREQUENCY COMMAND [ARGS...] (put -- before the command)")
      ->required();
  sadd->prefix_command(false);
  add_command(app, action, o, "scheduler:remove", "Remove a scheduled job", run_scheduler_remove)
      ->add_option("id", o.args, "Job id (see lokku scheduler)")
      ->required();

  auto* up = add_command(app, action, o, "up",
                         "Run the platform in the foreground: the router and every app's "
                         "dynos, kept matching the store",
                         run_up, false);
  up->add_option("-p,--port", o.port, "The router's port (default 5000; 0: any free port)")
      ->check(CLI::Range(0, 65535));
  up->add_option("--time-scale", o.time_scale,
                 "Divide every platform duration by N (default: $LOKKU_TIME_SCALE, else 1)");
  up->add_option("--router", o.router, "Router generation: r2 (default) or legacy")
      ->check(CLI::IsMember({"r2", "legacy"}));
  up->add_option("--router-threads", o.router_threads,
                 "Threads serving the router (default: one per core)")
      ->check(CLI::Range(1, 256));
  up->add_option("--log-level", log_level, kLogLevelHelp);
  up->add_option("--color", o.colour, "Colour the log: auto, always, never")
      ->check(CLI::IsMember({"auto", "always", "never"}));
  up->add_option("--api-port", o.api_port,
                 "The Platform API's port on 127.0.0.1 (default 5001; 0: any free port)")
      ->check(CLI::Range(0, 65535));
  up->add_option("--tls-port", o.tls_port,
                 "The router's HTTPS port (default 5443, left off when taken; 0: any free "
                 "port)")
      ->check(CLI::Range(0, 65535));
  up->add_flag("--no-metrics", o.no_metrics,
               "Measure nothing: no metrics store, threshold alerts or autoscaling (the "
               "router's own cost, for a benchmark)");
  up->add_flag("--detach", o.detach,
               "Run in the background (log in the lokku home's platform.log); stop with "
               "`lokku down`");
  auto* wait = add_command(app, action, o, "wait",
                           "Wait until the platform is ready (every app's build, release phase, "
                           "add-ons and dynos up): what GET /lokku/health answers 200 to",
                           run_wait, false);
  wait->add_option("-a,--app", o.app, "Only this app (default: every app)");
  wait->add_option("--timeout", o.timeout,
                   "Give up after this long, exit 1 with what is pending (default 120s)");
  wait->add_flag("--json", o.json, "Print the readiness as GET /lokku/health answers it");
  auto* clock = app.add("clock",
                        "Show, freeze, resume or advance the running platform's clock: "
                        "lokku clock [freeze | resume | advance DURATION]");
  clock->add_option("action", o.args, "freeze, resume, or advance DURATION (10m, 1h, 24h)");
  clock->add_flag("--json", o.json, "Output as JSON");
  clock->allow_extras();  // `advance -5m` reaches the command, which refuses it clearly
  clock->callback([&action, &o, clock] {
    auto args = o.args;
    for (const auto& extra : clock->remaining()) {
      args.push_back(extra);
    }
    action = [o, args] {
      auto with = o;
      with.args = args;
      return run_clock(with);
    };
  });
  auto* exec = add_command(app, action, o, "exec",
                           "Start a private platform, deploy the app, wait until it is ready, "
                           "run COMMAND against it, tear it all down; exit with COMMAND's status",
                           run_exec, false);
  exec->add_option("command", o.args, "COMMAND [ARGS...] (put -- before it)")->required();
  exec->add_option("-d,--app-dir", o.dir, "The app to deploy (default: the current directory)");
  exec->add_option("--timeout", o.timeout, "How long the app may take to be ready (default 120s)");
  exec->add_option("--time-scale", o.time_scale, "The private platform's time scale");
  exec->add_option("--snapshot", o.snapshot,
                   "Load this state:export file into the private platform instead of "
                   "deploying a directory");
  auto* restart = add_command(
      app, action, o, "ps:restart",
      "Restart every dyno of the app, those of one process type, or one dyno (a running "
      "platform's: each stops with SIGTERM and starts again)",
      run_ps_restart);
  restart->add_option("-d,--dyno-name", o.dyno, "Only this dyno (web.1)");
  restart->add_option("-p,--process-type", o.process_type, "Only the dynos of this type");
  add_command(app, action, o, "tls:trust",
              "Show how to trust lokku's local certificate authority (it signs the router's "
              "HTTPS certificates); changes nothing",
              run_tls_trust, false);
  add_command(app, action, o, "dashboard",
              "Print where the running platform serves its dashboard, and how to log in",
              run_dashboard, false);
  add_command(app, action, o, "auth:token",
              "Print the API token (the Platform API's, and the dashboard's login)", run_auth_token,
              false);
  auto* ex =
      add_command(app, action, o, "export",
                  "Write an app's release and formation for another engine: TARGET is kubernetes "
                  "(manifests and a kustomization), systemd (units) or compose (compose.yaml)",
                  run_export);
  ex->add_option("target", o.args, "kubernetes, systemd or compose")->required();
  ex->add_option("-o,--out", o.out, "The folder to write into (created)")->required();
  ex->add_option("--release", o.release_version, "The release (v12; default: the current one)");
  ex->add_option("--image", o.image, "kubernetes, compose: the image's name (default APP:vN)");
  ex->add_flag("--with-addons", o.with_addons,
               "kubernetes: run Postgres and Redis in the cluster as StatefulSets");
  ex->add_option("--base-image", o.base_image,
                 "kubernetes: an OCI layout of the stack's image; the slug goes over it as an "
                 "OCI image in OUT/image/oci");
  ex->add_option("--prefix", o.prefix,
                 "systemd: where OUT will be installed (default: OUT itself)");
  ex->add_option("-p,--port", o.port, "systemd: the first dyno's PORT (default 5000)");
  auto* chaos = add_command(app, action, o, "chaos:add",
                            "Inject a fault into the running platform: KIND is crash (SIGKILL, "
                            "once), slow (H12; H15 --after-head), refuse (H19), reset (H13; H18 "
                            "--after-head), garbage (H17), drop (H12, the dyno never sees it), "
                            "memory (held over the quota: R14/R15), addon-stop, addon-pause or "
                            "cycle (once)",
                            run_chaos_add);
  chaos
      ->add_option("kind", o.args,
                   "crash, slow, refuse, reset, garbage, drop, memory, addon-stop, addon-pause, "
                   "cycle")
      ->required();
  chaos->add_option("--type", o.process_type, "Only the dynos of this process type");
  chaos->add_option("--dyno", o.dyno, "Only this dyno (web.1)");
  chaos->add_option("--addon", o.addon, "addon-*: only this add-on (name or DATABASE, REDIS)");
  chaos->add_option("--for", o.for_duration,
                    "How long it holds on the platform's clock (30s, 5m; default: until cleared)");
  chaos->add_option("--rate", o.rate,
                    "memory: the share of the quota held (default 1.5); slow, refuse, reset, "
                    "garbage, drop: the share of requests met (default 1)");
  chaos->add_option("--delay", o.delay,
                    "slow: how late the dyno answers (500ms, 2s; default: never in time)");
  chaos->add_flag("--after-head", o.after_head,
                  "slow, reset: once the client has the response's head (H15, H18)");
  chaos->add_flag("--json", o.json, "Output as JSON");
  auto* clist =
      add_command(app, action, o, "chaos:list", "List the faults in force (every app's unless -a)",
                  run_chaos_list, false);
  clist->add_option("-a,--app", o.app, "Only this app's");
  clist->add_flag("--json", o.json, "Output as JSON");
  auto* cclear = add_command(app, action, o, "chaos:clear",
                             "End faults: ID, or every fault of -a APP, or every fault",
                             run_chaos_clear, false);
  cclear->add_option("id", o.args, "The fault's ID (see chaos:list)");
  cclear->add_option("-a,--app", o.app, "Only this app's");
  auto* crun = add_command(
      app, action, o, "chaos:run",
      "Play a scenario file's timed steps (faults added and cleared, on the platform's clock), "
      "then exit 0 if the app recovered within the bound the file states, 1 if not",
      run_chaos_run, false);
  crun->add_option("scenario", o.args, "SCENARIO.yaml (see the README: Faults on purpose)")
      ->required();
  crun->add_option("-a,--app", o.app, "The app (default: the file's `app:`)");
  add_command(app, action, o, "state:export",
              "Save every app (releases, slugs, config, formation, add-on data) and pipeline "
              "to FILE",
              run_state_export, false)
      ->add_option("file", o.args, "The file to write (a gzip'd tar, mode 0600)")
      ->required();
  auto* import = add_command(app, action, o, "state:import",
                             "Replace every app and pipeline with those of a state:export FILE "
                             "(checked whole first: a damaged file changes nothing)",
                             run_state_import, false);
  import->add_option("file", o.args, "The file state:export wrote")->required();
  import->add_flag("--confirm", o.confirmed, "Destroy the apps this lokku home has");
  import->add_flag("--fresh-ports", o.fresh_ports,
                   "Give every add-on a new port (default: the file's, where it is free)");
  add_command(app, action, o, "state:reset",
              "Destroy every app (with its add-ons' data) and pipeline", run_state_reset, false)
      ->add_flag("--confirm", o.confirmed, "Do it (without, nothing is destroyed)");
  exec->prefix_command(false);
  add_command(app, action, o, "down", "Stop the background platform gracefully", run_down, false)
      ->add_option("--time-scale", o.time_scale, "The platform's time scale (for the wait)");

  if (auto* chosen = app.chosen()) {
    try {
      chosen->parse(argc - 1, argv + 1);
    } catch (const CLI::ParseError& e) {
      int rc = chosen->exit(e);
      exit_code = rc == 0 ? kExitOk : kExitUsage;
      return {};
    }
    return action;
  }
  CLI::App top{"lokku: Heroku's core (dynos, router, releases) on your machine", "lokku"};
  top.set_version_flag("-v,--version", std::string("lokku ") + LOKKU_VERSION);
  top.footer(app.listing() + "\nRun `lokku COMMAND --help` for a command's options.");
  if (!wanted.empty() && wanted[0] != '-') {
    std::cerr << "lokku: '" << wanted << "' is not a lokku command; see lokku --help\n";
    exit_code = kExitUsage;
    return {};
  }
  try {
    top.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    int rc = top.exit(e);
    exit_code = rc == 0 ? kExitOk : kExitUsage;
    return {};
  }
  std::cerr << top.help();
  exit_code = kExitUsage;
  return {};
}

}  // namespace

bool colour_wanted(std::string_view mode) {
  if (mode == "always") {
    return true;
  }
  if (mode == "never") {
    return false;
  }
  const char* term = std::getenv("TERM");
  return ::isatty(1) == 1 && !std::getenv("NO_COLOR") &&
         !(term && std::string_view(term) == "dumb");
}

int run_cli(int argc, char** argv) {
  int exit_code = kExitOk;
  std::optional<std::string> log_level;
  Action action = parse(argc, argv, exit_code, log_level);
  if (!action) {
    return exit_code;
  }
  try {
    log::configure(log_level);
    return action();
  } catch (const std::exception& e) {
    std::cerr << "lokku: error: " << e.what() << '\n';
    return kExitError;
  }
  return exit_code;
}

}  // namespace lokku::app
