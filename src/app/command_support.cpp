#include "app/command_support.hpp"

#include "metrics/report.hpp"
#include "platform/platform_file.hpp"
#include "release/dyno_size.hpp"
#include "release/error.hpp"
#include "store/app_name.hpp"

#include <fmt/format.h>

#include <filesystem>
#include <iostream>
#include <unistd.h>

namespace lokku::app {

namespace fs = std::filesystem;

store::Store open_store() {
  return store::Store(store::Store::default_home());
}

std::string app_of(const CommandOptions& o) {
  return store::resolve_app(o.app, fs::current_path());
}

std::string size_display(const std::string& size) {
  auto s = release::find_dyno_size(size);
  return s ? s->display : size;
}

platform::Runtime runtime(const CommandOptions& o) {
  return {platform::find_init(), platform::resolve_time_scale(o.time_scale)};
}

std::string router_url(const store::Store& st, const std::string& app) {
  unsigned port = 5000;
  if (auto p = platform::running_platform(st)) {
    port = p->router_port;
  }
  return fmt::format("http://{}.localhost:{}/", app, port);
}

void print_release_outcome(const store::Release& r, const char* doing, const std::string& app) {
  if (r.status == "succeeded" && !r.slug_id.empty()) {
    // A running platform restarts the dynos onto it before the command returns.
    platform::wait_for_release(store::Store(store::Store::default_home()), app, r.version);
  }
  if (r.status == "failed") {
    std::cout << doing << " ⬢ " << app << "... done, v" << r.version << '\n';
    std::cerr << " !    Release v" << r.version
              << " command failed; the app stays on its previous release (see lokku logs -a " << app
              << ")\n";
  } else {
    std::cout << doing << " ⬢ " << app << "... done, v" << r.version << '\n';
  }
}

std::chrono::seconds timeout_option(const std::string& text) {
  const auto limit = metrics::parse_period(text);
  if (!limit) {
    throw release::InputError(
        fmt::format("--timeout {}: not a duration (a whole number and s, m or h: 90s, 2m)", text));
  }
  return *limit;
}

/// A typed confirmation (the app's name), or --confirm; throws when it does not match.
void confirm_destructive(const CommandOptions& o, const std::string& app, const std::string& what) {
  std::string confirm = o.confirm.value_or("");
  if (confirm.empty() && ::isatty(0) == 1) {
    std::cerr << " !    WARNING: Destructive Action\n"
              << " !    This command will affect the app " << app << ": " << what << ".\n"
              << " !    To proceed, type " << app << " or re-run this command with --confirm "
              << app << "\n\n> ";
    std::getline(std::cin, confirm);
  }
  if (confirm != app) {
    throw release::InputError(
        fmt::format("Confirmation did not match {}. Re-run with --confirm {}.", app, app));
  }
}

}  // namespace lokku::app
