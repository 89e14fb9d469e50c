#pragma once
// A build's record, `apps/<app>/builds/<id>.yaml` beside its output (`<id>.log`): what
// `heroku builds` lists and what the platform's readiness waits on (BP-9).

#include "store/store.hpp"

#include <filesystem>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace lokku::buildpack {

struct BuildRecord {
  BuildRecord() = default;
  BuildRecord(std::string build_id, std::string build_status)
      : id(std::move(build_id)), status(std::move(build_status)) {}
  std::string id;
  std::string status;  ///< pending | succeeded | failed
  std::string created_at;
  std::string updated_at;
  std::string slug;  ///< succeeded: its slug's id
  std::string source_version;
  std::vector<std::string> buildpacks;
  int pid = 0;  ///< pending: the process building it (a build whose process is gone never ends)
};

/// The folder of an app's build records and outputs.
std::filesystem::path builds_dir(const store::Store& store, const std::string& app);

/// Writes the record atomically. A record written again keeps its first `created_at`;
/// `pid` is set to this process while the build is pending.
void write_build_record(const std::filesystem::path& dir, const BuildRecord& record);

/// One record; nullopt when there is none or it cannot be read.
std::optional<BuildRecord> read_build_record(const std::filesystem::path& dir,
                                             const std::string& id);

/// Every record of the app that can be read, oldest first (by created_at, then id).
std::vector<BuildRecord> read_build_records(const store::Store& store, const std::string& app);

}  // namespace lokku::buildpack
