// git deploys (git-and-ci.md §1): the pre-receive hook of an app's repository (a push of
// main or master builds and releases, as Heroku's git endpoint does), `git:remote`,
// `git:clone` and the credential helper they configure.

#include "api/git_backend.hpp"
#include "app/command_support.hpp"
#include "app/commands.hpp"
#include "common/run_sync.hpp"
#include "platform/local_ca.hpp"
#include "platform/platform_file.hpp"
#include "release/error.hpp"
#include "slug/slug.hpp"
#include "store/app_name.hpp"
#include "store/store.hpp"

#include <fmt/format.h>

#include <chrono>
#include <csignal>
#include <cstdlib>
#include <fcntl.h>
#include <filesystem>
#include <iostream>
#include <sstream>
#include <sys/file.h>
#include <thread>
#include <unistd.h>

extern char** environ;

namespace lokku::app {

namespace fs = std::filesystem;

namespace {

struct RefUpdate {
  std::string old_sha;
  std::string new_sha;
  std::string ref;
};

bool all_zero(const std::string& sha) {
  return !sha.empty() && sha.find_first_not_of('0') == std::string::npos;
}

/// A lock held for the whole of a deploying push: pushes of one app are built one at a time.
/// The hook ends before git updates the ref, so the lock also names the git receive-pack
/// that ran the hook holding it (the hook's parent): the next push goes on once that one
/// has ended, and sees the ref as the push before left it.
class PushLock {
 public:
  explicit PushLock(const fs::path& path) {
    fd_ = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (fd_ < 0) {
      throw std::runtime_error("cannot open " + path.string());
    }
    bool announced = false;
    auto announce = [&announced] {
      if (!announced) {
        std::cout << "Waiting for the build of another push to this app to finish...\n"
                  << std::flush;
        announced = true;
      }
    };
    if (::flock(fd_, LOCK_EX | LOCK_NB) != 0) {
      announce();
      if (::flock(fd_, LOCK_EX) != 0) {
        throw std::runtime_error("cannot lock " + path.string());
      }
    }
    char buf[32] = {};
    ssize_t n = ::pread(fd_, buf, sizeof buf - 1, 0);
    pid_t before = n > 0 ? static_cast<pid_t>(std::atoi(buf)) : 0;
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::minutes(2);
    while (before > 0 && before != ::getppid() && ::kill(before, 0) == 0 &&
           std::chrono::steady_clock::now() < deadline) {
      announce();
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    std::string mine = std::to_string(::getppid()) + "\n";
    if (::ftruncate(fd_, 0) != 0 ||
        ::pwrite(fd_, mine.data(), mine.size(), 0) != static_cast<ssize_t>(mine.size())) {
      throw std::runtime_error("cannot write " + path.string());
    }
  }
  ~PushLock() { ::close(fd_); }
  PushLock(const PushLock&) = delete;
  PushLock& operator=(const PushLock&) = delete;

 private:
  int fd_ = -1;
};

std::optional<std::string> git_output(const std::vector<std::string>& args,
                                      const fs::path& cwd = {}) {
  std::vector<std::string> argv = {"git"};
  argv.insert(argv.end(), args.begin(), args.end());
  return common::capture_trimmed(argv, cwd.string(), common::own_environment());
}

/// Where a running platform's git endpoint is (its API port), else the default port.
unsigned api_port(const store::Store& st) {
  if (auto p = platform::running_platform(st); p && p->api_port != 0) {
    return p->api_port;
  }
  return 5001;
}

std::string remote_url(unsigned port, const std::string& app) {
  return fmt::format("https://127.0.0.1:{}/{}.git", port, app);
}

std::string self_path() {
  return fs::read_symlink("/proc/self/exe").string();
}

/// `git -c` settings that make git trust lokku's CA and ask lokku for the token, for the
/// remote at `port` only.
std::vector<std::string> git_settings(const store::Store& st, unsigned port) {
  const std::string base = fmt::format("https://127.0.0.1:{}", port);
  return {
      fmt::format("http.{}/.sslCAInfo={}", base, platform::ensure_ca(st.home()).string()),
      fmt::format("credential.{}.helper=!'{}' git:credentials", base, self_path()),
  };
}

}  // namespace

int run_git_pre_receive(const CommandOptions& o) {
  store::Store st(store::Store::default_home());
  if (!o.app) {
    throw release::InputError("git:pre-receive needs -a APP (it runs as a repository's hook)");
  }
  const std::string app = *o.app;
  store::validate_app_name(app);
  std::vector<RefUpdate> updates;
  for (std::string line; std::getline(std::cin, line);) {
    RefUpdate u;
    auto a = line.find(' ');
    auto b = line.find(' ', a == std::string::npos ? a : a + 1);
    if (a == std::string::npos || b == std::string::npos) {
      continue;
    }
    u.old_sha = line.substr(0, a);
    u.new_sha = line.substr(a + 1, b - a - 1);
    u.ref = line.substr(b + 1);
    updates.push_back(u);
  }
  const RefUpdate* deploying = nullptr;
  for (const auto& u : updates) {
    const bool main_branch = u.ref == "refs/heads/main" || u.ref == "refs/heads/master";
    if (main_branch && !all_zero(u.new_sha) && !deploying) {
      deploying = &u;
    } else if (!all_zero(u.new_sha)) {
      // git-and-ci.md §1.4: other branches and tags are kept, not built.
      std::cout << "Pushed to non-master branch, skipping build.\n" << std::flush;
    }
  }
  if (!deploying) {
    return 0;
  }
  if (!st.exists(app)) {
    std::cout << fmt::format(" !     No such app as {}.\n", app) << std::flush;
    return 1;
  }
  PushLock lock(st.app_dir(app) / "push.lock");
  // A push that waited for another must still start from what the branch is now.
  auto now = git_output({"rev-parse", "--verify", "--quiet", deploying->ref});
  const std::string current = now ? *now : std::string();
  if (current != deploying->old_sha && !(current.empty() && all_zero(deploying->old_sha))) {
    std::cout << fmt::format(
                     " !     {} moved while this push waited for another push's build; fetch, "
                     "then push again.\n",
                     deploying->ref.substr(11))
              << std::flush;
    return 1;
  }
  std::cout << "Compressing source files... done.\nBuilding source:\n\n" << std::flush;

  // The commit's tree, taken out while the hook's environment still sees the pushed objects
  // (git keeps them in a quarantine until the hook says yes).
  fs::create_directories(st.home() / "tmp");
  const fs::path work = st.home() / "tmp" / fmt::format("push_{}_{}", app, ::getpid());
  struct Cleanup {
    fs::path p;
    ~Cleanup() {
      std::error_code ec;
      fs::remove_all(p, ec);
    }
  } cleanup{work};
  fs::create_directories(work / "source");
  common::RunOptions archive;
  archive.argv = {
      "git", "archive", "--format=tar", "-o", (work / "source.tar").string(), deploying->new_sha};
  archive.env = common::own_environment();
  std::string err;
  archive.on_stdout = [](std::string_view) {};
  archive.on_stderr = [&](std::string_view d) { err.append(d); };
  if (common::run_sync(archive).status != 0) {
    std::cout << " !     git archive " << deploying->new_sha << " failed: " << err << std::flush;
    return 1;
  }
  slug::extract(work / "source.tar", work / "source");
  // The build must not act on this repository (git hooks run with GIT_DIR and the
  // quarantine's object directories set): buildpacks clone and fetch repositories of their own.
  std::vector<std::string> git_vars;
  for (char** e = environ; e && *e; ++e) {
    std::string kv = *e;
    if (kv.rfind("GIT_", 0) == 0) {
      git_vars.push_back(kv.substr(0, kv.find('=')));
    }
  }
  for (const auto& name : git_vars) {
    ::unsetenv(name.c_str());
  }
  CommandOptions d = o;
  d.dir = (work / "source").string();
  d.source_version = deploying->new_sha;
  try {
    return deploy(d, DeployStyle::push);
  } catch (const std::exception& e) {
    std::cout << " !     " << e.what() << "\n !     Push failed\nVerifying deploy...\n\n!\tPush "
              << "rejected to " << app << ".\n\n"
              << std::flush;
    return 1;
  }
}

int run_git_remote(const CommandOptions& o) {
  store::Store st(store::Store::default_home());
  const std::string app = store::resolve_app(o.app, fs::current_path());
  st.load(app);
  if (!git_output({"rev-parse", "--git-dir"})) {
    throw release::InputError(fs::current_path().string() + ": not a git repository");
  }
  const unsigned port = api_port(st);
  const std::string url = remote_url(port, app);
  const bool exists = git_output({"remote", "get-url", o.remote}).has_value();
  if (!git_output({"remote", exists ? "set-url" : "add", o.remote, url})) {
    throw std::runtime_error("git remote " + std::string(exists ? "set-url" : "add") + " failed");
  }
  for (const auto& kv : git_settings(st, port)) {
    auto eq = kv.find('=');
    if (!git_output({"config", kv.substr(0, eq), kv.substr(eq + 1)})) {
      throw std::runtime_error("git config " + kv.substr(0, eq) + " failed");
    }
  }
  std::cout << "set git remote " << o.remote << " to " << url << '\n';
  return 0;
}

void update_git_remotes(const store::Store& st, const std::string& from, const std::string& to) {
  if (!git_output({"rev-parse", "--git-dir"})) {
    return;  // not in a repository: nothing to update
  }
  const std::string old_url = remote_url(api_port(st), from);
  auto remotes = git_output({"remote"});
  std::istringstream names(remotes.value_or(""));
  for (std::string name; std::getline(names, name);) {
    if (git_output({"remote", "get-url", name}).value_or("") == old_url &&
        git_output({"remote", "set-url", name, remote_url(api_port(st), to)})) {
      std::cout << "Git remote " << name << " updated\n";
    }
  }
}

int run_git_clone(const CommandOptions& o) {
  store::Store st(store::Store::default_home());
  if (!o.app) {
    throw release::InputError("git:clone needs -a APP");
  }
  st.load(*o.app);
  const unsigned port = api_port(st);
  std::vector<std::string> argv = {"git", "clone", "-o", o.remote};
  for (const auto& kv : git_settings(st, port)) {
    argv.push_back("-c");
    argv.push_back(kv);
  }
  argv.push_back(remote_url(port, *o.app));
  argv.push_back(o.args.empty() ? *o.app : o.args.front());
  common::RunOptions r;
  r.argv = argv;
  r.env = common::own_environment();
  r.on_stdout = [](std::string_view d) { std::cout << d << std::flush; };
  r.on_stderr = [](std::string_view d) { std::cerr << d << std::flush; };
  return common::run_sync(r).status == 0 ? 0 : 1;
}

int run_git_credentials(const CommandOptions& o) {
  // git's credential helper protocol (gitcredentials(7)): `get` reads attributes on stdin
  // and answers a user name and password; `store` and `erase` have nothing to do.
  if (o.args.empty() || o.args.front() != "get") {
    return 0;
  }
  std::map<std::string, std::string> attrs;
  for (std::string line; std::getline(std::cin, line) && !line.empty();) {
    auto eq = line.find('=');
    if (eq != std::string::npos) {
      attrs[line.substr(0, eq)] = line.substr(eq + 1);
    }
  }
  const std::string host = attrs["host"];
  const std::string name = host.substr(0, host.rfind(':'));
  if (attrs["protocol"] != "https" || (name != "127.0.0.1" && name != "localhost")) {
    return 0;  // not lokku's: git asks the next helper
  }
  store::Store st(store::Store::default_home());
  auto token = store::read_file(st.home() / "api-token");
  if (!token) {
    return 0;
  }
  while (!token->empty() && (token->back() == '\n' || token->back() == '\r')) {
    token->pop_back();
  }
  std::cout << "username=lokku\npassword=" << *token << "\n";
  return 0;
}

}  // namespace lokku::app
