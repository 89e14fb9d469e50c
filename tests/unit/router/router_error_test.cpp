#include "router/router_error.hpp"

#include <gtest/gtest.h>

namespace lokku::router {
namespace {

// router.md LOG-3/LOG-5: field order and quoting of an ordinary request.
TEST(RouterLogUnit, InfoLine) {
  AccessRecord r;
  r.method = "POST";
  r.path = "/api/orders?x=1";
  r.host = "shop.example.com";
  r.request_id = "0c6f1d52-8a7b-4e2d-9c3f-5b1a7e8d2f40";
  r.fwd = "198.51.100.23";
  r.dyno = "web.2";
  r.connect_ms = 0;
  r.service_ms = 42;
  r.status = 201;
  r.bytes = 512;
  r.protocol = "https";
  EXPECT_EQ(format_access(r),
            "at=info method=POST path=\"/api/orders?x=1\" host=shop.example.com "
            "request_id=0c6f1d52-8a7b-4e2d-9c3f-5b1a7e8d2f40 fwd=\"198.51.100.23\" dyno=web.2 "
            "connect=0ms service=42ms status=201 bytes=512 protocol=https");
}

// LOG-4: no dyno involved: empty dyno, connect, service and bytes.
TEST(RouterLogUnit, ErrorWithoutDyno) {
  AccessRecord r;
  r.code = Code::H14;
  r.status = info(Code::H14).status;
  r.method = "GET";
  r.path = "/";
  r.host = "www.example.org";
  r.request_id = "77d0";
  r.fwd = "192.0.2.44";
  EXPECT_EQ(format_access(r),
            "at=error code=H14 desc=\"No web processes running\" method=GET path=\"/\" "
            "host=www.example.org request_id=77d0 fwd=\"192.0.2.44\" dyno= connect= service= "
            "status=503 bytes= protocol=http");
}

// §6: sock= prefixes and cause.
TEST(RouterLogUnit, SockPrefixAndCause) {
  AccessRecord r;
  r.code = Code::H27;
  r.status = 499;
  EXPECT_EQ(format_access(r).rfind("sock=client at=warning code=H27 desc=\"Client Request "
                                   "Interrupted\" ",
                                   0),
            0u);
  r.code = Code::H18;
  EXPECT_EQ(format_access(r).rfind("sock=backend at=error code=H18 ", 0), 0u);
  r.code = Code::H26;
  r.cause = "bad chunk";
  EXPECT_EQ(
      format_access(r).rfind("at=error code=H26 desc=\"Request Error\" cause=\"bad chunk\" ", 0),
      0u);
}

// The router keeps one record per connection and formats into a buffer it reuses: a
// cleared record formats as a new one, and a line follows what the buffer holds.
TEST(RouterLogUnit, ClearedRecordAndAppendedLine) {
  AccessRecord r;
  r.code = Code::H26;
  r.cause = std::string(300, 'c');
  r.method = "PATCH";
  r.path = "/" + std::string(2000, 'p');
  r.host = "h";
  r.request_id = std::string(200, 'i');
  r.fwd = "203.0.113.9, 198.51.100.23";
  r.dyno = "web.12";
  r.connect_ms = 9223372036854775807L;
  r.service_ms = -9223372036854775807L;
  r.status = -2147483647;
  r.bytes = 18446744073709551615ULL;
  const std::string longest = format_access(r);  // every field at its widest
  EXPECT_NE(longest.find("cause=\"" + r.cause + "\" method=PATCH path=\"" + r.path + "\""),
            std::string::npos);
  EXPECT_NE(longest.find(" connect=9223372036854775807ms service=-9223372036854775807ms "
                         "status=-2147483647 bytes=18446744073709551615 protocol=http"),
            std::string::npos)
      << longest;

  r.clear();
  r.method = "GET";
  r.path = "/";
  r.host = "a.localhost";
  r.request_id = "77d0";
  r.fwd = "127.0.0.1";
  r.status = 503;
  r.code = Code::H14;
  std::string line = "2026-01-01T00:00:00.000000+00:00 heroku[router]: ";
  append_access(line, r);
  EXPECT_EQ(line,
            "2026-01-01T00:00:00.000000+00:00 heroku[router]: at=error code=H14 desc=\"No web "
            "processes running\" method=GET path=\"/\" host=a.localhost request_id=77d0 "
            "fwd=\"127.0.0.1\" dyno= connect= service= status=503 bytes= protocol=http");
}

// §6: statuses and levels.
TEST(RouterLogUnit, CodeTable) {
  EXPECT_EQ(info(Code::H12).status, 503);
  EXPECT_EQ(info(Code::H25).status, 502);
  EXPECT_EQ(info(Code::H26).status, 400);
  EXPECT_EQ(info(Code::H28).status, 499);
  EXPECT_EQ(info(Code::H80).level, "info");
  EXPECT_EQ(info(Code::H99).desc, "Platform error");
}

// PAGE-1/2
TEST(RouterErrorPage, IframePage) {
  auto page = error_page(kApplicationErrorUrl);
  EXPECT_NE(page.find("<title>Application Error</title>"), std::string::npos);
  EXPECT_NE(page.find("<iframe src=\"//www.herokucdn.com/error-pages/application-error.html\">"),
            std::string::npos);
  EXPECT_NE(error_page("https://x.test/e.html").find("<iframe src=\"https://x.test/e.html\">"),
            std::string::npos);
}

}  // namespace
}  // namespace lokku::router
