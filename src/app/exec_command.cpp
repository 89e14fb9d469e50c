// lokku exec (issue #27 point 2): one command that starts a private platform, deploys the
// app, waits until it is ready, runs the user's command against it, and tears it all down,
// exiting with the command's status (Firebase's `emulators:exec` is the model).
//
// The platform is `lokku up` in a lokku home of its own under a new temporary folder, on free
// ports (router and API on port 0), so two `lokku exec` on one machine, or one beside the
// user's `lokku up`, never meet. Its output goes to a file in that folder, shown (its end)
// when something fails; the deploy's output goes to stderr, so the command's stdout is its
// own. Ctrl-C reaches the command (it runs on this terminal); the platform is stopped after
// it, whatever happened, and the folder removed.
#include "api/api.hpp"
#include "app/command_support.hpp"
#include "app/commands.hpp"
#include "app/shell_exports.hpp"
#include "common/child_process.hpp"
#include "common/run_sync.hpp"
#include "metrics/report.hpp"
#include "platform/platform_file.hpp"
#include "platform/readiness.hpp"
#include "release/error.hpp"
#include "store/files.hpp"
#include "store/store.hpp"

#include <fmt/format.h>

#include <array>
#include <cctype>
#include <chrono>
#include <csignal>
#include <cstdlib>
#include <fcntl.h>
#include <filesystem>
#include <iostream>
#include <map>
#include <thread>
#include <unistd.h>

namespace lokku::app {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

namespace {

volatile std::sig_atomic_t g_signal = 0;

extern "C" void note_signal(int sig) {
  g_signal = sig;
}

/// SIGINT, SIGTERM and SIGHUP are noted (not fatal) while it lives: lokku exec always tears
/// its platform down.
class NotedSignals {
 public:
  NotedSignals() {
    struct sigaction sa {};
    sa.sa_handler = note_signal;
    ::sigemptyset(&sa.sa_mask);
    for (std::size_t i = 0; i < kSignals.size(); ++i) {
      ::sigaction(kSignals[i], &sa, &old_[i]);
    }
  }
  ~NotedSignals() {
    for (std::size_t i = 0; i < kSignals.size(); ++i) {
      ::sigaction(kSignals[i], &old_[i], nullptr);
    }
  }
  NotedSignals(const NotedSignals&) = delete;
  NotedSignals& operator=(const NotedSignals&) = delete;

 private:
  static constexpr std::array<int, 3> kSignals{SIGINT, SIGTERM, SIGHUP};
  std::array<struct sigaction, 3> old_{};
};

/// The exit status a signal gives a shell's command (130 for Ctrl-C).
int signalled_status() {
  return 128 + static_cast<int>(g_signal);
}

/// Waits for `child` while no signal was noted: its status, or nullopt (still running).
std::optional<int> wait_unless_signalled(bp2::process& child) {
  for (;;) {
    boost::system::error_code ec;
    if (!child.running(ec)) {
      return common::heroku_status(child.native_exit_code());
    }
    if (g_signal != 0) {
      return std::nullopt;
    }
    std::this_thread::sleep_for(50ms);
  }
}

/// The last `n` lines of a file, for a failure's explanation.
std::string tail_of(const fs::path& file, std::size_t n) {
  auto text = store::read_file(file).value_or("");
  std::size_t at = text.size();
  for (std::size_t lines = 0; at > 0 && lines <= n;) {
    at = text.rfind('\n', at - 1);
    if (at == std::string::npos) {
      at = 0;
      break;
    }
    ++lines;
  }
  return text.substr(at == 0 ? 0 : at + 1);
}

/// The private platform: its folder, its home, its `lokku up`. Stopped and removed when it
/// goes, whatever happened.
class PrivatePlatform {
 public:
  PrivatePlatform() : dir_(make_dir()), store_(dir_ / "home") {}
  ~PrivatePlatform() {
    stop();
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }
  PrivatePlatform(const PrivatePlatform&) = delete;
  PrivatePlatform& operator=(const PrivatePlatform&) = delete;

  const store::Store& store() const { return store_; }
  fs::path log() const { return dir_ / "platform.log"; }

  /// lokku's environment with LOKKU_HOME the private home (and no LOKKU_APP of the user's).
  std::vector<std::string> env() const {
    std::vector<std::string> out;
    for (auto& kv : common::own_environment()) {
      if (kv.rfind("LOKKU_HOME=", 0) != 0 && kv.rfind("LOKKU_APP=", 0) != 0) {
        out.push_back(std::move(kv));
      }
    }
    out.push_back("LOKKU_HOME=" + store_.home().string());
    return out;
  }

  /// Starts `lokku up` on free ports; returns once it has published platform.json.
  platform::PlatformInfo start(const std::vector<std::string>& up_args) {
    common::ChildSpec spec;
    spec.argv = {self(), "up", "-p", "0", "--api-port", "0", "--tls-port", "0", "--color", "never"};
    spec.argv.insert(spec.argv.end(), up_args.begin(), up_args.end());
    spec.env = env();
    spec.group = common::ChildGroup::own;  // Ctrl-C on this terminal is the command's
    const int fd = ::open(log().c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
    if (fd < 0) {
      throw std::system_error(errno, std::generic_category(), "cannot write " + log().string());
    }
    bp2::process_stdio stdio{nullptr, fd, fd};
    try {
      up_.emplace(common::start_child(ctx_.get_executor(), spec, stdio));
    } catch (...) {
      ::close(fd);
      throw;
    }
    ::close(fd);
    const auto deadline = std::chrono::steady_clock::now() + 60s;
    while (std::chrono::steady_clock::now() < deadline && g_signal == 0) {
      if (auto info = platform::running_platform(store_); info && info->pid == up_->id()) {
        return *info;
      }
      boost::system::error_code ec;
      if (!up_->running(ec)) {
        throw release::InputError("the private platform did not start:\n" + tail_of(log(), 20));
      }
      std::this_thread::sleep_for(50ms);
    }
    if (g_signal != 0) {
      throw Interrupted{};
    }
    throw release::InputError("the private platform did not start within 60 s:\n" +
                              tail_of(log(), 20));
  }

  /// Stops `lokku up` as Ctrl-C would (its dynos and add-ons stop gracefully), then kills
  /// what is left of its process group.
  void stop() {
    if (!up_) {
      return;
    }
    boost::system::error_code ec;
    if (up_->running(ec)) {
      ::kill(up_->id(), SIGINT);
      const auto deadline = std::chrono::steady_clock::now() + 90s;
      while (up_->running(ec) && std::chrono::steady_clock::now() < deadline) {
        std::this_thread::sleep_for(50ms);
      }
      if (up_->running(ec)) {
        ::kill(-up_->id(), SIGKILL);
        up_->wait(ec);
      }
    }
    up_.reset();
  }

  struct Interrupted {};

  static std::string self() { return fs::read_symlink("/proc/self/exe").string(); }

 private:
  static fs::path make_dir() {
    const char* tmp = std::getenv("TMPDIR");
    std::string pattern = (fs::path(tmp && *tmp ? tmp : "/tmp") / "lokku-exec-XXXXXX").string();
    if (::mkdtemp(pattern.data()) == nullptr) {
      throw std::system_error(errno, std::generic_category(), "cannot make " + pattern);
    }
    return pattern;
  }

  fs::path dir_;
  store::Store store_;
  net::io_context ctx_;
  std::optional<bp2::process> up_;
};

/// Runs `lokku ARGS` against the private platform in `cwd`, its output on stderr.
std::optional<int> run_lokku(const PrivatePlatform& p, const std::vector<std::string>& args,
                             const std::string& cwd) {
  common::ChildSpec spec;
  spec.argv = {PrivatePlatform::self()};
  spec.argv.insert(spec.argv.end(), args.begin(), args.end());
  spec.env = p.env();
  spec.cwd = cwd;
  spec.group = common::ChildGroup::own;
  net::io_context ctx;
  bp2::process_stdio stdio{nullptr, STDERR_FILENO, STDERR_FILENO};
  auto child = common::start_child(ctx.get_executor(), spec, stdio);
  auto status = wait_unless_signalled(child);
  if (!status) {
    ::kill(-child.id(), SIGKILL);
    boost::system::error_code ec;
    child.wait(ec);
  }
  return status;
}

/// What the command is given: lokku's environment, the heroku CLI's exports for the private
/// API, LOKKU_HOME (so `lokku` commands reach it too), the router and each app's URL, and
/// the add-ons' URLs.
std::vector<std::string> command_env(const PrivatePlatform& p, const platform::PlatformInfo& info,
                                     const std::vector<store::App>& apps) {
  std::map<std::string, std::optional<std::string>> vars;
  for (const auto& kv : p.env()) {
    auto eq = kv.find('=');
    vars[kv.substr(0, eq)] = eq == std::string::npos ? "" : kv.substr(eq + 1);
  }
  for (const auto& [name, value] :
       shell_exports(p.store(), info.api_port, api::load_or_create_token(p.store()))) {
    vars[name] = value;
  }
  vars["LOKKU_URL"] = fmt::format("http://localhost:{}", info.router_port);
  vars["LOKKU_API_URL"] = fmt::format("http://127.0.0.1:{}", info.api_port);
  for (const auto& app : apps) {
    const auto url = fmt::format("http://{}.localhost:{}", app.name, info.router_port);
    if (apps.size() == 1) {
      vars["LOKKU_APP"] = app.name;
      vars["LOKKU_APP_URL"] = url;
    }
    std::string key = "LOKKU_APP_URL_" + app.name;
    for (auto& c : key) {
      c = c == '-' ? '_' : static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    }
    vars[key] = url;
    for (const auto& a : app.addons) {
      if (auto it = app.config.find(a.config_var()); it != app.config.end()) {
        vars[a.config_var()] = it->second;
      }
    }
  }
  std::vector<std::string> out;
  for (const auto& [name, value] : vars) {
    if (value) {
      out.push_back(name + "=" + *value);
    }
  }
  return out;
}

int exec_in(PrivatePlatform& p, const CommandOptions& o) {
  std::vector<std::string> up_args;
  if (o.time_scale) {
    up_args = {"--time-scale", fmt::format("{:g}", *o.time_scale)};
  }
  const auto dir = fs::absolute(o.dir).lexically_normal();
  if (o.snapshot) {
    // Loaded before the platform starts: it then starts the snapshot's add-ons and dynos.
    const auto snapshot = fs::absolute(*o.snapshot).lexically_normal();
    std::cerr << fmt::format("-----> Loading the snapshot {}\n", snapshot.string());
    auto loaded = run_lokku(p, {"state:import", "--fresh-ports", snapshot.string()}, dir.string());
    if (!loaded) {
      return signalled_status();
    }
    if (*loaded != 0) {
      std::cerr << fmt::format("lokku exec: the snapshot {} was not loaded (exit {})\n",
                               snapshot.string(), *loaded);
      return 1;
    }
  }
  std::cerr << fmt::format("-----> Starting a private lokku platform\n");
  const auto info = p.start(up_args);
  std::cerr << fmt::format("       router on port {}, Platform API on port {}\n", info.router_port,
                           info.api_port);

  if (!o.snapshot) {
    auto deployed = run_lokku(p, {"deploy"}, dir.string());
    if (!deployed) {
      return signalled_status();
    }
    if (*deployed != 0) {
      std::cerr << fmt::format("lokku exec: the app in {} did not deploy (exit {})\n", dir.string(),
                               *deployed);
      return 1;
    }
  }

  // `lokku wait` judges readiness, prints its progress and, when it gives up, what is
  // pending or failed.
  std::cerr << "-----> Waiting until the platform is ready\n";
  auto ready = run_lokku(p, {"wait", "--timeout", o.timeout}, dir.string());
  if (!ready) {
    return signalled_status();
  }
  if (*ready != 0) {
    std::cerr << "lokku exec: the platform did not become ready; its output ended with:\n"
              << tail_of(p.log(), 20);
    return 1;
  }

  std::vector<store::App> apps;
  for (const auto& name : p.store().apps()) {
    if (auto a = p.store().try_load(name)) {
      apps.push_back(std::move(*a));
    }
  }
  common::ChildSpec spec;
  spec.argv = o.args;
  spec.env = command_env(p, info, apps);
  spec.group = common::ChildGroup::terminal;  // Ctrl-C is the command's first
  std::cerr << fmt::format("-----> Running {}\n", o.args.front());
  net::io_context ctx;
  bp2::process_stdio stdio{};
  std::optional<bp2::process> child;
  try {
    child.emplace(common::start_child(ctx.get_executor(), spec, stdio));
  } catch (const std::system_error& e) {
    std::cerr << fmt::format("lokku exec: {}: command not found ({})\n", o.args.front(), e.what());
    return 127;  // as a shell says it
  }
  bool forwarded = false;
  for (;;) {
    if (auto status = wait_unless_signalled(*child)) {
      return *status;
    }
    // Ctrl-C reached the command itself (same terminal group); a SIGTERM or SIGHUP sent to
    // lokku exec alone is passed on, once.
    if (!forwarded && g_signal != SIGINT) {
      ::kill(child->id(), g_signal);
    }
    forwarded = true;
    g_signal = 0;
  }
}

}  // namespace

int run_exec(const CommandOptions& o) {
  if (o.args.empty()) {
    throw release::InputError("lokku exec: give the command to run after --: lokku exec -- CMD");
  }
  timeout_option(o.timeout);  // a bad value is refused before anything starts
  if (o.snapshot && !fs::is_regular_file(*o.snapshot)) {
    throw release::InputError(fmt::format("--snapshot {}: no such file", *o.snapshot));
  }
  if (!fs::is_directory(o.dir)) {
    throw release::InputError(fmt::format("-d {}: no such directory", o.dir));
  }
  g_signal = 0;
  NotedSignals noted;
  int status = 1;
  {
    PrivatePlatform p;
    try {
      status = exec_in(p, o);
    } catch (const PrivatePlatform::Interrupted&) {
      status = signalled_status();
    }
    std::cerr << "-----> Stopping the private platform\n";
  }  // stopped and removed here, before the exit status is given
  return status;
}

}  // namespace lokku::app
