#include "api/api.hpp"

#include "buildpack/builder.hpp"
#include "common/ids.hpp"
#include "common/log_sink.hpp"
#include "platform/deploy.hpp"
#include "release/dyno_size.hpp"
#include "release/error.hpp"
#include "slug/slug.hpp"
#include "store/app_name.hpp"
#include "store/changes.hpp"
#include "store/files.hpp"

#include <boost/json.hpp>
#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <unistd.h>

namespace lokku::api {

namespace json = boost::json;

namespace {

/// An error the handlers throw; becomes `{"id","message"}` with the status.
struct ApiError {
  int status;
  std::string id;
  std::string message;
};

[[noreturn]] void fail(int status, std::string id, std::string message) {
  throw ApiError{status, std::move(id), std::move(message)};
}

Response json_response(int status, const json::value& v) {
  return {status, json::serialize(v), {}};
}

std::vector<std::string> split_path(const std::string& path) {
  std::vector<std::string> out;
  std::size_t i = 0;
  while (i < path.size()) {
    auto j = path.find('/', i);
    if (j == std::string::npos) {
      j = path.size();
    }
    if (j > i) {
      out.push_back(path.substr(i, j - i));
    }
    i = j + 1;
  }
  return out;
}

std::string size_display(const std::string& size) {
  auto s = release::find_dyno_size(size);
  return s ? s->display : size;
}

json::object account_json() {
  auto email = store::local_user();
  return {{"id", "00000000-0000-4000-8000-000000000001"}, {"email", email},
          {"name", email.substr(0, email.find('@'))},     {"verified", true},
          {"two_factor_authentication", false},           {"created_at", "2026-01-01T00:00:00Z"},
          {"updated_at", "2026-01-01T00:00:00Z"}};
}

json::value parse_body(const Request& r) {
  if (r.body.empty()) {
    return json::object{};
  }
  boost::system::error_code ec;
  auto v = json::parse(r.body, ec);
  if (ec) {
    fail(400, "bad_request", "Invalid JSON in the request body: " + ec.message() + ".");
  }
  return v;
}

const json::object& body_object(const json::value& v) {
  if (!v.is_object()) {
    fail(422, "invalid_params", "The request body must be a JSON object.");
  }
  return v.as_object();
}

std::optional<std::string> string_field(const json::object& o, const char* key) {
  auto it = o.find(key);
  if (it == o.end() || it->value().is_null()) {
    return std::nullopt;
  }
  if (!it->value().is_string()) {
    fail(422, "invalid_params", fmt::format("{} must be a string.", key));
  }
  return std::string(it->value().as_string());
}

std::optional<bool> bool_field(const json::object& o, const char* key) {
  auto it = o.find(key);
  if (it == o.end() || it->value().is_null()) {
    return std::nullopt;
  }
  if (!it->value().is_bool()) {
    fail(422, "invalid_params", fmt::format("{} must be a boolean.", key));
  }
  return it->value().as_bool();
}

std::optional<std::int64_t> int_field(const json::object& o, const char* key) {
  auto it = o.find(key);
  if (it == o.end() || it->value().is_null()) {
    return std::nullopt;
  }
  if (!it->value().is_int64() && !it->value().is_uint64()) {
    fail(422, "invalid_params", fmt::format("{} must be an integer.", key));
  }
  return it->value().to_number<std::int64_t>();
}

}  // namespace

std::string Request::header(const std::string& name) const {
  auto it = headers.find(name);
  return it == headers.end() ? std::string() : it->second;
}

std::optional<Range> parse_range(const std::string& header) {
  // `<field> [<start>|]<start>]..[<end>][; max=N[, order=asc|desc]]`
  Range r;
  std::string h = header;
  auto semi = h.find(';');
  std::string head = h.substr(0, semi);
  std::string params = semi == std::string::npos ? "" : h.substr(semi + 1);
  auto sp = head.find(' ');
  if (sp == std::string::npos || head.find("..") == std::string::npos) {
    return std::nullopt;
  }
  r.field = head.substr(0, sp);
  std::string span = head.substr(sp + 1);
  std::string start = span.substr(0, span.find(".."));
  if (!start.empty() && start[0] == ']') {
    r.exclusive = true;
    start.erase(0, 1);
  }
  r.start = start;
  std::size_t i = 0;
  while (i < params.size()) {
    auto j = params.find_first_of(",;", i);
    if (j == std::string::npos) {
      j = params.size();
    }
    std::string kv = params.substr(i, j - i);
    i = j + 1;
    kv.erase(0, kv.find_first_not_of(' '));
    kv.erase(kv.find_last_not_of(' ') + 1);
    auto eq = kv.find('=');
    if (eq == std::string::npos) {
      continue;
    }
    auto k = kv.substr(0, eq), v = kv.substr(eq + 1);
    if (k == "max") {
      std::size_t n = 0;
      auto [p, ec] = std::from_chars(v.data(), v.data() + v.size(), n);
      if (ec != std::errc() || n == 0) {
        return std::nullopt;
      }
      r.max = std::min<std::size_t>(n, 1000);
    } else if (k == "order") {
      r.desc = v == "desc";
    }
  }
  return r;
}

namespace {

/// Sorts, filters and cuts `items` by the Range header (platform-api.md §3): 206 and
/// Next-Range while more remain, 200 and no Next-Range on the last page.
Response paginate(json::array items, const Request& req, const std::string& default_field) {
  Range range;
  range.field = default_field;
  if (auto h = req.header("range"); !h.empty()) {
    auto parsed = parse_range(h);
    if (!parsed) {
      fail(400, "bad_request", "Invalid Range header: " + h);
    }
    range = *parsed;
  }
  auto key = [&](const json::value& v) -> std::pair<std::int64_t, std::string> {
    const auto& o = v.as_object();
    auto it = o.find(range.field);
    if (it == o.end()) {
      return {0, ""};
    }
    if (it->value().is_int64()) {
      return {it->value().as_int64(), ""};
    }
    return {0, it->value().is_string() ? std::string(it->value().as_string()) : ""};
  };
  std::stable_sort(items.begin(), items.end(),
                   [&](const json::value& a, const json::value& b) { return key(a) < key(b); });
  if (range.desc) {
    std::reverse(items.begin(), items.end());
  }
  json::array page;
  std::size_t i = 0;
  if (!range.start.empty()) {
    std::pair<std::int64_t, std::string> start{0, range.start};
    if (range.field == "version") {
      std::from_chars(range.start.data(), range.start.data() + range.start.size(), start.first);
      start.second.clear();
    }
    while (i < items.size()) {
      auto k = key(items[i]);
      bool before = range.desc ? (range.exclusive ? k >= start : k > start)
                               : (range.exclusive ? k <= start : k < start);
      if (!before) {
        break;
      }
      ++i;
    }
  }
  for (; i < items.size() && page.size() < range.max; ++i) {
    page.push_back(items[i]);
  }
  Response res = json_response(200, page);
  if (i < items.size() && !page.empty()) {
    auto last = key(page.back());
    std::string value = range.field == "version" ? std::to_string(last.first) : last.second;
    res.status = 206;
    res.headers.emplace_back(
        "Next-Range", fmt::format("{} ]{}..; max={}, order={}", range.field, value, range.max,
                                  range.desc ? "desc" : "asc"));
  }
  return res;
}

}  // namespace

std::string load_or_create_token(const store::Store& store) {
  auto path = store.home() / "api-token";
  if (auto text = store::read_file(path)) {
    std::string t = *text;
    while (!t.empty() && (t.back() == '\n' || t.back() == ' ')) {
      t.pop_back();
    }
    if (!t.empty()) {
      return t;
    }
  }
  std::filesystem::create_directories(store.home());
  std::string token = common::random_hex(32);
  store::write_file_atomic(path, token + "\n", 0600);
  return token;
}

Api::Api(store::Store& store, PlatformControl& platform, std::string token, platform::Runtime rt,
         unsigned api_port)
    : store_(store)
    , platform_(platform)
    , token_(std::move(token))
    , rt_(std::move(rt))
    , api_port_(api_port) {}

Api::~Api() {
  std::vector<std::thread> builds;
  {
    std::lock_guard lock(mu_);
    builds.swap(builds_);
  }
  for (auto& t : builds) {
    t.join();
  }
}

std::string Api::new_stream(LogSession s) {
  std::string cap = common::random_hex(24);
  std::lock_guard lock(mu_);
  auto now = std::chrono::steady_clock::now();
  std::erase_if(streams_, [&](const auto& kv) { return kv.second.expires < now; });
  streams_[cap] = std::move(s);
  return cap;
}

std::optional<LogSession> Api::take_stream(const std::string& path) {
  const std::string prefix = "/streams/";
  if (path.rfind(prefix, 0) != 0) {
    return std::nullopt;
  }
  std::string cap = path.substr(prefix.size());
  std::lock_guard lock(mu_);
  auto it = streams_.find(cap);
  if (it == streams_.end() || it->second.expires < std::chrono::steady_clock::now()) {
    return std::nullopt;
  }
  LogSession s = it->second;
  streams_.erase(it);
  return s;
}

Response Api::handle(const Request& r) {
  try {
    // Auth first (issue: a Bearer token; no token, no answer).
    auto auth = r.header("authorization");
    const std::string bearer = "Bearer ";
    if (auth.rfind(bearer, 0) != 0 ||
        !common::constant_time_equal(auth.substr(bearer.size()), token_)) {
      fail(401, "unauthorized", "Invalid credentials provided.");
    }
    auto accept = r.header("accept");
    if (accept.find("application/vnd.heroku+json") == std::string::npos ||
        accept.find("version=3") == std::string::npos) {
      fail(406, "not_acceptable",
           "Please specify a version along with Heroku's API MIME type. For example, "
           "`Accept: application/vnd.heroku+json; version=3`.");
    }
    Response res = route(r);
    if (r.method != "GET") {
      platform_.changed();
    }
    res.headers.emplace_back("Request-Id", common::random_uuid());
    return res;
  } catch (const ApiError& e) {
    return json_response(e.status, json::object{{"id", e.id}, {"message", e.message}});
  } catch (const release::InputError& e) {
    return json_response(422, json::object{{"id", "invalid_params"}, {"message", e.what()}});
  } catch (const std::exception& e) {
    return json_response(500, json::object{{"id", "internal_server_error"},
                                           {"message", std::string("lokku: ") + e.what()}});
  }
}

namespace {

struct Ctx {
  store::Store& store;
  PlatformControl& platform;
  const platform::Runtime& rt;
  unsigned api_port;

  store::App load(const std::string& name) const {
    auto a = store.try_load(name);
    if (!a) {
      fail(404, "not_found", "Couldn't find that app.");
    }
    return std::move(*a);
  }

  std::string web_url(const store::App& a) const {
    return fmt::format("http://{}.localhost:{}/", a.name, platform.router_port());
  }

  json::object app_json(const store::App& a) const {
    std::uint64_t slug_size = 0;
    std::string described;
    if (const auto* cur = a.current()) {
      try {
        auto slug = store.load_slug(a.name, cur->slug_id);
        slug_size = slug.size;
        described = slug.buildpack_provided_description;
      } catch (const std::exception&) {
      }
    }
    const auto* last = a.latest_succeeded();
    return {{"id", a.id},
            {"name", a.name},
            {"acm", false},
            {"archived_at", nullptr},
            {"buildpack_provided_description",
             described.empty() ? json::value(nullptr) : json::value(described)},
            {"build_stack", {{"id", "00000000-0000-4000-8000-000000000024"}, {"name", a.stack}}},
            {"stack", {{"id", "00000000-0000-4000-8000-000000000024"}, {"name", a.stack}}},
            {"created_at", a.created_at},
            {"updated_at", last ? last->created_at : a.created_at},
            {"released_at", last ? json::value(last->created_at) : json::value(nullptr)},
            {"generation", "cedar"},
            {"git_url", fmt::format("http://127.0.0.1:{}/{}.git", api_port, a.name)},
            {"web_url", web_url(a)},
            {"internal_routing", false},
            {"maintenance", a.maintenance},
            {"owner", account_json()},
            {"organization", nullptr},
            {"team", nullptr},
            {"space", nullptr},
            {"region", {{"id", "00000000-0000-4000-8000-00000000000a"}, {"name", "local"}}},
            {"repo_size", 0},
            {"slug_size", slug_size},
            {"create_status", "complete"}};
  }

  json::object release_json(const store::App& a, const store::Release& r) const {
    return {{"id", r.id},
            {"version", r.version},
            {"description", r.description},
            {"status", r.status},
            {"current", a.current() == &r},
            {"created_at", r.created_at},
            {"updated_at", r.created_at},
            {"user", {{"id", account_json().at("id")}, {"email", r.user}}},
            {"app", {{"id", a.id}, {"name", a.name}}},
            {"slug", r.slug_id.empty() ? json::value(nullptr)
                                       : json::value(json::object{{"id", r.slug_id}})},
            {"addon_plan_names", json::array{}},
            {"output_stream_url", nullptr}};
  }

  json::array formation_json(const store::App& a, const std::vector<std::string>& only = {}) const {
    json::array out;
    const auto* cur = a.current();
    if (!cur) {
      return out;
    }
    for (const auto& [type, command] : cur->process_types) {
      if (type == "release" ||
          (!only.empty() && std::find(only.begin(), only.end(), type) == only.end())) {
        continue;
      }
      auto it = a.formation.find(type);
      store::FormationRow row = it == a.formation.end() ? store::FormationRow{} : it->second;
      out.push_back(json::object{{"id", fmt::format("{}-{}", a.id.substr(0, 8), type)},
                                 {"type", type},
                                 {"command", command},
                                 {"quantity", row.quantity},
                                 {"size", size_display(row.size)},
                                 {"app", {{"id", a.id}, {"name", a.name}}},
                                 {"created_at", a.created_at},
                                 {"updated_at", cur->created_at}});
    }
    return out;
  }

  json::object addon_json(const store::App& a, const store::Addon& x) const {
    return {{"id", x.id},
            {"name", x.name},
            {"app", {{"id", a.id}, {"name", a.name}}},
            {"addon_service", {{"id", x.service}, {"name", x.service}}},
            {"plan",
             {{"id", x.service + ":" + x.plan},
              {"name", x.service + ":" + x.plan},
              {"price", {{"cents", 0}, {"unit", "month"}}}}},
            {"billed_price", {{"cents", 0}, {"contract", false}, {"unit", "month"}}},
            {"state", "provisioned"},
            {"config_vars", json::array{json::value(x.config_var())}},
            {"created_at", x.created_at},
            {"updated_at", x.created_at},
            {"web_url", nullptr}};
  }

  json::object attachment_json(const store::App& a, const store::Addon& x) const {
    return {{"id", x.id},
            {"name", x.attachment},
            {"addon", {{"id", x.id}, {"name", x.name}, {"app", {{"id", a.id}, {"name", a.name}}}}},
            {"app", {{"id", a.id}, {"name", a.name}}},
            {"namespace", nullptr},
            {"created_at", x.created_at},
            {"updated_at", x.created_at}};
  }

  json::object dyno_json(const store::App& a, const platform::ObservedDyno& d) const {
    return {{"id", fmt::format("{}-{}", a.id.substr(0, 8), d.name)},
            {"name", d.name},
            {"type", d.type},
            {"command", d.command},
            {"size", size_display(d.size)},
            {"state", d.state},
            {"created_at", d.since},
            {"updated_at", d.since},
            {"attach_url", nullptr},
            {"release", {{"version", d.release}}},
            {"app", {{"id", a.id}, {"name", a.name}}}};
  }
};

const store::Release* find_release(const store::App& a, const std::string& key) {
  for (const auto& r : a.releases) {
    if (r.id == key || std::to_string(r.version) == key) {
      return &r;
    }
  }
  return nullptr;
}

}  // namespace

Response Api::route(const Request& r) {
  Ctx c{store_, platform_, rt_, api_port_.load()};
  auto seg = split_path(r.path);
  const auto& m = r.method;
  auto n = seg.size();
  common::LogSink* none = nullptr;
  (void)none;

  if (n == 1 && seg[0] == "account" && m == "GET") {
    return json_response(200, account_json());
  }
  if ((n == 1 && seg[0] == "apps" && m == "GET") ||
      (n == 3 && seg[0] == "users" && seg[2] == "apps" && m == "GET")) {
    json::array apps;
    for (const auto& name : store_.apps()) {
      if (auto a = store_.try_load(name)) {
        apps.push_back(c.app_json(*a));
      }
    }
    return paginate(std::move(apps), r, "name");
  }
  if (n == 1 && seg[0] == "apps" && m == "POST") {
    auto body = parse_body(r);
    const auto& o = body_object(body);
    auto name = string_field(o, "name").value_or("app-" + common::random_hex(4));
    store::validate_app_name(name);
    if (store_.exists(name)) {
      fail(422, "invalid_params", fmt::format("Name {} is already taken", name));
    }
    auto a = store_.create(name);
    return json_response(201, c.app_json(a));
  }
  if (n == 1 && seg[0] == "addon-attachments" && m == "GET") {
    json::array out;
    for (const auto& name : store_.apps()) {
      if (auto a = store_.try_load(name)) {
        for (const auto& x : a->addons) {
          out.push_back(c.attachment_json(*a, x));
        }
      }
    }
    return json_response(200, out);
  }
  if (n < 2 || seg[0] != "apps") {
    fail(404, "not_found",
         "The requested API endpoint was not found. Are you using the right "
         "HTTP verb (i.e. `GET` vs. `POST`), and did you specify your intended "
         "version with the `Accept` header?");
  }
  const std::string& name = seg[1];
  auto app = c.load(name);

  // Every change below goes through the store, and is logged as Heroku's api lines.
  auto api_log = [&]() {
    int fd = platform::open_app_log(store_, app.name);
    return std::make_pair(fd, std::make_unique<common::LogSink>(-1, false, fd, ""));
  };
  auto release_with = [&](const std::function<void(store::App&)>& change,
                          const std::function<std::string(const store::App&)>& describe,
                          const std::function<std::string(const store::App&)>& slug_of) {
    auto [fd, sink] = api_log();
    auto rel = platform::make_release(store_, app.name, change, describe, slug_of, rt_, *sink);
    sink->flush();
    sink.reset();
    if (fd >= 0) {
      ::close(fd);
    }
    return rel;
  };

  if (n == 2) {
    if (m == "GET") {
      return json_response(200, c.app_json(app));
    }
    if (m == "DELETE") {
      auto j = c.app_json(app);
      store_.destroy(app.name);
      return json_response(200, j);
    }
    if (m == "PATCH") {
      auto body = parse_body(r);
      const auto& o = body_object(body);
      if (auto nm = string_field(o, "name"); nm && *nm != app.name) {
        fail(422, "invalid_params", "Renaming apps is not supported by lokku.");
      }
      if (auto mt = bool_field(o, "maintenance")) {
        app = store_.update(app.name, [&](store::App& a) { a.maintenance = *mt; });
      }
      return json_response(200, c.app_json(app));
    }
  }
  const std::string& what = seg[2];
  if ((what == "addons" || what == "addon-attachments") && m == "GET" && n == 3) {
    json::array out;
    for (const auto& x : app.addons) {
      out.push_back(what == "addons" ? c.addon_json(app, x) : c.attachment_json(app, x));
    }
    return json_response(200, out);
  }
  if (what == "collaborators" && m == "GET" && n == 3) {
    return json_response(200, json::array{});
  }
  if (what == "pipeline-couplings" && m == "GET") {
    fail(404, "not_found", "This app is not in a pipeline.");
  }
  if (what == "config-vars" && n == 3) {
    if (m == "GET") {
      json::object o;
      for (const auto& [k, v] : app.config) {
        o[k] = v;
      }
      return json_response(200, o);
    }
    if (m == "PATCH") {
      auto body = parse_body(r);
      const auto& o = body_object(body);
      release::ConfigVars set;
      std::vector<std::string> unset, keys;
      for (const auto& kv : o) {
        std::string k(kv.key());
        store::check_config_key(k);
        if (kv.value().is_null()) {
          unset.push_back(k);
        } else if (kv.value().is_string()) {
          set[k] = std::string(kv.value().as_string());
        } else {
          fail(422, "invalid_params", fmt::format("The value of {} must be a string or null.", k));
        }
        keys.push_back(k);
      }
      if (!keys.empty()) {
        release_with(
            [&](store::App& a) {
              store::set_config(a, set);
              for (const auto& k : unset) {
                a.config.erase(k);
              }
            },
            [&](const store::App&) {
              return store::config_description(set.empty() ? "Remove" : "Set", keys);
            },
            {});
        app = c.load(name);
      }
      json::object out;
      for (const auto& [k, v] : app.config) {
        out[k] = v;
      }
      return json_response(200, out);
    }
  }
  if (what == "releases") {
    if (n == 3 && m == "GET") {
      json::array rels;
      for (const auto& rel : app.releases) {
        rels.push_back(c.release_json(app, rel));
      }
      return paginate(std::move(rels), r, "version");
    }
    if (n == 4 && m == "GET") {
      const auto* rel = find_release(app, seg[3]);
      if (!rel) {
        fail(404, "not_found", "Couldn't find that release.");
      }
      return json_response(200, c.release_json(app, *rel));
    }
    if (n == 3 && m == "POST") {
      auto body = parse_body(r);
      const auto& o = body_object(body);
      auto target_key = string_field(o, "release");
      auto slug_id = string_field(o, "slug");
      store::Release made;
      if (target_key) {
        const auto* target = find_release(app, *target_key);
        if (!target) {
          fail(404, "not_found", "Couldn't find that release.");
        }
        int v = store::rollback_target(app, target->version).version;
        made =
            release_with([&](store::App& a) { a.config = store::rollback_target(a, v).config; },
                         [&](const store::App&) { return fmt::format("Rollback to v{}", v); },
                         [&](const store::App& a) { return store::rollback_target(a, v).slug_id; });
      } else if (slug_id) {
        store::Slug slug;
        try {
          slug = store_.load_slug(app.name, *slug_id);
        } catch (const release::InputError&) {
          fail(404, "not_found", "Couldn't find that slug.");
        }
        auto desc = string_field(o, "description")
                        .value_or(fmt::format("Deploy {}", slug.commit.substr(0, 8)));
        made = release_with([&](store::App& a) { store::add_new_types(a, slug.process_types); },
                            [&](const store::App&) { return desc; },
                            [&](const store::App&) { return slug.id; });
      } else {
        fail(422, "invalid_params", "Give release (to roll back to) or slug (to release).");
      }
      app = c.load(name);
      const auto* rel = app.find(made.version);
      return json_response(201, c.release_json(app, rel ? *rel : made));
    }
  }
  if (what == "formation") {
    auto apply = [&](const json::array& updates) {
      std::vector<store::ScaleChange> changes;
      for (const auto& u : updates) {
        if (!u.is_object()) {
          fail(422, "invalid_params", "Each update must be an object with type and quantity.");
        }
        const auto& uo = u.as_object();
        store::ScaleChange ch;
        auto type = string_field(uo, "type");
        if (!type) {
          fail(422, "invalid_params", "Each update needs a type.");
        }
        ch.type = *type;
        ch.op = '\0';
        if (auto q = uo.find("quantity"); q != uo.end() && !q->value().is_null()) {
          std::string text;
          if (q->value().is_string()) {
            text = std::string(q->value().as_string());
          } else if (q->value().is_int64()) {
            text = std::to_string(q->value().as_int64());
          } else {
            fail(422, "invalid_params", "quantity must be an integer or a string like \"+1\".");
          }
          ch.op = (text[0] == '+' || text[0] == '-') ? text[0] : '=';
          auto digits = ch.op == '=' ? text : text.substr(1);
          auto [p, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), ch.amount);
          if (ec != std::errc() || p != digits.data() + digits.size() || ch.amount < 0 ||
              digits.empty()) {
            fail(422, "invalid_params", fmt::format("Invalid quantity: {}", text));
          }
        }
        if (auto sz = string_field(uo, "size")) {
          auto s = release::find_dyno_size(*sz);
          if (!s) {
            fail(422, "invalid_params",
                 fmt::format("No such dyno size: {} (sizes: {})", *sz, release::dyno_size_names()));
          }
          ch.size = s->name;
        }
        const auto* cur = app.current();
        if (!cur || cur->process_types.count(ch.type) == 0 || ch.type == "release") {
          fail(404, "not_found", fmt::format("Couldn't find that process type ({}).", ch.type));
        }
        changes.push_back(std::move(ch));
      }
      app = store_.update(app.name, [&](store::App& a) { store::apply_scale(a, changes); });
      std::vector<std::string> types;
      for (const auto& ch : changes) {
        types.push_back(ch.type);
      }
      return types;
    };
    if (n == 3 && m == "GET") {
      return json_response(200, c.formation_json(app));
    }
    if (n == 3 && m == "PATCH") {
      auto body = parse_body(r);
      const auto& o = body_object(body);
      auto it = o.find("updates");
      if (it == o.end() || !it->value().is_array()) {
        fail(422, "invalid_params", "updates must be a list of {type, quantity, size}.");
      }
      auto types = apply(it->value().as_array());
      return json_response(200, c.formation_json(app, types));
    }
    if (n == 4 && (m == "GET" || m == "PATCH")) {
      if (m == "PATCH") {
        auto body = parse_body(r);
        json::object u = body_object(body);
        u["type"] = seg[3];
        apply(json::array{u});
      }
      auto list = c.formation_json(app, {seg[3]});
      if (list.empty()) {
        fail(404, "not_found", "Couldn't find that formation.");
      }
      return json_response(200, list[0]);
    }
  }
  if (what == "dynos") {
    auto dynos = platform_.dynos(app.name);
    if (n == 3 && m == "GET") {
      json::array out;
      for (const auto& d : dynos) {
        out.push_back(c.dyno_json(app, d));
      }
      return paginate(std::move(out), r, "name");
    }
    if (n == 4 && m == "GET") {
      for (const auto& d : dynos) {
        if (d.name == seg[3]) {
          return json_response(200, c.dyno_json(app, d));
        }
      }
      fail(404, "not_found", "Couldn't find that dyno.");
    }
    if (m == "DELETE" && (n == 3 || n == 4)) {
      platform_.restart(app.name, n == 4 ? seg[3] : "");
      return json_response(202, json::object{});
    }
    if (n == 6 && seg[4] == "actions" && seg[5] == "stop" && m == "POST") {
      bool known =
          std::any_of(dynos.begin(), dynos.end(), [&](const auto& d) { return d.name == seg[3]; });
      if (!known) {
        fail(404, "not_found", "Couldn't find that dyno.");
      }
      platform_.stop(app.name, seg[3]);
      return json_response(202, json::object{});
    }
  }
  if (what == "formations" && n == 4 && m == "DELETE") {  // ps:restart --process-type
    platform_.restart(app.name, seg[3]);
    return json_response(202, json::object{});
  }
  if (what == "builds") {
    auto build_json = [&](const std::string& id) -> json::object {
      auto text = store::read_file(store_.app_dir(app.name) / "builds" / (id + ".yaml"));
      if (!text) {
        fail(404, "not_found", "Couldn't find that build.");
      }
      auto field = [&](const std::string& key) {
        auto at = text->find("\n" + key + ": ");
        if (at == std::string::npos && text->rfind(key + ": ", 0) == 0) {
          at = static_cast<std::size_t>(-1);
        } else if (at == std::string::npos) {
          return std::string();
        }
        auto start = at + key.size() + 3;
        return text->substr(start, text->find('\n', start) - start);
      };
      auto slug = field("slug");
      if (slug == "\"\"") {
        slug.clear();
      }
      return {
          {"id", id},
          {"status", field("status")},
          {"created_at", field("created_at")},
          {"updated_at", field("created_at")},
          {"app", {{"id", app.id}, {"name", app.name}}},
          {"slug", slug.empty() ? json::value(nullptr) : json::value(json::object{{"id", slug}})},
          {"source_blob", {{"version", field("source_version")}}},
          {"stack", app.stack},
          {"user", {{"email", store::local_user()}}}};
    };
    if (n == 3 && m == "GET") {
      json::array out;
      std::error_code ec;
      for (const auto& e :
           std::filesystem::directory_iterator(store_.app_dir(app.name) / "builds", ec)) {
        if (e.path().extension() == ".yaml") {
          out.push_back(build_json(e.path().stem().string()));
        }
      }
      return paginate(std::move(out), r, "created_at");
    }
    if (n == 4 && m == "GET") {
      // The build's output, whole (a finished build) or as it is produced (BP-8): what
      // `heroku builds:output` reads, for a push's build as for any other.
      auto j = build_json(seg[3]);
      LogSession s;
      s.app = app.name;
      s.build_id = seg[3];
      s.expires = std::chrono::steady_clock::now() + rt_.scale(std::chrono::minutes(30));
      j["output_stream_url"] =
          fmt::format("http://127.0.0.1:{}/streams/{}", api_port_.load(), new_stream(s));
      return json_response(200, j);
    }
    if (n == 3 && m == "POST") {
      auto body = parse_body(r);
      const auto& o = body_object(body);
      auto blob = o.find("source_blob");
      if (blob == o.end() || !blob->value().is_object()) {
        fail(422, "invalid_params", "source_blob must be an object with a url.");
      }
      auto url = string_field(blob->value().as_object(), "url");
      if (!url) {
        fail(422, "invalid_params", "source_blob.url is required.");
      }
      std::string path = url->rfind("file://", 0) == 0 ? url->substr(7) : *url;
      if (path.empty() || path[0] != '/' || !std::filesystem::exists(path)) {
        fail(422, "invalid_params",
             "source_blob.url must name a local directory or tarball (file:///path or /path): " +
                 *url);
      }
      std::vector<std::string> buildpacks;
      if (auto bp = o.find("buildpacks"); bp != o.end() && bp->value().is_array()) {
        for (const auto& b : bp->value().as_array()) {
          if (!b.is_object()) {
            fail(422, "invalid_params", "buildpacks must be a list of {\"url\": ...}.");
          }
          auto u = string_field(b.as_object(), "url");
          if (!u) {
            fail(422, "invalid_params", "buildpacks[].url is required.");
          }
          buildpacks.push_back(*u);
        }
      }
      std::string id = common::random_uuid();
      std::filesystem::create_directories(store_.app_dir(app.name) / "builds");
      store::write_file_atomic(store_.app_dir(app.name) / "builds" / (id + ".yaml"),
                               "id: " + id + "\nstatus: pending\ncreated_at: " +
                                   common::iso8601_now() + "\nslug: \"\"\nsource_version: \"\"\n");
      std::string app_name = app.name;
      auto run = [this, app_name, id, path, buildpacks] {
        std::filesystem::path tmp;
        try {
          std::filesystem::path source = path;
          if (!std::filesystem::is_directory(path)) {
            tmp = store_.home() / "tmp" / ("source_" + common::random_hex(8));
            slug::extract(path, tmp);
            source = tmp;
          }
          buildpack::BuildOptions bo;
          bo.app = app_name;
          bo.source = source;
          bo.buildpacks = buildpacks;
          bo.build_id = id;
          bo.compile_timeout = rt_.scale(std::chrono::minutes(15));
          auto result = buildpack::build(store_, bo);
          if (result.ok) {
            int fd = platform::open_app_log(store_, app_name);
            {
              common::LogSink sink(-1, false, fd, "");
              platform::release_build(store_, app_name, result, rt_, sink);
            }
            if (fd >= 0) {
              ::close(fd);
            }
            platform_.changed();
          }
        } catch (const std::exception& e) {
          buildpack::mark_build_failed(store_, app_name, id, e.what());
        }
        if (!tmp.empty()) {
          std::error_code ec;
          std::filesystem::remove_all(tmp, ec);
        }
      };
      {
        std::lock_guard lock(mu_);
        builds_.emplace_back(run);
      }
      LogSession s;
      s.app = app.name;
      s.build_id = id;
      s.expires = std::chrono::steady_clock::now() + rt_.scale(std::chrono::minutes(30));
      auto cap = new_stream(s);
      auto j = build_json(id);
      j["output_stream_url"] = fmt::format("http://127.0.0.1:{}/streams/{}", api_port_.load(), cap);
      json::array bps;
      for (const auto& b : buildpacks) {
        bps.push_back(json::object{{"url", b}});
      }
      j["buildpacks"] = bps;
      j["source_blob"] = json::object{{"url", *url}, {"version", nullptr}, {"checksum", nullptr}};
      return json_response(201, j);
    }
  }
  if (what == "dynos" && n == 3 && m == "POST") {  // a one-off dyno (RUN-1..4)
    auto body = parse_body(r);
    const auto& o = body_object(body);
    auto command = string_field(o, "command");
    if (!command || command->empty()) {
      fail(422, "invalid_params", "command is required.");
    }
    platform::OneOffRequest req;
    req.app = app.name;
    req.command = *command;
    req.size = string_field(o, "size").value_or("");
    req.attach = bool_field(o, "attach").value_or(false);
    req.tty = !bool_field(o, "force_no_tty").value_or(false);
    if (auto e = o.find("env"); e != o.end() && !e->value().is_null()) {
      if (!e->value().is_object()) {
        fail(422, "invalid_params", "env must be an object.");
      }
      for (const auto& kv : e->value().as_object()) {
        const auto& v = kv.value();
        std::string key(kv.key());
        if (v.is_string()) {
          req.env[key] = std::string(v.as_string());
        } else if (v.is_int64() || v.is_uint64()) {
          // The CLI sends the terminal's COLUMNS and LINES as numbers.
          req.env[key] = json::serialize(v);
        } else if (!v.is_null()) {
          fail(422, "invalid_params", fmt::format("env.{} must be a string.", key));
        }
      }
    }
    auto dimension = [&](const char* key, unsigned short fallback) -> unsigned short {
      auto it = req.env.find(key);
      if (it == req.env.end()) {
        return fallback;
      }
      int v = std::atoi(it->second.c_str());
      return v > 0 && v < 10000 ? static_cast<unsigned short>(v) : fallback;
    };
    req.columns = dimension("COLUMNS", 80);
    req.rows = dimension("LINES", 24);
    auto started = platform_.run_one_off(req);
    platform::ObservedDyno d{started.name,
                             "run",
                             "starting",
                             common::iso8601_now(),
                             req.command,
                             req.size.empty() ? "standard-1x" : req.size,
                             0};
    if (const auto* cur = app.current()) {
      d.release = cur->version;
    }
    auto j = c.dyno_json(app, d);
    if (req.attach) {
      j["attach_url"] = started.attach_url;
    }
    return json_response(201, j);
  }
  if (what == "log-sessions" && n == 3 && m == "POST") {
    auto body = parse_body(r);
    const auto& o = body_object(body);
    LogSession s;
    s.app = app.name;
    s.lines =
        static_cast<int>(std::clamp<std::int64_t>(int_field(o, "lines").value_or(100), 0, 1500));
    s.tail = bool_field(o, "tail").value_or(false);
    s.source = string_field(o, "source").value_or("");
    s.dyno = string_field(o, "dyno").value_or("");
    s.expires = std::chrono::steady_clock::now() + rt_.scale(std::chrono::minutes(5));
    auto cap = new_stream(s);
    auto now = common::iso8601_now();
    return json_response(
        201, json::object{{"id", common::random_uuid()},
                          {"logplex_url",
                           fmt::format("http://127.0.0.1:{}/streams/{}", api_port_.load(), cap)},
                          {"created_at", now},
                          {"updated_at", now}});
  }
  if (what == "features") {
    auto feature_json = [&](const std::string& f) {
      bool on = std::find(app.features.begin(), app.features.end(), f) != app.features.end();
      return json::object{{"id", f},
                          {"name", f},
                          {"enabled", on},
                          {"state", "general"},
                          {"description",
                           "Route a client's requests to the same web dyno "
                           "(heroku-session-affinity cookie)."},
                          {"doc_url", "https://devcenter.heroku.com/articles/session-affinity"}};
    };
    const std::vector<std::string> known = {"http-session-affinity"};
    if (n == 3 && m == "GET") {
      json::array out;
      for (const auto& f : known) {
        out.push_back(feature_json(f));
      }
      return json_response(200, out);
    }
    if (n == 4 && std::find(known.begin(), known.end(), seg[3]) == known.end()) {
      fail(404, "not_found", "Couldn't find that feature.");
    }
    if (n == 4 && m == "GET") {
      return json_response(200, feature_json(seg[3]));
    }
    if (n == 4 && m == "PATCH") {
      auto body = parse_body(r);
      auto enabled = bool_field(body_object(body), "enabled");
      if (!enabled) {
        fail(422, "invalid_params", "enabled must be true or false.");
      }
      app = store_.update(app.name, [&](store::App& a) {
        std::erase(a.features, seg[3]);
        if (*enabled) {
          a.features.push_back(seg[3]);
        }
      });
      return json_response(200, feature_json(seg[3]));
    }
  }
  if (what == "domains") {
    auto domain_json = [&](const std::string& host) {
      return json::object{{"id", host},
                          {"hostname", host},
                          {"kind", "custom"},
                          {"cname", fmt::format("{}.localhost", app.name)},
                          {"status", "succeeded"},
                          {"app", {{"id", app.id}, {"name", app.name}}}};
    };
    if (n == 3 && m == "GET") {
      json::array out;
      out.push_back(json::object{{"id", app.name + ".localhost"},
                                 {"hostname", app.name + ".localhost"},
                                 {"kind", "heroku"},
                                 {"cname", nullptr},
                                 {"status", "succeeded"}});
      for (const auto& d : app.domains) {
        out.push_back(domain_json(d));
      }
      return json_response(200, out);
    }
    if (n == 3 && m == "POST") {
      auto body = parse_body(r);
      auto host = string_field(body_object(body), "hostname");
      if (!host || host->empty() || host->find_first_of(" /:") != std::string::npos) {
        fail(422, "invalid_params", "hostname must be a host name.");
      }
      std::string h = *host;
      std::transform(h.begin(), h.end(), h.begin(),
                     [](unsigned char ch) { return std::tolower(ch); });
      for (const auto& other : store_.apps()) {
        auto oa = store_.try_load(other);
        if (oa && std::find(oa->domains.begin(), oa->domains.end(), h) != oa->domains.end()) {
          fail(422, "invalid_params", fmt::format("{} is already taken by another app.", h));
        }
      }
      app = store_.update(app.name, [&](store::App& a) { a.domains.push_back(h); });
      return json_response(201, domain_json(h));
    }
    if (n == 4 && m == "DELETE") {
      if (std::find(app.domains.begin(), app.domains.end(), seg[3]) == app.domains.end()) {
        fail(404, "not_found", "Couldn't find that domain.");
      }
      app = store_.update(app.name, [&](store::App& a) { std::erase(a.domains, seg[3]); });
      return json_response(200, domain_json(seg[3]));
    }
  }
  fail(404, "not_found", "The requested API endpoint was not found.");
}

}  // namespace lokku::api
