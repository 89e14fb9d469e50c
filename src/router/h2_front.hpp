#pragma once
// HTTP/2 on the router's TLS port (issue #23 point 3, router.md HOST-3 and §10): Router 2.0
// speaks HTTP/2 to the clients of custom domains with a valid certificate; HTTP/2 ends at the
// router and the dyno always gets HTTP/1.1. A connection whose TLS handshake chose ALPN `h2`
// is served here with nghttp2 (framing, HPACK, flow control, the preface: none of it lokku's
// own). Each stream goes on as an HTTP/1.1 request (Beast's serializer and parser) to the
// router's inner port, over connections this HTTP/2 connection keeps alive for its next
// streams, after the first line
//
//   LOKKU-TLS <client address> <TLS port> <tls1.2|tls1.3> h2\r\n
//
// so that the router routes it, adds its headers, applies its deadlines and H-codes, and logs
// `protocol=http2.0`, as for any request. Bounds: 100 concurrent streams, requests of every
// stream in flight at most that many (a reset stream's request is abandoned at once), resets
// at nghttp2's rate limit then GOAWAY (CVE-2023-44487), request headers 64 KiB and bodies
// 64 MiB per stream.

#include "router/stream.hpp"

#include <boost/asio/ssl/stream.hpp>

#include <chrono>
#include <string>

namespace lokku::router {

struct H2Options {
  tcp::endpoint inner;     ///< the router's inner port
  std::string first_line;  ///< `LOKKU-TLS … h2\r\n`, sent on each inner connection
  /// A connection with no stream open is closed (GOAWAY) after this long.
  std::chrono::nanoseconds idle = std::chrono::seconds(60);
};

/// Serves one HTTP/2 connection until the client or the idle deadline ends it.
Task<> serve_h2(net::ssl::stream<Socket>& tls, H2Options options);

}  // namespace lokku::router
