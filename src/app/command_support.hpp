#pragma once
// What the store commands share: the store, the app a command is about, the api lines of a
// change, and how a release is reported.

#include "app/commands.hpp"
#include "common/app_log.hpp"
#include "platform/runtime.hpp"
#include "release/app_manifest.hpp"
#include "store/store.hpp"

#include <chrono>
#include <filesystem>
#include <optional>
#include <string>

namespace lokku::app {

namespace fs = std::filesystem;

store::Store open_store();
/// -a, $LOKKU_APP, else the current directory's name (CONVENTIONS.md).
std::string app_of(const CommandOptions& o);
std::string size_display(const std::string& size);
/// A `--timeout` value (`90s`, `2m`, `1h`); throws InputError naming the option otherwise.
std::chrono::seconds timeout_option(const std::string& text);

using platform::ApiLog;

platform::Runtime runtime(const CommandOptions& o);
std::string router_url(const store::Store& st, const std::string& app);
/// `DOING ⬢ app... done, vN`, waiting for a running platform to run a new slug release.
void print_release_outcome(const store::Release& r, const char* doing, const std::string& app);

/// A typed confirmation (the app's name, asked on a terminal), or --confirm; throws
/// InputError when it does not match.
void confirm_destructive(const CommandOptions& o, const std::string& app, const std::string& what);

/// Removes the app from the store (a running platform stops its dynos, then its add-ons'
/// servers), then its add-ons' data, and takes it out of its pipeline.
void destroy_app(store::Store& st, const store::App& app, const platform::Runtime& rt);

/// Points the current git repository's remotes that name `from`'s URL at `to`'s (after an
/// apps:rename), printing `Git remote NAME updated` for each. Nothing outside a repository.
void update_git_remotes(const store::Store& st, const std::string& from, const std::string& to);

/// The app directory's app.json, parsed (InputError naming a malformed key), if it has one.
std::optional<release::AppManifest> read_app_manifest(const fs::path& dir);
/// Sets a new app up from its app.json (APP-2, APP-4): `env` (existing keys win; an
/// InputError before anything changes when a required one has no value), `formation`, and
/// `addons` (heroku-postgresql and heroku-redis as real servers; others listed as skipped).
/// The build, the release and `postdeploy` are the deploy's.
void setup_from_manifest(store::Store& st, const std::string& app,
                         const release::AppManifest& manifest, const platform::Runtime& rt);

}  // namespace lokku::app
