#include "addons/addons.hpp"

#include "common/child_process.hpp"
#include "common/ids.hpp"
#include "common/ports.hpp"
#include "common/run_sync.hpp"
#include "dyno/init/kill_tree_signal.hpp"
#include "release/error.hpp"
#include "store/files.hpp"

#include <boost/asio/io_context.hpp>
#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <csignal>
#include <cstdlib>
#include <fcntl.h>
#include <fstream>
#include <optional>
#include <regex>
#include <sys/wait.h>
#include <system_error>
#include <thread>
#include <unistd.h>

namespace lokku::addons {

namespace {

// Heroku's current plans (Dev Center: Heroku Postgres and Heroku Key-Value Store plans); each
// is the same local server here, the plan only a name.
const std::array<Service, 2> kServices = {
    Service{"heroku-postgresql",
            "essential-0",
            "DATABASE",
            "HEROKU_POSTGRESQL",
            "postgresql",
            {"essential-0", "essential-1", "essential-2", "standard-0", "standard-2", "standard-3",
             "standard-4",  "standard-5",  "standard-6",  "standard-7", "standard-8", "standard-9",
             "standard-10", "premium-0",   "premium-2",   "premium-3",  "premium-4",  "premium-5",
             "premium-6",   "premium-7",   "premium-8",   "premium-9",  "premium-10", "private-0",
             "private-2",   "shield-0",    "shield-2",    "mini",       "basic"}},
    Service{"heroku-redis",
            "mini",
            "REDIS",
            "HEROKU_REDIS",
            "redis",
            {"mini", "premium-0", "premium-1", "premium-2", "premium-3", "premium-5", "premium-7",
             "premium-9", "premium-10", "premium-12", "premium-14", "private-3", "private-5",
             "private-7", "shield-3", "shield-5"}}};

// Heroku names add-ons `<service>-<word>-<digits>` and colours its extra attachments.
constexpr std::array kWords = {
    "rugged",     "concave",      "vertical",   "tapered",     "clean",       "fluffy",
    "shallow",    "curved",       "silky",      "solid",       "angular",     "cubic",
    "animated",   "deep",         "opaque",     "flat",        "spherical",   "dimensional",
    "elliptical", "asymmetrical", "horizontal", "symmetrical", "transparent", "triangular"};
constexpr std::array kColours = {
    "AMBER",  "AQUA",    "BLACK", "BLUE",   "BRONZE", "BROWN",  "CHARCOAL", "COBALT",
    "COPPER", "CRIMSON", "CYAN",  "GOLD",   "GRAY",   "GREEN",  "IVORY",    "JADE",
    "MAROON", "MAUVE",   "NAVY",  "OLIVE",  "ONYX",   "ORANGE", "PINK",     "PUCE",
    "PURPLE", "RED",     "ROSE",  "SILVER", "TEAL",   "WHITE",  "YELLOW"};

unsigned random_below(unsigned n) {
  return static_cast<unsigned>(std::stoul(common::random_hex(4), nullptr, 16) % n);
}

/// Single-quoted for bash.
std::string quoted(const std::string& s) {
  std::string out = "'";
  for (char c : s) {
    if (c == '\'') {
      out += "'\\''";
    } else {
      out += c;
    }
  }
  return out + "'";
}

std::vector<std::string> server_env(const fs::path& dir) {
  return {"PATH=/usr/local/bin:/usr/bin:/bin", "LANG=C.UTF-8", "HOME=" + dir.string()};
}

/// PostgreSQL refuses to run as root: as root, its programs run in a user namespace where
/// lokku's uid appears as uid 1, so it owns its data directory and nothing else changes.
std::vector<std::string> as_server_user(std::vector<std::string> argv) {
  if (::geteuid() == 0) {
    argv.insert(argv.begin(), {"/usr/bin/unshare", "--map-user=1", "--map-group=1", "--"});
  }
  return argv;
}

std::string tail_of(const fs::path& file, std::size_t lines) {
  std::ifstream in(file);
  std::vector<std::string> all;
  for (std::string line; std::getline(in, line);) {
    all.push_back(line);
  }
  std::string out;
  for (std::size_t i = all.size() > lines ? all.size() - lines : 0; i < all.size(); ++i) {
    out += "\n  " + all[i];
  }
  return out;
}

/// The add-on's directory under `home`, created (mode 0700) where it did not exist.
fs::path make_dir(const fs::path& home, const store::Addon& a) {
  const fs::path dir = addon_dir(home, a.name);
  if (!fs::create_directories(dir)) {
    throw release::InputError(fmt::format("{} exists already", dir.string()));
  }
  fs::permissions(dir, fs::perms::owner_all, fs::perm_options::replace);
  return dir;
}

/// A new add-on's name (`<prefix>-<word>-<digits>`, unused), its port, and its directory
/// (created, mode 0700), which it returns.
fs::path place(const fs::path& home, const Service& service, store::Addon& a) {
  do {
    a.name = fmt::format("{}-{}-{}", service.name_prefix, kWords[random_below(kWords.size())],
                         10000 + random_below(90000));
  } while (fs::exists(addon_dir(home, a.name)));
  auto port = common::pick_free_port();
  if (!port) {
    throw release::InputError("no free TCP port for the add-on's server");
  }
  a.port = *port;
  return make_dir(home, a);
}

void provision_postgres(const fs::path& home, const fs::path& dir, const store::Addon& a,
                        const std::string& init_path) {
  const fs::path pwfile = dir / ".pwfile";
  store::write_file_atomic(pwfile, a.admin_password + "\n", 0600);
  std::string output;
  common::RunOptions ro;
  ro.argv = as_server_user({postgres_program("initdb"), "-D", (dir / "data").string(), "-U",
                            "postgres", "--auth=scram-sha-256", "--pwfile=" + pwfile.string(), "-E",
                            "UTF8", "--locale=C.UTF-8"});
  ro.env = server_env(dir);
  ro.on_stdout = [&](std::string_view s) { output += s; };
  ro.timeout = std::chrono::minutes(2);
  auto r = common::run_sync(ro);
  fs::remove(pwfile);
  if (r.status != 0) {
    throw release::InputError(fmt::format("initdb failed (exit {}):\n{}", r.status, output));
  }
  TemporaryServer server(home, a, init_path);
  server.wait_ready(std::chrono::seconds(60));
  admin_sql(a, fmt::format("CREATE ROLE {} LOGIN PASSWORD '{}'", a.user, a.password));
  admin_sql(a, fmt::format("CREATE DATABASE {} OWNER {}", a.database, a.user));
  // Like Heroku's: the app's role owns its database and nothing else is open to others.
  admin_sql(a, fmt::format("REVOKE ALL ON DATABASE {} FROM PUBLIC", a.database));
  // The dataclip role (pg:query): reads what the app's role creates, writes nothing.
  admin_sql(
      a, fmt::format("CREATE ROLE {} LOGIN PASSWORD '{}'", a.readonly_user, a.readonly_password));
  admin_sql(a,
            fmt::format("ALTER ROLE {} SET default_transaction_read_only = on", a.readonly_user));
  admin_sql(a, fmt::format("GRANT CONNECT ON DATABASE {} TO {}", a.database, a.readonly_user));
  admin_sql(a,
            fmt::format("GRANT USAGE ON SCHEMA public TO {0}; "
                        "ALTER DEFAULT PRIVILEGES FOR ROLE {1} IN SCHEMA public GRANT SELECT ON "
                        "TABLES TO {0}; "
                        "ALTER DEFAULT PRIVILEGES FOR ROLE {1} IN SCHEMA public GRANT SELECT ON "
                        "SEQUENCES TO {0}",
                        a.readonly_user, a.user),
            a.database);
}

/// psql or another client of the add-on, as `user`; its output, or InputError with its
/// message.
std::string client(const store::Addon& a, std::vector<std::string> argv,
                   const std::string& password,
                   std::chrono::nanoseconds limit = std::chrono::minutes(10)) {
  common::RunOptions ro;
  ro.argv = std::move(argv);
  ro.env = server_env("/");
  ro.env.push_back("PGPASSWORD=" + password);
  ro.env.push_back("PGCONNECT_TIMEOUT=10");
  ro.timeout = limit;
  std::string out, err;
  ro.on_stdout = [&](std::string_view v) { out += v; };
  ro.on_stderr = [&](std::string_view v) { err += v; };
  auto r = common::run_sync(ro);
  if (r.status != 0) {
    while (!err.empty() && err.back() == '\n') {
      err.pop_back();
    }
    throw release::InputError(fmt::format("{}: {}", a.name, err.empty() ? "failed" : err));
  }
  return out;
}

std::vector<std::string> connection(const store::Addon& a, const std::string& user) {
  return {"-h", "127.0.0.1", "-p", std::to_string(a.port), "-U", user, "-d", a.database};
}

/// A follower's data: a base backup of the running `leader` that starts as its streaming
/// replica; checked by starting it once. Removes `dir` when it fails.
void copy_leader(const fs::path& home, const fs::path& dir, const store::Addon& a,
                 const store::Addon& leader, const std::string& init_path) {
  try {
    // -R: standby.signal and the leader's connection, so it starts as a streaming replica.
    client(leader,
           as_server_user({postgres_program("pg_basebackup"), "-h", "127.0.0.1", "-p",
                           std::to_string(leader.port), "-U", "postgres", "-D",
                           (dir / "data").string(), "-R", "-X", "stream", "--checkpoint=fast"}),
           leader.admin_password, std::chrono::hours(1));
    TemporaryServer server(home, a, init_path);
    server.wait_ready(std::chrono::seconds(60));
  } catch (...) {
    std::error_code ec;
    fs::remove_all(dir, ec);
    throw;
  }
}

/// redis-cli with the add-on's password; its output.
std::string redis_cli(const store::Addon& a, const std::vector<std::string>& args) {
  std::vector<std::string> argv = {
      redis_program("redis-cli"), "-h", "127.0.0.1", "-p", std::to_string(a.port),
      "--no-auth-warning",        "-a", a.password};
  argv.insert(argv.end(), args.begin(), args.end());
  return client(a, argv, a.password, std::chrono::minutes(10));
}

/// Waits until Redis has written its append-only file (after appendonly was turned on).
void wait_for_aof(const store::Addon& a) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::minutes(10);
  for (;;) {
    auto info = redis_cli(a, {"INFO", "persistence"});
    bool busy = info.find("aof_rewrite_in_progress:1") != std::string::npos ||
                info.find("aof_rewrite_scheduled:1") != std::string::npos ||
                info.find("aof_enabled:0") != std::string::npos;
    if (!busy) {
      if (info.find("aof_last_bgrewrite_status:ok") == std::string::npos) {
        throw release::InputError(
            fmt::format("{}: Redis could not write its append-only file", a.name));
      }
      return;
    }
    if (std::chrono::steady_clock::now() >= deadline) {
      throw release::InputError(
          fmt::format("{}: Redis did not finish its append-only file in time", a.name));
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
}

void provision_redis(const fs::path& dir, const store::Addon& a) {
  fs::create_directories(dir / "data");
  // No `dir`: server_command names the data's folder, wherever the add-on's directory is.
  store::write_file_atomic(dir / "redis.conf",
                           fmt::format("# lokku: the add-on {} (heroku-redis)\n"
                                       "bind 127.0.0.1\n"
                                       "port {}\n"
                                       "protected-mode yes\n"
                                       "requirepass {}\n"
                                       "appendonly yes\n"
                                       "daemonize no\n"
                                       "logfile \"\"\n",
                                       a.name, a.port, a.password),
                           0600);
}

}  // namespace

std::string choose_attachment(const store::App& app, const Service& service,
                              const std::string& as) {
  auto taken = [&](const std::string& att) {
    return app.find_addon(att) != nullptr || app.config.count(att + "_URL") > 0 ||
           std::any_of(app.attachments.begin(), app.attachments.end(),
                       [&](const store::AddonAttachment& x) { return x.name == att; });
  };
  if (!as.empty()) {
    std::string att = as;
    for (auto& c : att) {
      c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    }
    if (att.size() > 4 && att.substr(att.size() - 4) == "_URL") {
      att.resize(att.size() - 4);
    }
    if (!std::regex_match(att, std::regex("[A-Z][A-Z0-9_]*"))) {
      throw release::InputError(fmt::format(
          "--as {}: an attachment name is letters, digits and underscores (like DATABASE)", as));
    }
    if (taken(att)) {
      throw release::InputError(
          fmt::format("{}_URL is already set on {}; choose another name with --as", att, app.name));
    }
    return att;
  }
  if (!taken(service.attachment)) {
    return service.attachment;
  }
  for (unsigned start = random_below(kColours.size()), i = 0; i < kColours.size(); ++i) {
    std::string att = service.alias_prefix + "_" + kColours[(start + i) % kColours.size()];
    if (!taken(att)) {
      return att;
    }
  }
  throw release::InputError("every attachment colour is taken; name one with --as");
}

const Service* find_service(std::string_view name) {
  for (const auto& s : kServices) {
    if (s.name == name) {
      return &s;
    }
  }
  return nullptr;
}

bool Service::has_plan(std::string_view plan) const {
  return std::find(plans.begin(), plans.end(), plan) != plans.end();
}

std::pair<const Service*, std::string> find_plan(const std::string& service_plan) {
  std::string name = service_plan, plan;
  if (auto colon = name.find(':'); colon != std::string::npos) {
    plan = name.substr(colon + 1);
    name.resize(colon);
  }
  const Service* service = find_service(name);
  if (!service || (!plan.empty() && !service->has_plan(plan))) {
    std::string known;
    if (service) {
      for (auto p : service->plans) {
        known += (known.empty() ? "" : ", ") + std::string(p);
      }
    }
    throw release::InputError(fmt::format(
        "Couldn't find either the add-on service or the add-on plan of \"{}\". {}", service_plan,
        service ? fmt::format("Plans of {}: {}.", service->name, known)
                : fmt::format("lokku provides {}.", service_names())));
  }
  return {service, plan.empty() ? service->default_plan : plan};
}

std::string service_names() {
  return "heroku-postgresql, heroku-redis";
}

bool is_postgres(const store::Addon& a) {
  return a.service == "heroku-postgresql";
}

fs::path addon_dir(const fs::path& home, const std::string& name) {
  return home / "addons" / name;
}

std::string postgres_program(const std::string& name) {
  // Debian keeps the server programs under /usr/lib/postgresql/<major>/bin.
  fs::path best;
  int best_major = 0;
  std::error_code ec;
  // LOKKU_POSTGRESQL_ROOT: another tree laid out like Debian's (and a test's missing one).
  const char* root = std::getenv("LOKKU_POSTGRESQL_ROOT");
  for (const auto& e : fs::directory_iterator(root && *root ? root : "/usr/lib/postgresql", ec)) {
    int major = std::atoi(e.path().filename().c_str());
    if (major > best_major && fs::exists(e.path() / "bin" / name)) {
      best_major = major;
      best = e.path() / "bin" / name;
    }
  }
  if (best.empty()) {
    throw release::InputError(
        fmt::format("PostgreSQL's {} is not installed; install Debian's postgresql package "
                    "(apt-get install postgresql), or run scripts/install-deps",
                    name));
  }
  return best.string();
}

std::string redis_program(const std::string& name) {
  const char* dir = std::getenv("LOKKU_REDIS_BIN_DIR");  // like LOKKU_POSTGRESQL_ROOT
  fs::path p = fs::path(dir && *dir ? dir : "/usr/bin") / name;
  if (!fs::exists(p)) {
    throw release::InputError(
        fmt::format("{} is not installed; install Debian's {} package (apt-get install {}), or run "
                    "scripts/install-deps",
                    name, name == "redis-server" ? "redis-server" : "redis-tools",
                    name == "redis-server" ? "redis-server" : "redis-tools"));
  }
  return p.string();
}

store::Addon provision(const fs::path& home, const store::App& app, const Service& service,
                       const std::string& plan, const std::string& as,
                       const std::string& init_path) {
  // The programs first: a missing package is an error before anything is created.
  if (service.name == "heroku-postgresql") {
    postgres_program("postgres");
    postgres_program("initdb");
    postgres_program("psql");
  } else {
    redis_program("redis-server");
  }
  store::Addon a;
  a.id = common::random_uuid();
  a.service = service.name;
  a.plan = plan.empty() ? service.default_plan : plan;
  a.attachment = choose_attachment(app, service, as);
  const fs::path dir = place(home, service, a);
  a.database = "d" + common::random_hex(7);
  a.user = "u" + common::random_hex(7);
  a.password = common::random_hex(32);
  a.admin_password = common::random_hex(32);
  a.readonly_user = "r" + common::random_hex(7);
  a.readonly_password = common::random_hex(32);
  a.created_at = common::iso8601_now();
  try {
    if (service.name == "heroku-postgresql") {
      provision_postgres(home, dir, a, init_path);
    } else {
      provision_redis(dir, a);
    }
  } catch (...) {
    std::error_code ec;
    fs::remove_all(dir, ec);  // nothing half-created
    throw;
  }
  return a;
}

store::Addon provision_follower(const fs::path& home, const store::App& app,
                                const store::Addon& leader, const std::string& plan,
                                const std::string& as, const std::string& init_path) {
  if (leader.service != "heroku-postgresql") {
    throw release::InputError(fmt::format("{} is not a Postgres database", leader.name));
  }
  if (!leader.follows.empty()) {
    throw release::InputError(fmt::format("{} is itself a follower; follow its leader {} instead",
                                          leader.name, leader.follows));
  }
  const Service& service = *find_service("heroku-postgresql");
  store::Addon a = leader;  // a physical replica: the leader's roles and database
  a.id = common::random_uuid();
  a.plan = plan.empty() ? leader.plan : plan;
  a.follows = leader.name;
  a.attachment = choose_attachment(app, service, as.empty() ? std::string() : as);
  if (as.empty() && a.attachment == service.attachment) {
    // The first database keeps DATABASE; a follower is a colour of its own.
    store::App with_database = app;
    with_database.config[service.attachment + "_URL"] = "taken";
    a.attachment = choose_attachment(with_database, service, "");
  }
  const fs::path dir = place(home, service, a);
  a.created_at = common::iso8601_now();
  copy_leader(home, dir, a, leader, init_path);
  return a;
}

store::Addon recreate(const fs::path& home, store::Addon a, unsigned port, const fs::path& dump,
                      const std::string& init_path) {
  a.port = port;
  a.follows.clear();
  const fs::path dir = make_dir(home, a);
  try {
    if (is_postgres(a)) {
      provision_postgres(home, dir, a, init_path);
      if (!dump.empty()) {
        TemporaryServer server(home, a, init_path);
        server.wait_ready(std::chrono::seconds(60));
        restore_backup(a, dump);
      }
    } else {
      provision_redis(dir, a);
      if (!dump.empty()) {
        // Redis loads an RDB file only while it keeps no append-only file: it starts from
        // the file without one, then turning appendonly on writes the dataset into one.
        fs::copy_file(dump, dir / "data" / "dump.rdb");
        TemporaryServer server(home, a, init_path, {"--appendonly", "no"});
        server.wait_ready(std::chrono::seconds(60));
        redis_cli(a, {"CONFIG", "SET", "appendonly", "yes"});
        wait_for_aof(a);
      }
    }
  } catch (...) {
    std::error_code ec;
    fs::remove_all(dir, ec);
    throw;
  }
  return a;
}

store::Addon recreate_follower(const fs::path& home, store::Addon a, unsigned port,
                               const store::Addon& leader, const std::string& init_path) {
  a.port = port;
  a.follows = leader.name;
  const fs::path dir = make_dir(home, a);
  TemporaryServer server(home, leader, init_path);
  server.wait_ready(std::chrono::seconds(60));
  copy_leader(home, dir, a, leader, init_path);
  return a;
}

std::string rotate_password(const store::Addon& a) {
  std::string password = common::random_hex(32);
  admin_sql(a, fmt::format("ALTER ROLE {} PASSWORD '{}'", a.user, password));
  admin_sql(a, fmt::format("SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE "
                           "usename = '{}'",
                           a.user));
  return password;
}

long long follower_lag_bytes(const store::Addon& follower, const store::Addon& leader) {
  auto trim = [](std::string s) {
    while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) {
      s.pop_back();
    }
    return s;
  };
  auto head = trim(admin_sql(leader, "SELECT pg_current_wal_lsn()"));
  auto replayed = trim(admin_sql(follower, "SELECT pg_last_wal_replay_lsn()"));
  if (replayed.empty()) {
    return -1;
  }
  auto diff =
      trim(admin_sql(leader, fmt::format("SELECT greatest(pg_wal_lsn_diff('{}', '{}'), 0)::bigint",
                                         head, replayed)));
  return std::stoll(diff);
}

void capture_backup(const store::Addon& a, const fs::path& file) {
  std::vector<std::string> argv = {
      postgres_program("pg_dump"), "-Fc", "--no-owner", "--no-acl", "-f", file.string()};
  auto conn = connection(a, a.user);
  argv.insert(argv.end(), conn.begin(), conn.end());
  client(a, argv, a.password, std::chrono::hours(1));
}

void capture_redis(const store::Addon& a, const fs::path& file) {
  redis_cli(a, {"--rdb", file.string()});
}

void restore_backup(const store::Addon& a, const fs::path& file) {
  std::vector<std::string> argv = {
      postgres_program("pg_restore"), "--clean",        "--if-exists", "--no-owner", "--no-acl",
      "--single-transaction",         "--exit-on-error"};
  auto conn = connection(a, a.user);
  argv.insert(argv.end(), conn.begin(), conn.end());
  argv.push_back(file.string());
  client(a, argv, a.password, std::chrono::hours(1));
}

std::string readonly_query(const store::Addon& a, const std::string& sql, QueryFormat format) {
  if (a.readonly_user.empty()) {
    throw release::InputError(fmt::format("{} has no read-only role", a.name));
  }
  std::vector<std::string> argv = {postgres_program("psql"), "-X", "-v", "ON_ERROR_STOP=1"};
  auto conn = connection(a, a.readonly_user);
  argv.insert(argv.end(), conn.begin(), conn.end());
  std::string query = sql;
  if (format == QueryFormat::json) {
    while (!query.empty() &&
           (query.back() == ';' || std::isspace(static_cast<unsigned char>(query.back())))) {
      query.pop_back();
    }
    query = "SELECT coalesce(json_agg(q), '[]'::json) FROM (" + query + ") q";
    argv.insert(argv.end(), {"-q", "-A", "-t"});
  } else if (format == QueryFormat::csv) {
    argv.insert(argv.end(), {"-q", "--csv"});
  }
  argv.insert(argv.end(), {"-c", query});
  return client(a, argv, a.readonly_password, std::chrono::minutes(10));
}

void remove_data(const fs::path& home, const store::Addon& addon) {
  std::error_code ec;
  fs::remove_all(addon_dir(home, addon.name), ec);
}

std::string url(const store::Addon& a) {
  if (is_postgres(a)) {
    return fmt::format("postgres://{}:{}@127.0.0.1:{}/{}", a.user, a.password, a.port, a.database);
  }
  // `default` is the user requirepass sets up: clients that send a user name (AUTH user
  // pass, Redis 6+) and those that do not both get in.
  return fmt::format("redis://default:{}@127.0.0.1:{}", a.password, a.port);
}

std::string server_command(const fs::path& home, const store::Addon& a) {
  const fs::path dir = addon_dir(home, a.name);
  std::vector<std::string> argv;
  if (is_postgres(a)) {
    argv = as_server_user({postgres_program("postgres"), "-D", (dir / "data").string(), "-p",
                           std::to_string(a.port), "-c", "listen_addresses=127.0.0.1", "-c",
                           "unix_socket_directories=", "-c", "logging_collector=off"});
  } else {
    // The data's folder on the command line (it wins over the configuration's), so that
    // the add-on's directory can move (state:import prepares it elsewhere).
    argv = {redis_program("redis-server"), (dir / "redis.conf").string(), "--dir",
            (dir / "data").string()};
  }
  std::string cmd = "exec";
  for (const auto& w : argv) {
    cmd += " " + quoted(w);
  }
  return cmd;
}

int stop_signal(const store::Addon& a) {
  return is_postgres(a) ? SIGINT : SIGTERM;
}

bool ready(const store::Addon& a) {
  common::RunOptions ro;
  ro.env = server_env("/");
  ro.timeout = std::chrono::seconds(3);
  std::string out;
  ro.on_stdout = [&](std::string_view s) { out += s; };
  try {
    if (is_postgres(a)) {
      ro.argv = {postgres_program("pg_isready"), "-q", "-h", "127.0.0.1", "-p",
                 std::to_string(a.port),         "-t", "2"};
      return common::run_sync(ro).status == 0;
    }
    ro.argv = {redis_program("redis-cli"), "-h", "127.0.0.1", "-p",  std::to_string(a.port),
               "--no-auth-warning",        "-a", a.password,  "ping"};
    return common::run_sync(ro).status == 0 && out.find("PONG") != std::string::npos;
  } catch (const std::exception&) {
    return false;
  }
}

bool wait_ready(const store::Addon& addon, std::chrono::milliseconds limit) {
  auto deadline = std::chrono::steady_clock::now() + limit;
  while (!ready(addon)) {
    if (std::chrono::steady_clock::now() >= deadline) {
      return false;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  return true;
}

std::string admin_sql(const store::Addon& a, const std::string& sql, const std::string& database) {
  return client(
      a,
      {postgres_program("psql"), "-X", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1", "-h", "127.0.0.1",
       "-p", std::to_string(a.port), "-U", "postgres", "-d", database, "-c", sql},
      a.admin_password, std::chrono::minutes(1));
}

struct TemporaryServer::Child {
  net::io_context context;
  std::optional<bp2::process> process;
  /// Whether it still runs; reaps it once it has ended.
  bool running() {
    bp2::error_code ec;
    return process && process->running(ec) && !ec;
  }
};

TemporaryServer::TemporaryServer(const fs::path& home, const store::Addon& addon,
                                 const std::string& init_path,
                                 const std::vector<std::string>& extra_args)
    : log_(addon_dir(home, addon.name) / "server.log")
    , addon_(addon)
    , child_(std::make_unique<Child>()) {
  int log_fd = ::open(log_.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
  if (log_fd < 0) {
    throw release::InputError(fmt::format("cannot write {}", log_.string()));
  }
  std::string command = server_command(home, addon);
  for (const auto& arg : extra_args) {
    command += " " + quoted(arg);
  }
  common::ChildSpec spec;
  spec.argv = {init_path, std::to_string(::getpid()), "--", "/bin/bash", "-c", command};
  spec.env = server_env(addon_dir(home, addon.name));
  spec.cwd = addon_dir(home, addon.name).string();
  spec.group = common::ChildGroup::terminal;  // lokku-init makes the server's own
  try {
    bp2::process_stdio stdio{nullptr, log_fd, log_fd};
    child_->process.emplace(common::start_child(child_->context.get_executor(), spec, stdio));
  } catch (const std::system_error& e) {
    ::close(log_fd);
    throw release::InputError(fmt::format("the server of {}: {}", addon.name, e.what()));
  }
  ::close(log_fd);
}

void TemporaryServer::wait_ready(std::chrono::milliseconds limit) {
  auto deadline = std::chrono::steady_clock::now() + limit;
  while (!ready(addon_)) {
    if (!child_->running()) {
      child_->process.reset();
      throw release::InputError(fmt::format("the server of {} exited at start; the end of {}:{}",
                                            addon_.name, log_.string(), tail_of(log_, 8)));
    }
    if (std::chrono::steady_clock::now() >= deadline) {
      throw release::InputError(fmt::format("the server of {} did not answer in time; see {}",
                                            addon_.name, log_.string()));
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
}

TemporaryServer::~TemporaryServer() {
  auto& p = child_->process;
  if (!child_->running()) {
    return;
  }
  ::kill(p->id(), stop_signal(addon_));
  for (int i = 0; i < 150; ++i) {
    if (!child_->running()) {
      return;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  ::kill(p->id(), dyno::kill_tree_signal());
  common::wait_child(*p);
}

ServerScope::ServerScope(const fs::path& home, const store::App& app, const std::string& init_path,
                         bool platform_runs) {
  for (const auto& addon : app.addons) {
    if (ready(addon)) {
      continue;
    }
    if (platform_runs) {
      if (!wait_ready(addon, std::chrono::seconds(30))) {
        throw release::InputError(
            fmt::format("the add-on {} is not answering on port {}; see `lokku logs -a {}`",
                        addon.name, addon.port, app.name));
      }
      continue;
    }
    if (common::port_in_use(addon.port)) {
      throw release::InputError(
          fmt::format("port {} of the add-on {} is taken by another program; stop it and try again",
                      addon.port, addon.name));
    }
    started_.push_back(std::make_unique<TemporaryServer>(home, addon, init_path));
    started_.back()->wait_ready(std::chrono::seconds(60));
  }
}

ServerScope::~ServerScope() = default;

}  // namespace lokku::addons
