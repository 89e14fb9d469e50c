#include "common/ports.hpp"

#include <cerrno>
#include <cstdint>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

namespace lokku::common {

namespace {

/// Binds a fresh socket to 0.0.0.0:port; returns the bound port, or 0 with errno set.
unsigned bind_once(unsigned port, int* err) {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) {
    *err = errno;
    return 0;
  }
  int one = 1;
  ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_ANY);
  addr.sin_port = htons(static_cast<std::uint16_t>(port));
  socklen_t len = sizeof addr;
  unsigned bound = 0;
  *err = 0;
  if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0 &&
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) == 0) {
    bound = ntohs(addr.sin_port);
  } else {
    *err = errno;
  }
  ::close(fd);
  return bound;
}

}  // namespace

std::optional<unsigned> pick_free_port() {
  int err = 0;
  unsigned port = bind_once(0, &err);
  if (port == 0) {
    return std::nullopt;
  }
  return port;
}

bool port_in_use(unsigned port) {
  int err = 0;
  return bind_once(port, &err) == 0 && err == EADDRINUSE;
}

}  // namespace lokku::common
