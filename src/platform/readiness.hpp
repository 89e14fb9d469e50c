#pragma once
// Readiness (issue #27): is every app fully up, and if not, what is it waiting for? An app is
// ready when its latest build and release phase have ended well, its postdeploy script has
// run, its add-ons answer, and every dyno of its formation runs the current release and is
// `up` (a web dyno: listening on $PORT, so routed). `GET /lokku/health` and `lokku wait`
// answer from here.

#include "buildpack/build_record.hpp"
#include "platform/platform_file.hpp"
#include "store/store.hpp"

#include <boost/json/object.hpp>

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace lokku::platform {

/// What is not up yet, by app then part (`release`, `build`, `web.2`, an add-on's name,
/// `postdeploy`): why. `failed` lists what waiting will not mend (a build or release phase
/// that failed); `pending`, what is on its way.
struct Readiness {
  bool platform_running = false;
  std::map<std::string, std::map<std::string, std::string>> pending;
  std::map<std::string, std::map<std::string, std::string>> failed;

  bool ready() const { return platform_running && pending.empty() && failed.empty(); }
  /// `{"ready": …, "platform": "running", "pending": {app: {part: why}}, "failed": {…}}`.
  boost::json::object to_json() const;
};

/// A postdeploy script's state (APP-3), kept in `apps/<app>/postdeploy`.
struct PostdeployMark {
  std::string state;  ///< running | failed
  int pid = 0;        ///< running: the process that runs it
  int status = 0;     ///< failed: its exit status
  int version = 0;    ///< the release it ran after
};
void mark_postdeploy(const store::Store& store, const std::string& app,
                     const std::optional<PostdeployMark>& mark);
std::optional<PostdeployMark> read_postdeploy(const store::Store& store, const std::string& app);

/// Everything readiness looks at for one app.
struct AppFacts {
  const store::App* app = nullptr;
  std::vector<buildpack::BuildRecord> builds;  ///< oldest first
  std::optional<Observed> observed;            ///< the platform's record of its dynos
  std::optional<PostdeployMark> postdeploy;
  std::vector<std::string> addons_down;  ///< add-ons that do not answer yet
};

/// Judges one app into `into`. `platform_pid`: the running platform's; `alive` says whether
/// a process still runs (a pending build or release phase whose process is gone never ends).
void judge_app(const AppFacts& facts, int platform_pid, const std::function<bool(int)>& alive,
               Readiness& into);

/// Reads the store and judges every app (or just `only`; an unknown app is an InputError).
/// Each add-on is asked whether it answers (a client run each).
Readiness readiness(const store::Store& store, const std::optional<std::string>& only = {});

}  // namespace lokku::platform
