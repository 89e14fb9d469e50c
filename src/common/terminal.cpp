#include "common/terminal.hpp"

#include <cerrno>
#include <climits>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <system_error>
#include <termios.h>
#include <unistd.h>

namespace lokku::common {

namespace {

[[noreturn]] void fail(const char* what) {
  throw std::system_error(errno, std::generic_category(), what);
}

}  // namespace

TerminalPair open_terminal(bool tty, unsigned short columns, unsigned short rows) {
  TerminalPair pair;
  if (!tty) {
    int fds[2];
    if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds) != 0) {
      fail("socketpair");
    }
    pair.parent = fds[0];
    pair.child = fds[1];
    return pair;
  }
  pair.parent = ::posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);
  if (pair.parent < 0) {
    fail("posix_openpt");
  }
  char name[PATH_MAX];
  if (::grantpt(pair.parent) != 0 || ::unlockpt(pair.parent) != 0 ||
      ::ptsname_r(pair.parent, name, sizeof name) != 0) {
    int e = errno;
    ::close(pair.parent);
    errno = e;
    fail("pseudo-terminal");
  }
  pair.child = ::open(name, O_RDWR | O_NOCTTY | O_CLOEXEC);
  if (pair.child < 0) {
    int e = errno;
    ::close(pair.parent);
    errno = e;
    fail(name);
  }
  winsize ws{};
  ws.ws_col = columns;
  ws.ws_row = rows;
  ::ioctl(pair.parent, TIOCSWINSZ, &ws);
  return pair;
}

}  // namespace lokku::common
