// A dyno's chunked response body, as the router de-chunks it (RSP-5): a fixed head, then the
// input as the body, fed as a socket would.
#include "parse_in_pieces.hpp"

#include <string>

LOKKU_FUZZ_TARGET(router_chunked) {
  using namespace lokku::router;
  std::string message = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n";
  message.append(lokku::fuzz::text(data, size));
  Head head;
  HeadParser<false> parser(head);
  parser.body_limit(1 << 20);
  // The first byte still picks the split; here it falls in the head or the body.
  lokku::fuzz::parse_in_pieces(parser, message);
  return 0;
}
