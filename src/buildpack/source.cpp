#include "buildpack/source.hpp"

#include "common/run_sync.hpp"
#include "release/error.hpp"
#include "slug/slug.hpp"

#include <fmt/format.h>

#include <cstdlib>

namespace lokku::buildpack {

namespace {

bool ends_with(const std::string& s, std::string_view suffix) {
  return s.size() >= suffix.size() &&
         s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

std::string cache_key(const std::string& ref) {
  std::uint64_t h = 1469598103934665603ULL;  // FNV-1a: stable across runs
  for (unsigned char c : ref) {
    h = (h ^ c) * 1099511628211ULL;
  }
  return fmt::format("{:016x}", h);
}

bool is_remote_git(const std::string& ref) {
  for (std::string_view p : {"https://", "http://", "git://", "ssh://", "git@"}) {
    if (ref.rfind(p, 0) == 0) {
      return true;
    }
  }
  return false;
}

fs::path clone(const std::string& url, const std::string& git_ref, const std::string& original,
               const fs::path& cache_root) {
  fs::path dest = cache_root / cache_key(original);
  if (fs::exists(dest / "bin")) {
    return dest;  // fetched once and cached
  }
  fs::create_directories(cache_root);
  fs::path tmp = dest;
  tmp += ".partial";
  std::error_code ec;
  fs::remove_all(tmp, ec);
  auto env = common::own_environment();
  env.emplace_back("GIT_TERMINAL_PROMPT=0");
  std::string err;
  common::RunOptions o;
  o.argv = {"git", "clone", "--quiet", url, tmp.string()};
  o.env = env;
  o.on_stdout = [](std::string_view) {};
  o.on_stderr = [&](std::string_view d) { err.append(d); };
  int status = 0;
  try {
    status = common::run_sync(o).status;
  } catch (const std::exception& e) {
    throw release::InputError(fmt::format("{}: cannot run git: {}", original, e.what()));
  }
  if (status != 0) {
    fs::remove_all(tmp, ec);
    throw release::InputError(fmt::format("{}: git clone failed: {}", original, err));
  }
  if (!git_ref.empty()) {
    o.argv = {"git", "-C", tmp.string(), "checkout", "--quiet", git_ref};
    err.clear();
    if (common::run_sync(o).status != 0) {
      fs::remove_all(tmp, ec);
      throw release::InputError(
          fmt::format("{}: no such ref '{}' in {}: {}", original, git_ref, url, err));
    }
  }
  fs::remove_all(tmp / ".git", ec);
  fs::rename(tmp, dest);
  return dest;
}

}  // namespace

fs::path bundled_dir() {
  if (const char* d = std::getenv("LOKKU_BUILDPACKS_DIR"); d && *d) {
    return d;
  }
  return LOKKU_BUILDPACKS_DIR;
}

const std::vector<std::string>& default_order() {
  static const std::vector<std::string> order = {"lokku/nodejs", "lokku/python", "lokku/static"};
  return order;
}

std::string display_name(const std::string& ref) {
  return ref;
}

fs::path fetch(const std::string& ref, const fs::path& cache_root) {
  std::string spec = ref;
  std::string git_ref;
  if (auto hash = spec.find('#'); hash != std::string::npos) {
    git_ref = spec.substr(hash + 1);
    spec.resize(hash);
  }
  for (std::string_view ns : {"lokku/", "heroku/", "heroku-community/"}) {
    if (spec.rfind(ns, 0) == 0 && spec.find('/', ns.size()) == std::string::npos) {
      fs::path dir = bundled_dir() / spec.substr(ns.size());
      if (fs::is_directory(dir)) {
        return dir;
      }
      if (ns == "lokku/") {
        throw release::InputError(fmt::format("{}: no such lokku buildpack (have: {})", ref,
                                              fmt::join(default_order(), ", ")));
      }
    }
  }
  if (is_remote_git(spec)) {
    return clone(spec, git_ref, ref, cache_root / "git");
  }
  std::string path = spec.rfind("file://", 0) == 0 ? spec.substr(7) : spec;
  if (fs::path cached = cache_root / "git" / cache_key(ref); fs::exists(cached / "bin")) {
    return cached;  // a git repository fetched before
  }
  if (fs::is_directory(path)) {
    if (fs::exists(fs::path(path) / ".git") &&
        (!git_ref.empty() || !fs::exists(fs::path(path) / "bin"))) {
      return clone(fs::absolute(path).string(), git_ref, ref, cache_root / "git");
    }
    return fs::absolute(path);
  }
  if (fs::is_regular_file(path) &&
      (ends_with(path, ".tgz") || ends_with(path, ".tar.gz") || ends_with(path, ".tar"))) {
    fs::path dest =
        cache_root / "archives" /
        cache_key(ref + std::to_string(fs::last_write_time(path).time_since_epoch().count()));
    if (!fs::exists(dest)) {
      fs::path tmp = dest;
      tmp += ".partial";
      std::error_code ec;
      fs::remove_all(tmp, ec);
      slug::extract(path, tmp);
      // An archive may hold the buildpack at its root or in one top-level folder.
      fs::path root = tmp;
      if (!fs::exists(tmp / "bin")) {
        std::vector<fs::path> kids;
        for (const auto& e : fs::directory_iterator(tmp)) {
          kids.push_back(e.path());
        }
        if (kids.size() == 1 && fs::exists(kids[0] / "bin")) {
          root = kids[0];
        }
      }
      fs::create_directories(dest.parent_path());
      fs::rename(root, dest);
      fs::remove_all(tmp, ec);
    }
    return dest;
  }
  throw release::InputError(fmt::format(
      "{}: not a buildpack: expected lokku/NAME, a directory, a .tgz archive or a git URL", ref));
}

}  // namespace lokku::buildpack
