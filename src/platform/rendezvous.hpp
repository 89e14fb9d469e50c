#pragma once
// The rendezvous of attached one-off dynos (`heroku run`, RUN-1..3). As on Heroku, the API
// answers `POST /apps/{app}/dynos` with `attach_url: rendezvous://HOST:PORT/SECRET`; the
// client opens TLS to HOST:PORT, sends `SECRET\r\n`, discards the first chunk it receives,
// and from then on the connection carries the dyno's terminal both ways. lokku serves it on
// 127.0.0.1 only, with a certificate signed by lokku's local CA (`tls/rendezvous.crt`;
// clients trust `tls/ca.crt` with NODE_EXTRA_CA_CERTS; platform/local_ca.hpp).

#include "common/asio.hpp"
#include "dyno/attachment.hpp"

#include <filesystem>
#include <map>
#include <memory>
#include <string>

namespace lokku::platform {

namespace fs = std::filesystem;

class Rendezvous {
 public:
  /// Listens on 127.0.0.1 (an ephemeral port) on `ex`, which must be single-threaded.
  /// Throws std::system_error when it cannot.
  Rendezvous(net::any_io_executor ex, const fs::path& home);
  ~Rendezvous();
  Rendezvous(const Rendezvous&) = delete;
  Rendezvous& operator=(const Rendezvous&) = delete;

  /// A new attachment, and the attach URL its client connects to (one use).
  struct Expected {
    std::shared_ptr<dyno::Attachment> attachment;
    std::string url;
  };
  Expected expect(bool tty, unsigned short columns, unsigned short rows);
  unsigned port() const;
  void stop();

 private:
  struct Impl;
  std::shared_ptr<Impl> impl_;
};

}  // namespace lokku::platform
