#pragma once
// app.json (build-and-release.md APP-1..4): what an app declares about its own set-up.
// Parsing only; applying it is the deploy's and review apps' business.

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace lokku::release {

struct ManifestEnv {
  std::optional<std::string> value;
  std::string description;
  bool required = true;          ///< APP-1: `required` defaults to true
  bool generate_secret = false;  ///< `generator: "secret"`
};

struct ManifestAddon {
  std::string service;  ///< heroku-postgresql
  std::string plan;     ///< empty: the default plan
  std::string as;       ///< attachment name, or empty
};

struct ManifestFormation {
  int quantity = 0;
  std::string size;  ///< empty: unchanged
};

struct AppManifest {
  std::string name;
  std::map<std::string, ManifestEnv> env;
  std::vector<ManifestAddon> addons;
  std::map<std::string, ManifestFormation> formation;
  std::vector<std::string> buildpacks;
  std::string postdeploy;     ///< scripts.postdeploy
  std::string pr_predestroy;  ///< scripts.pr-predestroy
};

/// Parses app.json text; `file` names it in messages. Unknown keys are ignored (APP-4);
/// a known key of the wrong shape is an InputError naming it (`app.json: env.SECRET.required
/// must be true or false`).
AppManifest parse_app_manifest(std::string_view text, std::string_view file = "app.json");

/// The manifest a review app is set up from (PIPE-3): `environments.review` over the top
/// level (its `env` entries added or replacing; its `addons`, `formation`, `buildpacks` and
/// `scripts` replacing when present).
AppManifest parse_review_manifest(std::string_view text, std::string_view file = "app.json");

/// The config vars the manifest sets on a new app whose config is `existing` (existing keys
/// win; `generator: secret` gives 64 lowercase hex characters from `random_hex`). Throws
/// InputError listing every required variable with neither a value nor a generator that
/// `existing` does not have.
std::map<std::string, std::string> manifest_config(
    const AppManifest& manifest, const std::map<std::string, std::string>& existing,
    const std::string& app, std::string (*random_hex)(std::size_t bytes));

}  // namespace lokku::release
