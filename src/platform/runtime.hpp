#pragma once
// Running a release: dyno settings from the store (REL-9 metadata, ENV-8 fresh slug per
// start), the app log file, and the release phase (RPH-1..3, REL-5/6).

#include "common/app_log.hpp"
#include "common/time_scale.hpp"
#include "dyno/dyno.hpp"
#include "store/store.hpp"

#include <chrono>
#include <cstdint>
#include <deque>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace lokku::platform {

namespace fs = std::filesystem;

/// What every command that runs dynos shares.
struct Runtime {
  std::string init_path;  ///< lokku-init, beside the lokku executable
  common::TimeScale scale;
};

/// lokku-init beside /proc/self/exe; throws naming it when missing.
std::string find_init();
/// `--time-scale` when given, else `$LOKKU_TIME_SCALE`, else 1. Throws InputError.
common::TimeScale resolve_time_scale(std::optional<double> flag);

/// The REL-9 / ENV-7 variables of a release.
release::ConfigVars dyno_metadata(const store::App& app, const store::Release& release);

/// Extracts the slug into a fresh directory `<home>/dynos/<app>/<dyno>.<random>` and returns
/// it. The checksum is verified once per process and slug (SLUG-5 [emu]: always).
fs::path prepare_slug_dir(const store::Store& store, const std::string& app,
                          const std::string& slug_id, const std::string& dyno);

/// A dyno life's filesystem (ENV-8: a fresh copy of the slug, private to that life, gone
/// when it ends). As root, where the kernel allows it, the slug is extracted once into
/// `<home>/dynos/<app>/.slugs/<id>` and each life gets an overlay mount of it in a mount
/// namespace of its own (`unshare`): its writes land in a directory of its own and nobody
/// else sees them, as with a copy, without writing the whole slug out again at every start.
/// Elsewhere, or with `LOKKU_DYNO_FS=copy`, each life gets an extracted copy.
dyno::PreparedDir prepare_dyno_dir(const store::Store& store, const std::string& app,
                                   const std::string& slug_id, const std::string& dyno);
/// Whether lives get overlay mounts (probed once per process).
bool overlay_dyno_dirs(const store::Store& store);

/// Dyno settings that run `release` of `app`.
dyno::DynoSettings release_settings(const store::Store& store, const store::App& app,
                                    const store::Release& release, const Runtime& rt);

/// Opens the app's log file (`<home>/apps/<app>/log`) for appending; -1 when it cannot.
int open_app_log(const store::Store& store, const std::string& app);
/// A log sink for the `app[api]` lines of a change (a command's or the API's): the app's
/// log file only, open while it lives.
struct ApiLog {
  ApiLog(const store::Store& st, const std::string& app);
  ~ApiLog();
  ApiLog(const ApiLog&) = delete;
  ApiLog& operator=(const ApiLog&) = delete;
  int fd;
  common::AppLog sink;
};
/// How large an app's log file grows before it becomes `log.1`, unless $LOKKU_LOG_MAX_BYTES
/// says otherwise: an app keeps 32 to 64 MiB of log.
inline constexpr std::uintmax_t kDefaultAppLogLimit = 32ull << 20;

/// `$LOKKU_LOG_MAX_BYTES`, else kDefaultAppLogLimit. Throws release::InputError, naming the
/// variable, when it is set to anything but a byte count.
std::uintmax_t app_log_limit();

/// Heroku's log filters (`--source app`, `--dyno web` for a type, `--dyno web.1` exactly) on
/// one line of the app's log. Empty filters match every line.
bool log_line_matches(std::string_view line, const std::string& source, const std::string& dyno);

/// Follows an app's log file: each read_new() returns the whole lines added since the last
/// call that pass Heroku's filters; a file truncated or not there yet is started over. The
/// first call starts with the rotated `log.1`; when the platform rotates the file, the rest
/// of the old one is read, then the new one from its start.
class LogFollower {
 public:
  LogFollower(fs::path file, std::string source, std::string dyno);
  ~LogFollower();
  LogFollower(const LogFollower&) = delete;
  LogFollower& operator=(const LogFollower&) = delete;
  /// `keep_last`: only the newest that many (the backlog of `logs -n`, memory bounded).
  std::vector<std::string> read_new(std::size_t keep_last = static_cast<std::size_t>(-1));
  /// The same lines, each handed to `each` as it is read, with no string of its own (a log
  /// drain's feed: every line of the app). A view lives until `each` returns.
  using Each = std::function<void(std::string_view)>;
  void read_new_each(const Each& each);
  /// Skips what the file holds now: read_new() then returns only lines added after this (a
  /// log drain gets the lines from when it was added).
  void start_at_end();

 private:
  /// Reads `fd` from `offset_` to its end, handing each matching line to `each`.
  void read_to_end(int fd, const Each& each);
  using FileId = std::pair<std::uint64_t, std::uint64_t>;  ///< device, inode
  /// Reads the rotated `<file>.1` whole, unless it is the file `seen` (read already); then
  /// the next file starts from its beginning.
  void read_rotated(const Each& each, std::optional<FileId> seen);

  fs::path file_;
  std::string source_, dyno_;
  bool started_ = false;
  int fd_ = -1;
  long long offset_ = 0;
  std::string partial_;
};

/// A random one-off dyno number, 1000–9999 (ENV-2).
int one_off_number();

/// Runs `command` once in a one-off dyno `TYPE.NNNN` (or `name`, when given) of release `r`
/// (the release phase, an app.json postdeploy), its add-ons' servers answering, killed after
/// `limit` (scaled). Returns its exit status, -1 when it was killed or could not start.
int run_one_off_dyno(const store::Store& store, const store::App& app, const store::Release& r,
                     const Runtime& rt, common::AppLog& sink, const std::string& type,
                     const std::string& command, std::chrono::nanoseconds limit,
                     const std::string& name = {});

/// Makes a release with `change` applied to the app under its lock (`describe` gives the
/// description from the changed app), then settles it (REL-5): with a slug whose process
/// types have `release`, it is `pending` while the release phase runs as `release.N`
/// (RPH-1..3), then `succeeded` or `failed`; otherwise `succeeded` at once. Writes the
/// `app[api]` lines of REL-4 to `sink`. Returns the release as settled. No release phase
/// when an add-on changes its own config vars (REL-6: `run_release_phase` false). `created`,
/// when given, is told of the release once it is recorded, before its release phase runs.
store::Release make_release(store::Store& store, const std::string& app,
                            const std::function<void(store::App&)>& change,
                            const std::function<std::string(const store::App&)>& describe,
                            const std::function<std::string(const store::App&)>& slug_of,
                            const Runtime& rt, common::AppLog& sink, bool run_release_phase = true,
                            const std::function<void(const store::Release&)>& created = {});

}  // namespace lokku::platform
