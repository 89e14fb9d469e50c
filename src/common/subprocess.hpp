#pragma once

#include "common/asio.hpp"
#include "common/child_process.hpp"

#include <boost/asio/awaitable.hpp>
#include <boost/asio/readable_pipe.hpp>

#include <optional>
#include <string>
#include <sys/types.h>
#include <vector>

namespace lokku::common {

struct SpawnOptions {
  std::vector<std::string> argv;  ///< argv[0] is the program path (no PATH search).
  std::vector<std::string> env;   ///< The whole environment, `KEY=VALUE`; nothing inherited.
  std::string cwd;                ///< Empty: lokku's own.
  bool capture_output = true;     ///< stdout and stderr to pipes; otherwise inherited.
  bool inherit_stdin = false;     ///< Otherwise /dev/null.
  /// When set, the child's stdin, stdout and stderr (a terminal or a socket of an attached
  /// dyno); overrides the two above. The caller keeps (and closes) its descriptor.
  int stdio_fd = -1;
};

/// One child process on lokku's io_context, its output read there as it comes: a dyno's
/// init or an attached one-off (start_child(), in lokku's process group: the init makes the
/// dyno's own). Boost.Process reaps it through its pidfd (no SIGCHLD handler, no
/// waitpid(-1)). Owned by whoever launched it; if it is destroyed before the child was
/// reaped, the child is killed and reaped.
class Subprocess {
 public:
  /// Throws std::system_error naming the program when it cannot be started.
  Subprocess(net::any_io_executor ex, const SpawnOptions& options);
  ~Subprocess();
  Subprocess(const Subprocess&) = delete;
  Subprocess& operator=(const Subprocess&) = delete;

  pid_t pid() const { return process_.id(); }
  net::readable_pipe& stdout_pipe() { return out_; }
  net::readable_pipe& stderr_pipe() { return err_; }

  /// Completes with heroku_status() once the child has exited and been reaped. Never
  /// completes inline. Only one wait at a time.
  net::awaitable<int> wait();

  /// kill(2) while the child is not yet reaped (so its pid cannot have been reused).
  void signal(int sig) const;
  bool reaped() const { return status_.has_value(); }

 private:
  net::readable_pipe out_;
  net::readable_pipe err_;
  bp2::process process_;
  std::optional<int> status_;
};

}  // namespace lokku::common
