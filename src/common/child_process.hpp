#pragma once
// Every child process lokku starts (dynos, one-offs, buildpack steps, release phases,
// add-on servers, git, the background platform) starts here, through Boost.Process v2: its
// initializers (stdio, environment, start directory, and lokku's own ChildSetup), its
// process handle (waited for through a pidfd) and a launcher of lokku's that mends what
// Boost 1.81's default one gets wrong (child_process.cpp says what).

#include "common/asio.hpp"
#include "common/process_v2.hpp"

#include <string>
#include <sys/types.h>
#include <vector>

namespace lokku::common {

/// Heroku's exit status of a wait(2) status: the exit code, or 128+signal for a signalled
/// process (143 for SIGTERM, 137 for SIGKILL; dynos.md STATE-5).
int heroku_status(int wait_status);

/// Raises lokku's soft open-file limit as far as the hard limit allows (the router holds
/// thousands of connections). Children get the limit lokku started with back, so programs
/// that use select() keep their usual 1024. Returns the new soft limit.
unsigned long raise_open_file_limit();

/// Where a child's process group is.
enum class ChildGroup {
  own,       ///< a group of its own: its whole tree can be signalled at once
  session,   ///< a session of its own: no terminal reaches it (work left in the background)
  terminal,  ///< lokku's own group: a program the user works with on lokku's terminal
};

struct ChildSpec {
  std::vector<std::string> argv;  ///< argv[0]: a path, or a name looked up in the PATH of `env`
  std::vector<std::string> env;   ///< the whole environment, `KEY=VALUE`; nothing inherited
  std::string cwd;                ///< empty: lokku's own
  ChildGroup group = ChildGroup::own;
};

/// Starts `spec` with `stdio` (Boost.Process's: pipes, descriptors, nullptr for
/// /dev/null), attached to `ex` for waiting. Throws std::system_error "cannot run ARGV0
/// [in CWD]" with the reason when it cannot be started.
bp2::process start_child(net::any_io_executor ex, const ChildSpec& spec, bp2::process_stdio& stdio);

/// The exit of a child started here: heroku_status() of what it ended with. Blocks.
int wait_child(bp2::process& child);

/// Starts lokku itself again with `args` (argv without the program), in a session of its
/// own, stdin from /dev/null, stdout and stderr appended to `output` (made 0600 when new),
/// lokku's environment; the child goes on after this process ends. Returns its pid. Throws
/// std::system_error naming `output` or the program.
pid_t start_self_in_background(const std::vector<std::string>& args, const std::string& output);

}  // namespace lokku::common
