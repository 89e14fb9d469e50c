#pragma once

namespace lokku::common {

/// The two ends of an attached dyno's standard streams: `parent` for lokku, `child` to be
/// the process's stdin, stdout and stderr. Both close-on-exec; the caller closes both.
struct TerminalPair {
  int parent = -1;
  int child = -1;
};

/// A pseudo-terminal of `columns` x `rows` (Heroku's attached dynos have one), or, when
/// `tty` is false (`heroku run --no-tty`), a socket pair whose parent end can be shut for
/// writing to signal the end of input. Throws std::system_error.
TerminalPair open_terminal(bool tty, unsigned short columns, unsigned short rows);

}  // namespace lokku::common
