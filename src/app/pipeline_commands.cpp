// pipelines, pipelines:create, pipelines:add, pipelines:info and pipelines:promote
// (build-and-release.md PIPE-1..2): a promotion releases the upstream app's slug on each
// app of the next stage, with that app's own config, without a build.

#include "app/command_support.hpp"
#include "app/commands.hpp"
#include "platform/promotion.hpp"
#include "release/error.hpp"
#include "store/changes.hpp"
#include "store/files.hpp"
#include "store/pipelines.hpp"

#include <fmt/format.h>

#include <filesystem>
#include <iostream>

namespace lokku::app {

int run_pipelines(const CommandOptions&) {
  auto st = open_store();
  auto names = store::Pipelines(st).names();
  std::cout << "=== My pipelines\n";
  for (const auto& n : names) {
    std::cout << n << '\n';
  }
  if (names.empty()) {
    std::cout << "No pipelines. Create one with lokku pipelines:create NAME -a APP --stage "
                 "staging\n";
  }
  return 0;
}

int run_pipelines_create(const CommandOptions& o) {
  if (o.args.empty()) {
    throw release::InputError("pipelines:create needs a name");
  }
  auto st = open_store();
  store::Pipelines pipelines(st);
  if (o.app) {
    st.load(*o.app);
    store::Pipeline::check_stage(o.stage.empty() ? "staging" : o.stage);
  }
  auto p = pipelines.create(o.args[0]);
  std::cout << "Creating " << p.name << " pipeline... done\n";
  if (o.app) {
    const std::string stage = o.stage.empty() ? "staging" : o.stage;
    pipelines.add(p.name, *o.app, stage);
    std::cout << "Adding ⬢ " << *o.app << " to " << p.name << " pipeline as " << stage
              << "... done\n";
  }
  return 0;
}

int run_pipelines_add(const CommandOptions& o) {
  if (o.args.empty() || o.stage.empty()) {
    throw release::InputError(
        "pipelines:add needs a pipeline and a stage: lokku pipelines:add "
        "PIPELINE -a APP --stage staging");
  }
  auto st = open_store();
  const std::string app = app_of(o);
  st.load(app);
  store::Pipelines(st).add(o.args[0], app, o.stage);
  std::cout << "Adding ⬢ " << app << " to " << o.args[0] << " pipeline as " << o.stage
            << "... done\n";
  return 0;
}

int run_pipelines_info(const CommandOptions& o) {
  auto st = open_store();
  store::Pipelines pipelines(st);
  std::optional<store::Pipeline> p =
      o.args.empty() ? pipelines.of_app(app_of(o)) : pipelines.find(o.args[0]);
  if (!p) {
    throw release::InputError(
        fmt::format("Couldn't find that pipeline: {}", o.args.empty() ? app_of(o) : o.args[0]));
  }
  std::cout << "=== " << p->name << "\n\n";
  for (const char* stage : {"review", "development", "staging", "production"}) {
    for (const auto& a : p->apps) {
      if (a.stage == stage) {
        auto app = st.try_load(a.app);
        const auto* cur = app ? app->current() : nullptr;
        std::cout << fmt::format("{:<12} ⬢ {:<30} {}\n", stage, a.app,
                                 cur ? fmt::format("v{}", cur->version) : "(no release)");
      }
    }
  }
  return 0;
}

int run_pipelines_promote(const CommandOptions& o) {
  auto st = open_store();
  const std::string name = app_of(o);
  auto plan = platform::plan_promotion(st, name);
  std::cout << "Starting promotion to " << plan.next << "... done\n";
  int failed = 0;
  for (const auto& r : platform::promote(st, name, plan, plan.targets, runtime(o))) {
    if (!r.error.empty()) {
      std::cout << r.app << ": failed (" << r.error << ")\n";
      ++failed;
      continue;
    }
    if (r.release.status == "failed") {
      ++failed;
    }
    print_release_outcome(r.release, "Releasing the promoted slug on", r.app);
    std::cout << r.app << ": " << (r.release.status == "failed" ? "failed" : "succeeded") << '\n';
  }
  std::cout << (failed == 0 ? "Promotion successful\n" : "Promotion failed\n");
  return failed == 0 ? 0 : 1;
}

}  // namespace lokku::app
