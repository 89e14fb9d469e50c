#pragma once

#include "common/asio.hpp"

#include <boost/asio/awaitable.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>

#include <optional>
#include <string>
#include <sys/types.h>
#include <vector>

namespace lokku::common {

/// Heroku's exit status of a wait(2) status: the exit code, or 128+signal for a signalled
/// process (143 for SIGTERM, 137 for SIGKILL; dynos.md STATE-5).
int heroku_status(int wait_status);

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

/// In a forked child that goes on in the background (`up --detach`, `run:detached`): a
/// session of its own, so no terminal signal reaches it; stdin from /dev/null; stdout and
/// stderr to `out_fd` (left as they are when it is -1).
void detach_session(int out_fd);

/// Raises lokku's soft open-file limit as far as the hard limit allows (the router holds
/// thousands of connections). Children get the limit lokku started with back, so programs
/// that use select() keep their usual 1024. Returns the new soft limit.
unsigned long raise_open_file_limit();

/// One child process, launched on lokku's io_context and reaped through its pidfd (no
/// SIGCHLD handler, no waitpid(-1)). The child starts with default signal dispositions and
/// an empty signal mask, whatever lokku's own are. Owned by whoever launched it; if it is
/// destroyed before the child was reaped, the child is killed and reaped.
class Subprocess {
 public:
  /// Throws std::system_error naming the program when it cannot be started.
  Subprocess(net::any_io_executor ex, const SpawnOptions& options);
  ~Subprocess();
  Subprocess(const Subprocess&) = delete;
  Subprocess& operator=(const Subprocess&) = delete;

  pid_t pid() const { return pid_; }
  net::posix::stream_descriptor& stdout_pipe() { return out_; }
  net::posix::stream_descriptor& stderr_pipe() { return err_; }

  /// Completes with heroku_status() once the child has exited and been reaped. Never
  /// completes inline. Only one wait at a time.
  net::awaitable<int> wait();

  /// kill(2) while the child is not yet reaped (so its pid cannot have been reused).
  void signal(int sig) const;
  bool reaped() const { return status_.has_value(); }

 private:
  pid_t pid_ = -1;
  net::posix::stream_descriptor pidfd_;
  net::posix::stream_descriptor out_;
  net::posix::stream_descriptor err_;
  std::optional<int> status_;
};

}  // namespace lokku::common
