#pragma once
// The slug compiler (build-and-release.md BP-1..9, SLUG-1..7): source → buildpacks → slug.

#include "buildpack/release_info.hpp"
#include "store/store.hpp"

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace lokku::buildpack {

namespace fs = std::filesystem;

struct BuildOptions {
  std::string app;
  fs::path source;                      ///< the app directory
  std::vector<std::string> buildpacks;  ///< `--buildpack`: wins over everything else
  /// Build output, streamed as produced (BP-8): platform lines and buildpack output.
  std::function<void(std::string_view)> out;
  std::chrono::nanoseconds compile_timeout = std::chrono::minutes(15);  ///< BP-4, scaled
  std::uint64_t slug_soft_limit = 300ULL << 20;                         ///< SLUG-4
  std::uint64_t slug_hard_limit = 500ULL << 20;                         ///< SLUG-4 [emu]
  unsigned threads = 0;                                                 ///< slug compression
  /// Heroku CI (BP-10): `bin/test-compile` where present, then app.json's
  /// `environments.test.scripts` (`test-setup`, `test`) or each buildpack's `bin/test`; no
  /// slug.
  bool ci = false;
  std::string build_id;  ///< empty: a new one
  /// In a git repository, the commit to build (a branch for review apps, PIPE-3).
  std::string git_ref = "HEAD";
  /// Set: the commit `source` (a plain directory) was taken from (a git push), so the build's
  /// SOURCE_VERSION and release name it.
  std::string source_version;
};

struct BuildResult {
  bool ok = false;
  std::string build_id;
  store::Slug slug;  ///< when ok
  ReleaseInfo release_info;
  std::vector<std::string> buildpacks;  ///< the references that ran
  bool detected = false;                ///< chosen by detection (BP-3.2: saved on the app)
  std::string source_version;
  bool size_warning = false;  ///< SLUG-4 soft limit passed
  std::string ci_status;      ///< BP-10: succeeded, failed or errored
  std::uint64_t soft_limit = 0;
};

/// Runs a whole build. Failures of the app or its buildpacks are reported on `out` in
/// Heroku's words and give ok=false (BP-9: no slug); lokku's own failures throw.
BuildResult build(store::Store& store, const BuildOptions& options);

/// Records a build that could not run to its end (lokku's own failure) as failed, with the
/// reason at the end of its output.
void mark_build_failed(store::Store& store, const std::string& app, const std::string& build_id,
                       const std::string& why);

/// `-----> ` step and 7-space detail lines (BP-8).
std::string step(std::string_view text);
std::string detail(std::string_view text);
std::string error_line(std::string_view text);

}  // namespace lokku::buildpack
