#pragma once
// `lokku up`: the platform. One router for every app (Host routing), and a reconciler that
// makes each app's dynos match the store: its current release and formation (CONVENTIONS.md,
// Design). Commands write the store; the platform notices (a cheap poll of each app's
// record) and acts.

#include "common/time_scale.hpp"
#include "store/store.hpp"

#include <chrono>
#include <string>

namespace lokku::platform {

struct PlatformOptions {
  unsigned port = 5000;
  std::string address = "0.0.0.0";
  common::TimeScale scale;
  bool legacy_router = false;
  unsigned router_threads = 0;
  bool colour = false;
  std::string init_path;
  std::chrono::milliseconds poll{200};
};

/// Runs until SIGINT or SIGTERM, then stops every dyno gracefully. Returns the exit code
/// (0, or 3 when a dyno needed SIGKILL). Throws InputError when another platform runs on the
/// same home or the port is taken.
int run_platform(store::Store& store, const PlatformOptions& options);

}  // namespace lokku::platform
