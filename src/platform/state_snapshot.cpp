#include "platform/state_snapshot.hpp"

#include "addons/addons.hpp"
#include "buildpack/build_record.hpp"
#include "common/ids.hpp"
#include "common/ports.hpp"
#include "platform/app_lifecycle.hpp"
#include "release/error.hpp"
#include "slug/slug.hpp"
#include "store/app_name.hpp"
#include "store/files.hpp"
#include "store/pipelines.hpp"

#include <boost/json.hpp>
#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <set>
#include <system_error>

namespace lokku::platform {

namespace json = boost::json;

namespace {

constexpr const char* kManifest = "lokku-state.json";

/// A folder beside the live state (same filesystem, so its parts move in by rename), gone
/// with the object.
class Staging {
 public:
  Staging(const fs::path& home, const char* what)
      : path_(home / fmt::format(".state-{}-{}", what, common::random_hex(8))) {
    fs::create_directories(path_);
    fs::permissions(path_, fs::perms::owner_all, fs::perm_options::replace);
  }
  ~Staging() {
    std::error_code ec;
    fs::remove_all(path_, ec);
  }
  Staging(const Staging&) = delete;
  Staging& operator=(const Staging&) = delete;
  const fs::path& path() const { return path_; }

 private:
  fs::path path_;
};

/// Where a snapshot keeps an add-on's data (none for a follower: it copies its leader).
std::string dump_path(const store::Addon& a) {
  return fmt::format("addons/{}/{}", a.name, addons::is_postgres(a) ? "data.pgdump" : "dump.rdb");
}

/// The regular files of `from` (not below), into `to`: hard links where `link` (files never
/// rewritten, such as slugs), else copies (a build's output may still grow).
void take_files(const fs::path& from, const fs::path& to, bool link) {
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(from, ec)) {
    const auto name = e.path().filename().string();
    if (!e.is_regular_file() || name.find(".tmp-") != std::string::npos) {
      continue;  // a file being written (store::write_file_atomic's temp files)
    }
    fs::create_directories(to);
    std::error_code link_ec;
    if (link) {
      fs::create_hard_link(e.path(), to / name, link_ec);
    }
    if (!link || link_ec) {
      fs::copy_file(e.path(), to / name);
    }
  }
}

/// Every regular file below `root`, as `a/b/c` paths, sorted.
std::vector<std::string> files_below(const fs::path& root) {
  std::vector<std::string> out;
  for (const auto& e : fs::recursive_directory_iterator(root)) {
    if (!e.is_directory()) {
      out.push_back(e.path().lexically_relative(root).generic_string());
    }
  }
  std::sort(out.begin(), out.end());
  return out;
}

std::string hex_sha256(const fs::path& file) {
  auto sum = slug::sha256_file(file);  // SHA256:<hex>
  return sum.substr(sum.find(':') + 1);
}

/// A snapshot unpacked beside the live state and checked whole.
struct Unpacked {
  Unpacked(const fs::path& home, const char* what) : staging(home, what) {}
  Staging staging;
  fs::path root;  ///< the snapshot's files
  StateSummary summary;
  std::vector<store::App> apps;
};

void refuse(const fs::path& file, const std::string& why) {
  throw release::InputError(fmt::format("{}: {}; nothing was changed", file.string(), why));
}

/// Checks that the snapshot's records hang together: every slug a release runs, every
/// add-on's data, every attachment's owner and every pipeline's app is in the file.
void check_records(const fs::path& file, const Unpacked& u, const std::set<std::string>& files) {
  std::set<std::string> names(u.summary.apps.begin(), u.summary.apps.end());
  std::map<std::string, const store::Addon*> addons;
  for (const auto& app : u.apps) {
    for (const auto& a : app.addons) {
      if (a.name.empty() ||
          a.name.find_first_not_of("abcdefghijklmnopqrstuvwxyz0123456789-") != std::string::npos) {
        refuse(file,
               fmt::format("app {}: add-on name '{}' is not one lokku makes", app.name, a.name));
      }
      if (!addons.emplace(a.name, &a).second) {
        refuse(file, fmt::format("the add-on {} belongs to two apps", a.name));
      }
    }
  }
  for (const auto& app : u.apps) {
    for (const auto& r : app.releases) {
      if (!r.slug_id.empty() &&
          !files.count(fmt::format("apps/{}/slugs/{}.tgz", app.name, r.slug_id))) {
        refuse(file, fmt::format("damaged: the slug {} of {} v{} is missing", r.slug_id, app.name,
                                 r.version));
      }
    }
    for (const auto& a : app.addons) {
      if (!a.follows.empty()) {
        auto leader = addons.find(a.follows);
        if (leader == addons.end() || !leader->second->follows.empty()) {
          refuse(file, fmt::format("the follower {} follows {}, which is not a leader in the file",
                                   a.name, a.follows));
        }
      } else if (!files.count(dump_path(a))) {
        refuse(file, fmt::format("damaged: the data of the add-on {} ({}) is missing", a.name,
                                 dump_path(a)));
      }
    }
    for (const auto& att : app.attachments) {
      if (!names.count(att.owner) || !addons.count(att.addon)) {
        refuse(file, fmt::format("app {}: the attachment {} names {} of {}, which is not in the "
                                 "file",
                                 app.name, att.name, att.addon, att.owner));
      }
    }
  }
  store::Store staged(u.root);
  for (const auto& name : u.summary.pipelines) {
    auto p = store::Pipelines(staged).find(name);
    for (const auto& member : p->apps) {
      if (!names.count(member.app)) {
        refuse(file, fmt::format("the pipeline {} names the app {}, which is not in the file", name,
                                 member.app));
      }
    }
  }
}

/// Unpacks `file` into `u`'s staging folder and checks it whole.
void unpack(Unpacked& u, const fs::path& file) {
  std::error_code ec;
  if (!fs::is_regular_file(file, ec)) {
    throw release::InputError(fmt::format("{}: no such file", file.string()));
  }
  u.root = u.staging.path() / "snapshot";
  try {
    slug::extract(file, u.root);
  } catch (const std::exception& e) {
    refuse(file, fmt::format("not a lokku state file, or a damaged one: {}", e.what()));
  }
  auto text = store::read_file(u.root / kManifest);
  if (!text) {
    refuse(file, fmt::format("not a lokku state file (it has no {}; `lokku state:export` writes "
                             "one)",
                             kManifest));
  }
  json::object manifest;
  try {
    manifest = json::parse(*text).as_object();
  } catch (const std::exception& e) {
    refuse(file, fmt::format("{} is not a JSON object: {}", kManifest, e.what()));
  }
  const auto* format = manifest.if_contains("format");
  if (!format || !format->is_string() || format->as_string() != "lokku-state") {
    refuse(file, fmt::format("not a lokku state file ({} has no \"format\": \"lokku-state\")",
                             kManifest));
  }
  const auto* version = manifest.if_contains("version");
  if (!version || !version->is_int64() || version->as_int64() < 1) {
    refuse(file, fmt::format("{}: \"version\" is not a format number", kManifest));
  }
  if (version->as_int64() > kStateVersion) {
    refuse(file, fmt::format("written by a newer lokku (state format {}); this lokku reads format "
                             "{}",
                             version->as_int64(), kStateVersion));
  }
  // Every file listed is there with its checksum, and nothing else is.
  const auto* listed = manifest.if_contains("files");
  if (!listed || !listed->is_object()) {
    refuse(file, fmt::format("{}: \"files\" is not an object", kManifest));
  }
  std::set<std::string> files;
  for (const auto& [path, sum] : listed->as_object()) {
    const std::string p(path);
    const fs::path full = u.root / p;
    if (!sum.is_string() || !fs::is_regular_file(full, ec)) {
      refuse(file, fmt::format("damaged: {} is missing", p));
    }
    if (hex_sha256(full) != std::string_view(sum.as_string())) {
      refuse(file, fmt::format("damaged: {} does not match its checksum", p));
    }
    files.insert(p);
  }
  for (const auto& p : files_below(u.root)) {
    if (p != kManifest && !files.count(p)) {
      refuse(file, fmt::format("{} is not listed in {}", p, kManifest));
    }
  }
  // The apps' records, whole and named as listed.
  auto names = [&](const char* key) {
    std::vector<std::string> out;
    const auto* v = manifest.if_contains(key);
    if (!v || !v->is_array()) {
      refuse(file, fmt::format("{}: \"{}\" is not a list", kManifest, key));
    }
    for (const auto& n : v->as_array()) {
      if (!n.is_string()) {
        refuse(file, fmt::format("{}: \"{}\" holds something other than names", kManifest, key));
      }
      out.emplace_back(n.as_string());
    }
    return out;
  };
  u.summary.apps = names("apps");
  u.summary.pipelines = names("pipelines");
  store::Store staged(u.root);
  for (const auto& name : u.summary.apps) {
    try {
      store::validate_app_name(name);
    } catch (const release::InputError& e) {
      refuse(file, e.what());
    }
    if (!files.count(fmt::format("apps/{}/app.yaml", name))) {
      refuse(file, fmt::format("damaged: apps/{}/app.yaml is missing", name));
    }
    try {
      u.apps.push_back(staged.load(name));
    } catch (const std::exception& e) {
      refuse(file, e.what());
    }
    if (u.apps.back().name != name) {
      refuse(file, fmt::format("apps/{}/app.yaml holds the app {}", name, u.apps.back().name));
    }
    for (const auto& a : u.apps.back().addons) {
      u.summary.addons.push_back(a.name);
    }
  }
  if (auto staged_apps = staged.apps(); staged_apps.size() != u.summary.apps.size()) {
    refuse(file, fmt::format("{}: \"apps\" does not list every app in the file", kManifest));
  }
  for (const auto& name : u.summary.pipelines) {
    try {
      store::validate_app_name(name);
      if (!store::Pipelines(staged).find(name)) {
        refuse(file, fmt::format("damaged: pipelines/{}.yaml is missing", name));
      }
    } catch (const release::InputError& e) {
      refuse(file, e.what());
    }
  }
  check_records(file, u, files);
}

/// The snapshot's port when it is free here, else another free one.
unsigned choose_port(unsigned wanted, std::set<unsigned>& taken) {
  if (wanted != 0 && !taken.count(wanted) && !common::port_in_use(wanted)) {
    taken.insert(wanted);
    return wanted;
  }
  for (int tries = 0; tries < 100; ++tries) {
    auto p = common::pick_free_port();
    if (p && taken.insert(*p).second) {
      return *p;
    }
  }
  throw release::InputError("no free TCP port for an add-on's server");
}

void replace_values(release::ConfigVars& config, const std::map<std::string, std::string>& urls) {
  for (auto& [key, value] : config) {
    if (auto it = urls.find(value); it != urls.end()) {
      value = it->second;
    }
  }
}

/// Moves `from` to `to` (same filesystem), replacing nothing.
void move_in(const fs::path& from, const fs::path& to) {
  fs::create_directories(to.parent_path());
  fs::rename(from, to);
}

}  // namespace

StateSummary export_state(const store::Store& store, const fs::path& file,
                          const std::string& lokku_version, bool platform_runs, const Runtime& rt,
                          const StateProgress& progress) {
  Staging staging(store.home(), "export");
  const fs::path& root = staging.path();
  StateSummary summary;
  for (const auto& name : store.apps()) {
    auto app = store.try_load(name);
    if (!app) {
      continue;
    }
    const fs::path dir = root / "apps" / name;
    fs::create_directories(dir);
    store::write_file_atomic(dir / "app.yaml", store::to_yaml(*app), 0600);
    take_files(store.app_dir(name) / "slugs", dir / "slugs", true);
    take_files(buildpack::builds_dir(store, name), dir / "builds", false);
    take_files(store.app_dir(name) / "tls", dir / "tls", false);  // certs:add's, keys 0600
    if (!app->addons.empty()) {
      addons::ServerScope servers(store.home(), *app, rt.init_path, platform_runs);
      for (const auto& a : app->addons) {
        summary.addons.push_back(a.name);
        if (!a.follows.empty()) {
          continue;  // made again from its leader
        }
        progress(fmt::format("Dumping {} ({} of {})", a.name, a.attachment, name));
        const fs::path out = root / dump_path(a);
        fs::create_directories(out.parent_path());
        if (addons::is_postgres(a)) {
          addons::capture_backup(a, out);
        } else {
          addons::capture_redis(a, out);
        }
      }
    }
    summary.apps.push_back(name);
  }
  store::Pipelines pipelines(store);
  for (const auto& name : pipelines.names()) {
    if (auto p = store::read_file(store.home() / "pipelines" / (name + ".yaml"))) {
      fs::create_directories(root / "pipelines");
      store::write_file_atomic(root / "pipelines" / (name + ".yaml"), *p);
      summary.pipelines.push_back(name);
    }
  }
  json::object files;
  for (const auto& p : files_below(root)) {
    files[p] = hex_sha256(root / p);
  }
  json::object manifest;
  manifest["format"] = "lokku-state";
  manifest["version"] = kStateVersion;
  manifest["lokku"] = lokku_version;
  manifest["created_at"] = common::iso8601_now();
  manifest["apps"] = json::value_from(summary.apps);
  manifest["pipelines"] = json::value_from(summary.pipelines);
  manifest["files"] = std::move(files);
  store::write_file_atomic(root / kManifest, json::serialize(manifest) + "\n", 0600);
  progress(fmt::format("Writing {}", file.string()));
  slug::PackOptions options;
  options.root = "./";
  options.mode = 0600;  // config vars and add-on credentials
  summary.bytes = slug::pack(root, file, options).size;
  return summary;
}

StateSummary inspect_state(const store::Store& store, const fs::path& file) {
  Unpacked u(store.home(), "inspect");
  unpack(u, file);
  return u.summary;
}

StateSummary import_state(store::Store& store, const fs::path& file, const ImportOptions& options,
                          const Runtime& rt, const StateProgress& progress) {
  Unpacked u(store.home(), "import");
  unpack(u, file);
  const auto here = store.apps();
  for (const auto& name : here) {
    store.load(name);  // an unreadable record would stop the swap half-way: refused now
  }
  if (!here.empty() && !options.replace) {
    throw release::InputError(fmt::format(
        "importing replaces every app of this lokku home, which has {}; pass --confirm to "
        "destroy them",
        fmt::join(here, ", ")));
  }

  // Everything is prepared beside the live state first: add-on servers' data restored (on
  // the snapshot's ports where they are free here), records written.
  const fs::path prepared = u.staging.path() / "home";
  std::set<unsigned> taken;
  std::map<std::string, std::string> moved_urls;  // an add-on's URL in the file → here
  std::map<std::string, store::Addon> made;
  for (bool followers : {false, true}) {
    for (const auto& app : u.apps) {
      for (const auto& a : app.addons) {
        if (a.follows.empty() == followers) {
          continue;
        }
        progress(fmt::format("Restoring {} ({} of {})", a.name, a.attachment, app.name));
        const unsigned port = choose_port(options.fresh_ports ? 0 : a.port, taken);
        store::Addon now =
            followers
                ? addons::recreate_follower(prepared, a, port, made.at(a.follows), rt.init_path)
                : addons::recreate(prepared, a, port, u.root / dump_path(a), rt.init_path);
        if (addons::url(now) != addons::url(a)) {
          moved_urls[addons::url(a)] = addons::url(now);
        }
        made.emplace(a.name, std::move(now));
      }
    }
  }
  for (auto& app : u.apps) {
    for (auto& a : app.addons) {
      a = made.at(a.name);
    }
    replace_values(app.config, moved_urls);
    for (auto& r : app.releases) {
      replace_values(r.config, moved_urls);
      if (r.status == "pending") {
        // Its release phase ran where the snapshot was taken; it never ends here.
        r.status = "failed";
        r.runner_pid = 0;
      }
    }
    const fs::path dir = prepared / "apps" / app.name;
    fs::create_directories(dir);
    store::write_file_atomic(dir / "app.yaml", store::to_yaml(app), 0600);
    std::error_code ec;
    for (const char* part : {"slugs", "builds", "tls"}) {
      if (fs::exists(u.root / "apps" / app.name / part, ec)) {
        fs::rename(u.root / "apps" / app.name / part, dir / part);
      }
    }
    for (auto b : buildpack::read_build_records(store::Store(prepared), app.name)) {
      if (b.status == "pending") {
        b.status = "failed";  // as its release phase: it was building elsewhere
        buildpack::write_build_record(dir / "builds", b);
      }
    }
  }

  // Then the swap: the home's apps go, the prepared ones move in, each app whole at once.
  progress("Replacing this home's apps");
  reset_state(store, options.platform_runs, rt);
  std::error_code ec;
  for (const auto& [name, a] : made) {
    const fs::path live = addons::addon_dir(store.home(), name);
    fs::remove_all(live, ec);  // left over by no app (every app is gone by now)
    move_in(addons::addon_dir(prepared, name), live);
  }
  for (const auto& app : u.apps) {
    move_in(prepared / "apps" / app.name, store.app_dir(app.name));
  }
  for (const auto& name : u.summary.pipelines) {
    move_in(u.root / "pipelines" / (name + ".yaml"), store.home() / "pipelines" / (name + ".yaml"));
  }
  return u.summary;
}

StateSummary reset_state(store::Store& store, bool platform_runs, const Runtime& rt) {
  StateSummary summary;
  for (const auto& name : store.apps()) {
    if (auto app = store.try_load(name)) {
      destroy_app(store, *app, platform_runs, rt);
      summary.apps.push_back(name);
      for (const auto& a : app->addons) {
        summary.addons.push_back(a.name);
      }
    }
  }
  store::Pipelines pipelines(store);
  for (const auto& name : pipelines.names()) {
    pipelines.destroy(name);
    summary.pipelines.push_back(name);
  }
  if (!platform_runs) {
    // The next platform's clock starts at the system's time again (platform_file.hpp).
    std::error_code ec;
    fs::remove(store.home() / "clock", ec);
  }
  return summary;
}

}  // namespace lokku::platform
