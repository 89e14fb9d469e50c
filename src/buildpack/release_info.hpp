#pragma once
// `bin/release` output (build-and-release.md BP-6) and how process types are merged and
// reported (BP-7).

#include "release/dotenv.hpp"
#include "release/procfile.hpp"

#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace lokku::buildpack {

using ProcessTypes = std::map<std::string, std::string>;

struct ReleaseInfo {
  std::vector<std::string> addons;  ///< `service:plan`
  ProcessTypes default_process_types;
  release::ConfigVars config_vars;  ///< legacy; fill only absent keys (BP-6)
};

/// Parses `bin/release` stdout. Empty output and `--- {}` are `{}`. Throws InputError
/// naming `who` for anything but a YAML mapping of the known shapes.
ReleaseInfo parse_release_info(std::string_view text, std::string_view who);

/// BP-5 [emu]: add-ons are the union; default types come from the last buildpack that
/// prints any; config vars fill in order (earlier keys win).
void accumulate(ReleaseInfo& total, const ReleaseInfo& next);

struct MergedTypes {
  ProcessTypes types;                       ///< defaults overlaid by the Procfile
  std::vector<std::string> procfile_types;  ///< sorted
  std::vector<std::string> defaults_used;   ///< sorted, only those the Procfile leaves
};

MergedTypes merge_process_types(const release::Procfile* procfile, const ProcessTypes& defaults);

/// The lines after `-----> Discovering process types` (BP-7), without the 7-space indent.
std::vector<std::string> process_type_report(const MergedTypes& merged);

}  // namespace lokku::buildpack
