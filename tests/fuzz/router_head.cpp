// The router's request head parser (Beast's basic_parser under lokku's Head), fed as a
// socket would, and what the router reads of a head: the Host key, X-Request-ID, the
// Transfer-Encoding list (RSP-5).
#include "parse_in_pieces.hpp"
#include "router/headers.hpp"

LOKKU_FUZZ_TARGET(router_head) {
  using namespace lokku::router;
  Head head;
  HeadParser<true> parser(head);
  parser.header_limit(8 * 1024);
  parser.body_limit(1 << 20);
  lokku::fuzz::parse_in_pieces(parser, lokku::fuzz::text(data, size));
  if (parser.is_header_done()) {
    for (const auto& f : head) {
      (void)has_token(f.value(), "chunked");
      (void)without_chunked(f.value());
      (void)valid_request_id(f.value());
      (void)host_key(f.value());
      (void)append_list(f.value(), "1.1 heroku-router");
    }
  }
  return 0;
}
