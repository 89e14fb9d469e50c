// `lokku up` (the platform, with the Platform API), `up --detach` and `lokku down`.

#include "api/api.hpp"
#include "api/server.hpp"
#include "api/webhook_service.hpp"
#include "app/cli.hpp"
#include "app/commands.hpp"
#include "common/child_process.hpp"
#include "common/procfs.hpp"
#include "platform/autodeploy.hpp"
#include "platform/platform.hpp"
#include "platform/platform_file.hpp"
#include "platform/runtime.hpp"
#include "release/error.hpp"
#include "store/files.hpp"
#include "store/store.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstdint>
#include <cstdlib>
#include <fcntl.h>
#include <iostream>
#include <iterator>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>

namespace lokku::app {

namespace {

int run_foreground(const CommandOptions& o, store::Store& st, std::uintmax_t log_limit) {
  platform::PlatformOptions p;
  p.port = o.port.value_or(5000);
  p.scale = platform::resolve_time_scale(o.time_scale);
  p.legacy_router = o.router == "legacy";
  p.router_threads = o.router_threads;
  p.log_max_bytes = log_limit;
  p.metrics = !o.no_metrics;
  if (o.tls_port) {
    p.tls_port = *o.tls_port;
    p.tls_port_given = true;
  }
  const char* term = std::getenv("TERM");
  p.colour =
      o.colour == "always" || (o.colour == "auto" && ::isatty(1) == 1 && !std::getenv("NO_COLOR") &&
                               !(term && std::string(term) == "dumb"));
  p.init_path = platform::find_init();
  const unsigned api_port = o.api_port.value_or(5001);
  p.api_port = api_port;
  platform::Runtime rt{p.init_path, p.scale};
  // The API: one more writer of the store, on loopback, behind the token (issue #5).
  p.service = [&st, rt, api_port](platform::PlatformControl& control, unsigned& bound) {
    struct Service {
      std::unique_ptr<platform::AutoDeployer> autodeploy;
      std::unique_ptr<api::GitBackend> git;
      std::unique_ptr<api::Api> api;
      std::unique_ptr<api::Server> server;
      std::unique_ptr<api::WebhookService> webhooks;  ///< first to go: it uses the API
    };
    auto s = std::make_shared<Service>();
    auto token = api::load_or_create_token(st);
    // git deploys (git-and-ci.md §1): the hook runs this very lokku.
    s->git = std::make_unique<api::GitBackend>(
        st, token, std::filesystem::read_symlink("/proc/self/exe"), rt.scale);
    s->api = std::make_unique<api::Api>(st, control, token, rt, api_port);
    s->server = std::make_unique<api::Server>(*s->api, st, api_port, 4, s->git.get());
    s->server->start();
    bound = s->server->port();
    s->api->set_port(bound);
    // App webhooks (drains-webhooks-metrics.md §3): the store's changes, POSTed, dated and
    // retried on the platform's clock.
    std::error_code ec;
    const auto ca = st.home() / "tls" / "ca.crt";
    s->webhooks = std::make_unique<api::WebhookService>(
        *s->api, st, [&control] { return control.now(); },
        std::filesystem::exists(ca, ec) ? ca.string() : std::string());
    // Automatic deploys: new commits of the branches apps follow (checked every 2 s, scaled).
    s->autodeploy = std::make_unique<platform::AutoDeployer>(
        st, std::filesystem::read_symlink("/proc/self/exe"),
        std::max(std::chrono::milliseconds(100),
                 std::chrono::duration_cast<std::chrono::milliseconds>(
                     rt.scale(std::chrono::seconds(2)))));
    return std::shared_ptr<void>(s);
  };
  return platform::run_platform(st, p);
}

}  // namespace

int run_up(const CommandOptions& o) {
  store::Store st(store::Store::default_home());
  // A bad LOKKU_LOG_MAX_BYTES is refused before anything starts (or is forked).
  const std::uintmax_t log_limit = platform::app_log_limit();
  if (!o.detach) {
    return run_foreground(o, st, log_limit);
  }
  if (auto running = platform::running_platform(st)) {
    throw release::InputError(fmt::format("another lokku platform is running on {} (pid {})",
                                          st.home().string(), running->pid));
  }
  std::filesystem::create_directories(st.home());
  auto log_path = st.home() / "platform.log";
  // The background platform is lokku again, started without --detach in a session of its
  // own, its output in platform.log.
  std::vector<std::string> args;
  std::copy_if(o.command_line.begin(), o.command_line.end(), std::back_inserter(args),
               [](const std::string& a) { return a != "--detach"; });
  const pid_t pid = common::start_self_in_background(args, log_path.string());
  // Wait until the child has published platform.json, or has failed.
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (std::chrono::steady_clock::now() < deadline) {
    if (auto info = platform::running_platform(st); info && info->pid == pid) {
      std::cout << fmt::format(
          "lokku platform started in the background (pid {})\n"
          "  apps:  http://<app>.localhost:{}/\n"
          "  API:   http://127.0.0.1:{} (token in {})\n"
          "  log:   {}\n"
          "Stop it with: lokku down\n",
          pid, info->router_port, info->api_port, (st.home() / "api-token").string(),
          log_path.string());
      return 0;
    }
    int status = 0;
    if (::waitpid(pid, &status, WNOHANG) == pid) {
      auto text = store::read_file(log_path).value_or("");
      auto last = text.rfind("lokku: error: ");
      throw release::InputError(last == std::string::npos
                                    ? std::string("the platform exited at start; see ") +
                                          log_path.string()
                                    : text.substr(last + 14, text.find('\n', last) - last - 14));
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  throw std::runtime_error("the platform did not come up within 30 s; see " + log_path.string());
}

int run_down(const CommandOptions& o) {
  store::Store st(store::Store::default_home());
  auto info = platform::running_platform(st);
  if (!info) {
    std::cerr << "No lokku platform is running on " << st.home().string() << '\n';
    return 0;
  }
  ::kill(info->pid, SIGTERM);
  // STOP-2: every dyno gets its grace period; a little more for the platform itself.
  auto grace = platform::resolve_time_scale(o.time_scale)(std::chrono::seconds(30)) +
               std::chrono::seconds(10);
  auto deadline = std::chrono::steady_clock::now() + grace;
  while (common::procfs::alive(info->pid) && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  if (common::procfs::alive(info->pid)) {
    std::cerr << "lokku: error: the platform (pid " << info->pid << ") is still stopping\n";
    return 1;
  }
  std::cout << "Stopped the lokku platform (pid " << info->pid << ")\n";
  return 0;
}

}  // namespace lokku::app
