#include "buildpack/builder.hpp"

#include "buildpack/build_record.hpp"
#include "buildpack/slugignore.hpp"
#include "buildpack/source.hpp"
#include "common/child_process.hpp"
#include "common/ids.hpp"
#include "common/run_sync.hpp"
#include "release/error.hpp"
#include "release/procfile.hpp"
#include "slug/slug.hpp"
#include "store/changes.hpp"
#include "store/files.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/readable_pipe.hpp>
#include <fmt/format.h>
#include <yaml-cpp/yaml.h>

#include <cstdlib>
#include <fcntl.h>
#include <map>
#include <sys/stat.h>
#include <unistd.h>

namespace lokku::buildpack {

namespace {

using Env = std::map<std::string, std::string>;

std::vector<std::string> envp(const Env& env) {
  std::vector<std::string> out;
  for (const auto& [k, v] : env) {
    out.push_back(k + "=" + v);
  }
  return out;
}

std::string host_path() {
  const char* p = std::getenv("PATH");
  return p && *p ? p : "/usr/local/bin:/usr/bin:/bin";
}

std::string stack_title(const std::string& stack) {
  // heroku-24 → Heroku-24
  std::string t = stack;
  if (!t.empty() && t[0] >= 'a' && t[0] <= 'z') {
    t[0] = static_cast<char>(t[0] - 'a' + 'A');
  }
  return t;
}

/// Removes a directory tree when the build ends, however it ends.
struct TempTree {
  fs::path path;
  ~TempTree() {
    std::error_code ec;
    if (!path.empty()) {
      fs::permissions(path, fs::perms::owner_all, fs::perm_options::add, ec);
      fs::remove_all(path, ec);
    }
  }
};

void copy_tree(const fs::path& from, const fs::path& to, bool skip_git) {
  fs::create_directories(to);
  for (const auto& e : fs::directory_iterator(from)) {
    auto name = e.path().filename().string();
    if (skip_git && name == ".git") {
      continue;
    }
    fs::copy(e.path(), to / name,
             fs::copy_options::recursive | fs::copy_options::copy_symlinks |
                 fs::copy_options::overwrite_existing);
  }
}

/// The build's working copy of the app's cache. Files of 64 KiB or more are hard-linked (a
/// Node.js download of 150 MB takes no time); smaller ones, where buildpacks keep stamps and
/// indexes they rewrite in place, are copied, so that a failed build leaves the kept cache as
/// it was (BP-9 [emu]). A buildpack that rewrites a large cached file in place, rather than
/// replacing it, would change the kept copy too.
void link_tree(const fs::path& from, const fs::path& to) {
  constexpr std::uintmax_t kLinkFrom = 64 * 1024;
  fs::create_directories(to);
  for (auto it = fs::recursive_directory_iterator(from); it != fs::recursive_directory_iterator();
       ++it) {
    const fs::path target = to / it->path().lexically_relative(from);
    std::error_code ec;
    if (it->is_symlink()) {
      fs::copy_symlink(it->path(), target);
    } else if (it->is_directory()) {
      fs::create_directory(target, it->path());
    } else if (it->file_size() < kLinkFrom) {
      fs::copy_file(it->path(), target);
    } else if (fs::create_hard_link(it->path(), target, ec); ec) {
      fs::copy_file(it->path(), target);  // another file system
    }
  }
}

std::vector<std::string> read_list_file(const fs::path& file) {
  std::vector<std::string> out;
  auto text = store::read_file(file);
  if (!text) {
    return out;
  }
  std::size_t i = 0;
  while (i < text->size()) {
    auto j = text->find('\n', i);
    if (j == std::string::npos) {
      j = text->size();
    }
    std::string line = text->substr(i, j - i);
    i = j + 1;
    while (!line.empty() && (line.back() == '\r' || line.back() == ' ' || line.back() == '\t')) {
      line.pop_back();
    }
    if (!line.empty() && line[0] != '#') {
      out.push_back(line);
    }
  }
  return out;
}

std::vector<std::string> app_json_buildpacks(const fs::path& file) {
  std::vector<std::string> out;
  auto text = store::read_file(file);
  if (!text) {
    return out;
  }
  YAML::Node root;
  try {
    root = YAML::Load(*text);  // JSON is YAML
  } catch (const YAML::Exception& e) {
    throw release::InputError(fmt::format("{}:{}: not valid JSON: {}", file.string(),
                                          e.mark.is_null() ? 0 : e.mark.line + 1, e.msg));
  }
  auto list = root["buildpacks"];
  if (!list) {
    return out;
  }
  if (!list.IsSequence()) {
    throw release::InputError(file.string() + ": buildpacks: must be a list of {\"url\": ...}");
  }
  for (std::size_t i = 0; i < list.size(); ++i) {
    auto url = list[i]["url"];
    if (!url || !url.IsScalar()) {
      throw release::InputError(fmt::format("{}: buildpacks[{}].url: missing", file.string(), i));
    }
    out.push_back(url.as<std::string>());
  }
  return out;
}

/// The environment a sourced `export` file leaves (BP-5).
Env source_export(const fs::path& file, const Env& env) {
  common::RunOptions o;
  o.argv = {"/bin/bash", "-c", "set -a; . \"$1\" >/dev/null 2>&1; env -0", "bash", file.string()};
  o.env = envp(env);
  std::string out;
  o.on_stdout = [&](std::string_view d) { out.append(d); };
  o.on_stderr = [](std::string_view) {};
  auto r = common::run_sync(o);
  if (r.status != 0) {
    return env;
  }
  Env next;
  std::size_t i = 0;
  while (i < out.size()) {
    auto j = out.find('\0', i);
    if (j == std::string::npos) {
      j = out.size();
    }
    std::string kv = out.substr(i, j - i);
    i = j + 1;
    auto eq = kv.find('=');
    if (eq == std::string::npos) {
      continue;
    }
    auto key = kv.substr(0, eq);
    if (key == "_" || key == "SHLVL" || key == "PWD" || key == "OLDPWD") {
      continue;
    }
    next[key] = kv.substr(eq + 1);
  }
  return next;
}

/// BP-10 steps 3 and 4: `scripts.test-setup`, then `scripts.test` or each buildpack's
/// `bin/test`, with `.profile.d` and the config vars loaded. Returns the run's status.
std::string run_tests(const fs::path& app_json, const fs::path& build_dir, const fs::path& env_dir,
                      Env env, const release::ConfigVars& config,
                      const std::vector<fs::path>& buildpacks, std::chrono::nanoseconds timeout,
                      const std::function<void(std::string_view)>& out) {
  std::string setup, test;
  if (auto text = store::read_file(app_json)) {
    try {
      auto t = YAML::Load(*text)["environments"]["test"];
      if (t && t["scripts"]) {
        setup = t["scripts"]["test-setup"].as<std::string>("");
        test = t["scripts"]["test"].as<std::string>("");
      }
      if (t && t["env"] && t["env"].IsMap()) {
        for (const auto& kv : t["env"]) {
          env[kv.first.as<std::string>()] = kv.second.as<std::string>("");
        }
      }
    } catch (const YAML::Exception& e) {
      throw release::InputError(fmt::format("{}: not valid JSON: {}", app_json.string(), e.msg));
    }
  }
  for (const auto& [k, v] : config) {
    env.emplace(k, v);
  }
  const std::string prelude =
      "for __f in .profile.d/*.sh; do [ -f \"$__f\" ] && . \"$__f\"; done; unset __f\n";
  auto run = [&](const std::vector<std::string>& argv) {
    common::RunOptions r;
    r.argv = argv;
    r.env = envp(env);
    r.cwd = build_dir.string();
    r.on_stdout = [&](std::string_view d) { out(d); };
    r.timeout = timeout;
    return common::run_sync(r).status;
  };
  if (!setup.empty()) {
    out(step(fmt::format("Running test setup command `{}`...", setup)));
    if (run({"/bin/bash", "-c", prelude + setup}) != 0) {
      out(step("Test setup failed"));
      return "errored";
    }
  }
  int status = 0;
  if (!test.empty()) {
    out(step(fmt::format("Running test command `{}`...", test)));
    status = run({"/bin/bash", "-c", prelude + test});
  } else {
    bool any = false;
    for (const auto& dir : buildpacks) {
      if (!fs::exists(dir / "bin" / "test")) {
        continue;
      }
      any = true;
      out(step("Running bin/test of " + dir.filename().string() + "..."));
      status = run({"/bin/bash", "-c", prelude + "exec \"$0\" \"$@\"",
                    (dir / "bin" / "test").string(), build_dir.string(), env_dir.string()});
      if (status != 0) {
        break;
      }
    }
    if (!any) {
      out(
          error_line("No test command: set scripts.test in app.json's environments.test, or "
                     "use a buildpack with bin/test"));
      return "errored";
    }
  }
  out(step(status == 0 ? "Tests passed" : "Tests failed"));
  return status == 0 ? "succeeded" : "failed";
}

}  // namespace

void mark_build_failed(store::Store& store, const std::string& app, const std::string& build_id,
                       const std::string& why) {
  fs::path dir = builds_dir(store, app);
  fs::create_directories(dir);
  int fd =
      ::open((dir / (build_id + ".log")).c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
  if (fd >= 0) {
    auto line = error_line(why) + error_line("Push failed");
    [[maybe_unused]] auto n = ::write(fd, line.data(), line.size());
    ::close(fd);
  }
  write_build_record(dir, BuildRecord{build_id, "failed"});
}

std::string step(std::string_view text) {
  return fmt::format("-----> {}\n", text);
}
std::string detail(std::string_view text) {
  return fmt::format("       {}\n", text);
}
std::string error_line(std::string_view text) {
  return fmt::format(" !     {}\n", text);
}

BuildResult build(store::Store& store, const BuildOptions& o) {
  BuildResult result;
  result.build_id = o.build_id.empty() ? common::random_uuid() : o.build_id;
  auto app = store.try_load(o.app);
  const std::string stack = app ? store::build_stack(*app) : "heroku-24";
  const release::ConfigVars config = app ? app->config : release::ConfigVars{};

  // BP-9: the build is recorded with its output, which is written as it is produced (the
  // API's output stream follows the file).
  fs::path builds_dir = buildpack::builds_dir(store, o.app);
  fs::create_directories(builds_dir);
  write_build_record(builds_dir, BuildRecord{result.build_id, "pending"});
  int log_fd = ::open((builds_dir / (result.build_id + ".log")).c_str(),
                      O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
  struct CloseFd {
    int fd;
    ~CloseFd() {
      if (fd >= 0) {
        ::close(fd);
      }
    }
  } close_log{log_fd};
  auto out = [&](std::string_view s) {
    std::size_t off = 0;
    while (log_fd >= 0 && off < s.size()) {
      ssize_t n = ::write(log_fd, s.data() + off, s.size() - off);
      if (n <= 0) {
        break;
      }
      off += static_cast<std::size_t>(n);
    }
    if (o.out) {
      o.out(s);
    }
  };
  auto finish_log = [&](const std::string& status, const std::string& slug_id) {
    BuildRecord r{result.build_id, status};
    r.slug = slug_id;
    r.source_version = result.source_version;
    r.buildpacks = result.buildpacks;
    write_build_record(builds_dir, r);
  };

  fs::path tmp_root = store.home() / "tmp";
  fs::create_directories(tmp_root);
  TempTree work{tmp_root / ("build_" + common::random_hex(16))};
  fs::path build_dir = work.path / "app";
  fs::path env_dir = work.path / "env";
  fs::path cache_work = work.path / "cache";
  fs::path bp_root = work.path / "buildpacks";
  fs::path home_dir = work.path / "home";
  fs::create_directories(env_dir);
  fs::create_directories(bp_root);
  fs::create_directories(home_dir);

  // --- the source: a git commit, or the directory as it is ---------------------------
  const fs::path source = fs::canonical(o.source);
  auto genv = common::own_environment();
  auto top =
      common::capture({"git", "-C", source.string(), "rev-parse", "--show-toplevel"}, "", genv);
  auto head = common::capture(
      {"git", "-C", source.string(), "rev-parse", "--verify", "--quiet", o.git_ref + "^{commit}"},
      "", genv);
  bool from_git = top && head && fs::path(top->substr(0, top->find('\n'))) == source;
  if (o.git_ref != "HEAD" && !from_git) {
    throw release::InputError(fmt::format("{}: no branch or commit '{}' in this git repository",
                                          source.string(), o.git_ref));
  }
  if (from_git) {
    result.source_version = head->substr(0, head->find('\n'));
    // git archive's tar is extracted as it comes (never a whole copy on disk).
    net::io_context ctx;
    net::readable_pipe tar(ctx);
    common::ChildSpec spec;
    spec.argv = {"git", "-C", source.string(), "archive", "--format=tar", result.source_version};
    spec.env = genv;
    bp2::process_stdio stdio{nullptr, tar, nullptr};
    auto git = common::start_child(ctx.get_executor(), spec, stdio);
    // (A failed extraction leaves `git` to its destructor: killed and reaped.)
    slug::extract_fd(tar.native_handle(), "git archive " + o.git_ref, build_dir);
    if (int st = common::wait_child(git); st != 0) {
      throw release::InputError(fmt::format("{}: git archive {} failed (exit status {})",
                                            source.string(), o.git_ref, st));
    }
    auto dirty = common::capture({"git", "-C", source.string(), "status", "--porcelain"}, "", genv);
    if (o.git_ref == "HEAD" && dirty && !dirty->empty()) {
      out(
          error_line(fmt::format("Building commit {} (HEAD); uncommitted changes are not part "
                                 "of it, as with git push",
                                 result.source_version.substr(0, 8))));
    }
  } else {
    copy_tree(source, build_dir, true);
    result.source_version =
        o.source_version.empty() ? slug::tree_digest(build_dir).substr(0, 40) : o.source_version;
  }
  fs::create_directories(build_dir);

  // SLUG-2: .slugignore, before the first buildpack.
  if (auto text = store::read_file(build_dir / ".slugignore")) {
    auto rules = parse_slugignore(*text);
    for (const auto& w : rules.warnings) {
      out(error_line(w));
    }
    apply_slugignore(rules, build_dir);
  }

  // ENV_DIR: one file per config var, byte-exact (BP-4, CFG-3).
  for (const auto& [k, v] : config) {
    store::write_file_atomic(env_dir / k, v, 0600);
  }

  // --- which buildpacks (BP-3) ----------------------------------------------------------
  std::vector<std::string> list = o.buildpacks;
  if (list.empty()) {
    list = read_list_file(source / ".buildpacks");
  }
  if (list.empty()) {
    list = app_json_buildpacks(build_dir / "app.json");
  }
  if (list.empty() && app) {
    list = app->buildpacks;
  }
  if (list.empty() && config.count("BUILDPACK_URL") != 0) {
    list = {config.at("BUILDPACK_URL")};
  }
  const bool detecting = list.empty();

  out(step(fmt::format("Building on the {} stack", stack_title(stack))));
  if (detecting) {
    out(step("Determining which buildpack to use for this app"));
  } else if (list.size() == 1) {
    out(step("Using buildpack: " + display_name(list[0])));
  } else {
    out(step("Using buildpacks:"));
    for (std::size_t i = 0; i < list.size(); ++i) {
      out(detail(fmt::format("{}. {}", i + 1, display_name(list[i]))));
    }
  }

  Env env;
  env["PATH"] = host_path();
  env["HOME"] = home_dir.string();
  env["LANG"] = "C.UTF-8";
  env["STACK"] = stack;
  env["SOURCE_VERSION"] = result.source_version;
  if (o.ci) {
    // BP-10: what Heroku CI adds.
    env["CI"] = "true";
    env["HEROKU_TEST_RUN_ID"] = common::random_uuid();
    auto branch = common::capture(
        {"git", "-C", source.string(), "rev-parse", "--abbrev-ref", "HEAD"}, "", genv);
    env["HEROKU_TEST_RUN_BRANCH"] = branch ? branch->substr(0, branch->find('\n')) : "local";
    env["HEROKU_TEST_RUN_COMMIT_VERSION"] = result.source_version;
  }

  struct Chosen {
    std::string ref;
    fs::path dir;
    std::string name;
  };
  std::vector<Chosen> chosen;
  auto prepare = [&](const std::string& ref, std::size_t index) {
    std::string note;
    fs::path src = fetch(ref, store.home() / "buildpacks", &note);
    if (!note.empty()) {
      out(error_line(note));
    }
    fs::path dir = bp_root / std::to_string(index);
    copy_tree(src, dir, true);
    for (const char* script : {"detect", "compile", "release", "test-compile", "test"}) {
      std::error_code ec;
      fs::permissions(dir / "bin" / script,
                      fs::perms::owner_exec | fs::perms::group_exec | fs::perms::others_exec,
                      fs::perm_options::add, ec);
    }
    return dir;
  };
  auto detect = [&](const fs::path& dir, std::string& name, std::string& err) {
    common::RunOptions r;
    r.argv = {(dir / "bin" / "detect").string(), build_dir.string()};
    r.env = envp(env);
    r.cwd = build_dir.string();
    r.on_stdout = [&](std::string_view d) { name.append(d); };
    r.on_stderr = [&](std::string_view d) { err.append(d); };
    r.timeout = o.compile_timeout;
    int status = 127;
    if (fs::exists(dir / "bin" / "detect")) {
      status = common::run_sync(r).status;
    } else {
      err = "bin/detect is missing";
    }
    while (!name.empty() && (name.back() == '\n' || name.back() == '\r' || name.back() == ' ')) {
      name.pop_back();
    }
    if (auto nl = name.rfind('\n'); nl != std::string::npos) {
      name = name.substr(nl + 1);
    }
    return status == 0 && !name.empty();  // BP-2: exit 0 with no name is no
  };
  auto fail = [&](const std::vector<std::string>& lines) {
    for (const auto& l : lines) {
      out(error_line(l));
    }
    out(error_line("Push failed"));
    finish_log("failed", "");
    result.ok = false;
    return result;
  };

  if (detecting) {
    std::size_t index = 0;
    for (const auto& ref : default_order()) {
      fs::path dir = prepare(ref, index++);
      std::string name, err;
      if (detect(dir, name, err)) {
        chosen.push_back({ref, dir, name});
        break;
      }
    }
    if (chosen.empty()) {
      return fail({"No default language could be detected for this app.",
                   fmt::format("HINT: This occurs when a buildpack cannot detect the app's "
                               "language. lokku's own buildpacks: {}; name one with "
                               "--buildpack, a .buildpacks file or app.json.",
                               fmt::join(default_order(), ", "))});
    }
    result.detected = true;
  } else {
    for (std::size_t i = 0; i < list.size(); ++i) {
      fs::path dir;
      try {
        dir = prepare(list[i], i);
      } catch (const release::InputError& e) {
        return fail({e.what()});
      }
      std::string name, err;
      if (!detect(dir, name, err)) {
        out(step("App not compatible with buildpack: " + display_name(list[i])));
        std::size_t p = 0;
        while (p < err.size()) {
          auto q = err.find('\n', p);
          if (q == std::string::npos) {
            q = err.size();
          }
          out(detail(err.substr(p, q - p)));
          p = q + 1;
        }
        out(detail(
            "More info: https://devcenter.heroku.com/articles/buildpacks#detection-failure"));
        return fail({});
      }
      chosen.push_back({list[i], dir, name});
    }
  }
  for (const auto& c : chosen) {
    result.buildpacks.push_back(c.ref);
  }

  // --- compile (BP-4, BP-5) ---------------------------------------------------------------
  fs::path cache_dir = store.cache_dir(o.app);
  if (fs::is_directory(cache_dir)) {
    link_tree(cache_dir, cache_work);
  }
  for (const auto& c : chosen) {
    out(step(c.name + " app detected"));
    if (!fs::exists(c.dir / "bin" / "compile")) {
      return fail({fmt::format("{}: bin/compile is missing", display_name(c.ref)),
                   fmt::format("Push rejected, failed to compile {} app.", c.name)});
    }
    const bool test_compile = o.ci && fs::exists(c.dir / "bin" / "test-compile");
    common::RunOptions r;
    r.argv = {(c.dir / "bin" / (test_compile ? "test-compile" : "compile")).string(),
              build_dir.string(), cache_work.string(), env_dir.string()};
    r.env = envp(env);
    r.cwd = build_dir.string();
    r.on_stdout = [&](std::string_view d) { out(d); };
    r.timeout = o.compile_timeout;
    auto rr = common::run_sync(r);
    if (rr.timed_out) {
      return fail({"Timed out compiling (15 minutes)",
                   fmt::format("Push rejected, failed to compile {} app.", c.name)});
    }
    if (rr.status != 0) {
      result.ci_status = "errored";
      return fail({fmt::format("Push rejected, failed to compile {} app.", c.name)});
    }
    if (fs::exists(c.dir / "export")) {
      env = source_export(c.dir / "export", env);
    }
  }
  if (o.ci) {
    std::vector<fs::path> dirs;
    for (const auto& c : chosen) {
      dirs.push_back(c.dir);
    }
    result.ci_status = run_tests(source / "app.json", build_dir, env_dir, env, config, dirs,
                                 o.compile_timeout, out);
    result.ok = result.ci_status == "succeeded";
    finish_log(result.ci_status, "");
    return result;
  }

  // --- release (BP-6) and process types (BP-7) --------------------------------------------
  for (const auto& c : chosen) {
    if (!fs::exists(c.dir / "bin" / "release")) {
      continue;
    }
    common::RunOptions r;
    r.argv = {(c.dir / "bin" / "release").string(), build_dir.string()};
    r.env = envp(env);
    r.cwd = build_dir.string();
    std::string yaml, err;
    r.on_stdout = [&](std::string_view d) { yaml.append(d); };
    r.on_stderr = [&](std::string_view d) { err.append(d); };
    r.timeout = o.compile_timeout;
    auto rr = common::run_sync(r);
    if (rr.status != 0) {
      if (!err.empty()) {
        out(err);
      }
      return fail(
          {fmt::format("{}: bin/release exited with status {}", display_name(c.ref), rr.status),
           fmt::format("Push rejected, failed to compile {} app.", c.name)});
    }
    try {
      accumulate(result.release_info, parse_release_info(yaml, display_name(c.ref)));
    } catch (const release::InputError& e) {
      return fail({e.what(), fmt::format("Push rejected, failed to compile {} app.", c.name)});
    }
  }
  std::optional<release::Procfile> procfile;
  if (fs::is_regular_file(build_dir / "Procfile")) {
    try {
      procfile = release::load_procfile((build_dir / "Procfile").string());
    } catch (const release::InputError& e) {
      return fail({e.what()});
    }
    for (const auto& w : procfile->warnings) {
      out(error_line(w));
    }
  }
  auto merged = merge_process_types(procfile ? &*procfile : nullptr,
                                    result.release_info.default_process_types);
  out(step("Discovering process types"));
  for (const auto& line : process_type_report(merged)) {
    out(detail(line));
  }

  // --- the slug (SLUG-1..5) ----------------------------------------------------------------
  out(step("Compressing..."));
  store::Slug slug;
  slug.id = common::random_uuid();
  fs::create_directories(store.app_dir(o.app) / "slugs");
  fs::path slug_path = store.slug_file(o.app, slug.id);
  auto packed = slug::pack(build_dir, slug_path, o.threads);
  for (const auto& s : packed.skipped) {
    out(error_line("Left out of the slug: " + s));
  }
  if (packed.size > o.slug_hard_limit) {
    std::error_code ec;
    fs::remove(slug_path, ec);
    return fail({fmt::format("Compiled slug size: {} is too large (max is {}).",
                             slug::human_size(packed.size), slug::human_size(o.slug_hard_limit)),
                 "See: http://devcenter.heroku.com/articles/slug-size"});
  }
  out(detail("Done: " + slug::human_size(packed.size)));
  result.size_warning = packed.size >= o.slug_soft_limit;
  result.soft_limit = o.slug_soft_limit;
  slug.process_types = merged.types;
  slug.commit = result.source_version;
  slug.commit_description = "";
  slug.buildpack_provided_description = chosen.back().name;
  slug.checksum = packed.checksum;
  slug.size = packed.size;
  slug.stack = stack;
  slug.created_at = common::iso8601_now();
  store.save_slug(o.app, slug);

  // BP-9 [emu]: the cache is kept only on success.
  {
    std::error_code ec;
    fs::path old = work.path / "cache.old";
    if (fs::exists(cache_dir)) {
      fs::rename(cache_dir, old, ec);
    }
    if (fs::exists(cache_work)) {
      fs::rename(cache_work, cache_dir, ec);
    }
  }
  result.slug = slug;
  result.ok = true;
  finish_log("succeeded", slug.id);
  return result;
}

}  // namespace lokku::buildpack
