// lokku wait (issue #27): blocks until the platform is ready, i.e. what `GET /lokku/health`
// answers 200 to: every app's (or one app's) latest build and release phase ended well, its
// postdeploy ran, its add-ons answer, its formation is up on the current release. Exits 0
// then; 1 at once when something failed that waiting will not mend, or at the timeout, with
// the list of what is still pending.
#include "app/command_support.hpp"
#include "app/commands.hpp"
#include "metrics/report.hpp"
#include "platform/readiness.hpp"
#include "release/error.hpp"
#include "store/store.hpp"

#include <boost/json/serialize.hpp>
#include <fmt/format.h>

#include <chrono>
#include <iostream>
#include <thread>

namespace lokku::app {

namespace {

std::string listing(const std::map<std::string, std::map<std::string, std::string>>& m) {
  std::string out;
  for (const auto& [app, parts] : m) {
    for (const auto& [part, why] : parts) {
      out += fmt::format("  {} {}: {}\n", app, part, why);
    }
  }
  return out;
}

std::string summary(const platform::Readiness& r) {
  if (!r.platform_running) {
    return "no platform runs (start one with `lokku up`)";
  }
  std::string out;
  for (const auto& [app, parts] : r.pending) {
    for (const auto& [part, why] : parts) {
      out += fmt::format("{}{} {} {}", out.empty() ? "" : ", ", app, part, why);
    }
  }
  return out;
}

}  // namespace

int run_wait(const CommandOptions& o) {
  const auto limit = timeout_option(o.timeout);
  store::Store st(store::Store::default_home());
  const auto started = std::chrono::steady_clock::now();
  std::string told;
  for (;;) {
    auto r = platform::readiness(st, o.app);
    const auto waited = std::chrono::duration_cast<std::chrono::seconds>(
        std::chrono::steady_clock::now() - started);
    if (r.ready()) {
      if (o.json) {
        std::cout << boost::json::serialize(r.to_json()) << "\n";
      } else {
        std::cout << fmt::format("Ready: {} up (waited {}s)\n",
                                 o.app ? *o.app : std::string("every app"), waited.count());
      }
      return 0;
    }
    if (!r.failed.empty() || waited >= limit) {
      if (o.json) {
        std::cout << boost::json::serialize(r.to_json()) << "\n";
      }
      if (!r.failed.empty()) {
        std::cerr << "lokku wait: failed (waiting will not mend it):\n" << listing(r.failed);
      } else {
        std::cerr << fmt::format(
            "lokku wait: not ready after {}; still pending:\n{}", metrics::format_period(limit),
            r.platform_running ? listing(r.pending) : "  the platform: not running\n");
      }
      return 1;
    }
    // Progress: each new state of what is pending, once.
    if (auto now = summary(r); now != told && !o.json) {
      told = now;
      std::cerr << "Waiting: " << now << "\n";
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(250));
  }
}

}  // namespace lokku::app
