#pragma once
// Feeds a Beast parser as a socket would: the input in two pieces (split where its first
// byte says), what the parser leaves unconsumed kept for the next read, the body into a
// small window.
#include "fuzz_target.hpp"
#include "router/head_parser.hpp"

#include <array>
#include <string>

namespace lokku::fuzz {

/// True when the parser finished the message without an error.
template <bool isRequest>
bool parse_in_pieces(router::HeadParser<isRequest>& parser, std::string_view all) {
  const std::size_t split = all.empty() ? 0 : static_cast<unsigned char>(all[0]) % (all.size() + 1);
  std::array<char, 256> window{};
  std::string buffer;
  for (std::string_view piece : {all.substr(0, split), all.substr(split)}) {
    buffer.append(piece);
    for (;;) {
      if (parser.is_done()) {
        return true;
      }
      parser.body() = {window.data(), window.size()};
      boost::beast::error_code ec;
      const auto used = parser.put(boost::asio::const_buffer(buffer.data(), buffer.size()), ec);
      buffer.erase(0, used);
      if (ec == boost::beast::http::error::need_buffer) {
        continue;
      }
      if (ec == boost::beast::http::error::need_more || (!ec && used == 0)) {
        break;
      }
      if (ec) {
        return false;
      }
    }
  }
  return parser.is_done();
}

}  // namespace lokku::fuzz
