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

/// A git repository on disk: a working tree (`.git` inside) or a bare repository.
bool is_git_repository(const fs::path& dir) {
  return fs::exists(dir / ".git") ||
         (fs::is_regular_file(dir / "HEAD") && fs::is_directory(dir / "objects") &&
          fs::is_directory(dir / "refs"));
}

/// git, quietly, never asking for a password; stderr kept for the error message.
int git(const std::vector<std::string>& args, std::string& err) {
  auto env = common::own_environment();
  // A build started from a git hook must not act on the hook's repository.
  std::erase_if(env, [](const std::string& kv) {
    return kv.rfind("GIT_DIR=", 0) == 0 || kv.rfind("GIT_WORK_TREE=", 0) == 0 ||
           kv.rfind("GIT_INDEX_FILE=", 0) == 0 || kv.rfind("GIT_OBJECT_DIRECTORY=", 0) == 0 ||
           kv.rfind("GIT_ALTERNATE_OBJECT_DIRECTORIES=", 0) == 0 ||
           kv.rfind("GIT_QUARANTINE_PATH=", 0) == 0;
  });
  env.emplace_back("GIT_TERMINAL_PROMPT=0");
  common::RunOptions o;
  o.argv = {"git"};
  o.argv.insert(o.argv.end(), args.begin(), args.end());
  o.env = env;
  o.on_stdout = [](std::string_view) {};
  o.on_stderr = [&](std::string_view d) { err.append(d); };
  try {
    return common::run_sync(o).status;
  } catch (const std::exception& e) {
    err = std::string("cannot run git: ") + e.what();
    return 127;
  }
}

/// git's last line of error output: the one that says what went wrong, in one line.
std::string trimmed(const std::string& s) {
  auto t = s;
  while (!t.empty() && (t.back() == '\n' || t.back() == ' ' || t.back() == '\r')) {
    t.pop_back();
  }
  auto nl = t.rfind('\n');
  return nl == std::string::npos ? t : t.substr(nl + 1);
}

/// Moves the clone in `dest` to what `git_ref` (default: the remote's HEAD) names now.
bool check_out(const fs::path& dest, const std::string& git_ref, std::string& err) {
  std::string ignored;
  std::string target = "origin/HEAD";
  if (!git_ref.empty()) {
    // A branch of the remote wins over a tag or commit of the same name.
    target = git({"-C", dest.string(), "rev-parse", "--verify", "--quiet",
                  "refs/remotes/origin/" + git_ref},
                 ignored) == 0
                 ? "origin/" + git_ref
                 : git_ref;
  }
  return git({"-C", dest.string(), "checkout", "--quiet", "--force", "--detach", target}, err) == 0;
}

/// BP-1: a git buildpack is fetched on every build, as Heroku does, so a fix pushed to it is
/// used by the next build. The clone kept in `cache_root` is fetched into; when the fetch
/// fails (the remote is gone, no network), the copy fetched before is used and `note` says
/// so. The first fetch must succeed.
fs::path clone(const std::string& url, const std::string& git_ref, const std::string& original,
               const fs::path& cache_root, std::string* note) {
  fs::path dest = cache_root / cache_key(original);
  std::error_code ec;
  if (fs::exists(dest / ".git")) {
    std::string err;
    bool fetched = git({"-C", dest.string(), "fetch", "--quiet", "--force", "--tags", "--prune",
                        "origin", "+refs/heads/*:refs/remotes/origin/*"},
                       err) == 0;
    if (fetched) {
      std::string ignored;
      git({"-C", dest.string(), "remote", "set-head", "origin", "--auto"}, ignored);
    }
    std::string checkout_err;
    if (fetched && check_out(dest, git_ref, checkout_err)) {
      return dest;
    }
    if (fetched) {
      throw release::InputError(fmt::format("{}: no such ref '{}' in {}: {}", original, git_ref,
                                            url, trimmed(checkout_err)));
    }
    if (note) {
      *note = fmt::format("Could not fetch {} ({}); using the copy fetched before", original,
                          trimmed(err));
    }
    return dest;
  }
  fs::remove_all(dest, ec);  // a copy of an older lokku (no .git): fetched anew
  fs::create_directories(cache_root);
  fs::path tmp = dest;
  tmp += ".partial";
  fs::remove_all(tmp, ec);
  std::string err;
  if (git({"clone", "--quiet", "--no-checkout", url, tmp.string()}, err) != 0) {
    fs::remove_all(tmp, ec);
    throw release::InputError(fmt::format("{}: git clone failed: {}", original, trimmed(err)));
  }
  err.clear();
  if (!check_out(tmp, git_ref, err)) {
    fs::remove_all(tmp, ec);
    throw release::InputError(fmt::format("{}: no such ref '{}' in {}: {}", original,
                                          git_ref.empty() ? "HEAD" : git_ref, url, trimmed(err)));
  }
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

fs::path fetch(const std::string& ref, const fs::path& cache_root, std::string* note) {
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
    return clone(spec, git_ref, ref, cache_root / "git", note);
  }
  std::string path = spec.rfind("file://", 0) == 0 ? spec.substr(7) : spec;
  if (fs::is_directory(path)) {
    // A bare repository has no `bin/` of its own: it is cloned, as is a working tree
    // named with a #ref or without a `bin/` (its committed state is the buildpack).
    if (is_git_repository(path) && (!git_ref.empty() || !fs::exists(fs::path(path) / "bin"))) {
      return clone(fs::absolute(path).string(), git_ref, ref, cache_root / "git", note);
    }
    return fs::absolute(path);
  }
  if (!fs::exists(path) && spec.rfind("file://", 0) == 0) {
    if (fs::path cached = cache_root / "git" / cache_key(ref); fs::exists(cached / ".git")) {
      if (note) {
        *note = fmt::format("{} is gone; using the copy fetched before", ref);
      }
      return cached;
    }
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
