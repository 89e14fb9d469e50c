#include "router/headers.hpp"

#include <gtest/gtest.h>

#include <regex>

namespace lokku::router {
namespace {

// router.md HDR-1
TEST(RouterHeadersUnit, RequestIdValidity) {
  EXPECT_TRUE(valid_request_id(std::string(20, 'a')));
  EXPECT_TRUE(valid_request_id(std::string(200, 'Z')));
  EXPECT_TRUE(valid_request_id("abcDEF0123456789+/=-x"));
  EXPECT_FALSE(valid_request_id(std::string(19, 'a')));
  EXPECT_FALSE(valid_request_id(std::string(201, 'a')));
  EXPECT_FALSE(valid_request_id("abcdefghij0123456789_"));
  EXPECT_FALSE(valid_request_id("abcdefghij 0123456789"));
}

TEST(RouterHeadersUnit, GeneratedIdsAreLowercaseV4Uuids) {
  std::regex uuid("[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}");
  std::string a = "the last request's id, which is replaced";
  new_request_id(a);
  EXPECT_TRUE(std::regex_match(a, uuid)) << a;
  std::string b = a;
  new_request_id(b);
  EXPECT_TRUE(std::regex_match(b, uuid)) << b;
  EXPECT_NE(a, b);
  EXPECT_TRUE(valid_request_id(a));
}

// HDR-2, HDR-6
TEST(RouterHeadersUnit, AppendList) {
  EXPECT_EQ(append_list("", "5.6.7.8"), "5.6.7.8");
  EXPECT_EQ(append_list("1.2.3.4", "5.6.7.8"), "1.2.3.4, 5.6.7.8");
  EXPECT_EQ(append_list(" 1.1 akamai ", "1.1 vegur"), "1.1 akamai, 1.1 vegur");
}

// HOST-1/2
TEST(RouterHeadersUnit, HostKey) {
  EXPECT_EQ(host_key("Shop.Example.COM:5000"), "shop.example.com");
  EXPECT_EQ(host_key("myapp.localhost"), "myapp.localhost");
  EXPECT_EQ(host_key("[::1]:5000"), "[::1]");
  EXPECT_EQ(host_key(""), std::nullopt);
  EXPECT_EQ(host_key(":5000"), std::nullopt);
  EXPECT_EQ(host_key("a b"), std::nullopt);
  EXPECT_EQ(host_key("host:port"), std::nullopt);
}

TEST(RouterHeadersUnit, Tokens) {
  EXPECT_TRUE(has_token("keep-alive, Upgrade", "upgrade"));
  EXPECT_FALSE(has_token("keep-alive", "upgrade"));
  EXPECT_TRUE(iequals("100-Continue", "100-continue"));
}

// RSP-5: what an HTTP/1.0 client is told of the codings of a body the router de-chunks.
TEST(RouterHeadersUnit, TransferEncodingWithoutChunked) {
  EXPECT_EQ(without_chunked("chunked"), "");
  EXPECT_EQ(without_chunked("Chunked"), "");
  EXPECT_EQ(without_chunked("gzip, chunked"), "gzip");
  EXPECT_EQ(without_chunked("gzip ,\tchunked "), "gzip");
  EXPECT_EQ(without_chunked("deflate, gzip,chunked"), "deflate, gzip");
  EXPECT_EQ(without_chunked("gzip"), "gzip");  // not chunked last: left as it is
  EXPECT_EQ(without_chunked("chunked, gzip"), "chunked, gzip");
}

}  // namespace
}  // namespace lokku::router
