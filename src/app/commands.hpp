#pragma once
// The commands that work on the store (apps, config, releases, formation, builds, one-off
// dynos, logs) and the platform (`up`). Each returns the process exit code.

#include "release/app_manifest.hpp"

#include <optional>
#include <string>
#include <vector>

namespace lokku::app {

/// The options of every store command; each command reads the ones it declares.
struct CommandOptions {
  std::optional<std::string> app;  ///< -a/--app
  std::vector<std::string> args;   ///< positional arguments
  std::string dir = ".";           ///< -d/--app-dir (build, deploy)
  std::vector<std::string> buildpacks;
  std::optional<std::string> confirm;
  bool json = false;
  bool shell = false;
  int num = 0;  ///< -n: lines or releases to show (0: the command's default)
  bool tail = false;
  std::string source;  ///< logs --source
  std::string dyno;    ///< logs --dyno
  std::optional<double> time_scale;
  std::optional<unsigned> port;
  std::string router = "r2";
  unsigned router_threads = 0;
  std::string colour = "auto";
  std::optional<std::string> size;   ///< run --size
  std::optional<unsigned> api_port;  ///< up --api-port (default 5001; 0: any free port)
  std::optional<unsigned> tls_port;  ///< up --tls-port (default 5443; 0: any free port)
  bool detach = false;               ///< up --detach
  bool no_metrics = false;           ///< up --no-metrics
  /// run:detached's part in the background (hidden option): the one-off's dyno name.
  std::string background_dyno;
  /// The arguments after the program's name, as given (up --detach starts itself again).
  std::vector<std::string> command_line;
  std::string as;                   ///< addons:create --as
  std::optional<std::string> sql;   ///< pg:psql -c
  std::string follow;               ///< addons:create --follow
  std::optional<std::string> from;  ///< apps:create --from DIR (its app.json)
  std::string stage;                ///< pipelines:add --stage
  bool csv = false;                 ///< pg:query --csv
  std::string git_ref = "HEAD";     ///< deploy: the commit of a git repository to build
  std::string source_version;       ///< deploy: the commit `dir` was taken from (a push)
  std::string remote = "heroku";    ///< git:remote -r
  std::string branch = "main";      ///< autodeploy:enable --branch
  bool wait_for_ci = false;         ///< autodeploy:enable --wait-for-ci
  bool review_apps = false;         ///< autodeploy:enable --review-apps
  int hours = 24;                   ///< apps:errors --hours
  bool router_only = false;         ///< apps:errors --router
  bool dyno_only = false;           ///< apps:errors --dyno
  std::string process_type;         ///< metrics --type
  std::string since = "1h";         ///< metrics --since
  std::string resolution;        ///< metrics --resolution (default 1m; on a terminal, ~60 points)
  std::optional<double> p95_ms;  ///< alerts:add --p95
  std::optional<double> error_rate;       ///< alerts:add --error-rate
  int sensitivity = 1;                    ///< alerts:add --sensitivity
  std::optional<int> autoscale_min;       ///< ps:autoscale:enable --min
  std::optional<int> autoscale_max;       ///< ps:autoscale:enable --max
  bool notifications = false;             ///< ps:autoscale:enable --notifications
  std::string timeout = "120s";           ///< wait --timeout
  bool confirmed = false;                 ///< state:import / state:reset --confirm
  bool fresh_ports = false;               ///< state:import --fresh-ports
  int stale_days = 5;                     ///< review-apps:create --stale-days
  std::string for_duration;               ///< chaos:add --for
  std::optional<double> rate;             ///< chaos:add --rate
  std::string delay;                      ///< chaos:add --delay
  bool after_head = false;                ///< chaos:add --after-head
  std::string addon;                      ///< chaos:add --addon
  std::optional<std::string> snapshot;    ///< exec --snapshot
  std::string release_version;            ///< export --release
  std::string cert_name;                  ///< certs:* --name, domains:update --cert
  std::vector<std::string> cert_domains;  ///< certs:add --domains
  std::string out;                        ///< export -o
  std::string image;                      ///< export --image
  bool with_addons = false;               ///< export kubernetes --with-addons
  std::string base_image;                 ///< export kubernetes --base-image
  std::string prefix;                     ///< export systemd --prefix
  /// deploy: the app.json to set a new app up from, instead of the directory's (review apps)
  std::optional<release::AppManifest> manifest;
};

int run_apps(const CommandOptions& o);
int run_apps_create(const CommandOptions& o);
int run_apps_destroy(const CommandOptions& o);
int run_apps_info(const CommandOptions& o);
int run_config(const CommandOptions& o);
int run_config_get(const CommandOptions& o);
int run_config_set(const CommandOptions& o);
int run_config_unset(const CommandOptions& o);
int run_releases(const CommandOptions& o);
int run_releases_info(const CommandOptions& o);
int run_rollback(const CommandOptions& o);
int run_ps(const CommandOptions& o);
int run_ps_scale(const CommandOptions& o);
int run_build(const CommandOptions& o);
int run_deploy(const CommandOptions& o);
/// How a deploy speaks: as `lokku deploy`, or as Heroku's git endpoint to a pusher.
enum class DeployStyle { cli, push };
int deploy(const CommandOptions& o, DeployStyle style);
int run_git_pre_receive(const CommandOptions& o);
int run_git_remote(const CommandOptions& o);
int run_git_credentials(const CommandOptions& o);
int run_git_clone(const CommandOptions& o);
int run_autodeploy_enable(const CommandOptions& o);
int run_autodeploy_disable(const CommandOptions& o);
int run_autodeploy_info(const CommandOptions& o);
int run_ci_list(const CommandOptions& o);
int run_ci(const CommandOptions& o);
int run_run(const CommandOptions& o);
int run_run_detached(const CommandOptions& o);
int run_logs(const CommandOptions& o);
int run_slug_pack(const CommandOptions& o);
int run_cache_purge(const CommandOptions& o);
int run_up(const CommandOptions& o);
int run_addons(const CommandOptions& o);
int run_addons_create(const CommandOptions& o);
int run_addons_info(const CommandOptions& o);
int run_addons_destroy(const CommandOptions& o);
int run_addons_attach(const CommandOptions& o);
int run_addons_detach(const CommandOptions& o);
int run_pg_psql(const CommandOptions& o);
int run_pg_info(const CommandOptions& o);
int run_pg_query(const CommandOptions& o);
int run_pg_credentials_rotate(const CommandOptions& o);
int run_pg_backups(const CommandOptions& o);
int run_pg_backups_capture(const CommandOptions& o);
int run_pg_backups_restore(const CommandOptions& o);
int run_redis_cli(const CommandOptions& o);
int run_scheduler(const CommandOptions& o);
int run_review_apps_create(const CommandOptions& o);
int run_review_apps_destroy(const CommandOptions& o);
int run_pipelines(const CommandOptions& o);
int run_pipelines_create(const CommandOptions& o);
int run_pipelines_add(const CommandOptions& o);
int run_pipelines_info(const CommandOptions& o);
int run_pipelines_promote(const CommandOptions& o);
int run_scheduler_add(const CommandOptions& o);
int run_scheduler_remove(const CommandOptions& o);
int run_redis_info(const CommandOptions& o);
int run_down(const CommandOptions& o);
int run_apps_rename(const CommandOptions& o);
int run_releases_output(const CommandOptions& o);
int run_ps_type(const CommandOptions& o);
int run_drains(const CommandOptions& o);
int run_metrics(const CommandOptions& o);
int run_wait(const CommandOptions& o);
int run_exec(const CommandOptions& o);
int run_export(const CommandOptions& o);
int run_tls_trust(const CommandOptions& o);
int run_dashboard(const CommandOptions& o);
int run_auth_token(const CommandOptions& o);
int run_ps_restart(const CommandOptions& o);
int run_clock(const CommandOptions& o);
int run_state_export(const CommandOptions& o);
int run_state_import(const CommandOptions& o);
int run_state_reset(const CommandOptions& o);
int run_chaos_add(const CommandOptions& o);
int run_chaos_list(const CommandOptions& o);
int run_chaos_clear(const CommandOptions& o);
int run_chaos_run(const CommandOptions& o);
int run_alerts(const CommandOptions& o);
int run_ps_autoscale_enable(const CommandOptions& o);
int run_ps_autoscale_disable(const CommandOptions& o);
int run_alerts_add(const CommandOptions& o);
int run_alerts_remove(const CommandOptions& o);
int run_drains_add(const CommandOptions& o);
int run_drains_remove(const CommandOptions& o);
int run_domains(const CommandOptions& o);
int run_domains_add(const CommandOptions& o);
int run_domains_remove(const CommandOptions& o);
int run_domains_info(const CommandOptions& o);
int run_domains_clear(const CommandOptions& o);
int run_domains_wait(const CommandOptions& o);
int run_domains_update(const CommandOptions& o);
int run_certs(const CommandOptions& o);
int run_certs_add(const CommandOptions& o);
int run_certs_info(const CommandOptions& o);
int run_certs_update(const CommandOptions& o);
int run_certs_remove(const CommandOptions& o);
int run_certs_auto(const CommandOptions& o);
int run_certs_auto_enable(const CommandOptions& o);
int run_certs_auto_disable(const CommandOptions& o);
int run_labs(const CommandOptions& o);
int run_labs_info(const CommandOptions& o);
int run_labs_enable(const CommandOptions& o);
int run_labs_disable(const CommandOptions& o);
int run_features(const CommandOptions& o);
int run_features_info(const CommandOptions& o);
int run_features_enable(const CommandOptions& o);
int run_features_disable(const CommandOptions& o);
int run_stack(const CommandOptions& o);
int run_stack_set(const CommandOptions& o);
int run_regions(const CommandOptions& o);
int run_apps_errors(const CommandOptions& o);
int run_env(const CommandOptions& o);

}  // namespace lokku::app
