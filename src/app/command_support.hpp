#pragma once
// What the store commands share: the store, the app a command is about, the api lines of a
// change, and how a release is reported.

#include "app/commands.hpp"
#include "common/log_sink.hpp"
#include "platform/runtime.hpp"
#include "store/store.hpp"

#include <filesystem>
#include <string>

namespace lokku::app {

namespace fs = std::filesystem;

store::Store open_store();
/// -a, $LOKKU_APP, else the current directory's name (CONVENTIONS.md).
std::string app_of(const CommandOptions& o);
std::string size_display(const std::string& size);

/// A log sink for the api lines of a change: the app's log file only.
struct ApiLog {
  ApiLog(const store::Store& st, const std::string& app);
  ~ApiLog();
  ApiLog(const ApiLog&) = delete;
  ApiLog& operator=(const ApiLog&) = delete;
  int fd;
  common::LogSink sink;
};

platform::Runtime runtime(const CommandOptions& o);
std::string router_url(const store::Store& st, const std::string& app);
/// `DOING ⬢ app... done, vN`, waiting for a running platform to run a new slug release.
void print_release_outcome(const store::Release& r, const char* doing, const std::string& app);

/// A first deploy of an app directory with an app.json (APP-2, part): its `addons` are
/// provisioned (heroku-postgresql and heroku-redis; others are listed as skipped) and its
/// `formation` set, before the build is released, so the release phase already sees them.
void setup_from_app_json(store::Store& st, const std::string& app, const fs::path& dir,
                         const platform::Runtime& rt);

}  // namespace lokku::app
