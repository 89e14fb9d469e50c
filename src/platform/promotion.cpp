#include "platform/promotion.hpp"

#include "release/error.hpp"
#include "store/changes.hpp"
#include "store/pipelines.hpp"

#include <fmt/format.h>

#include <filesystem>

namespace lokku::platform {

namespace fs = std::filesystem;

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

PromotionPlan plan_promotion(const store::Store& store, const std::string& name) {
  auto source = store.load(name);
  const auto* cur = source.current();
  if (!cur) {
    throw release::InputError(fmt::format("{} has no release with a slug to promote", name));
  }
  auto p = store::Pipelines(store).of_app(name);
  if (!p) {
    throw release::InputError(fmt::format(
        "{} is not in a pipeline; add it with lokku pipelines:add PIPELINE -a {} --stage "
        "staging",
        name, name));
  }
  PromotionPlan plan;
  plan.source = *cur;
  for (const auto& a : p->apps) {
    if (a.app == name) {
      plan.stage = a.stage;
    }
  }
  plan.next = store::Pipeline::next_stage(plan.stage);
  for (const auto& a : p->apps) {
    if (!plan.next.empty() && a.stage == plan.next) {
      plan.targets.push_back(a.app);
    }
  }
  if (plan.targets.empty()) {
    throw release::InputError(fmt::format(
        "Nothing to promote to: {} is in {}, and {}", name, plan.stage,
        plan.next.empty() ? "that stage promotes nowhere" : "no app is in " + plan.next));
  }
  return plan;
}

std::vector<PromotionResult> promote(store::Store& store, const std::string& source,
                                     const PromotionPlan& plan,
                                     const std::vector<std::string>& targets, const Runtime& rt) {
  std::vector<PromotionResult> out;
  const auto source_app = store.load(source);
  const std::string slug = plan.source.slug_id;
  for (const auto& target : targets) {
    PromotionResult result{target, {}, {}};
    auto app = store.load(target);
    if (app.stack != source_app.stack) {
      result.error = fmt::format("stack {}, not {}", app.stack, source_app.stack);
      out.push_back(std::move(result));
      continue;
    }
    copy_slug(store, source, target, slug);
    ApiLog log(store, target);
    result.release = make_release(
        store, target,
        [&](store::App& a) {
          store::add_new_types(a, store.load_slug(target, slug).process_types);
        },
        [&](const store::App&) {
          return fmt::format("Promote {} v{}", source, plan.source.version);
        },
        [&](const store::App&) { return slug; }, rt, log.sink);
    out.push_back(std::move(result));
  }
  return out;
}

}  // namespace lokku::platform
