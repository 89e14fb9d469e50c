#pragma once
// Durable files: every write of lokku's state is atomic (temp file, fsync, rename, fsync of
// the directory), so a crash leaves the old or the new content, never a mix.

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

namespace lokku::store {

namespace fs = std::filesystem;

/// Replaces `path` with `data` atomically; `mode` applies to the new file. Throws
/// std::system_error naming the path.
void write_file_atomic(const fs::path& path, std::string_view data, unsigned mode = 0644);

/// The whole file, or nullopt when it does not exist. Throws on other errors.
std::optional<std::string> read_file(const fs::path& path);

/// Which version of a file is there: a rewrite (a new file renamed over it) changes it.
struct FileVersion {
  std::int64_t mtime_ns = 0;
  std::int64_t size = 0;
  std::uint64_t ino = 0;
  bool operator==(const FileVersion&) const = default;
};
/// nullopt when the file is not there.
std::optional<FileVersion> file_version(const fs::path& path);

/// An exclusive advisory lock (flock) on a lock file, held for the object's life. Two lokku
/// processes that take the same lock run their read-modify-write one after the other.
class FileLock {
 public:
  explicit FileLock(const fs::path& path);
  ~FileLock();
  FileLock(const FileLock&) = delete;
  FileLock& operator=(const FileLock&) = delete;

  /// Tries without waiting; nullopt when another process holds it.
  static std::optional<FileLock> try_lock(const fs::path& path);
  FileLock(FileLock&& other) noexcept : fd_(other.fd_) { other.fd_ = -1; }

 private:
  FileLock() = default;
  int fd_ = -1;
};

}  // namespace lokku::store
