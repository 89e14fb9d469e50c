#pragma once
// State snapshots (`lokku state:export` / `state:import` / `state:reset`): the whole desired
// state of a lokku home in one file, so that a test suite starts from a known platform.
//
// A snapshot is a gzip'd tar (mode 0600: it holds config vars and add-on credentials):
//   lokku-state.json                 what it holds: format, apps, pipelines, each file's SHA-256
//   apps/<app>/app.yaml              the app's record (config, formation, releases, add-ons, ...)
//   apps/<app>/slugs/<id>.{tgz,yaml} its slugs
//   apps/<app>/builds/<id>.{yaml,log} its builds and their output
//   addons/<name>/data.pgdump        a Postgres add-on's database (pg_dump custom format)
//   addons/<name>/dump.rdb           a Redis add-on's dataset (RDB)
//   pipelines/<name>.yaml            pipelines
// Logs, metrics, webhook deliveries, build caches and the API token are the home's own and
// stay out. Importing checks the whole file first (checksums, records, names) and prepares
// everything beside the live state; only then does it replace the home's apps, so a damaged
// or foreign file changes nothing.

#include "platform/runtime.hpp"
#include "store/store.hpp"

#include <cstdint>
#include <filesystem>
#include <functional>
#include <string>
#include <vector>

namespace lokku::platform {

namespace fs = std::filesystem;

/// The format this lokku writes and reads (`"format": "lokku-state"`, `"version": 1`).
inline constexpr int kStateVersion = 1;

/// Progress of a long step (`Dumping postgresql-shaped-12345`), for the command's output.
using StateProgress = std::function<void(const std::string&)>;

struct StateSummary {
  std::vector<std::string> apps;
  std::vector<std::string> addons;
  std::vector<std::string> pipelines;
  std::uint64_t bytes = 0;  ///< export: the file's size
};

/// Writes the home's state to `file` (atomically, mode 0600). Add-on servers not running are
/// started for the dump (and stopped after) unless `platform_runs`, whose servers answer.
StateSummary export_state(const store::Store& store, const fs::path& file,
                          const std::string& lokku_version, bool platform_runs, const Runtime& rt,
                          const StateProgress& progress);

/// What a snapshot holds, checked whole (InputError naming the file and what is wrong when
/// it is not a lokku state file, is damaged, or was written by a newer lokku).
StateSummary inspect_state(const store::Store& store, const fs::path& file);

struct ImportOptions {
  bool replace = false;  ///< the home's apps may be destroyed (else a home with apps is refused)
  bool fresh_ports = false;  ///< every add-on gets a new port (else the file's, where free)
  bool platform_runs = false;
};

/// Replaces the home's apps and pipelines with the snapshot's. Add-ons keep their names and
/// credentials; one whose port is taken here (or every one, `fresh_ports`) gets another, and
/// its URLs in config vars and releases follow. Throws InputError and changes nothing when
/// the file is refused.
StateSummary import_state(store::Store& store, const fs::path& file, const ImportOptions& options,
                          const Runtime& rt, const StateProgress& progress);

/// Destroys every app (with its add-ons' data) and pipeline. Returns what was there.
StateSummary reset_state(store::Store& store, bool platform_runs, const Runtime& rt);

}  // namespace lokku::platform
