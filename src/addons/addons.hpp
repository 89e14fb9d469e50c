#pragma once
// Add-ons as real local services (heroku-postgresql, heroku-redis): each is a server from
// Debian's packages, run on 127.0.0.1 with its data under `addons/<name>/` in the lokku
// home, and a config var (CFG-6) that points the app at it. The store holds what exists
// (store::Addon); the platform runs the servers beside the app's dynos; commands that need a
// server while no platform runs start it for their own duration (ServerScope).

#include "store/store.hpp"

#include <chrono>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>
#include <sys/types.h>
#include <utility>
#include <vector>

namespace lokku::addons {

namespace fs = std::filesystem;

struct Service {
  std::string name;          ///< heroku-postgresql
  std::string default_plan;  ///< essential-0
  std::string attachment;    ///< DATABASE for the first one
  std::string alias_prefix;  ///< HEROKU_POSTGRESQL: `<prefix>_<COLOUR>` for the next ones
  std::string name_prefix;   ///< postgresql: add-on names `postgresql-<word>-<digits>`
  std::vector<std::string_view> plans;  ///< Heroku's plan names; every one runs the same here

  bool has_plan(std::string_view plan) const;
};

/// `heroku-postgresql[:plan]`, `heroku-redis[:plan]`; nullptr for anything else.
const Service* find_service(std::string_view name);
std::string service_names();
/// `heroku-postgresql:essential-0`: the service and the plan (its default when not named).
/// Throws InputError with Heroku's message when either is unknown.
std::pair<const Service*, std::string> find_plan(const std::string& service_plan);

fs::path addon_dir(const fs::path& home, const std::string& name);
/// heroku-postgresql (else heroku-redis).
bool is_postgres(const store::Addon& addon);

/// The name an add-on of `service` gets on `app`: `as` (upper-cased, without `_URL`), else the
/// service's (DATABASE, REDIS) while free, else a colour alias. Throws InputError when `as`
/// is not a name or is in use on the app.
std::string choose_attachment(const store::App& app, const Service& service, const std::string& as);

/// A new add-on of `service` for `app` (not yet in it): its name, attachment (`as`, else
/// DATABASE / REDIS, else a colour alias), port and credentials, with its data provisioned
/// (Postgres: initdb, a role and a database; Redis: its configuration). Nothing is left
/// behind when it fails. Throws InputError.
store::Addon provision(const fs::path& home, const store::App& app, const Service& service,
                       const std::string& plan, const std::string& as,
                       const std::string& init_path);
/// A follower of the Postgres add-on `leader` (which must be answering): a streaming
/// replica made with pg_basebackup, read-only (hot standby), with the leader's credentials.
store::Addon provision_follower(const fs::path& home, const store::App& app,
                                const store::Addon& leader, const std::string& plan,
                                const std::string& as, const std::string& init_path);

/// pg:credentials:rotate: a new password for the add-on's role (the old one stops working,
/// and its open connections are closed). Returns the new password.
std::string rotate_password(const store::Addon& addon);
/// How far a follower is behind its leader, in bytes of WAL (0: caught up).
long long follower_lag_bytes(const store::Addon& follower, const store::Addon& leader);

/// pg:backups:capture / restore: a pg_dump custom-format file of the add-on's database, and
/// its restore (replacing what is there) as the app's role. Throw InputError with the
/// tool's message.
void capture_backup(const store::Addon& addon, const fs::path& file);
void restore_backup(const store::Addon& addon, const fs::path& file);

/// state:export: the Redis add-on's dataset as an RDB file (`redis-cli --rdb`, a consistent
/// copy while it serves). Throws InputError with the tool's message.
void capture_redis(const store::Addon& addon, const fs::path& file);

/// state:import: the add-on `like` (a snapshot's: its name, credentials and attachment) made
/// anew under `home` on `port`, its data restored from `dump` (Postgres: a pg_dump custom
/// file; Redis: an RDB file). Its directory must not exist; nothing is left behind when it
/// fails. Throws InputError.
store::Addon recreate(const fs::path& home, store::Addon like, unsigned port, const fs::path& dump,
                      const std::string& init_path);
/// The same for a Postgres follower: a new replica of `leader` (recreated under `home`
/// already), which is started for the copy.
store::Addon recreate_follower(const fs::path& home, store::Addon like, unsigned port,
                               const store::Addon& leader, const std::string& init_path);

enum class QueryFormat { table, csv, json };
/// pg:query: runs `sql` as the add-on's read-only role; its output in `format`.
std::string readonly_query(const store::Addon& addon, const std::string& sql, QueryFormat format);
/// Removes the add-on's data (addons:destroy).
void remove_data(const fs::path& home, const store::Addon& addon);

/// The config var value (`postgres://u:p@127.0.0.1:port/db`, `redis://default:p@127.0.0.1:port`).
std::string url(const store::Addon& addon);
/// The shell command that runs the server in the foreground (as a dyno runs its command).
std::string server_command(const fs::path& home, const store::Addon& addon);
/// The signal that stops the server quickly and cleanly (Postgres: SIGINT, fast shutdown).
int stop_signal(const store::Addon& addon);
/// Whether the server answers (pg_isready, redis PING).
bool ready(const store::Addon& addon);
/// Waits until ready(), up to `limit`.
bool wait_ready(const store::Addon& addon, std::chrono::milliseconds limit);

/// A program of Debian's PostgreSQL or Redis packages; throws InputError naming the package
/// when it is not installed.
std::string postgres_program(const std::string& name);
std::string redis_program(const std::string& name);

/// Runs a SQL statement on the add-on's server as its superuser; returns the output
/// (unaligned, tuples only). Throws InputError with psql's message on failure.
std::string admin_sql(const store::Addon& addon, const std::string& sql,
                      const std::string& database = "postgres");

/// One server started by lokku outside the platform, stopped (stop_signal, then the
/// kill-tree signal after 15 s) when destroyed.
class TemporaryServer {
 public:
  /// `extra_args` go to the server's command line after lokku's own.
  TemporaryServer(const fs::path& home, const store::Addon& addon, const std::string& init_path,
                  const std::vector<std::string>& extra_args = {});
  ~TemporaryServer();
  TemporaryServer(const TemporaryServer&) = delete;
  TemporaryServer& operator=(const TemporaryServer&) = delete;
  /// Waits until it answers; throws InputError with the end of its log when it exits first
  /// or does not answer within `limit`.
  void wait_ready(std::chrono::milliseconds limit);

 private:
  struct Child;  // its process (Boost.Process), kept out of this header
  fs::path log_;
  store::Addon addon_;
  std::unique_ptr<Child> child_;
};

/// For a command that needs the app's add-on servers (a release phase, a one-off dyno,
/// pg:psql): when a platform runs, waits for it to have them up; otherwise starts those not
/// running for the scope's life (each under lokku-init, so they die with lokku) and stops
/// them at its end.
class ServerScope {
 public:
  /// `platform_runs`: a platform runs on this home (it owns the servers).
  ServerScope(const fs::path& home, const store::App& app, const std::string& init_path,
              bool platform_runs);
  ~ServerScope();
  ServerScope(const ServerScope&) = delete;
  ServerScope& operator=(const ServerScope&) = delete;

 private:
  std::vector<std::unique_ptr<TemporaryServer>> started_;
};

}  // namespace lokku::addons
