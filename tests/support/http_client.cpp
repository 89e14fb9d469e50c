#include "support/http_client.hpp"

#include <algorithm>
#include <arpa/inet.h>
#include <cctype>
#include <cerrno>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

namespace lokku::test {

std::string Response::header(const std::string& name) const {
  auto it = headers.find(name);
  return it == headers.end() ? std::string() : it->second;
}

Connection::Connection(unsigned port, std::chrono::milliseconds timeout) {
  fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  timeval tv{static_cast<time_t>(timeout.count() / 1000),
             static_cast<suseconds_t>((timeout.count() % 1000) * 1000)};
  ::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  ::setsockopt(fd_, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
  int one = 1;
  ::setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    ::close(fd_);
    fd_ = -1;
  }
}

Connection::~Connection() {
  close();
}

void Connection::close() {
  if (fd_ >= 0) {
    ::close(fd_);
    fd_ = -1;
  }
}

bool Connection::send(const std::string& bytes) {
  std::size_t off = 0;
  while (off < bytes.size()) {
    ssize_t n = ::send(fd_, bytes.data() + off, bytes.size() - off, MSG_NOSIGNAL);
    if (n <= 0) {
      return false;
    }
    off += static_cast<std::size_t>(n);
  }
  return true;
}

bool Connection::fill() {
  char tmp[65536];
  ssize_t n = ::recv(fd_, tmp, sizeof tmp, 0);
  if (n <= 0) {
    return false;
  }
  buf_.append(tmp, static_cast<std::size_t>(n));
  return true;
}

std::optional<Response> Connection::read_response(bool head_request) {
  std::size_t end;
  while ((end = buf_.find("\r\n\r\n")) == std::string::npos) {
    if (!fill()) {
      return std::nullopt;
    }
  }
  std::string head = buf_.substr(0, end);
  buf_.erase(0, end + 4);
  Response r;
  std::size_t line_end = head.find("\r\n");
  std::string status_line = head.substr(0, line_end);
  auto sp1 = status_line.find(' ');
  r.version = status_line.substr(0, sp1);
  r.status = std::atoi(status_line.c_str() + sp1 + 1);
  auto sp2 = status_line.find(' ', sp1 + 1);
  r.reason = sp2 == std::string::npos ? "" : status_line.substr(sp2 + 1);
  std::size_t pos = line_end == std::string::npos ? head.size() : line_end + 2;
  while (pos < head.size()) {
    auto e = head.find("\r\n", pos);
    if (e == std::string::npos) {
      e = head.size();
    }
    std::string line = head.substr(pos, e - pos);
    auto colon = line.find(':');
    std::string name = line.substr(0, colon);
    std::transform(name.begin(), name.end(), name.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    std::string value = colon == std::string::npos ? "" : line.substr(colon + 1);
    value.erase(0, value.find_first_not_of(" \t"));
    r.headers.emplace(name, value);
    pos = e + 2;
  }
  if (head_request || r.status / 100 == 1 || r.status == 204 || r.status == 304) {
    return r;
  }
  std::string te = r.header("transfer-encoding");
  if (te.find("chunked") != std::string::npos) {
    for (;;) {
      std::size_t le;
      while ((le = buf_.find("\r\n")) == std::string::npos) {
        if (!fill()) {
          return r;
        }
      }
      std::size_t n = std::stoul(buf_.substr(0, le), nullptr, 16);
      buf_.erase(0, le + 2);
      while (buf_.size() < n + 2) {
        if (!fill()) {
          return r;
        }
      }
      r.body += buf_.substr(0, n);
      buf_.erase(0, n + 2);
      if (n == 0) {
        return r;
      }
    }
  }
  if (r.has("content-length")) {
    std::size_t n = std::stoul(r.header("content-length"));
    while (buf_.size() < n) {
      if (!fill()) {
        break;
      }
    }
    r.body = buf_.substr(0, std::min(n, buf_.size()));
    buf_.erase(0, r.body.size());
    return r;
  }
  while (fill()) {
  }
  r.body = std::move(buf_);
  buf_.clear();
  return r;
}

std::string Connection::read_bytes(std::size_t n) {
  while (buf_.size() < n && fill()) {
  }
  std::string out = buf_.substr(0, std::min(n, buf_.size()));
  buf_.erase(0, out.size());
  return out;
}

bool Connection::closed_by_peer() {
  char tmp[4096];
  for (;;) {
    ssize_t n = ::recv(fd_, tmp, sizeof tmp, 0);
    if (n == 0) {
      return true;
    }
    if (n < 0) {
      return errno == ECONNRESET;
    }
    buf_.append(tmp, static_cast<std::size_t>(n));
  }
}

std::optional<Response> http_request(unsigned port, const std::string& method,
                                     const std::string& target, const std::string& extra_headers,
                                     const std::string& body) {
  Connection c(port);
  if (!c.ok()) {
    return std::nullopt;
  }
  std::string req = method + " " + target +
                    " HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n" + extra_headers;
  if (!body.empty()) {
    req += "Content-Length: " + std::to_string(body.size()) + "\r\n";
  }
  req += "\r\n" + body;
  if (!c.send(req)) {
    return std::nullopt;
  }
  return c.read_response(method == "HEAD");
}

}  // namespace lokku::test
