#include "store/store.hpp"

#include "common/ids.hpp"
#include "common/procfs.hpp"
#include "release/error.hpp"
#include "store/app_name.hpp"
#include "store/yaml_emitter.hpp"

#include <fmt/format.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <fcntl.h>
#include <pwd.h>
#include <sys/stat.h>
#include <system_error>
#include <unistd.h>

namespace lokku::store {

namespace {

void emit_map(Emitter& out, const std::map<std::string, std::string>& m) {
  out << YAML::BeginMap;
  for (const auto& [k, v] : m) {
    // Double-quoted, escapes and all: a literal block would not keep trailing newlines and
    // spaces byte-exact (CFG-3).
    out << YAML::Key << k << YAML::Value << YAML::DoubleQuoted << v;
  }
  out << YAML::EndMap;
}

std::map<std::string, std::string> read_map(const YAML::Node& n) {
  std::map<std::string, std::string> m;
  if (n && n.IsMap()) {
    for (const auto& kv : n) {
      m[kv.first.as<std::string>()] = kv.second.IsNull() ? "" : kv.second.as<std::string>();
    }
  }
  return m;
}

template <class T>
T get(const YAML::Node& n, const char* key, T fallback) {
  auto v = n[key];
  return v && !v.IsNull() ? v.as<T>() : fallback;
}

}  // namespace

const Release* App::latest_succeeded() const {
  for (auto it = releases.rbegin(); it != releases.rend(); ++it) {
    if (it->status == "succeeded") {
      return &*it;
    }
  }
  return nullptr;
}

const Release* App::current() const {
  const Release* r = latest_succeeded();
  return r && !r->slug_id.empty() ? r : nullptr;
}

Release* App::find(int version) {
  for (auto& r : releases) {
    if (r.version == version) {
      return &r;
    }
  }
  return nullptr;
}

const Release* App::find(int version) const {
  return const_cast<App*>(this)->find(version);
}

void App::remove_domain(const std::string& host) {
  std::erase(domains, host);
  for (auto& e : sni_endpoints) {
    std::erase(e.domains, host);
  }
}

const Addon* App::find_addon(const std::string& key) const {
  for (const auto& a : addons) {
    if (a.name == key || a.attachment == key || a.config_var() == key) {
      return &a;
    }
  }
  return nullptr;
}

int App::next_version() const {
  return releases.empty() ? 1 : releases.back().version + 1;
}

std::string to_yaml(const App& app) {
  Emitter out;
  out << YAML::BeginMap;
  out << YAML::Key << "name" << YAML::Value << app.name;
  out << YAML::Key << "id" << YAML::Value << app.id;
  out << YAML::Key << "stack" << YAML::Value << app.stack;
  if (!app.build_stack.empty() && app.build_stack != app.stack) {
    out << YAML::Key << "build_stack" << YAML::Value << app.build_stack;
  }
  out << YAML::Key << "created_at" << YAML::Value << app.created_at;
  out << YAML::Key << "maintenance" << YAML::Value << app.maintenance;
  if (app.acm) {
    out << YAML::Key << "acm" << YAML::Value << app.acm;
  }
  for (auto [key, list] :
       {std::pair{"buildpacks", &app.buildpacks}, std::pair{"features", &app.features},
        std::pair{"domains", &app.domains}}) {
    out << YAML::Key << key << YAML::Value << YAML::BeginSeq;
    for (const auto& b : *list) {
      out << b;
    }
    out << YAML::EndSeq;
  }
  out << YAML::Key << "config_vars" << YAML::Value;
  emit_map(out, app.config);
  out << YAML::Key << "formation" << YAML::Value << YAML::BeginMap;
  for (const auto& [type, row] : app.formation) {
    out << YAML::Key << type << YAML::Value << YAML::Flow << YAML::BeginMap;
    out << YAML::Key << "quantity" << YAML::Value << row.quantity;
    out << YAML::Key << "size" << YAML::Value << row.size;
    out << YAML::EndMap;
  }
  out << YAML::EndMap;
  out << YAML::Key << "addons" << YAML::Value << YAML::BeginSeq;
  for (const auto& a : app.addons) {
    out << YAML::BeginMap;
    out << YAML::Key << "name" << YAML::Value << a.name;
    out << YAML::Key << "id" << YAML::Value << a.id;
    out << YAML::Key << "service" << YAML::Value << a.service;
    out << YAML::Key << "plan" << YAML::Value << a.plan;
    out << YAML::Key << "attachment" << YAML::Value << a.attachment;
    out << YAML::Key << "port" << YAML::Value << a.port;
    out << YAML::Key << "database" << YAML::Value << a.database;
    out << YAML::Key << "user" << YAML::Value << a.user;
    out << YAML::Key << "password" << YAML::Value << a.password;
    out << YAML::Key << "admin_password" << YAML::Value << a.admin_password;
    if (!a.readonly_user.empty()) {
      out << YAML::Key << "readonly_user" << YAML::Value << a.readonly_user;
      out << YAML::Key << "readonly_password" << YAML::Value << a.readonly_password;
    }
    if (!a.follows.empty()) {
      out << YAML::Key << "follows" << YAML::Value << a.follows;
    }
    out << YAML::Key << "created_at" << YAML::Value << a.created_at;
    out << YAML::EndMap;
  }
  out << YAML::EndSeq;
  if (!app.attachments.empty()) {
    out << YAML::Key << "attachments" << YAML::Value << YAML::BeginSeq;
    for (const auto& a : app.attachments) {
      out << YAML::Flow << YAML::BeginMap;
      out << YAML::Key << "id" << YAML::Value << a.id;
      out << YAML::Key << "name" << YAML::Value << a.name;
      out << YAML::Key << "addon" << YAML::Value << a.addon;
      out << YAML::Key << "owner" << YAML::Value << a.owner;
      out << YAML::Key << "created_at" << YAML::Value << a.created_at;
      out << YAML::EndMap;
    }
    out << YAML::EndSeq;
  }
  if (!app.review_of.empty()) {
    out << YAML::Key << "review_of" << YAML::Value << app.review_of;
    out << YAML::Key << "review_branch" << YAML::Value << app.review_branch;
    out << YAML::Key << "pr_predestroy" << YAML::Value << app.pr_predestroy;
    out << YAML::Key << "review_stale_days" << YAML::Value << app.review_stale_days;
  }
  out << YAML::Key << "scheduler" << YAML::Value << YAML::BeginSeq;
  for (const auto& j : app.scheduler) {
    out << YAML::BeginMap;
    out << YAML::Key << "id" << YAML::Value << j.id;
    out << YAML::Key << "frequency" << YAML::Value << j.frequency;
    out << YAML::Key << "command" << YAML::Value << j.command;
    out << YAML::Key << "created_at" << YAML::Value << j.created_at;
    out << YAML::EndMap;
  }
  out << YAML::EndSeq;
  if (!app.sni_endpoints.empty()) {
    out << YAML::Key << "sni_endpoints" << YAML::Value << YAML::BeginSeq;
    for (const auto& e : app.sni_endpoints) {
      out << YAML::BeginMap;
      out << YAML::Key << "id" << YAML::Value << e.id;
      out << YAML::Key << "name" << YAML::Value << e.name;
      out << YAML::Key << "domains" << YAML::Value << YAML::Flow << YAML::BeginSeq;
      for (const auto& d : e.domains) {
        out << d;
      }
      out << YAML::EndSeq;
      out << YAML::Key << "created_at" << YAML::Value << e.created_at;
      out << YAML::Key << "updated_at" << YAML::Value << e.updated_at;
      out << YAML::EndMap;
    }
    out << YAML::EndSeq;
  }
  if (!app.drains.empty()) {
    out << YAML::Key << "drains" << YAML::Value << YAML::BeginSeq;
    for (const auto& d : app.drains) {
      out << YAML::Flow << YAML::BeginMap;
      out << YAML::Key << "id" << YAML::Value << d.id;
      out << YAML::Key << "url" << YAML::Value << d.url;
      out << YAML::Key << "token" << YAML::Value << d.token;
      out << YAML::Key << "created_at" << YAML::Value << d.created_at;
      out << YAML::EndMap;
    }
    out << YAML::EndSeq;
  }
  if (!app.autoscale.id.empty()) {
    const auto& x = app.autoscale;
    out << YAML::Key << "autoscale" << YAML::Value << YAML::Flow << YAML::BeginMap;
    out << YAML::Key << "id" << YAML::Value << x.id;
    out << YAML::Key << "active" << YAML::Value << x.active;
    out << YAML::Key << "min" << YAML::Value << x.min;
    out << YAML::Key << "max" << YAML::Value << x.max;
    out << YAML::Key << "p95_ms" << YAML::Value << x.p95_ms;
    out << YAML::Key << "notify" << YAML::Value << x.notify;
    out << YAML::Key << "created_at" << YAML::Value << x.created_at;
    out << YAML::Key << "updated_at" << YAML::Value << x.updated_at;
    out << YAML::EndMap;
  }
  if (!app.alerts.empty()) {
    out << YAML::Key << "alerts" << YAML::Value << YAML::BeginSeq;
    for (const auto& a : app.alerts) {
      out << YAML::Flow << YAML::BeginMap;
      out << YAML::Key << "id" << YAML::Value << a.id;
      out << YAML::Key << "kind" << YAML::Value << a.kind;
      out << YAML::Key << "threshold" << YAML::Value << a.threshold;
      out << YAML::Key << "sensitivity" << YAML::Value << a.sensitivity;
      out << YAML::Key << "state" << YAML::Value << a.state;
      out << YAML::Key << "value" << YAML::Value << a.value;
      out << YAML::Key << "created_at" << YAML::Value << a.created_at;
      out << YAML::Key << "updated_at" << YAML::Value << a.updated_at;
      out << YAML::EndMap;
    }
    out << YAML::EndSeq;
  }
  if (!app.webhooks.empty()) {
    out << YAML::Key << "webhooks" << YAML::Value << YAML::BeginSeq;
    for (const auto& w : app.webhooks) {
      out << YAML::BeginMap;
      out << YAML::Key << "id" << YAML::Value << w.id;
      out << YAML::Key << "url" << YAML::Value << w.url;
      out << YAML::Key << "include" << YAML::Value << YAML::Flow << w.include;
      out << YAML::Key << "level" << YAML::Value << w.level;
      out << YAML::Key << "secret" << YAML::Value << w.secret;
      out << YAML::Key << "authorization" << YAML::Value << w.authorization;
      out << YAML::Key << "created_at" << YAML::Value << w.created_at;
      out << YAML::Key << "updated_at" << YAML::Value << w.updated_at;
      out << YAML::EndMap;
    }
    out << YAML::EndSeq;
  }
  out << YAML::Key << "releases" << YAML::Value << YAML::BeginSeq;
  for (const auto& r : app.releases) {
    out << YAML::BeginMap;
    out << YAML::Key << "version" << YAML::Value << r.version;
    out << YAML::Key << "id" << YAML::Value << r.id;
    out << YAML::Key << "description" << YAML::Value << r.description;
    out << YAML::Key << "status" << YAML::Value << r.status;
    out << YAML::Key << "created_at" << YAML::Value << r.created_at;
    out << YAML::Key << "user" << YAML::Value << r.user;
    out << YAML::Key << "slug" << YAML::Value << r.slug_id;
    out << YAML::Key << "commit" << YAML::Value << r.commit;
    if (!r.release_dyno.empty()) {
      out << YAML::Key << "release_dyno" << YAML::Value << r.release_dyno;
    }
    if (r.runner_pid != 0) {
      out << YAML::Key << "runner_pid" << YAML::Value << r.runner_pid;
    }
    out << YAML::Key << "process_types" << YAML::Value;
    emit_map(out, r.process_types);
    out << YAML::Key << "config_vars" << YAML::Value;
    emit_map(out, r.config);
    out << YAML::EndMap;
  }
  out << YAML::EndSeq;
  out << YAML::EndMap;
  return std::string(out.c_str()) + "\n";
}

App app_from_yaml(const std::string& text, const std::string& file) {
  try {
    YAML::Node n = YAML::Load(text);
    if (!n.IsMap()) {
      throw release::InputError(file + ": not an app record (expected a YAML mapping)");
    }
    App app;
    app.name = get<std::string>(n, "name", "");
    if (app.name.empty()) {
      throw release::InputError(file + ": name: the record has none");  // (found by tests/fuzz)
    }
    app.id = get<std::string>(n, "id", "");
    app.stack = get<std::string>(n, "stack", "heroku-24");
    app.build_stack = get<std::string>(n, "build_stack", "");
    app.created_at = get<std::string>(n, "created_at", "");
    app.maintenance = get<bool>(n, "maintenance", false);
    app.acm = get<bool>(n, "acm", false);
    for (auto [key, list] :
         {std::pair{"buildpacks", &app.buildpacks}, std::pair{"features", &app.features},
          std::pair{"domains", &app.domains}}) {
      if (auto b = n[key]; b && b.IsSequence()) {
        for (const auto& e : b) {
          list->push_back(e.as<std::string>());
        }
      }
    }
    app.config = read_map(n["config_vars"]);
    if (auto f = n["formation"]; f && f.IsMap()) {
      for (const auto& kv : f) {
        FormationRow row;
        row.quantity = get<int>(kv.second, "quantity", 0);
        row.size = get<std::string>(kv.second, "size", "standard-1x");
        app.formation[kv.first.as<std::string>()] = row;
      }
    }
    if (auto as = n["addons"]; as && as.IsSequence()) {
      for (const auto& e : as) {
        Addon a;
        a.name = get<std::string>(e, "name", "");
        a.id = get<std::string>(e, "id", "");
        a.service = get<std::string>(e, "service", "");
        a.plan = get<std::string>(e, "plan", "");
        a.attachment = get<std::string>(e, "attachment", "");
        a.port = get<unsigned>(e, "port", 0);
        a.database = get<std::string>(e, "database", "");
        a.user = get<std::string>(e, "user", "");
        a.password = get<std::string>(e, "password", "");
        a.admin_password = get<std::string>(e, "admin_password", "");
        a.readonly_user = get<std::string>(e, "readonly_user", "");
        a.readonly_password = get<std::string>(e, "readonly_password", "");
        a.follows = get<std::string>(e, "follows", "");
        a.created_at = get<std::string>(e, "created_at", "");
        app.addons.push_back(std::move(a));
      }
    }
    if (auto as = n["attachments"]; as && as.IsSequence()) {
      for (const auto& e : as) {
        app.attachments.push_back({get<std::string>(e, "id", ""), get<std::string>(e, "name", ""),
                                   get<std::string>(e, "addon", ""),
                                   get<std::string>(e, "owner", ""),
                                   get<std::string>(e, "created_at", "")});
      }
    }
    app.review_of = get<std::string>(n, "review_of", "");
    app.review_branch = get<std::string>(n, "review_branch", "");
    app.pr_predestroy = get<std::string>(n, "pr_predestroy", "");
    app.review_stale_days = get<int>(n, "review_stale_days", 0);
    if (auto js = n["scheduler"]; js && js.IsSequence()) {
      for (const auto& e : js) {
        SchedulerJob j;
        j.id = get<int>(e, "id", 0);
        j.frequency = get<std::string>(e, "frequency", "");
        j.command = get<std::string>(e, "command", "");
        j.created_at = get<std::string>(e, "created_at", "");
        app.scheduler.push_back(std::move(j));
      }
    }
    if (auto es = n["sni_endpoints"]; es && es.IsSequence()) {
      for (const auto& e : es) {
        SniEndpoint x;
        x.id = get<std::string>(e, "id", "");
        x.name = get<std::string>(e, "name", "");
        if (auto ds = e["domains"]; ds && ds.IsSequence()) {
          for (const auto& d : ds) {
            x.domains.push_back(d.as<std::string>());
          }
        }
        x.created_at = get<std::string>(e, "created_at", "");
        x.updated_at = get<std::string>(e, "updated_at", "");
        app.sni_endpoints.push_back(std::move(x));
      }
    }
    if (auto ds = n["drains"]; ds && ds.IsSequence()) {
      for (const auto& e : ds) {
        app.drains.push_back({get<std::string>(e, "id", ""), get<std::string>(e, "url", ""),
                              get<std::string>(e, "token", ""),
                              get<std::string>(e, "created_at", "")});
      }
    }
    if (auto x = n["autoscale"]; x && x.IsMap()) {
      auto& a = app.autoscale;
      a.id = get<std::string>(x, "id", "");
      a.active = get<bool>(x, "active", false);
      a.min = get<int>(x, "min", 1);
      a.max = get<int>(x, "max", 1);
      a.p95_ms = get<int>(x, "p95_ms", 1000);
      a.notify = get<bool>(x, "notify", false);
      a.created_at = get<std::string>(x, "created_at", "");
      a.updated_at = get<std::string>(x, "updated_at", "");
    }
    if (auto as = n["alerts"]; as && as.IsSequence()) {
      for (const auto& e : as) {
        Alert a;
        a.id = get<std::string>(e, "id", "");
        a.kind = get<std::string>(e, "kind", "latency");
        a.threshold = get<double>(e, "threshold", 0);
        a.sensitivity = get<int>(e, "sensitivity", 1);
        a.state = get<std::string>(e, "state", "ok");
        a.value = get<double>(e, "value", 0);
        a.created_at = get<std::string>(e, "created_at", "");
        a.updated_at = get<std::string>(e, "updated_at", "");
        app.alerts.push_back(std::move(a));
      }
    }
    if (auto ws = n["webhooks"]; ws && ws.IsSequence()) {
      for (const auto& e : ws) {
        Webhook w;
        w.id = get<std::string>(e, "id", "");
        w.url = get<std::string>(e, "url", "");
        if (auto inc = e["include"]; inc && inc.IsSequence()) {
          for (const auto& i : inc) {
            w.include.push_back(i.as<std::string>());
          }
        }
        w.level = get<std::string>(e, "level", "notify");
        w.secret = get<std::string>(e, "secret", "");
        w.authorization = get<std::string>(e, "authorization", "");
        w.created_at = get<std::string>(e, "created_at", "");
        w.updated_at = get<std::string>(e, "updated_at", "");
        app.webhooks.push_back(std::move(w));
      }
    }
    if (auto rs = n["releases"]; rs && rs.IsSequence()) {
      for (const auto& e : rs) {
        Release r;
        r.version = get<int>(e, "version", 0);
        r.id = get<std::string>(e, "id", "");
        r.description = get<std::string>(e, "description", "");
        r.status = get<std::string>(e, "status", "succeeded");
        r.created_at = get<std::string>(e, "created_at", "");
        r.user = get<std::string>(e, "user", "");
        r.slug_id = get<std::string>(e, "slug", "");
        r.commit = get<std::string>(e, "commit", "");
        r.runner_pid = get<int>(e, "runner_pid", 0);
        r.release_dyno = get<std::string>(e, "release_dyno", "");
        r.process_types = read_map(e["process_types"]);
        r.config = read_map(e["config_vars"]);
        app.releases.push_back(std::move(r));
      }
    }
    return app;
  } catch (const YAML::Exception& e) {
    throw release::InputError(
        fmt::format("{}:{}: {}", file, e.mark.is_null() ? 0 : e.mark.line + 1, e.msg));
  }
}

std::string to_yaml(const Slug& s) {
  Emitter out;
  out << YAML::BeginMap;
  out << YAML::Key << "id" << YAML::Value << s.id;
  out << YAML::Key << "checksum" << YAML::Value << s.checksum;
  out << YAML::Key << "size" << YAML::Value << s.size;
  out << YAML::Key << "commit" << YAML::Value << s.commit;
  out << YAML::Key << "commit_description" << YAML::Value << s.commit_description;
  out << YAML::Key << "buildpack_provided_description" << YAML::Value
      << s.buildpack_provided_description;
  out << YAML::Key << "stack" << YAML::Value << s.stack;
  out << YAML::Key << "created_at" << YAML::Value << s.created_at;
  out << YAML::Key << "process_types" << YAML::Value;
  emit_map(out, s.process_types);
  out << YAML::EndMap;
  return std::string(out.c_str()) + "\n";
}

Slug slug_from_yaml(const std::string& text, const std::string& file) {
  try {
    YAML::Node n = YAML::Load(text);
    Slug s;
    s.id = get<std::string>(n, "id", "");
    s.checksum = get<std::string>(n, "checksum", "");
    s.size = get<std::uint64_t>(n, "size", 0);
    s.commit = get<std::string>(n, "commit", "");
    s.commit_description = get<std::string>(n, "commit_description", "");
    s.buildpack_provided_description = get<std::string>(n, "buildpack_provided_description", "");
    s.stack = get<std::string>(n, "stack", "");
    s.created_at = get<std::string>(n, "created_at", "");
    s.process_types = read_map(n["process_types"]);
    return s;
  } catch (const YAML::Exception& e) {
    throw release::InputError(fmt::format("{}: {}", file, e.msg));
  }
}

std::string local_user() {
  std::string login;
  if (const passwd* pw = ::getpwuid(::getuid())) {
    login = pw->pw_name;
  }
  if (login.empty()) {
    login = "user";
  }
  return login + "@lokku.local";
}

Release& add_release(App& app, std::string description, std::string slug_id,
                     ProcessTypes process_types, std::string commit) {
  Release r;
  r.version = app.next_version();
  r.id = common::random_uuid();
  r.description = std::move(description);
  r.slug_id = std::move(slug_id);
  r.process_types = std::move(process_types);
  r.config = app.config;
  r.created_at = common::iso8601_now();
  r.user = local_user();
  r.commit = std::move(commit);
  app.releases.push_back(std::move(r));
  return app.releases.back();
}

Store::Store(fs::path home) : home_(std::move(home)) {}

fs::path Store::default_home() {
  if (const char* h = std::getenv("LOKKU_HOME"); h && *h) {
    return fs::absolute(h);
  }
  const char* home = std::getenv("HOME");
  if (!home || !*home) {
    if (const passwd* pw = ::getpwuid(::getuid())) {
      home = pw->pw_dir;
    }
  }
  if (!home || !*home) {
    throw release::InputError("cannot find the lokku home: set LOKKU_HOME or HOME");
  }
  return fs::path(home) / ".lokku";
}

fs::path Store::slug_file(const std::string& app, const std::string& slug_id) const {
  return app_dir(app) / "slugs" / (slug_id + ".tgz");
}

bool Store::exists(const std::string& app) const {
  return fs::exists(app_file(app));
}

std::vector<std::string> Store::apps() const {
  std::vector<std::string> out;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(home_ / "apps", ec)) {
    if (fs::exists(e.path() / "app.yaml")) {
      out.push_back(e.path().filename().string());
    }
  }
  std::sort(out.begin(), out.end());
  return out;
}

void Store::settle_pending(App& app) {
  for (auto& r : app.releases) {
    if (r.status == "pending" && !common::procfs::alive(r.runner_pid)) {
      r.status = "failed";
      r.runner_pid = 0;
    }
  }
}

std::optional<App> Store::try_load(const std::string& app) const {
  auto text = read_file(app_file(app));
  if (!text) {
    return std::nullopt;
  }
  App a = app_from_yaml(*text, app_file(app).string());
  a.name = app;  // the directory names the app (a rename moves it before rewriting the record)
  settle_pending(a);
  return a;
}

App Store::load(const std::string& app) const {
  auto a = try_load(app);
  if (!a) {
    throw release::InputError(
        fmt::format("Couldn't find that app: {} (create it with `lokku apps:create {}` or "
                    "`lokku deploy`)",
                    app, app));
  }
  return std::move(*a);
}

App Store::fresh(const std::string& name) const {
  App a;
  a.name = name;
  a.id = common::random_uuid();
  a.created_at = common::iso8601_now();
  add_release(a, "Initial release", "", {}, "");
  add_release(a, "Enable Logplex", "", {}, "");
  return a;
}

void Store::write(const App& app) {
  // Config vars and add-on credentials are secrets: the owner's only.
  const auto text = to_yaml(app);
  write_file_atomic(app_file(app.name), text, 0600);
  if (!app.webhooks.empty()) {
    journal(app.name, text);
  }
}

void Store::journal(const std::string& app, const std::string& text) {
  // Under the app's lock (every caller of write holds it). Not fsynced: the record itself is.
  const auto path = changes_file(app);
  const int fd = ::open(path.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0) {
    throw std::system_error(errno, std::generic_category(), "open " + path.string());
  }
  struct stat st {};
  if (::fstat(fd, &st) == 0 && static_cast<std::uint64_t>(st.st_size) > kChangesLimit) {
    // Nobody takes them (no platform runs): the oldest go; the next one taken is compared
    // with the last one seen, so only the states between are lost.
    if (::ftruncate(fd, 0) != 0) {
      ::close(fd);
      throw std::system_error(errno, std::generic_category(), "truncate " + path.string());
    }
  }
  const std::string entry = std::to_string(text.size()) + "\n" + text;
  std::size_t done = 0;
  while (done < entry.size()) {
    const auto n = ::write(fd, entry.data() + done, entry.size() - done);
    if (n < 0 && errno == EINTR) {
      continue;
    }
    if (n <= 0) {
      const int err = errno;
      ::close(fd);
      throw std::system_error(err, std::generic_category(), "write " + path.string());
    }
    done += static_cast<std::size_t>(n);
  }
  ::close(fd);
}

std::vector<App> Store::take_changes(const std::string& app) {
  std::vector<App> out;
  const auto path = changes_file(app);
  std::error_code ec;
  if (fs::file_size(path, ec) == 0 || ec) {
    return out;
  }
  std::string text;
  {
    FileLock lock(app_dir(app) / ".lock");
    text = read_file(path).value_or("");
    fs::resize_file(path, 0, ec);
  }
  std::size_t at = 0;
  while (at < text.size()) {
    const auto nl = text.find('\n', at);
    if (nl == std::string::npos) {
      break;
    }
    std::size_t size = 0;
    const auto* first = text.data() + at;
    auto [end, err] = std::from_chars(first, text.data() + nl, size);
    if (err != std::errc() || end != text.data() + nl || size > text.size() - nl - 1) {
      break;  // not ours: nothing more can be read from it
    }
    try {
      App a = app_from_yaml(text.substr(nl + 1, size), path.string());
      a.name = app;
      out.push_back(std::move(a));
    } catch (const std::exception&) {
      // a record that does not read is skipped; the next one is compared with the one before
    }
    at = nl + 1 + size;
  }
  return out;
}

App Store::create(const std::string& app) {
  refuse_reserved_app_name(app);
  fs::create_directories(app_dir(app));
  FileLock lock(app_dir(app) / ".lock");
  if (exists(app)) {
    throw release::InputError(fmt::format("Name {} is already taken", app));
  }
  App a = fresh(app);
  write(a);
  return a;
}

App Store::update(const std::string& app, const std::function<void(App&)>& change) {
  if (!exists(app)) {
    load(app);  // throws the "Couldn't find that app" error
  }
  FileLock lock(app_dir(app) / ".lock");
  App a = load(app);
  change(a);
  write(a);
  return a;
}

App Store::update_or_create(const std::string& app, const std::function<void(App&)>& change) {
  if (!exists(app)) {
    refuse_reserved_app_name(app);
  }
  fs::create_directories(app_dir(app));
  FileLock lock(app_dir(app) / ".lock");
  auto loaded = try_load(app);
  App a = loaded ? std::move(*loaded) : fresh(app);
  change(a);
  write(a);
  return a;
}

void Store::destroy(const std::string& app) {
  load(app);
  {
    FileLock lock(app_dir(app) / ".lock");
    fs::remove(app_file(app));
  }
  fs::remove_all(app_dir(app));
}

void Store::rename(const std::string& from, const std::string& to) {
  validate_app_name(to);
  refuse_reserved_app_name(to);
  load(from);  // throws the "Couldn't find that app" error
  // Both apps' locks, in one order (no two renames wait for each other): the new name's
  // directory holds nothing but its lock until the exchange.
  fs::create_directories(app_dir(to));
  const bool from_first = from < to;
  FileLock first(app_dir(from_first ? from : to) / ".lock");
  FileLock second(app_dir(from_first ? to : from) / ".lock");
  if (exists(to)) {
    throw release::InputError(fmt::format("Name {} is already taken", to));
  }
  // One atomic step: the old directory, whole, under the new name (and the new name's empty
  // directory under the old, removed below). The record's name follows at its next write.
  if (::renameat2(AT_FDCWD, app_dir(from).c_str(), AT_FDCWD, app_dir(to).c_str(),
                  RENAME_EXCHANGE) != 0) {
    throw std::system_error(
        errno, std::generic_category(),
        fmt::format("rename {} to {}", app_dir(from).string(), app_dir(to).string()));
  }
  App a = load(to);
  write(a);
  std::error_code ec;
  fs::remove_all(app_dir(from), ec);
}

void Store::save_slug(const std::string& app, const Slug& slug) {
  fs::create_directories(app_dir(app) / "slugs");
  write_file_atomic(app_dir(app) / "slugs" / (slug.id + ".yaml"), to_yaml(slug));
}

Slug Store::load_slug(const std::string& app, const std::string& slug_id) const {
  auto path = app_dir(app) / "slugs" / (slug_id + ".yaml");
  auto text = read_file(path);
  if (!text) {
    throw release::InputError(fmt::format("{}: slug {} is missing", path.string(), slug_id));
  }
  return slug_from_yaml(*text, path.string());
}

}  // namespace lokku::store
