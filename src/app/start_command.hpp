#pragma once

#include <optional>
#include <string>
#include <vector>

namespace lokku::app {

/// `lokku start [TYPE...]`: runs the working tree's Procfile in the foreground.
struct StartOptions {
  std::string app_dir = ".";
  std::string procfile;                ///< default: APP_DIR/Procfile
  std::vector<std::string> env_files;  ///< default: APP_DIR/.env when it exists
  std::optional<std::string> formation;
  std::vector<std::string> types;
  std::optional<unsigned> port;      ///< default: $PORT, else 5000
  std::optional<double> time_scale;  ///< default: $LOKKU_TIME_SCALE, else 1
  bool no_backoff = false;           ///< same as restart_profile "none"
  std::string restart_profile = "heroku";
  bool crash_jitter = false;
  bool runtime_metrics = false;
  std::string colour = "auto";    ///< auto | always | never
  std::string router = "r2";      ///< r2 | legacy (CONVENTIONS.md, Router defaults)
  unsigned router_threads = 0;    ///< 0: one per core
  bool session_affinity = false;  ///< AFF-1
};

int run_start(const StartOptions& options);

}  // namespace lokku::app
