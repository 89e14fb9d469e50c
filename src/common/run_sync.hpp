#pragma once
// Runs a short-lived command to completion on the calling thread (build steps, git), with
// its output handed over as it arrives.

#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace lokku::common {

struct RunOptions {
  std::vector<std::string> argv;  ///< argv[0]: a path, or a name looked up in PATH of `env`
  std::vector<std::string> env;   ///< the whole environment
  std::string cwd;
  /// Output callbacks; stdout and stderr share one pipe (so their order is kept) when
  /// `on_stderr` is empty. Unset `on_stdout`: output is dropped.
  std::function<void(std::string_view)> on_stdout;
  std::function<void(std::string_view)> on_stderr;
  /// Killed (its whole process group, SIGKILL) when it runs longer.
  std::optional<std::chrono::nanoseconds> timeout;
  int stdin_fd = -1;  ///< -1: /dev/null
};

struct RunResult {
  int status = 0;  ///< heroku_status(): exit code, or 128+signal
  bool timed_out = false;
};

/// Throws std::system_error naming the program when it cannot be started (127 is what a
/// missing program inside a shell gives; here it is an error to the caller).
RunResult run_sync(const RunOptions& options);

/// Convenience: runs and returns stdout (stderr dropped), or nullopt on a non-zero exit.
std::optional<std::string> capture(const std::vector<std::string>& argv, const std::string& cwd,
                                   const std::vector<std::string>& env);

/// capture(), without the line ends that close the output (`git rev-parse`'s one value).
std::optional<std::string> capture_trimmed(const std::vector<std::string>& argv,
                                           const std::string& cwd,
                                           const std::vector<std::string>& env);

/// lokku's own environment as `KEY=VALUE` strings, for helper programs (git) that are not
/// dynos or buildpacks and need nothing hidden from them.
std::vector<std::string> own_environment();

}  // namespace lokku::common
