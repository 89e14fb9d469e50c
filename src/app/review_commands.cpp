// review-apps:create and review-apps:destroy (build-and-release.md PIPE-3): a git branch of
// the app's repository built into an app of its own, set up from the branch's app.json
// (`environments.review` first), and removed with its add-ons when done.

#include "app/command_support.hpp"
#include "app/commands.hpp"
#include "common/ids.hpp"
#include "common/run_sync.hpp"
#include "release/error.hpp"
#include "store/app_name.hpp"
#include "store/pipelines.hpp"

#include <fmt/format.h>

#include <iostream>

namespace lokku::app {

namespace {

/// `<parent>-<branch>`, as an app name: lower case, other characters as `-`, 30 at most.
std::string review_app_name(const std::string& parent, const std::string& branch) {
  std::string name = parent + "-";
  for (char c : branch) {
    char l = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    bool ok = (l >= 'a' && l <= 'z') || (l >= '0' && l <= '9');
    if (ok) {
      name += l;
    } else if (name.back() != '-') {
      name += '-';
    }
  }
  if (name.size() > 30) {
    name.resize(30);
  }
  while (!name.empty() && name.back() == '-') {
    name.pop_back();
  }
  return name;
}

std::optional<std::string> git(const fs::path& dir, std::vector<std::string> args) {
  args.insert(args.begin(), {"git", "-C", dir.string()});
  return common::capture(args, "", common::own_environment());
}

}  // namespace

int run_review_apps_create(const CommandOptions& o) {
  if (o.args.empty()) {
    throw release::InputError("review-apps:create needs a branch: lokku review-apps:create BRANCH");
  }
  const std::string branch = o.args[0];
  auto st = open_store();
  const std::string parent = app_of(o);
  st.load(parent);
  const fs::path dir = fs::canonical(fs::absolute(o.dir));
  auto top = git(dir, {"rev-parse", "--show-toplevel"});
  if (!top || fs::path(top->substr(0, top->find('\n'))) != dir) {
    throw release::InputError(fmt::format(
        "{} is not the top of a git repository (review apps build a branch of it)", dir.string()));
  }
  if (!git(dir, {"rev-parse", "--verify", "--quiet", "refs/heads/" + branch})) {
    throw release::InputError(fmt::format("no branch '{}' in {}", branch, dir.string()));
  }
  auto text = git(dir, {"show", branch + ":app.json"});
  if (!text) {
    throw release::InputError(fmt::format(
        "branch '{}' has no app.json at the repository's root; review apps are set up from it",
        branch));
  }
  auto manifest = release::parse_review_manifest(*text, fmt::format("app.json ({})", branch));
  const std::string name = review_app_name(parent, branch);
  store::validate_app_name(name);
  if (st.exists(name)) {
    throw release::InputError(
        fmt::format("{} exists already: the review app of '{}' (lokku review-apps:destroy -a {})",
                    name, branch, name));
  }
  manifest.env["HEROKU_BRANCH"] = release::ManifestEnv{branch, "", false, false};  // PIPE-3
  release::manifest_config(manifest, {}, name, common::random_hex);  // required ones, now
  std::cout << "Creating review app ⬢ " << name << " from branch " << branch << " of ⬢ " << parent
            << "\n";
  st.update_or_create(name, [&](store::App& a) {
    a.review_of = parent;
    a.review_branch = branch;
    a.pr_predestroy = manifest.pr_predestroy;
    a.review_stale_days = o.stale_days;
  });
  CommandOptions deploy = o;
  deploy.app = name;
  deploy.dir = dir.string();
  deploy.git_ref = branch;
  deploy.manifest = manifest;
  int rc = 1;
  try {
    rc = run_deploy(deploy);
  } catch (const std::exception& e) {
    std::cerr << "lokku: error: " << e.what() << '\n';
    rc = 1;
  }
  if (rc != 0) {
    // Nothing half-created: the app and whatever add-ons it got go.
    if (auto app = st.try_load(name)) {
      destroy_app(st, *app, runtime(o));
    }
    std::cerr << " !    The review app " << name << " failed; it was removed with its add-ons\n";
    return 1;
  }
  if (auto p = store::Pipelines(st).of_app(parent)) {
    store::Pipelines(st).add(p->name, name, "review");
  }
  std::cout << "Review app ⬢ " << name << " is up: " << router_url(st, name) << "\n";
  return 0;
}

int run_review_apps_destroy(const CommandOptions& o) {
  auto st = open_store();
  const std::string name = app_of(o);
  auto app = st.load(name);
  if (app.review_of.empty()) {
    throw release::InputError(
        fmt::format("{} is not a review app (apps:destroy removes other apps)", name));
  }
  if (!app.pr_predestroy.empty()) {
    if (const auto* cur = app.current()) {
      // PIPE-3.6: pr-predestroy runs first, as a one-off dyno of the review app.
      std::cout << "-----> Running pr-predestroy script...\n" << std::flush;
      ApiLog log(st, name);
      common::AppLog out(1, false, log.fd, "");
      int status = platform::run_one_off_dyno(st, app, *cur, runtime(o), out, "predestroy",
                                              app.pr_predestroy, std::chrono::hours(1));
      out.flush();
      if (status != 0) {
        std::cout << " !     pr-predestroy failed (exit " << status
                  << "); the review app is removed anyway\n";
      }
    }
  }
  destroy_app(st, app, runtime(o));
  std::cout << "Destroying review app ⬢ " << name << " (including all add-ons)... done\n";
  return 0;
}

}  // namespace lokku::app
