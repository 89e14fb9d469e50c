#pragma once
// Test support: a small blocking HTTP/1.1 client on raw sockets, so tests see exactly the
// bytes the router sends (and can send bytes no proper client would).

#include <chrono>
#include <map>
#include <optional>
#include <string>

namespace lokku::test {

struct Response {
  std::string version;  ///< HTTP/1.1
  int status = 0;
  std::string reason;
  std::multimap<std::string, std::string> headers;  ///< names lower-cased
  std::string body;
  bool has(const std::string& name) const { return headers.count(name) != 0; }
  std::string header(const std::string& name) const;
};

/// One client connection to 127.0.0.1:port.
class Connection {
 public:
  explicit Connection(unsigned port, std::chrono::milliseconds timeout = std::chrono::seconds(20));
  ~Connection();
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  bool ok() const { return fd_ >= 0; }
  bool send(const std::string& bytes);
  /// Reads one response (Content-Length, chunked, or until close). nullopt when the
  /// connection closed or timed out before a whole head arrived. `head_request`: no body.
  std::optional<Response> read_response(bool head_request = false);
  /// Reads whatever arrives until `n` bytes or close or timeout.
  std::string read_bytes(std::size_t n);
  /// True when the peer closed the connection (a read returns EOF) within the timeout.
  bool closed_by_peer();
  /// Bytes received but not consumed by read_response.
  const std::string& pending() const { return buf_; }
  void close();

 private:
  bool fill();
  int fd_ = -1;
  std::string buf_;
};

/// GET (or any method) on a fresh connection with `Connection: close`.
std::optional<Response> http_request(unsigned port, const std::string& method,
                                     const std::string& target,
                                     const std::string& extra_headers = "",
                                     const std::string& body = "");

}  // namespace lokku::test
