// autodeploy:enable, autodeploy:disable, autodeploy:info and ci:list (issue #19: automatic
// deploys, Heroku's GitHub integration locally; git-and-ci.md §1.5, §5).

#include "app/command_support.hpp"
#include "app/commands.hpp"
#include "common/run_sync.hpp"
#include "platform/autodeploy.hpp"
#include "release/error.hpp"
#include "store/store.hpp"

#include <boost/json.hpp>
#include <fmt/format.h>

#include <filesystem>
#include <iostream>

namespace lokku::app {

namespace fs = std::filesystem;
namespace json = boost::json;

int run_autodeploy_enable(const CommandOptions& o) {
  auto st = open_store();
  const std::string app = app_of(o);
  st.load(app);
  const fs::path repo = fs::absolute(o.dir);
  auto top = common::capture({"git", "-C", repo.string(), "rev-parse", "--show-toplevel"}, "",
                             common::own_environment());
  if (!top || fs::path(top->substr(0, top->find('\n'))) != fs::canonical(repo)) {
    throw release::InputError(
        fmt::format("--repo {}: not the top of a git working tree", repo.string()));
  }
  if (o.branch.empty() || o.branch.find_first_of(" ~^:?*[\\") != std::string::npos) {
    throw release::InputError(fmt::format("--branch '{}': not a branch name", o.branch));
  }
  platform::AutoDeploy a;
  if (auto before = platform::read_autodeploy(st, app);
      before && before->repo == fs::canonical(repo) && before->branch == o.branch) {
    a = *before;  // what was deployed already stays deployed
  }
  a.repo = fs::canonical(repo);
  a.branch = o.branch;
  a.wait_for_ci = o.wait_for_ci;
  a.review_apps = o.review_apps;
  platform::write_autodeploy(st, app, a);
  std::cout << fmt::format("Enabled automatic deploys of {} from {} to ⬢ {}{}\n", o.branch,
                           a.repo.string(), app,
                           o.wait_for_ci ? " (each commit once lokku ci passes on it)" : "");
  if (o.review_apps) {
    std::cout << "Review apps: one for each other branch that appears\n";
  }
  std::cout << "The platform (lokku up) deploys each new commit of the branch.\n";
  return 0;
}

int run_autodeploy_disable(const CommandOptions& o) {
  auto st = open_store();
  const std::string app = app_of(o);
  st.load(app);
  platform::remove_autodeploy(st, app);
  std::cout << fmt::format("Disabled automatic deploys to ⬢ {}\n", app);
  return 0;
}

int run_autodeploy_info(const CommandOptions& o) {
  auto st = open_store();
  const std::string app = app_of(o);
  st.load(app);
  auto a = platform::read_autodeploy(st, app);
  if (o.json) {
    json::value v = nullptr;
    if (a) {
      v = json::object{
          {"repo", a->repo.string()},
          {"branch", a->branch},
          {"wait_for_ci", a->wait_for_ci},
          {"review_apps", a->review_apps},
          {"deployed", a->deployed.empty() ? json::value(nullptr) : json::value(a->deployed)}};
    }
    std::cout << json::serialize(v) << '\n';
    return 0;
  }
  if (!a) {
    std::cout << fmt::format("⬢ {} has no automatic deploys\n", app);
    return 0;
  }
  std::cout << fmt::format(
      "=== ⬢ {} automatic deploys\nRepository:  {}\nBranch:      {}\n"
      "Wait for CI: {}\nReview apps: {}\nDeployed:    {}\n",
      app, a->repo.string(), a->branch, a->wait_for_ci ? "yes" : "no",
      a->review_apps ? "yes" : "no",
      a->deployed.empty() ? "(nothing yet)" : a->deployed.substr(0, 7));
  return 0;
}

int run_ci_list(const CommandOptions& o) {
  auto st = open_store();
  const std::string app = app_of(o);
  st.load(app);
  auto runs = platform::read_test_runs(st, app);
  if (runs.size() > 15) {
    runs.resize(15);  // `heroku ci`: the latest 15
  }
  if (o.json) {
    json::array out;
    for (const auto& r : runs) {
      out.push_back(platform::to_json(r));
    }
    std::cout << json::serialize(out) << '\n';
    return 0;
  }
  std::cout << fmt::format("=== Showing latest test runs for ⬢ {}\n", app);
  for (const auto& r : runs) {
    // The marks of `heroku ci` (git-and-ci.md §5).
    const char* mark = r.status == "succeeded"                              ? "✓"
                       : r.status == "failed"                               ? "✗"
                       : (r.status == "errored" || r.status == "cancelled") ? "!"
                                                                            : "-";
    std::cout << fmt::format("{} #{} {}:{} {}  {}\n", mark, r.number, r.branch,
                             r.commit.substr(0, 7), r.status, r.created_at);
  }
  return 0;
}

}  // namespace lokku::app
