#pragma once
// Where buildpacks come from (build-and-release.md BP-1, BP-3; CONVENTIONS.md, Buildpacks):
// lokku's own offline buildpacks, directories, archives and git repositories (`#ref`).

#include <filesystem>
#include <string>
#include <vector>

namespace lokku::buildpack {

namespace fs = std::filesystem;

/// lokku's own buildpacks: `$LOKKU_BUILDPACKS_DIR`, else the `buildpacks/` folder lokku was
/// built with.
fs::path bundled_dir();
/// Default detection order when an app names no buildpack (README: Buildpacks).
const std::vector<std::string>& default_order();

/// Resolves a buildpack reference to a directory holding `bin/`. Git repositories (a URL, a
/// working tree, a bare repository) are cloned into `cache_root` once and fetched again on
/// every build; when a fetch fails the copy fetched before is used and `note` (when given)
/// says so. Archives are extracted safely. Throws InputError naming the reference when it
/// cannot be had.
fs::path fetch(const std::string& ref, const fs::path& cache_root, std::string* note = nullptr);

/// How a reference is shown in build output (`lokku/python`, a path, a URL).
std::string display_name(const std::string& ref);

}  // namespace lokku::buildpack
