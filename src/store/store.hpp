#pragma once
// The store: desired state on disk (CONVENTIONS.md, Design). One human-readable YAML file
// per app (`apps/<app>/app.yaml`) holds its config vars, formation, buildpacks and releases;
// slugs sit beside it. Every change is a read-modify-write under the app's lock, written
// atomically, so commands racing on one app never lose an update, and a reader (the
// platform) always sees a whole file.

#include "release/dotenv.hpp"
#include "store/files.hpp"

#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace lokku::store {

namespace fs = std::filesystem;

using ProcessTypes = std::map<std::string, std::string>;  ///< type → command

/// A release (REL-3). `current` is derived: the newest succeeded one (REL-5).
struct Release {
  int version = 0;
  std::string id;
  std::string description;
  std::string slug_id;  ///< empty: no slug (v1, v2, config changes before a deploy)
  ProcessTypes process_types;
  release::ConfigVars config;        ///< snapshot of the app's config vars
  std::string status = "succeeded";  ///< pending | succeeded | failed
  std::string created_at;
  std::string user;
  std::string commit;        ///< the slug's commit, for HEROKU_SLUG_COMMIT
  int runner_pid = 0;        ///< pending: the process running the release phase
  std::string release_dyno;  ///< the dyno that ran its release phase (`release.4821`), if any
};

struct FormationRow {
  int quantity = 0;
  std::string size = "standard-1x";
};

/// An add-on (heroku-postgresql, heroku-redis): a real server on this machine, its data
/// under `addons/<name>/` in the lokku home, run by the platform beside the app's dynos.
struct Addon {
  std::string id;
  std::string name;            ///< postgresql-rugged-32907
  std::string service;         ///< heroku-postgresql | heroku-redis
  std::string plan;            ///< essential-0, mini, ...
  std::string attachment;      ///< DATABASE: sets DATABASE_URL (CFG-6)
  unsigned port = 0;           ///< on 127.0.0.1
  std::string database;        ///< Postgres: the add-on's database
  std::string user;            ///< Postgres: its role
  std::string password;        ///< the role's (Redis: requirepass)
  std::string admin_password;  ///< Postgres: the server's superuser
  std::string readonly_user;   ///< Postgres: a role that can only read (pg:query)
  std::string readonly_password;
  std::string follows;  ///< Postgres follower: the leader add-on's name
  std::string created_at;

  std::string config_var() const { return attachment + "_URL"; }
};

/// An add-on of another app attached to this one (`heroku addons:attach`): its config var
/// (`<name>_URL`) points at the owner's server.
struct AddonAttachment {
  std::string id;
  std::string name;   ///< DATABASE, HEROKU_POSTGRESQL_PINK, ...
  std::string addon;  ///< the add-on's name
  std::string owner;  ///< the app that owns (and runs) it
  std::string created_at;

  std::string config_var() const { return name + "_URL"; }
};

/// A Heroku Scheduler job (SCHED-1..4).
struct SchedulerJob {
  int id = 0;
  std::string frequency;  ///< canonical text: `every hour at :20`
  std::string command;
  std::string created_at;
};

/// A log drain (drains-webhooks-metrics.md §2.1): every line of the app's log goes to `url`.
struct LogDrain {
  std::string id;
  std::string url;
  std::string token;  ///< `d.<uuid>`: the syslog hostname and Logplex-Drain-Token
  std::string created_at;
};

/// A certificate of the user's own (`heroku certs:add`, Platform API `sni-endpoints`). The
/// chain and key are kept beside app.yaml (Store::sni_files), the key 0600.
struct SniEndpoint {
  std::string id;
  std::string name;                  ///< `<word>-<number>`, as Heroku names them
  std::vector<std::string> domains;  ///< the custom domains it serves (`domains:update`)
  std::string created_at;
  std::string updated_at;
};

/// An app webhook (drains-webhooks-metrics.md §3): the app's changes of the entities it
/// includes are POSTed to `url`, signed with `secret`.
struct Webhook {
  std::string id;
  std::string url;
  std::vector<std::string> include;  ///< api:release, api:formation, dyno, ...
  std::string level;                 ///< notify (one attempt) | sync (retried)
  std::string secret;                ///< signs every delivery (Heroku-Webhook-Hmac-SHA256)
  std::string authorization;         ///< sent as the Authorization header, when set
  std::string created_at;
  std::string updated_at;
};

/// A threshold alert on the web process type (issue #22 point 2, metrics/alert_monitor.hpp).
struct Alert {
  std::string id;
  std::string kind;  ///< latency (p95 ms) | error-rate (percent of requests failed)
  double threshold = 0;
  int sensitivity = 1;       ///< minutes: 1, 5 or 10
  std::string state = "ok";  ///< ok | firing, as the platform last found it
  double value = 0;          ///< the measure when the state last changed
  std::string created_at;
  std::string updated_at;  ///< when the state last changed
};

/// Web dyno autoscaling (drains-webhooks-metrics.md §4.2): Heroku's metrics API calls it a
/// formation monitor of action type `scale`. `id` empty: never enabled.
struct Autoscale {
  std::string id;
  bool active = false;
  int min = 1;
  int max = 1;
  int p95_ms = 1000;    ///< the desired p95 response time
  bool notify = false;  ///< say so when web reaches `max` (at most daily)
  std::string created_at;
  std::string updated_at;
};

struct App {
  std::string name;
  std::string id;
  std::string stack = "heroku-24";
  /// The stack the next build uses when it differs (`heroku stack:set`); empty: `stack`.
  std::string build_stack;
  std::string created_at;
  std::vector<std::string> buildpacks;  ///< set by hand or saved after detection (BP-3)
  release::ConfigVars config;
  std::map<std::string, FormationRow> formation;
  std::vector<Release> releases;
  bool maintenance = false;
  std::vector<std::string> features;  ///< enabled app features (`http-session-affinity`)
  std::vector<std::string> domains;   ///< custom domains the router answers for
  /// Automated Certificate Management (`heroku certs:auto:enable`): the custom domains get a
  /// certificate from lokku's CA, renewed a month before it expires.
  bool acm = false;
  std::vector<SniEndpoint> sni_endpoints;
  std::vector<Addon> addons;
  std::vector<AddonAttachment> attachments;  ///< add-ons of other apps attached here
  std::vector<SchedulerJob> scheduler;
  std::vector<LogDrain> drains;
  std::vector<Webhook> webhooks;
  std::vector<Alert> alerts;
  Autoscale autoscale;
  /// A review app (PIPE-3): its parent app, its branch, and app.json's pr-predestroy.
  std::string review_of;
  std::string review_branch;
  std::string pr_predestroy;
  /// PIPE-3.6: a review app is destroyed this many days after its last deploy (0: never).
  int review_stale_days = 0;

  const Addon* find_addon(const std::string& name_or_attachment) const;
  /// Removes a custom domain, from the SNI endpoint serving it too.
  void remove_domain(const std::string& host);

  /// The newest succeeded release that has a slug, or nullptr (REL-5).
  const Release* current() const;
  /// The newest succeeded release (slug or not).
  const Release* latest_succeeded() const;
  Release* find(int version);
  const Release* find(int version) const;
  int next_version() const;
};

/// SLUG-5 metadata, kept as `slugs/<id>.yaml` beside `slugs/<id>.tgz`.
struct Slug {
  std::string id;
  ProcessTypes process_types;
  std::string commit;
  std::string commit_description;
  std::string buildpack_provided_description;
  std::string checksum;  ///< SHA256:<hex>
  std::uint64_t size = 0;
  std::string stack;
  std::string created_at;
};

std::string to_yaml(const App& app);
/// Throws InputError naming `file` when the text is not a valid app record.
App app_from_yaml(const std::string& text, const std::string& file);
std::string to_yaml(const Slug& slug);
Slug slug_from_yaml(const std::string& text, const std::string& file);

/// The user lokku records as the author of releases (`<login>@lokku.local`).
std::string local_user();

class Store {
 public:
  explicit Store(fs::path home);
  /// `$LOKKU_HOME`, else `~/.lokku` (CONVENTIONS.md, Names and places).
  static fs::path default_home();

  const fs::path& home() const { return home_; }
  fs::path app_dir(const std::string& app) const { return home_ / "apps" / app; }
  fs::path app_file(const std::string& app) const { return app_dir(app) / "app.yaml"; }
  fs::path slug_file(const std::string& app, const std::string& slug_id) const;
  /// An SNI endpoint's certificate chain and key (mode 0600).
  std::pair<fs::path, fs::path> sni_files(const std::string& app, const std::string& name) const {
    return {app_dir(app) / "tls" / (name + ".crt"), app_dir(app) / "tls" / (name + ".key")};
  }
  fs::path cache_dir(const std::string& app) const { return app_dir(app) / "cache"; }
  fs::path log_file(const std::string& app) const { return app_dir(app) / "log"; }
  /// What the platform measured of the app (metrics/metrics_store.hpp).
  fs::path metrics_file(const std::string& app) const { return app_dir(app) / "metrics.sqlite"; }
  /// Every record of an app that has webhooks, as written, for the webhooks to compare
  /// (take_changes).
  fs::path changes_file(const std::string& app) const { return app_dir(app) / "changes"; }
  /// The app's webhook events and deliveries (webhooks/delivery_store.hpp).
  fs::path webhooks_file(const std::string& app) const { return app_dir(app) / "webhooks.sqlite"; }
  /// Where the app's dynos run from: their directories and the pristine slugs they mount.
  fs::path dynos_dir(const std::string& app) const { return home_ / "dynos" / app; }

  bool exists(const std::string& app) const;
  std::vector<std::string> apps() const;
  /// Throws InputError "Couldn't find that app." style when missing.
  App load(const std::string& app) const;
  std::optional<App> try_load(const std::string& app) const;

  /// Creates the app with v1 `Initial release` and v2 `Enable Logplex` (REL-2). Throws
  /// InputError if it exists already.
  App create(const std::string& app);
  /// Read-modify-write under the app's lock. `change` may throw to abort (nothing written).
  /// Returns the app as written.
  App update(const std::string& app, const std::function<void(App&)>& change);
  /// The same, creating the app first when it does not exist.
  App update_or_create(const std::string& app, const std::function<void(App&)>& change);
  /// Removes the app and everything it keeps.
  void destroy(const std::string& app);
  /// Gives the app another name: its directory, whole, moves in one atomic step. Throws
  /// InputError when `to` is taken or not a valid name, or `from` does not exist.
  void rename(const std::string& from, const std::string& to);

  /// The records written since the last call, oldest first, and forgets them: every state an
  /// app with webhooks went through, however quickly (a release pending for 50 ms).
  std::vector<App> take_changes(const std::string& app);
  /// The changes file is emptied when it passes this (no platform takes them).
  static constexpr std::uint64_t kChangesLimit = 8u << 20;

  void save_slug(const std::string& app, const Slug& slug);
  Slug load_slug(const std::string& app, const std::string& slug_id) const;

  /// Marks a pending release whose runner died as failed (REL-5), on read.
  static void settle_pending(App& app);

 private:
  fs::path home_;
  void write(const App& app);
  /// Appends a written record of an app with webhooks to its changes file.
  void journal(const std::string& app, const std::string& text);
  App fresh(const std::string& name) const;
};

/// Adds a release to `app` (numbered per REL-1) and returns it. Status succeeded unless the
/// caller changes it.
Release& add_release(App& app, std::string description, std::string slug_id,
                     ProcessTypes process_types, std::string commit);

}  // namespace lokku::store
