#include "platform/autodeploy.hpp"

#include "common/ids.hpp"
#include "common/run_sync.hpp"
#include "platform/runtime.hpp"
#include "store/files.hpp"

#include <boost/json.hpp>
#include <fmt/format.h>

#include <algorithm>
#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

namespace lokku::platform {

namespace json = boost::json;

namespace {

fs::path settings_file(const store::Store& store, const std::string& app) {
  return store.app_dir(app) / "autodeploy.json";
}

fs::path runs_dir(const store::Store& store, const std::string& app) {
  return store.app_dir(app) / "ci";
}

std::string str(const json::object& o, const char* key) {
  auto it = o.find(key);
  return it != o.end() && it->value().is_string() ? std::string(it->value().as_string())
                                                  : std::string();
}

bool flag(const json::object& o, const char* key) {
  auto it = o.find(key);
  return it != o.end() && it->value().is_bool() && it->value().as_bool();
}

/// The JSON object a file of ours holds; nullopt when missing or not one.
std::optional<json::object> read_object(const fs::path& path) {
  auto text = store::read_file(path);
  if (!text) {
    return std::nullopt;
  }
  boost::system::error_code ec;
  auto v = json::parse(*text, ec);
  if (ec || !v.is_object()) {
    return std::nullopt;
  }
  return std::move(v.as_object());
}

std::optional<TestRun> parse_run(const json::object& o) {
  TestRun r;
  auto n = o.find("number");
  if (n == o.end() || !n->value().is_int64()) {
    return std::nullopt;
  }
  r.number = static_cast<int>(n->value().as_int64());
  r.branch = str(o, "commit_branch");
  r.commit = str(o, "commit_sha");
  r.status = str(o, "status");
  r.created_at = str(o, "created_at");
  r.updated_at = str(o, "updated_at");
  return r;
}

/// Numbering test runs: one writer at a time per app.
class RunsLock {
 public:
  explicit RunsLock(const fs::path& dir) {
    fs::create_directories(dir);
    fd_ = ::open((dir / ".lock").c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (fd_ >= 0) {
      ::flock(fd_, LOCK_EX);
    }
  }
  ~RunsLock() {
    if (fd_ >= 0) {
      ::close(fd_);
    }
  }
  RunsLock(const RunsLock&) = delete;
  RunsLock& operator=(const RunsLock&) = delete;

 private:
  int fd_ = -1;
};

}  // namespace

json::object to_json(const TestRun& r) {
  return {{"number", r.number}, {"commit_branch", r.branch},  {"commit_sha", r.commit},
          {"status", r.status}, {"created_at", r.created_at}, {"updated_at", r.updated_at}};
}

std::optional<AutoDeploy> read_autodeploy(const store::Store& store, const std::string& app) {
  auto read = read_object(settings_file(store, app));
  if (!read) {
    return std::nullopt;
  }
  const auto& o = *read;
  AutoDeploy a;
  a.repo = str(o, "repo");
  a.branch = str(o, "branch");
  a.wait_for_ci = flag(o, "wait_for_ci");
  a.review_apps = flag(o, "review_apps");
  a.deployed = str(o, "deployed");
  a.attempted = str(o, "attempted");
  if (auto b = o.find("branches"); b != o.end() && b->value().is_array()) {
    for (const auto& x : b->value().as_array()) {
      if (x.is_string()) {
        a.branches.insert(std::string(x.as_string()));
      }
    }
  }
  if (a.repo.empty() || a.branch.empty()) {
    return std::nullopt;
  }
  return a;
}

void write_autodeploy(const store::Store& store, const std::string& app, const AutoDeploy& a) {
  json::array branches;
  for (const auto& b : a.branches) {
    branches.emplace_back(b);
  }
  json::object o{{"repo", a.repo.string()},        {"branch", a.branch},
                 {"wait_for_ci", a.wait_for_ci},   {"review_apps", a.review_apps},
                 {"deployed", a.deployed},         {"attempted", a.attempted},
                 {"branches", std::move(branches)}};
  store::write_file_atomic(settings_file(store, app), json::serialize(o) + "\n");
}

void remove_autodeploy(const store::Store& store, const std::string& app) {
  std::error_code ec;
  fs::remove(settings_file(store, app), ec);
}

std::vector<TestRun> read_test_runs(const store::Store& store, const std::string& app) {
  std::vector<TestRun> out;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(runs_dir(store, app), ec)) {
    if (e.path().extension() == ".json") {
      if (auto o = read_object(e.path())) {
        if (auto r = parse_run(*o)) {
          out.push_back(*r);
        }
      }
    }
  }
  std::sort(out.begin(), out.end(),
            [](const TestRun& a, const TestRun& b) { return a.number > b.number; });
  return out;
}

TestRun add_test_run(const store::Store& store, const std::string& app, TestRun run) {
  RunsLock lock(runs_dir(store, app));
  auto runs = read_test_runs(store, app);
  run.number = runs.empty() ? 1 : runs.front().number + 1;
  run.created_at = run.updated_at = common::iso8601_now();
  store::write_file_atomic(runs_dir(store, app) / fmt::format("{}.json", run.number),
                           json::serialize(to_json(run)) + "\n");
  return run;
}

void update_test_run(const store::Store& store, const std::string& app, const TestRun& run) {
  TestRun r = run;
  r.updated_at = common::iso8601_now();
  store::write_file_atomic(runs_dir(store, app) / fmt::format("{}.json", r.number),
                           json::serialize(to_json(r)) + "\n");
}

AutoDeployer::AutoDeployer(store::Store& store, fs::path lokku_bin,
                           std::chrono::milliseconds interval)
    : store_(store), lokku_bin_(std::move(lokku_bin)), interval_(interval) {
  thread_ = std::jthread([this](std::stop_token stop) { run(stop); });
}

AutoDeployer::~AutoDeployer() {
  thread_.request_stop();
  wake_.notify_all();
}

void AutoDeployer::run(std::stop_token stop) {
  while (!stop.stop_requested()) {
    for (const auto& app : store_.apps()) {
      if (stop.stop_requested()) {
        return;
      }
      try {
        check(app);
      } catch (const std::exception& e) {
        ApiLog log(store_, app);
        log.sink.line("app", "api", fmt::format("Automatic deploy failed: {}", e.what()));
      }
    }
    std::unique_lock lock(mu_);
    wake_.wait_for(lock, stop, interval_, [] { return false; });
  }
}

int AutoDeployer::lokku(const std::string& app, const std::vector<std::string>& args) {
  // Each command's output goes to the app's autodeploy log, as a build's does to its log.
  int fd = ::open((store_.app_dir(app) / "autodeploy.log").c_str(),
                  O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
  common::RunOptions r;
  r.argv = {lokku_bin_.string()};
  r.argv.insert(r.argv.end(), args.begin(), args.end());
  r.env = common::own_environment();
  r.env.push_back("LOKKU_HOME=" + store_.home().string());
  r.on_stdout = [fd](std::string_view d) {
    if (fd >= 0) {
      [[maybe_unused]] auto n = ::write(fd, d.data(), d.size());
    }
  };
  int status = common::run_sync(r).status;
  if (fd >= 0) {
    ::close(fd);
  }
  return status;
}

void AutoDeployer::check(const std::string& app) {
  auto a = read_autodeploy(store_, app);
  if (!a) {
    return;
  }
  auto git = [&](const std::vector<std::string>& args) {
    std::vector<std::string> argv = {"git", "-C", a->repo.string()};
    argv.insert(argv.end(), args.begin(), args.end());
    return common::capture_trimmed(argv, "", common::own_environment());
  };
  auto sha = git({"rev-parse", "--verify", "--quiet", "refs/heads/" + a->branch});
  // The app's log is opened only to say something: most rounds find nothing new.
  auto note = [&](const std::string& line) {
    ApiLog log(store_, app);
    log.sink.line("app", "api", line);
  };
  if (sha && !sha->empty() && *sha != a->attempted) {
    a->attempted = *sha;
    write_autodeploy(store_, app, *a);
    const std::string at = fmt::format("{}:{}", a->branch, sha->substr(0, 7));
    bool passed = true;
    if (a->wait_for_ci) {
      note(fmt::format("Automatic deploy of {} waits for CI", at));
      passed = lokku(app, {"ci", "-a", app, "-d", a->repo.string(), "--git-ref", *sha}) == 0;
    }
    if (!passed) {
      // CL:1361: only a commit whose checks pass is deployed.
      note(fmt::format("Automatic deploy of {} skipped: CI did not pass (lokku ci:list)", at));
    } else if (lokku(app, {"deploy", "-a", app, "-d", a->repo.string(), "--git-ref", *sha}) == 0) {
      a->deployed = *sha;
      write_autodeploy(store_, app, *a);
    } else {
      note(fmt::format("Automatic deploy of {} failed (see the build)", at));
    }
  }
  if (!a->review_apps) {
    return;
  }
  // Review apps (PIPE-3) for branches that appear, when their tests pass if CI is awaited.
  auto listing = git({"for-each-ref", "--format=%(refname:short)", "refs/heads/"});
  if (!listing) {
    return;
  }
  for (std::size_t start = 0; start < listing->size();) {
    auto nl = listing->find('\n', start);
    std::string branch = listing->substr(start, nl - start);
    start = nl == std::string::npos ? listing->size() : nl + 1;
    if (branch.empty() || branch == a->branch || a->branches.count(branch) != 0) {
      continue;
    }
    a->branches.insert(branch);
    write_autodeploy(store_, app, *a);
    if (a->wait_for_ci &&
        lokku(app, {"ci", "-a", app, "-d", a->repo.string(), "--git-ref", branch}) != 0) {
      note(fmt::format("Review app for {} not created: CI did not pass", branch));
      continue;
    }
    if (lokku(app, {"review-apps:create", branch, "-a", app, "-d", a->repo.string()}) != 0) {
      note(fmt::format("Review app for {} could not be created (see {})", branch,
                       (store_.app_dir(app) / "autodeploy.log").string()));
    }
  }
}

}  // namespace lokku::platform
