// pipelines, pipelines:create, pipelines:add, pipelines:info and pipelines:promote
// (build-and-release.md PIPE-1..2): a promotion releases the upstream app's slug on each
// app of the next stage, with that app's own config, without a build.

#include "app/command_support.hpp"
#include "app/commands.hpp"
#include "release/error.hpp"
#include "store/changes.hpp"
#include "store/files.hpp"
#include "store/pipelines.hpp"

#include <fmt/format.h>

#include <filesystem>
#include <iostream>

namespace lokku::app {

namespace {

/// Gives `to` the slug `id` of `from` (the archive and its metadata), unless it has it.
void copy_slug(store::Store& st, const std::string& from, const std::string& to,
               const std::string& id) {
  const auto target = st.slug_file(to, id);
  if (!fs::exists(target)) {
    fs::create_directories(target.parent_path());
    const auto partial = target.string() + ".partial";
    fs::copy_file(st.slug_file(from, id), partial, fs::copy_options::overwrite_existing);
    fs::rename(partial, target);
  }
  st.save_slug(to, st.load_slug(from, id));
}

}  // namespace

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
  auto source = st.load(name);
  const auto* cur = source.current();
  if (!cur) {
    throw release::InputError(fmt::format("{} has no release with a slug to promote", name));
  }
  auto p = store::Pipelines(st).of_app(name);
  if (!p) {
    throw release::InputError(fmt::format(
        "{} is not in a pipeline; add it with lokku pipelines:add PIPELINE -a {} --stage "
        "staging",
        name, name));
  }
  std::string stage;
  for (const auto& a : p->apps) {
    if (a.app == name) {
      stage = a.stage;
    }
  }
  const std::string next = store::Pipeline::next_stage(stage);
  std::vector<std::string> targets;
  for (const auto& a : p->apps) {
    if (!next.empty() && a.stage == next) {
      targets.push_back(a.app);
    }
  }
  if (targets.empty()) {
    throw release::InputError(
        fmt::format("Nothing to promote to: {} is in {}, and {}", name, stage,
                    next.empty() ? "that stage promotes nowhere" : "no app is in " + next));
  }
  std::cout << "Starting promotion to " << next << "... done\n";
  int failed = 0;
  const std::string slug = cur->slug_id;
  for (const auto& target : targets) {
    auto app = st.load(target);
    if (app.stack != source.stack) {
      std::cout << target << ": failed (stack " << app.stack << ", not " << source.stack << ")\n";
      ++failed;
      continue;
    }
    copy_slug(st, name, target, slug);
    ApiLog log(st, target);
    // PIPE-2: the slug, not a build; the target keeps its config; its release phase runs.
    auto r = platform::make_release(
        st, target,
        [&](store::App& a) { store::add_new_types(a, st.load_slug(target, slug).process_types); },
        [&](const store::App&) { return fmt::format("Promote {} v{}", name, cur->version); },
        [&](const store::App&) { return slug; }, runtime(o), log.sink);
    if (r.status == "failed") {
      ++failed;
    }
    print_release_outcome(r, "Releasing the promoted slug on", target);
    std::cout << target << ": " << (r.status == "failed" ? "failed" : "succeeded") << '\n';
  }
  std::cout << (failed == 0 ? "Promotion successful\n" : "Promotion failed\n");
  return failed == 0 ? 0 : 1;
}

}  // namespace lokku::app
