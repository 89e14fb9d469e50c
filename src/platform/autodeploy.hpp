#pragma once
// Automatic deploys (issue #19; Heroku's GitHub integration, locally): an app follows a
// branch of a local git repository, and each new commit on it is deployed, after `lokku ci`
// passes on that commit when the app waits for CI (git-and-ci.md §1.5, CL:1361). Review apps
// can follow the repository's other branches the same way. The settings live in the store
// (`apps/<app>/autodeploy.json`); the platform (`lokku up`) watches the repositories.

#include "store/store.hpp"

#include <boost/json/object.hpp>

#include <condition_variable>
#include <filesystem>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <vector>

namespace lokku::platform {

namespace fs = std::filesystem;

struct AutoDeploy {
  fs::path repo;
  std::string branch = "main";
  bool wait_for_ci = false;
  bool review_apps = false;        ///< a review app for each other branch that appears
  std::string deployed;            ///< the last commit deployed
  std::string attempted;           ///< the last commit acted on (deployed, or refused by CI)
  std::set<std::string> branches;  ///< branches already seen (review apps)
};

std::optional<AutoDeploy> read_autodeploy(const store::Store& store, const std::string& app);
/// Atomically; throws std::runtime_error naming the file when it cannot.
void write_autodeploy(const store::Store& store, const std::string& app, const AutoDeploy& a);
void remove_autodeploy(const store::Store& store, const std::string& app);

/// A test run of `lokku ci` (Heroku CI's test run, git-and-ci.md §5), kept per app in
/// `apps/<app>/ci/<number>.json`, its output beside it.
struct TestRun {
  int number = 0;
  std::string branch;
  std::string commit;
  std::string status;  ///< pending, succeeded, failed, errored
  std::string created_at;
  std::string updated_at;
};
/// Newest first.
std::vector<TestRun> read_test_runs(const store::Store& store, const std::string& app);
/// A new run, numbered after the last one.
TestRun add_test_run(const store::Store& store, const std::string& app, TestRun run);
void update_test_run(const store::Store& store, const std::string& app, const TestRun& run);
/// A run as it is kept and as `ci:list --json` prints it (Heroku's test-run field names).
boost::json::object to_json(const TestRun& run);

/// The platform's watcher: every `interval`, each app that follows a branch is checked; a new
/// commit is tested (when the app waits for CI) and deployed by running the lokku executable
/// `lokku_bin` (`lokku ci`, `lokku deploy`, `lokku review-apps:create`), one app at a time,
/// on the watcher's own thread. Stops (waiting for the command running) when destroyed.
class AutoDeployer {
 public:
  AutoDeployer(store::Store& store, fs::path lokku_bin, std::chrono::milliseconds interval);
  ~AutoDeployer();
  AutoDeployer(const AutoDeployer&) = delete;
  AutoDeployer& operator=(const AutoDeployer&) = delete;

 private:
  void run(std::stop_token stop);
  void check(const std::string& app);
  int lokku(const std::string& app, const std::vector<std::string>& args);

  store::Store& store_;
  fs::path lokku_bin_;
  std::chrono::milliseconds interval_;
  std::mutex mu_;
  std::condition_variable_any wake_;
  std::jthread thread_;  ///< last: stops first
};

}  // namespace lokku::platform
