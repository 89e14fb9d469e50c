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
