#pragma once
// Slugs (build-and-release.md SLUG-1..5): a standard gzip'd tar with every entry under
// `./app/`, and safe extraction of slugs and other archives (buildpacks, source tarballs).

#include <cstdint>
#include <filesystem>
#include <functional>
#include <string>
#include <vector>

namespace lokku::slug {

namespace fs = std::filesystem;

struct PackResult {
  std::uint64_t size = 0;            ///< compressed bytes
  std::string checksum;              ///< SHA256:<64 hex> of the archive (SLUG-5)
  std::vector<std::string> skipped;  ///< entries left out, with why (sockets, fifos, devices)
};

/// Packs the tree under `dir` into `out` (written atomically): entries `./app/<path>` in
/// byte order of names, modes, mtimes and symlinks kept, symlinks never followed.
/// `threads` 0: as many as cores.
PackResult pack(const fs::path& dir, const fs::path& out, unsigned threads = 0);

struct PackOptions {
  unsigned threads = 0;
  std::string root = "./app/";  ///< the first entry, a folder, and every other entry's prefix
  unsigned mode = 0644;         ///< the archive file's
};
/// The same, with another root folder (`./`) or file mode.
PackResult pack(const fs::path& dir, const fs::path& out, const PackOptions& options);

struct ExtractOptions {
  /// SLUG-3: take the entries under `./app/` (and ignore the rest) when the archive has
  /// them, else every entry as a path relative to the destination.
  bool app_prefix = false;
  /// Symlinks whose target leads outside the destination. Refused for anything a user or
  /// a buildpack author hands in; slugs lokku packed itself (checksum verified) may keep
  /// links to system files (a virtualenv's `bin/python -> /usr/bin/python3`). Extraction
  /// never writes through a symlink either way.
  bool allow_outside_links = false;
};

/// Extracts a tar archive (plain, gzip, bzip2 or xz) into `dest` (created). Refuses, with
/// InputError naming the archive and entry: absolute paths, `..` components, device files,
/// fifos and sockets, hard links out of the tree, and (by default) symlinks that lead out.
void extract(const fs::path& archive, const fs::path& dest, const ExtractOptions& options = {});
/// The same, reading the archive from an open file descriptor (a pipe from `git archive`).
void extract_fd(int fd, const std::string& name, const fs::path& dest,
                const ExtractOptions& options = {});

/// SHA256:<64 hex> of a file.
std::string sha256_file(const fs::path& file);

/// Human size as Heroku prints it after `Done:` (`43.4M`, `812K`).
std::string human_size(std::uint64_t bytes);

}  // namespace lokku::slug

namespace lokku::slug {

/// SHA-256 over a tree (relative paths, modes' executable bit, file contents, symlink
/// targets, in byte order of names), as lower-case hex: the SOURCE_VERSION of a build from
/// a directory that is not a git commit. `skip_top` names top-level entries left out.
std::string tree_digest(const fs::path& dir, const std::vector<std::string>& skip_top = {});

}  // namespace lokku::slug
