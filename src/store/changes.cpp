#include "store/changes.hpp"

#include "common/ids.hpp"
#include "release/dyno_size.hpp"
#include "release/error.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>

namespace lokku::store {

std::string check_config_key(std::string_view key) {
  bool ok = !key.empty() && !(key[0] >= '0' && key[0] <= '9');
  for (char c : key) {
    ok = ok &&
         ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_');
  }
  if (!ok) {
    throw release::InputError(fmt::format(
        "'{}' is not a valid config var name: use letters, digits and _, not starting with a "
        "digit (CFG-1)",
        key));
  }
  if (key.rfind("__", 0) == 0) {
    return fmt::format("{}: names starting with __ are reserved by Heroku", key);
  }
  if (key.rfind("HEROKU_", 0) == 0) {
    return fmt::format("{}: the HEROKU_ prefix is reserved for the platform", key);
  }
  return {};
}

std::size_t config_size(const release::ConfigVars& config) {
  std::size_t n = 0;
  for (const auto& [k, v] : config) {
    n += k.size() + v.size();
  }
  return n;
}

release::ConfigVars parse_config_assignments(const std::vector<std::string>& args) {
  release::ConfigVars vars;
  for (const auto& a : args) {
    auto eq = a.find('=');
    if (eq == std::string::npos || eq == 0) {
      throw release::InputError(
          fmt::format("'{}' is not KEY=VALUE (config:set takes KEY=VALUE pairs)", a));
    }
    vars[a.substr(0, eq)] = a.substr(eq + 1);
  }
  if (vars.empty()) {
    throw release::InputError("config:set needs at least one KEY=VALUE");
  }
  return vars;
}

void set_config(App& app, const release::ConfigVars& vars) {
  auto next = app.config;
  for (const auto& [k, v] : vars) {
    next[k] = v;
  }
  auto size = config_size(next);
  if (size > kConfigLimit) {
    throw release::InputError(fmt::format(
        "config vars would take {} bytes; an app's config vars (keys and values) are limited "
        "to {} bytes (CFG-2)",
        size, kConfigLimit));
  }
  app.config = std::move(next);
}

std::string config_description(const char* verb, const std::vector<std::string>& keys) {
  auto sorted = keys;
  std::sort(sorted.begin(), sorted.end());
  return fmt::format("{} {} config vars", verb, fmt::join(sorted, ", "));
}

namespace {

int parse_int(std::string_view s, std::string_view arg) {
  int v = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || p != s.data() + s.size() || v < 0) {
    throw release::InputError(fmt::format("{}: '{}' is not a dyno count", arg, s));
  }
  return v;
}

}  // namespace

std::vector<ScaleChange> parse_scale_args(const std::vector<std::string>& args) {
  std::vector<ScaleChange> out;
  if (args.empty()) {
    throw release::InputError("ps:scale needs TYPE=N arguments, e.g. web=2 worker=1:standard-2x");
  }
  for (const auto& a : args) {
    ScaleChange c;
    std::string_view rest = a;
    auto op = rest.find_first_of("=+-:");
    // process type names may contain '-': prefer '=' or '+' when present
    auto eq = rest.find_first_of("=+");
    if (eq != std::string_view::npos) {
      op = eq;
    } else if (auto colon = rest.find(':'); colon != std::string_view::npos) {
      op = colon;
    } else if (auto minus = rest.rfind('-'); minus != std::string_view::npos) {
      op = minus;
    }
    if (op == std::string_view::npos || op == 0) {
      throw release::InputError(
          fmt::format("'{}': expected TYPE=N, TYPE+N, TYPE-N or TYPE=N:SIZE", a));
    }
    c.type = std::string(rest.substr(0, op));
    c.op = rest[op] == ':' ? '\0' : rest[op];
    rest.remove_prefix(rest[op] == ':' ? op : op + 1);
    std::string_view count = rest;
    std::string_view size;
    if (auto colon = rest.find(':'); colon != std::string_view::npos) {
      count = rest.substr(0, colon);
      size = rest.substr(colon + 1);
    }
    if (c.op != '\0') {
      c.amount = parse_int(count, a);
    } else if (!count.empty()) {
      throw release::InputError(fmt::format("'{}': expected TYPE=N", a));
    }
    if (!size.empty()) {
      auto s = release::find_dyno_size(size);
      if (!s) {
        throw release::InputError(fmt::format("'{}': no such dyno size '{}' (sizes: {})", a, size,
                                              release::dyno_size_names()));
      }
      c.size = s->name;
    } else if (c.op == '\0') {
      throw release::InputError(fmt::format("'{}': expected a size after ':'", a));
    }
    out.push_back(std::move(c));
  }
  return out;
}

void apply_scale(App& app, const std::vector<ScaleChange>& changes) {
  const Release* cur = app.current();
  if (!cur) {
    throw release::InputError(
        fmt::format("{} has no release with a slug yet; deploy it first (lokku deploy)", app.name));
  }
  for (const auto& c : changes) {
    if (c.type == "release" || cur->process_types.count(c.type) == 0) {
      throw release::InputError(
          fmt::format("No such process type {} defined in Procfile.", c.type));
    }
    auto& row = app.formation[c.type];
    switch (c.op) {
      case '=':
        row.quantity = c.amount;
        break;
      case '+':
        row.quantity += c.amount;
        break;
      case '-':
        row.quantity = std::max(0, row.quantity - c.amount);
        break;
      default:
        break;
    }
    if (c.size) {
      row.size = *c.size;
    }
  }
}

std::string describe_scale(const App& app, const std::vector<ScaleChange>& changes) {
  std::vector<std::string> parts;
  std::vector<std::string> seen;
  for (const auto& c : changes) {
    if (std::find(seen.begin(), seen.end(), c.type) != seen.end()) {
      continue;
    }
    seen.push_back(c.type);
    const auto& row = app.formation.at(c.type);
    auto size = release::find_dyno_size(row.size);
    parts.push_back(
        fmt::format("{} at {}:{}", c.type, row.quantity, size ? size->display : row.size));
  }
  return fmt::format("{}", fmt::join(parts, ", "));
}

std::optional<int> parse_version(std::string_view text) {
  if (!text.empty() && (text[0] == 'v' || text[0] == 'V')) {
    text.remove_prefix(1);
  }
  int v = 0;
  auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc() || p != text.data() + text.size() || v <= 0) {
    return std::nullopt;
  }
  return v;
}

const Release& rollback_target(const App& app, std::optional<int> version) {
  const Release* cur = app.current();
  if (!version) {
    if (!cur) {
      throw release::InputError(fmt::format("{} has no deployed release to roll back", app.name));
    }
    for (auto it = app.releases.rbegin(); it != app.releases.rend(); ++it) {
      if (it->version < cur->version && it->status == "succeeded") {
        version = it->version;
        break;
      }
    }
    if (!version) {
      throw release::InputError(
          fmt::format("{} has no release before v{}", app.name, cur->version));
    }
  }
  const Release* target = app.find(*version);
  if (!target) {
    throw release::InputError(fmt::format("No such release: v{}", *version));
  }
  if (target->slug_id.empty()) {
    throw release::InputError(fmt::format(
        "v{} has no slug to roll back to (REL-7: a rollback needs a deployed release)", *version));
  }
  return *target;
}

void add_new_types(App& app, const ProcessTypes& types) {
  for (const auto& [type, cmd] : types) {
    if (type == "release" || app.formation.count(type) != 0) {
      continue;
    }
    FormationRow row;
    row.quantity = type == "web" ? 1 : 0;
    app.formation[type] = row;
  }
}

const std::vector<std::string>& known_stacks() {
  static const std::vector<std::string> stacks = {"heroku-22", "heroku-24"};
  return stacks;
}

bool known_stack(const std::string& name) {
  const auto& s = known_stacks();
  return std::find(s.begin(), s.end(), name) != s.end();
}

void set_build_stack(App& app, const std::string& stack) {
  if (!known_stack(stack)) {
    throw release::InputError(
        fmt::format("Couldn't find that stack: {} (stacks: heroku-22, "
                    "heroku-24)",
                    stack));
  }
  if (app.current() == nullptr) {
    app.stack = stack;
    app.build_stack.clear();
  } else {
    app.build_stack = stack == app.stack ? "" : stack;
  }
}

std::string build_stack(const App& app) {
  return app.build_stack.empty() ? app.stack : app.build_stack;
}

const std::vector<AppFeature>& app_features() {
  static const std::vector<AppFeature> features = {
      {"http-session-affinity", "general",
       "Route a client's requests to the same web dyno (heroku-session-affinity cookie).",
       "https://devcenter.heroku.com/articles/session-affinity"},
      {"log-runtime-metrics", "beta",
       "Log each dyno's load and memory (sample#memory_total, sample#load_avg_1m) every 20 "
       "seconds, from the next start of its dynos.",
       "https://devcenter.heroku.com/articles/log-runtime-metrics"},
      {"http-disable-http2", "beta",
       "Serve HTTP/1.1 only on the TLS port (Router 2.0 speaks HTTP/2 to clients of custom "
       "domains with a valid certificate unless this is on).",
       "https://devcenter.heroku.com/articles/http-routing#http-2"}};
  return features;
}

const AppFeature* find_app_feature(std::string_view name) {
  for (const auto& f : app_features()) {
    if (f.name == name) {
      return &f;
    }
  }
  return nullptr;
}

void set_feature(App& app, const std::string& name, bool enabled) {
  std::erase(app.features, name);
  if (enabled) {
    app.features.push_back(name);
  }
}

std::string normalize_hostname(std::string_view host) {
  std::string h(host);
  std::transform(h.begin(), h.end(), h.begin(),
                 [](unsigned char ch) { return static_cast<char>(std::tolower(ch)); });
  if (!h.empty() && h.back() == '.') {
    h.pop_back();
  }
  return h;
}

std::string hostname_problem(const std::string& host) {
  if (host.empty()) {
    return "empty";
  }
  if (host.size() > 253) {
    return "longer than 253 characters";
  }
  std::size_t label = 0;
  for (std::size_t i = 0; i < host.size(); ++i) {
    char ch = host[i];
    bool ok = (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') || ch == '-' ||
              (ch == '*' && i == 0 && host.size() > 2 && host[1] == '.');
    if (ch == '.') {
      if (label == 0) {
        return "an empty label (two dots, or a leading dot)";
      }
      label = 0;
      continue;
    }
    if (!ok) {
      return fmt::format("'{}' is not allowed (letters, digits, '-', '.', and '*.' in front)", ch);
    }
    if (++label > 63) {
      return "a label longer than 63 characters";
    }
  }
  return {};
}

std::pair<App, std::string> add_custom_domain(Store& store, const std::string& app,
                                              const std::string& host) {
  std::string h = normalize_hostname(host);
  if (auto why = hostname_problem(h); !why.empty()) {
    throw release::InputError(fmt::format("hostname {}: {}", host, why));
  }
  for (const auto& other : store.apps()) {
    auto oa = store.try_load(other);
    if (oa && (std::find(oa->domains.begin(), oa->domains.end(), h) != oa->domains.end() ||
               h == oa->name + ".localhost")) {
      throw release::InputError(oa->name == app
                                    ? std::string("Domain already added to this app.")
                                    : fmt::format("{} is currently in use by another app.", h));
    }
  }
  auto a = store.update(app, [&](App& x) {
    if (std::find(x.domains.begin(), x.domains.end(), h) == x.domains.end()) {
      x.domains.push_back(h);
    }
  });
  return {std::move(a), h};
}

const LogDrain* find_log_drain(const App& app, const std::string& key) {
  auto it = std::find_if(app.drains.begin(), app.drains.end(), [&](const LogDrain& d) {
    return d.id == key || d.url == key || d.token == key;
  });
  return it == app.drains.end() ? nullptr : &*it;
}

LogDrain add_log_drain(Store& store, const std::string& app, const std::string& url) {
  LogDrain made;
  store.update(app, [&](App& a) {
    if (find_log_drain(a, url)) {
      throw DrainExists(fmt::format("A drain with the url {} already exists.", url));
    }
    if (a.drains.size() >= kMaxLogDrains) {
      throw release::InputError(
          fmt::format("The maximum number of drains ({}) has been reached.", kMaxLogDrains));
    }
    made = {common::random_uuid(), url, "d." + common::random_uuid(), common::iso8601_now()};
    a.drains.push_back(made);
  });
  return made;
}

LogDrain remove_log_drain(Store& store, const std::string& app, const std::string& key) {
  LogDrain gone;
  store.update(app, [&](App& a) {
    const auto* d = find_log_drain(a, key);
    if (!d) {
      throw release::InputError(
          fmt::format("Couldn't find that log drain: {} (see lokku drains -a {})", key, app));
    }
    gone = *d;
    std::erase_if(a.drains, [&](const LogDrain& x) { return x.id == gone.id; });
  });
  return gone;
}

Alert add_alert(Store& store, const std::string& app, const std::string& kind, double threshold,
                int sensitivity) {
  if (kind != "latency" && kind != "error-rate") {
    throw release::InputError(
        fmt::format("Unknown alert kind {}: latency (p95 response time) or error-rate", kind));
  }
  if (!(threshold > 0) || (kind == "error-rate" && threshold > 100)) {
    throw release::InputError(fmt::format(
        "The threshold of a{} alert must be {}", kind == "latency" ? " latency" : "n error-rate",
        kind == "latency" ? "a p95 in milliseconds above 0" : "a percentage above 0, at most 100"));
  }
  if (sensitivity != 1 && sensitivity != 5 && sensitivity != 10) {
    throw release::InputError(
        fmt::format("Sensitivity must be 1, 5 or 10 minutes, not {}", sensitivity));
  }
  Alert made;
  store.update(app, [&](App& a) {
    if (std::any_of(a.alerts.begin(), a.alerts.end(),
                    [&](const Alert& x) { return x.kind == kind; })) {
      throw release::InputError(fmt::format("{} already has a{} alert; remove it first", app,
                                            kind == "latency" ? " latency" : "n error-rate"));
    }
    made.id = common::random_uuid();
    made.kind = kind;
    made.threshold = threshold;
    made.sensitivity = sensitivity;
    made.created_at = made.updated_at = common::iso8601_now();
    a.alerts.push_back(made);
  });
  return made;
}

Alert remove_alert(Store& store, const std::string& app, const std::string& key) {
  Alert gone;
  store.update(app, [&](App& a) {
    auto it = std::find_if(a.alerts.begin(), a.alerts.end(),
                           [&](const Alert& x) { return x.id == key || x.kind == key; });
    if (it == a.alerts.end()) {
      throw release::InputError(
          fmt::format("Couldn't find that alert: {} (see lokku alerts -a {})", key, app));
    }
    gone = *it;
    a.alerts.erase(it);
  });
  return gone;
}

Autoscale set_autoscale(Store& store, const std::string& app, bool active, std::optional<int> min,
                        std::optional<int> max, std::optional<int> p95_ms,
                        std::optional<bool> notify) {
  Autoscale out;
  store.update(app, [&](App& a) {
    auto& x = a.autoscale;
    if (!active) {
      if (x.id.empty()) {
        throw release::InputError(fmt::format("{} does not have autoscale enabled", app));
      }
      x.active = false;
      x.updated_at = common::iso8601_now();
      out = x;
      return;
    }
    auto web = a.formation.find("web");
    if (web == a.formation.end()) {
      throw release::InputError(fmt::format("{} does not have any web dynos to scale", app));
    }
    const auto& size = web->second.size;
    if (size.find("performance") == std::string::npos &&
        size.find("private") == std::string::npos && size.find("shield") == std::string::npos) {
      throw release::InputError("Autoscaling is only available with Performance or Private dynos");
    }
    Autoscale next = x;
    next.min = min.value_or(x.id.empty() ? 1 : x.min);
    next.max = max.value_or(x.id.empty() ? next.min : x.max);
    next.p95_ms = p95_ms.value_or(x.id.empty() ? 1000 : x.p95_ms);
    next.notify = notify.value_or(x.notify);
    if (next.min < 1) {
      throw release::InputError("The minimum number of dynos must be at least 1");
    }
    if (next.max < next.min) {
      throw release::InputError(
          fmt::format("The maximum number of dynos ({}) must be at least the minimum ({})",
                      next.max, next.min));
    }
    if (next.p95_ms <= 0) {
      throw release::InputError("The desired p95 response time must be above 0 ms");
    }
    next.active = true;
    if (next.id.empty()) {
      next.id = common::random_uuid();
      next.created_at = common::iso8601_now();
    }
    next.updated_at = common::iso8601_now();
    x = next;
    out = next;
  });
  return out;
}

}  // namespace lokku::store
