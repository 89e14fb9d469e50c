#pragma once
// What an export (issue #26) carries over from lokku to another engine: one release of an
// app (its slug, process types and config vars), the app's formation, add-ons, scheduler jobs
// and domains. Read from the store once; the writers (kubernetes, systemd, compose) only
// format it.

#include "release/dotenv.hpp"
#include "release/dyno_size.hpp"
#include "release/schedule.hpp"
#include "store/store.hpp"

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace lokku::exports {

namespace fs = std::filesystem;

struct ProcessType {
  std::string name;  ///< web, worker, ...
  std::string command;
  int quantity = 0;  ///< the formation's
  release::DynoSize size;
};

/// An add-on the app uses, its own or attached: the engine provides the service, the app finds
/// it through `config_var`.
struct AddonRef {
  std::string name;        ///< postgresql-rugged-32907
  std::string service;     ///< heroku-postgresql | heroku-redis
  std::string config_var;  ///< DATABASE_URL
  bool postgres() const { return service == "heroku-postgresql"; }
};

struct ScheduledJob {
  int id = 0;
  release::Frequency frequency;
  std::string command;
};

struct ExportInput {
  std::string app;
  int version = 0;
  std::string description;  ///< the release's
  fs::path slug;            ///< its .tgz (paths under ./app/)
  std::string slug_id;
  std::string stack;
  std::vector<ProcessType> processes;  ///< every type but release, web first
  std::string release_command;         ///< the release phase; empty: none
  release::ConfigVars config;          ///< the release's config vars, the add-ons' left out
  std::vector<AddonRef> addons;
  std::vector<ScheduledJob> jobs;
  std::vector<std::string> domains;  ///< the app's custom domains
};

/// The app's release `version` (default: the current one) as an export takes it. Throws
/// InputError when the app has no deployed release, or not that one (or it has no slug).
ExportInput export_input(const store::Store& store, const std::string& app,
                         std::optional<int> version = std::nullopt);

/// `v12` or `12` as `--release` takes it; InputError otherwise.
int parse_release_option(const std::string& text);

/// A name Kubernetes and systemd accept for the app's objects: lower case letters, digits
/// and dashes (a Procfile type `clock_2` becomes `clock-2`).
std::string dns_label(const std::string& name);

}  // namespace lokku::exports
