// build and deploy: source → buildpacks → slug (→ release) (build-and-release.md §1-3).

#include "app/command_support.hpp"
#include "app/commands.hpp"
#include "buildpack/builder.hpp"
#include "common/app_log.hpp"
#include "common/ids.hpp"
#include "common/run_sync.hpp"
#include "platform/autodeploy.hpp"
#include "platform/deploy.hpp"
#include "platform/platform_file.hpp"
#include "platform/readiness.hpp"
#include "platform/runtime.hpp"
#include "release/app_manifest.hpp"
#include "release/error.hpp"
#include "slug/slug.hpp"
#include "store/app_name.hpp"
#include "store/changes.hpp"
#include "store/store.hpp"

#include <fmt/format.h>

#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <optional>
#include <unistd.h>

namespace lokku::app {

namespace fs = std::filesystem;

namespace {

struct Built {
  std::string app;
  buildpack::BuildResult result;
  /// A first deploy's app.json (APP-2): its postdeploy runs after the release.
  std::optional<release::AppManifest> manifest;
};

Built do_build(const CommandOptions& o, store::Store& st, const platform::Runtime& rt,
               bool ci = false, bool deploy = false) {
  fs::path dir = fs::absolute(o.dir);
  if (!fs::is_directory(dir)) {
    throw release::InputError(fmt::format("{}: not a directory", o.dir));
  }
  Built b;
  b.app = store::resolve_app(o.app, fs::canonical(dir));
  const bool exists = st.exists(b.app);
  if (deploy && (!exists || !st.load(b.app).current())) {
    // APP-2: a first deploy sets the app up from its app.json; a malformed one, or a
    // required variable without a value, stops it before anything is created.
    b.manifest = o.manifest ? o.manifest : read_app_manifest(dir);
    if (b.manifest) {
      release::manifest_config(*b.manifest, exists ? st.load(b.app).config : release::ConfigVars{},
                               b.app, common::random_hex);
    }
  }
  if (!exists) {
    st.update_or_create(b.app, [](store::App&) {});
    std::cout << "Creating ⬢ " << b.app << "... done" << std::endl;
  }
  if (b.manifest) {
    setup_from_manifest(st, b.app, *b.manifest, rt);
  }
  buildpack::BuildOptions bo;
  bo.app = b.app;
  bo.source = dir;
  bo.buildpacks = o.buildpacks;
  bo.ci = ci;
  bo.git_ref = o.git_ref;
  bo.source_version = o.source_version;
  bo.compile_timeout = rt.scale(std::chrono::minutes(15));
  // SLUG-4 [emu]: the limits are configurable (bytes).
  for (auto [var, limit] : {std::pair{"LOKKU_SLUG_SOFT_LIMIT", &bo.slug_soft_limit},
                            std::pair{"LOKKU_SLUG_HARD_LIMIT", &bo.slug_hard_limit}}) {
    if (const char* v = std::getenv(var); v && *v) {
      char* end = nullptr;
      auto n = std::strtoull(v, &end, 10);
      if (end == v || *end != '\0' || n == 0) {
        throw release::InputError(fmt::format("{}: '{}' is not a size in bytes", var, v));
      }
      *limit = n;
    }
  }
  bo.out = [](std::string_view s) {
    std::cout << s;
    std::cout.flush();
  };
  b.result = buildpack::build(st, bo);
  return b;
}

}  // namespace

int run_build(const CommandOptions& o) {
  store::Store st(store::Store::default_home());
  platform::Runtime rt{"", platform::resolve_time_scale(o.time_scale)};
  auto b = do_build(o, st, rt);
  if (!b.result.ok) {
    return 1;
  }
  std::cout << buildpack::detail("Slug " + b.result.slug.id + " (" + b.result.slug.checksum + ")");
  return 0;
}

int deploy(const CommandOptions& o, DeployStyle style) {
  store::Store st(store::Store::default_home());
  platform::Runtime rt{platform::find_init(), platform::resolve_time_scale(o.time_scale)};
  auto b = do_build(o, st, rt, false, true);
  const bool push = style == DeployStyle::push;
  if (!b.result.ok) {
    if (push) {
      // git-and-ci.md §1.3: the buildpack's reason, then Heroku's rejection.
      std::cout << "Verifying deploy...\n\n!\tPush rejected to " << b.app << ".\n\n" << std::flush;
    }
    return 1;
  }
  const auto& r = b.result;
  std::cout << buildpack::step("Launching...") << std::flush;
  if (r.size_warning) {
    std::cout << buildpack::error_line(fmt::format(
        "Warning: Your slug size ({} MB) exceeds our soft limit ({} MB) which may affect boot "
        "time.",
        (r.slug.size + (1 << 20) - 1) >> 20, r.soft_limit >> 20));
  }
  unsigned port = 5000;
  const auto running = platform::running_platform(st);
  if (running) {
    port = running->router_port;
  }
  const std::string url = fmt::format("http://{}.localhost:{}/", b.app, port);
  int log_fd = platform::open_app_log(st, b.app);
  {
    // The release phase's output shows here, as on a git push (RPH-3); the rest of the api
    // lines only in the app's log.
    const bool release_phase = r.slug.process_types.count("release") != 0;
    if (release_phase && push) {
      std::cout << buildpack::error_line(
          "Release command declared: this new release will not be available until the command "
          "succeeds.");
    }
    auto released = [&](const store::Release& made) {
      // A push says what Heroku's says, in its order (git-and-ci.md §1.3).
      std::cout << buildpack::detail(fmt::format("Released v{}", made.version))
                << buildpack::detail(url + " deployed to Heroku") << "\n"
                << "Verifying deploy... done.\n";
      if (release_phase) {
        std::cout << "Running release command...\n";
      }
      std::cout << std::flush;
    };
    if (release_phase && !push) {
      std::cout << buildpack::step("Running release command...") << std::flush;
    }
    common::AppLog sink(release_phase ? 1 : -1, false, log_fd, "");
    sink.messages_only(push);
    auto rel = platform::release_build(
        st, b.app, r, rt, sink,
        push && release_phase ? std::function<void(const store::Release&)>(released) : nullptr);
    sink.flush();
    if (rel.status == "failed") {
      if (push) {
        // RPH-3: the push stands (the ref is updated); the release does not.
        std::cout << "Waiting for release.... failed.\n" << std::flush;
        if (log_fd >= 0) {
          ::close(log_fd);
        }
        return 0;
      }
      std::cout << buildpack::error_line(
                       fmt::format("Release v{}: the release command failed; the app stays on "
                                   "its previous release",
                                   rel.version))
                << buildpack::error_line("Push failed");
      if (log_fd >= 0) {
        ::close(log_fd);
      }
      return 1;
    }
    if (running) {
      platform::wait_for_release(st, b.app, rel.version);  // the platform has picked it up
    }
    if (push && release_phase) {
      std::cout << "Waiting for release.... done.\n" << std::flush;
    }
    if (b.manifest && !b.manifest->postdeploy.empty()) {
      // APP-3: postdeploy runs once, in a one-off dyno, after the first release succeeded.
      std::cout << buildpack::step("Running postdeploy script...") << std::flush;
      common::AppLog out(1, false, log_fd, "");
      auto app = st.load(b.app);
      // Readiness (`lokku wait`) waits for it, and fails with it.
      platform::mark_postdeploy(st, b.app,
                                platform::PostdeployMark{"running", ::getpid(), 0, rel.version});
      int status = platform::run_one_off_dyno(st, app, rel, rt, out, "postdeploy",
                                              b.manifest->postdeploy, std::chrono::hours(1));
      out.flush();
      platform::mark_postdeploy(
          st, b.app,
          status == 0 ? std::nullopt
                      : std::optional(platform::PostdeployMark{"failed", 0, status, rel.version}));
      if (status != 0) {
        std::cout << buildpack::error_line(
                         fmt::format("app.json's postdeploy script failed (exit {}); the app is "
                                     "released (v{}), the script did not finish",
                                     status, rel.version))
                  << std::flush;
        if (log_fd >= 0) {
          ::close(log_fd);
        }
        return push ? 0 : 1;
      }
    }
    if (push && !release_phase) {
      released(rel);
    } else if (!push) {
      std::cout << buildpack::detail(fmt::format("Released v{}", rel.version))
                << buildpack::detail(url + " deployed to lokku");
    }
  }
  if (log_fd >= 0) {
    ::close(log_fd);
  }
  return 0;
}

int run_deploy(const CommandOptions& o) {
  return deploy(o, DeployStyle::cli);
}

int run_ci(const CommandOptions& o) {
  store::Store st(store::Store::default_home());
  platform::Runtime rt{"", platform::resolve_time_scale(o.time_scale)};
  // Each run is recorded (git-and-ci.md §5: a test run, numbered per app), with the branch
  // and commit it tested, for `lokku ci:list` and automatic deploys that wait for CI.
  const fs::path dir = fs::absolute(o.dir);
  const auto env = common::own_environment();
  auto git = [&](const std::vector<std::string>& args) {
    std::vector<std::string> argv = {"git", "-C", dir.string()};
    argv.insert(argv.end(), args.begin(), args.end());
    auto out = common::capture(argv, "", env).value_or("");
    return out.substr(0, out.find('\n'));
  };
  platform::TestRun run;
  run.commit = git({"rev-parse", "--verify", "--quiet", o.git_ref + "^{commit}"});
  run.branch = git({"for-each-ref", "--points-at", run.commit.empty() ? "HEAD" : run.commit,
                    "--format=%(refname:short)", "refs/heads/" + o.git_ref});
  if (run.branch.empty() && !run.commit.empty()) {
    run.branch = o.git_ref == "HEAD" ? git({"rev-parse", "--abbrev-ref", "HEAD"})
                                     : git({"for-each-ref", "--points-at", run.commit,
                                            "--format=%(refname:short)", "refs/heads/"});
  }
  if (run.branch.empty()) {
    run.branch = run.commit.empty() ? "local" : "(no branch)";
  }
  run.status = "running";
  std::optional<platform::TestRun> recorded;
  const std::string app = store::resolve_app(o.app, fs::canonical(dir));
  if (st.exists(app)) {
    recorded = platform::add_test_run(st, app, run);
  }
  Built b;
  try {
    b = do_build(o, st, rt, true);
  } catch (...) {
    if (recorded) {
      recorded->status = "errored";
      platform::update_test_run(st, app, *recorded);
    }
    throw;
  }
  if (!recorded && st.exists(b.app)) {
    recorded = platform::add_test_run(st, b.app, run);
  }
  if (recorded) {
    recorded->status = b.result.ci_status.empty() ? "errored" : b.result.ci_status;
    if (recorded->commit.empty()) {
      recorded->commit = b.result.source_version;
    }
    platform::update_test_run(st, b.app, *recorded);
  }
  return b.result.ok ? 0 : 1;
}

int run_slug_pack(const CommandOptions& o) {
  if (!fs::is_directory(o.dir)) {
    throw release::InputError(fmt::format("{}: not a directory", o.dir));
  }
  auto r = slug::pack(o.dir, o.args.at(0));
  std::cout << fmt::format("{}: {} bytes, {}\n", o.args.at(0), r.size, r.checksum);
  for (const auto& s : r.skipped) {
    std::cerr << " !     Left out: " << s << '\n';
  }
  return 0;
}

int run_cache_purge(const CommandOptions& o) {
  store::Store st(store::Store::default_home());
  std::string name = store::resolve_app(o.app, fs::current_path());
  st.load(name);
  std::error_code ec;
  fs::remove_all(st.cache_dir(name), ec);
  std::cout << "Purged the build cache of ⬢ " << name << '\n';
  return 0;
}

}  // namespace lokku::app
