#pragma once
// `.slugignore` (build-and-release.md SLUG-2): gitignore-style patterns, applied before the
// first buildpack runs.

#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

namespace lokku::buildpack {

struct SlugIgnore {
  struct Pattern {
    std::string glob;       ///< without a leading or trailing `/`
    bool anchored = false;  ///< had a `/` before its end: matches from the root only
    bool dir_only = false;  ///< ended in `/`
  };
  std::vector<Pattern> patterns;
  std::vector<std::string> warnings;  ///< `.slugignore:LINE: ...`

  /// True when `rel` (a path relative to the root, `/`-separated) is ignored.
  bool ignored(std::string_view rel, bool is_dir) const;
};

/// Parses `.slugignore` text: `#` comments and blank lines skipped; `!` negations are not
/// supported by Heroku and are skipped with a warning.
SlugIgnore parse_slugignore(std::string_view text);

/// Deletes every ignored path under `root`; returns the paths removed (relative).
std::vector<std::string> apply_slugignore(const SlugIgnore& rules,
                                          const std::filesystem::path& root);

/// fnmatch(3)-style glob match of one path against a pattern, where `*` and `?` do not
/// cross `/` and `**` does.
bool glob_match(std::string_view pattern, std::string_view text);

}  // namespace lokku::buildpack
