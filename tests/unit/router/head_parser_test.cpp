#include "router/head_parser.hpp"

#include <gtest/gtest.h>

#include <string>
#include <string_view>
#include <vector>

namespace lokku::router {
namespace {

namespace http = boost::beast::http;

template <bool isRequest>
std::size_t put(HeadParser<isRequest>& p, std::string_view bytes, boost::beast::error_code& ec) {
  return p.put(boost::asio::const_buffer(bytes.data(), bytes.size()), ec);
}

std::vector<std::string> fields_of(const Head& h) {
  std::vector<std::string> out;
  for (const auto& f : h) {
    out.push_back(std::string(f.name_string()) + ": " + std::string(f.value()));
  }
  return out;
}

// The request line and the fields as they came: order, spelling and repeats kept (what the
// router forwards, RSP-10), the known names recognised as Beast's fields.
TEST(HeadParser, RequestFieldsInArrivalOrderAsSpelled) {
  Head head;
  HeadParser<true> p(head);
  boost::beast::error_code ec;
  const std::string_view text =
      "POST /tasks?x=1 HTTP/1.1\r\nHost: shop.localhost:5000\r\nX-Forwarded-For: 10.0.0.1\r\n"
      "x-forwarded-for:   10.0.0.2  \r\nContent-Length: 0\r\nVia: 1.1 a\r\n\r\n";
  EXPECT_EQ(put(p, text, ec), text.size());
  ASSERT_FALSE(ec) << ec.message();
  EXPECT_TRUE(p.is_done());
  EXPECT_EQ(head.method(), http::verb::post);
  EXPECT_EQ(head.method_string(), "POST");
  EXPECT_EQ(head.target(), "/tasks?x=1");
  EXPECT_EQ(head.version(), 11u);
  EXPECT_EQ(fields_of(head), (std::vector<std::string>{
                                 "Host: shop.localhost:5000", "X-Forwarded-For: 10.0.0.1",
                                 "x-forwarded-for: 10.0.0.2", "Content-Length: 0", "Via: 1.1 a"}));
  std::vector<http::field> names;
  for (const auto& f : head) {
    names.push_back(f.name());
  }
  EXPECT_EQ(names,
            (std::vector<http::field>{http::field::host, http::field::unknown, http::field::unknown,
                                      http::field::content_length, http::field::via}));
}

// A head that arrives in pieces reads the same; nothing of it is readable before its end.
TEST(HeadParser, ResponseInPiecesAndItsBodyThroughTheWindow) {
  Head head;
  HeadParser<false> p(head);
  boost::beast::error_code ec;
  std::string text = "HTTP/1.0 404 Not Found\r\nServer: nginx\r\nContent-Length: 11\r\n\r\n";
  // Beast takes the status line first, then the fields only whole.
  std::size_t used = put(p, text.substr(0, 30), ec);
  EXPECT_EQ(used, 24u);
  EXPECT_EQ(ec, http::error::need_more);
  ec = {};
  EXPECT_EQ(put(p, text.substr(used, 30 - used), ec), 0u);
  EXPECT_EQ(ec, http::error::need_more);
  EXPECT_EQ(head.size(), 0u);
  EXPECT_EQ(head.reason(), "");  // not readable before the head is complete
  ec = {};
  text += "hello world";
  used += put(p, text.substr(used), ec);
  ASSERT_FALSE(ec) << ec.message();
  EXPECT_TRUE(p.is_header_done());
  EXPECT_EQ(head.result_int(), 404u);
  EXPECT_EQ(head.result(), http::status::not_found);
  EXPECT_EQ(head.reason(), "Not Found");
  EXPECT_EQ(head.version(), 10u);
  EXPECT_EQ(fields_of(head), (std::vector<std::string>{"Server: nginx", "Content-Length: 11"}));

  // The body goes where the window says, as much as fits; a full window is need_buffer.
  std::string rest = text.substr(used);
  char out[8];
  p.body().data = out;
  p.body().size = sizeof out;
  const std::size_t took = put(p, rest, ec);
  EXPECT_EQ(ec, http::error::need_buffer);
  EXPECT_EQ(took, 8u);
  EXPECT_EQ(std::string(out, 8), "hello wo");
  EXPECT_EQ(p.body().size, 0u);
  ec = {};
  p.body().data = out;
  p.body().size = sizeof out;
  EXPECT_EQ(put(p, rest.substr(took), ec), 3u);
  EXPECT_FALSE(ec) << ec.message();
  EXPECT_EQ(std::string(out, sizeof out - p.body().size), "rld");
  EXPECT_TRUE(p.is_done());
}

// A chunked body arrives without its framing.
TEST(HeadParser, ChunkedBodyWithoutItsFraming) {
  Head head;
  HeadParser<false> p(head);
  boost::beast::error_code ec;
  const std::string_view text =
      "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n";
  std::string body;
  std::size_t at = put(p, text, ec);
  ASSERT_FALSE(ec) << ec.message();
  EXPECT_TRUE(p.chunked());
  char out[64];
  while (!p.is_done() && !ec) {
    p.body().data = out;
    p.body().size = sizeof out;
    at += put(p, text.substr(at), ec);
    body.append(out, sizeof out - p.body().size);
  }
  EXPECT_FALSE(ec) << ec.message();
  EXPECT_EQ(body, "hello world");
}

// A chunked body's trailer fields are dropped, and the head's fields stay readable after them
// (tests/fuzz found them pointing into freed text once a trailer had moved it).
TEST(HeadParser, TrailersAreDroppedAndTheHeadStaysReadable) {
  Head head;
  HeadParser<true> p(head);
  boost::beast::error_code ec;
  std::string text =
      "POST /x HTTP/1.1\r\nHost: app.localhost\r\nTransfer-Encoding: chunked\r\n\r\n"
      "5\r\nhello\r\n0\r\n";
  for (int i = 0; i < 64; ++i) {
    text += "X-Trailer-" + std::to_string(i) + ": " + std::string(100, 'v') + "\r\n";
  }
  text += "\r\n";
  char out[64];
  std::size_t at = 0;
  while (!p.is_done() && !ec) {
    p.body().data = out;
    p.body().size = sizeof out;
    at += put(p, std::string_view(text).substr(at), ec);
    if (ec == http::error::need_buffer) {
      ec = {};
    }
  }
  ASSERT_FALSE(ec) << ec.message();
  EXPECT_EQ(fields_of(head),
            (std::vector<std::string>{"Host: app.localhost", "Transfer-Encoding: chunked"}));
  EXPECT_EQ(head.target(), "/x");
}

// The storage of one head serves the next (the same Head for each request of a connection),
// but that of an oversized head is given back: a connection does not keep it.
TEST(HeadParser, NextHeadReusesStorageUnlessOversized) {
  Head head;
  boost::beast::error_code ec;
  {
    HeadParser<true> p(head);
    EXPECT_GT(put(p, "GET /a HTTP/1.1\r\nHost: a\r\nAccept: */*\r\n\r\n", ec), 0u);
    ASSERT_FALSE(ec);
  }
  {
    HeadParser<true> p(head);
    EXPECT_GT(put(p, "GET /b HTTP/1.1\r\nHost: b\r\n\r\n", ec), 0u);
    ASSERT_FALSE(ec);
    EXPECT_EQ(head.target(), "/b");
    EXPECT_EQ(fields_of(head), std::vector<std::string>{"Host: b"});
  }
  {
    HeadParser<true> p(head);
    p.header_limit(1024 * 1024);
    std::string big = "GET /c HTTP/1.1\r\nHost: c\r\n";
    for (int i = 0; i < 300; ++i) {
      big += "X-Field-" + std::to_string(i) + ": " + std::string(100, 'v') + "\r\n";
    }
    big += "\r\n";
    EXPECT_EQ(put(p, big, ec), big.size());
    ASSERT_FALSE(ec) << ec.message();
    EXPECT_EQ(head.size(), 301u);
  }
  HeadParser<true> p(head);
  EXPECT_EQ(head.size(), 0u);
  EXPECT_EQ(head.target(), "");
  EXPECT_LE(head.text_capacity(), Head::kKeepText);  // the oversized text went back
}

// What Beast's parser checks still holds: a bad field ends the head with an error.
TEST(HeadParser, MalformedFieldIsAnError) {
  Head head;
  HeadParser<true> p(head);
  boost::beast::error_code ec;
  put(p, "GET / HTTP/1.1\r\nHost: a\r\nBad Name: x\r\n\r\n", ec);
  EXPECT_TRUE(ec);
  EXPECT_FALSE(p.is_header_done());
}

}  // namespace
}  // namespace lokku::router
