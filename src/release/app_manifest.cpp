#include "release/app_manifest.hpp"

#include "release/dyno_size.hpp"
#include "release/error.hpp"

#include <boost/json.hpp>
#include <fmt/format.h>

#include <regex>

namespace lokku::release {

namespace json = boost::json;

namespace {

/// Errors name the file and the key path (`env.SECRET.required`).
struct Reader {
  std::string_view file;

  [[noreturn]] void fail(const std::string& key, std::string_view what) const {
    throw InputError(fmt::format("{}: {} {}", file, key, what));
  }
  std::string string(const json::value& v, const std::string& key) const {
    if (!v.is_string()) {
      fail(key, "must be a string");
    }
    return std::string(v.as_string());
  }
  const json::object& object(const json::value& v, const std::string& key) const {
    if (!v.is_object()) {
      fail(key, "must be an object");
    }
    return v.as_object();
  }
  const json::array& array(const json::value& v, const std::string& key) const {
    if (!v.is_array()) {
      fail(key, "must be a list");
    }
    return v.as_array();
  }
};

}  // namespace

AppManifest parse_app_manifest(std::string_view text, std::string_view file) {
  json::value doc;
  try {
    doc = json::parse(text);
  } catch (const std::exception& e) {
    throw InputError(fmt::format("{}: not valid JSON: {}", file, e.what()));
  }
  Reader r{file};
  if (!doc.is_object()) {
    throw InputError(fmt::format("{}: must be a JSON object", file));
  }
  const auto& root = doc.as_object();
  AppManifest m;
  if (const auto* v = root.if_contains("name")) {
    m.name = r.string(*v, "name");
  }
  if (const auto* env = root.if_contains("env")) {
    for (const auto& [k, v] : r.object(*env, "env")) {
      const std::string key(k);
      const std::string path = "env." + key;
      if (!std::regex_match(key, std::regex("[A-Za-z_][A-Za-z0-9_]*"))) {
        r.fail(path, "is not a config var name (letters, digits and _)");
      }
      ManifestEnv e;
      if (v.is_string()) {
        e.value = std::string(v.as_string());
      } else {
        const auto& o = r.object(v, path);
        if (const auto* value = o.if_contains("value")) {
          e.value = r.string(*value, path + ".value");
        }
        if (const auto* d = o.if_contains("description")) {
          e.description = r.string(*d, path + ".description");
        }
        if (const auto* req = o.if_contains("required")) {
          if (!req->is_bool()) {
            r.fail(path + ".required", "must be true or false");
          }
          e.required = req->as_bool();
        }
        if (const auto* g = o.if_contains("generator")) {
          if (r.string(*g, path + ".generator") != "secret") {
            r.fail(path + ".generator", "must be \"secret\" (the only generator)");
          }
          e.generate_secret = true;
        }
      }
      m.env.emplace(key, std::move(e));
    }
  }
  if (const auto* addons = root.if_contains("addons")) {
    std::size_t i = 0;
    for (const auto& v : r.array(*addons, "addons")) {
      const std::string path = fmt::format("addons[{}]", i++);
      std::string plan_text;
      ManifestAddon a;
      if (v.is_string()) {
        plan_text = std::string(v.as_string());
      } else {
        const auto& o = r.object(v, path);
        const auto* plan = o.if_contains("plan");
        if (!plan) {
          r.fail(path + ".plan", "is required");
        }
        plan_text = r.string(*plan, path + ".plan");
        if (const auto* as = o.if_contains("as")) {
          a.as = r.string(*as, path + ".as");
        }
      }
      auto colon = plan_text.find(':');
      a.service = plan_text.substr(0, colon);
      a.plan = colon == std::string::npos ? std::string() : plan_text.substr(colon + 1);
      if (a.service.empty()) {
        r.fail(path, "names no add-on service");
      }
      m.addons.push_back(std::move(a));
    }
  }
  if (const auto* formation = root.if_contains("formation")) {
    for (const auto& [k, v] : r.object(*formation, "formation")) {
      const std::string path = "formation." + std::string(k);
      const auto& o = r.object(v, path);
      ManifestFormation f;
      const auto* q = o.if_contains("quantity");
      if (!q || !q->is_int64() || q->as_int64() < 0) {
        r.fail(path + ".quantity", "must be a whole number, 0 or more");
      }
      f.quantity = static_cast<int>(q->as_int64());
      if (const auto* size = o.if_contains("size")) {
        auto name = r.string(*size, path + ".size");
        auto found = find_dyno_size(name);
        if (!found) {
          r.fail(path + ".size",
                 fmt::format("'{}' is not a dyno size ({})", name, dyno_size_names()));
        }
        f.size = found->name;
      }
      m.formation.emplace(std::string(k), std::move(f));
    }
  }
  if (const auto* bps = root.if_contains("buildpacks")) {
    std::size_t i = 0;
    for (const auto& v : r.array(*bps, "buildpacks")) {
      const std::string path = fmt::format("buildpacks[{}]", i++);
      const auto* url = r.object(v, path).if_contains("url");
      if (!url) {
        r.fail(path + ".url", "is required");
      }
      m.buildpacks.push_back(r.string(*url, path + ".url"));
    }
  }
  if (const auto* scripts = root.if_contains("scripts")) {
    const auto& o = r.object(*scripts, "scripts");
    if (const auto* p = o.if_contains("postdeploy")) {
      m.postdeploy = r.string(*p, "scripts.postdeploy");
    }
    if (const auto* p = o.if_contains("pr-predestroy")) {
      m.pr_predestroy = r.string(*p, "scripts.pr-predestroy");
    }
  }
  return m;
}

AppManifest parse_review_manifest(std::string_view text, std::string_view file) {
  AppManifest m = parse_app_manifest(text, file);
  auto doc = json::parse(text);  // valid: parse_app_manifest read it
  const auto* envs = doc.as_object().if_contains("environments");
  const json::value* review =
      envs && envs->is_object() ? envs->as_object().if_contains("review") : nullptr;
  if (!review) {
    return m;
  }
  if (!review->is_object()) {
    throw InputError(fmt::format("{}: environments.review must be an object", file));
  }
  const auto& o = review->as_object();
  AppManifest r =
      parse_app_manifest(json::serialize(*review), fmt::format("{} (environments.review)", file));
  for (auto& [k, v] : r.env) {
    m.env[k] = v;
  }
  if (o.contains("addons")) {
    m.addons = r.addons;
  }
  for (auto& [k, v] : r.formation) {
    m.formation[k] = v;
  }
  if (o.contains("buildpacks")) {
    m.buildpacks = r.buildpacks;
  }
  if (const auto* scripts = o.if_contains("scripts"); scripts && scripts->is_object()) {
    if (scripts->as_object().contains("postdeploy")) {
      m.postdeploy = r.postdeploy;
    }
    if (scripts->as_object().contains("pr-predestroy")) {
      m.pr_predestroy = r.pr_predestroy;
    }
  }
  return m;
}

std::map<std::string, std::string> manifest_config(
    const AppManifest& manifest, const std::map<std::string, std::string>& existing,
    const std::string& app, std::string (*random_hex)(std::size_t bytes)) {
  std::map<std::string, std::string> out;
  std::vector<std::string> missing;
  for (const auto& [key, e] : manifest.env) {
    if (existing.count(key) != 0) {
      continue;  // APP-4: existing keys win
    }
    if (e.value) {
      out[key] = *e.value;
    } else if (e.generate_secret) {
      out[key] = random_hex(32);
    } else if (e.required) {
      missing.push_back(key);
    }
  }
  if (!missing.empty()) {
    std::string list, sets;
    for (const auto& k : missing) {
      list += (list.empty() ? "" : ", ") + k;
      sets += " " + k + "=...";
    }
    throw InputError(fmt::format(
        "app.json requires {} (no value, no generator); set {} first: lokku config:set{} -a {}",
        list, missing.size() == 1 ? "it" : "them", sets, app));
  }
  return out;
}

}  // namespace lokku::release
