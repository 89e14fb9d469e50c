#pragma once
// The router's TLS port (issue #23, router.md HOST-4): TLS ends here and the request goes on as
// plain HTTP/1.1 to the router, which tells the dyno `X-Forwarded-Proto: https` and logs Router
// 2.0's `protocol=http1.1 tls=true tls_version=…`. Each TLS connection is handshaken (SNI picks
// the certificate by the name the client asks for: an app's custom domain's own, else lokku's
// `*.localhost` one), then piped both ways to the router's inner port on 127.0.0.1, after a
// first line that tells the router who the client is and how it came:
//
//   LOKKU-TLS <client address> <TLS port> <tls1.2|tls1.3>\r\n
//
// A client that chose HTTP/2 (ALPN `h2`, offered on custom domains only) is served by
// h2_front.hpp instead, which sends each stream on as HTTP/1.1 after the same line with ` h2`.
//
// OpenSSL through Asio's ssl::stream; no framing of lokku's own.

#include "router/stream.hpp"

#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

namespace lokku::router {

/// The certificates the TLS port serves, by host name (SNI). Thread-safe: the platform adds
/// and removes an app's domains' while the router serves.
class TlsCertificates {
 public:
  /// `cert` (PEM chain) and `key`: what a name without a certificate of its own gets.
  TlsCertificates(const std::filesystem::path& cert, const std::filesystem::path& key);
  ~TlsCertificates();
  TlsCertificates(const TlsCertificates&) = delete;
  TlsCertificates& operator=(const TlsCertificates&) = delete;

  /// Serves `host` (lower case) with this certificate from now on, and offers HTTP/2 (ALPN
  /// `h2`) to its clients when `http2` (Router 2.0: custom domains with a valid certificate,
  /// HOST-3). Throws std::runtime_error naming the file when it cannot be loaded or the key
  /// does not match.
  void set(const std::string& host, const std::filesystem::path& cert,
           const std::filesystem::path& key, bool http2 = false);
  void remove(const std::string& host);

  struct Impl;
  Impl& impl() { return *impl_; }

 private:
  std::unique_ptr<Impl> impl_;
};

struct TlsFrontOptions {
  std::string address = "0.0.0.0";
  unsigned port = 5443;     ///< 0: any free port (tests)
  unsigned inner_port = 0;  ///< the router's port for what comes through here
  std::chrono::nanoseconds handshake = std::chrono::seconds(30);  ///< the head deadline
  std::chrono::nanoseconds idle = std::chrono::seconds(60);  ///< an HTTP/2 connection's idle end
};

class TlsFront {
 public:
  /// Runs its connections on `executors` (the router's threads).
  TlsFront(std::vector<Executor> executors, std::shared_ptr<TlsCertificates> certificates,
           TlsFrontOptions options);
  ~TlsFront();
  TlsFront(const TlsFront&) = delete;
  TlsFront& operator=(const TlsFront&) = delete;

  /// Binds and accepts. Throws std::system_error naming the address on failure.
  void start();
  /// Stops accepting; connections end with the router's side of them.
  void stop();
  unsigned port() const { return port_; }

  struct State;

 private:
  std::shared_ptr<State> state_;
  unsigned port_ = 0;
};

}  // namespace lokku::router
