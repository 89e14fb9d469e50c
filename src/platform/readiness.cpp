#include "platform/readiness.hpp"

#include "addons/addons.hpp"
#include "common/procfs.hpp"
#include "release/error.hpp"
#include "store/files.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cerrno>
#include <csignal>
#include <sstream>

namespace lokku::platform {

namespace json = boost::json;

namespace {

json::object by_app(const std::map<std::string, std::map<std::string, std::string>>& m) {
  json::object out;
  for (const auto& [app, parts] : m) {
    json::object o;
    for (const auto& [part, why] : parts) {
      o[part] = why;
    }
    out[app] = std::move(o);
  }
  return out;
}

const store::Release* newest(const store::App& app) {
  const store::Release* out = nullptr;
  for (const auto& r : app.releases) {
    if (!out || r.version > out->version) {
      out = &r;
    }
  }
  return out;
}

}  // namespace

json::object Readiness::to_json() const {
  return {{"ready", ready()},
          {"platform", platform_running ? "running" : "not running"},
          {"pending", by_app(pending)},
          {"failed", by_app(failed)}};
}

void mark_postdeploy(const store::Store& store, const std::string& app,
                     const std::optional<PostdeployMark>& mark) {
  const auto path = store.app_dir(app) / "postdeploy";
  if (!mark) {
    std::error_code ec;
    std::filesystem::remove(path, ec);
    return;
  }
  store::write_file_atomic(
      path, fmt::format("{} {} {} {}\n", mark->state, mark->pid, mark->status, mark->version));
}

std::optional<PostdeployMark> read_postdeploy(const store::Store& store, const std::string& app) {
  auto text = store::read_file(store.app_dir(app) / "postdeploy");
  if (!text) {
    return std::nullopt;
  }
  std::istringstream in(*text);
  PostdeployMark m;
  if (!(in >> m.state >> m.pid >> m.status >> m.version) ||
      (m.state != "running" && m.state != "failed")) {
    return std::nullopt;
  }
  return m;
}

void judge_app(const AppFacts& f, int platform_pid, const std::function<bool(int)>& alive,
               Readiness& into) {
  const store::App& app = *f.app;
  std::map<std::string, std::string> pending;
  std::map<std::string, std::string> failed;
  const store::Release* last = newest(app);

  // The build: one under way, or the latest one failed (unless a release came after it: a
  // rollback or a config change is the user's answer to it).
  for (const auto& b : f.builds) {
    if (b.status == "pending") {
      if (b.pid == 0 || alive(b.pid)) {
        pending["build"] = fmt::format("build {} running", b.id);
      } else if (&b == &f.builds.back()) {
        failed["build"] = fmt::format("build {} was interrupted (its process is gone)", b.id);
      }
    }
  }
  if (!f.builds.empty() && f.builds.back().status == "failed" &&
      (!last || last->created_at <= f.builds.back().updated_at)) {
    failed["build"] = fmt::format("build {} failed", f.builds.back().id);
  }

  // The release phase of the newest release (REL-6).
  if (last && last->status == "pending") {
    if (last->runner_pid == 0 || alive(last->runner_pid)) {
      pending["release"] = fmt::format("v{} release phase running", last->version);
    } else {
      failed["release"] =
          fmt::format("v{} release phase was interrupted (its process is gone)", last->version);
    }
  } else if (last && last->status == "failed") {
    failed["release"] = fmt::format("v{} release phase failed", last->version);
  }

  // app.json's postdeploy (APP-3), after the release it ran on.
  if (const auto& p = f.postdeploy; p && last && p->version == last->version) {
    if (p->state == "running" && alive(p->pid)) {
      pending["postdeploy"] = fmt::format("postdeploy script running after v{}", p->version);
    } else if (p->state == "running") {
      failed["postdeploy"] = "postdeploy script was interrupted (its process is gone)";
    } else {
      failed["postdeploy"] = fmt::format("postdeploy script failed (exit {})", p->status);
    }
  }

  for (const auto& a : f.addons_down) {
    pending[a] = "starting (not answering yet)";
  }

  // The formation, on the current release, every dyno up (a web dyno: routed).
  if (const store::Release* cur = app.current()) {
    const bool observed = f.observed && f.observed->platform_pid == platform_pid;
    for (const auto& [type, row] : app.formation) {
      if (row.quantity <= 0 || !cur->process_types.contains(type)) {
        continue;
      }
      for (int i = 1; i <= row.quantity; ++i) {
        const auto name = fmt::format("{}.{}", type, i);
        const ObservedDyno* d = nullptr;
        if (observed) {
          auto it = std::find_if(f.observed->dynos.begin(), f.observed->dynos.end(),
                                 [&](const ObservedDyno& o) { return o.name == name; });
          d = it == f.observed->dynos.end() ? nullptr : &*it;
        }
        if (!d) {
          pending[name] = fmt::format("not started yet (v{})", cur->version);
        } else if (d->release != cur->version) {
          pending[name] = fmt::format("running v{}, v{} not started yet", d->release, cur->version);
        } else if (d->state != "up") {
          pending[name] = d->state;
        }
      }
    }
  }
  if (!pending.empty()) {
    into.pending[app.name] = std::move(pending);
  }
  if (!failed.empty()) {
    into.failed[app.name] = std::move(failed);
  }
}

Readiness readiness(const store::Store& store, const std::optional<std::string>& only) {
  Readiness r;
  const auto info = running_platform(store);
  r.platform_running = info.has_value();
  const int pid = info ? info->pid : 0;
  std::vector<std::string> names;
  if (only) {
    if (!store.exists(*only)) {
      throw release::InputError(fmt::format("Couldn't find that app: {}", *only));
    }
    names.push_back(*only);
  } else {
    names = store.apps();
  }
  for (const auto& name : names) {
    auto app = store.try_load(name);
    if (!app) {
      continue;  // destroyed meanwhile
    }
    AppFacts f;
    f.app = &*app;
    f.builds = buildpack::read_build_records(store, name);
    f.observed = read_observed(store, name);
    f.postdeploy = read_postdeploy(store, name);
    if (r.platform_running) {
      for (const auto& a : app->addons) {
        if (!addons::ready(a)) {
          f.addons_down.push_back(a.name);
        }
      }
    }
    judge_app(
        f, pid, [](int p) { return common::procfs::alive(p); }, r);
  }
  return r;
}

}  // namespace lokku::platform
