// Issue #23 point 3: HTTP/2 on the router's TLS port, as Router 2.0 serves it (router.md
// HOST-3, §10): on custom domains with a valid certificate only (here ACM's, from lokku's
// CA), not on the app's default domain, off with the http-disable-http2 lab; it ends at the
// router and the dyno gets HTTP/1.1; the line says protocol=http2.0; a stream the client
// breaks off is H33. Real clients: curl --http2 and Node's http2 module; a frame-level client
// for what no library sends (rapid reset, a bad preface).
#include "support/platform.hpp"
#include "support/user_shell.hpp"

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <chrono>
#include <thread>

namespace lokku::test {
namespace {

const std::string kHelpers = LOKKU_TEST_HELPERS_DIR;

class Http2 : public ::testing::Test {
 protected:
  void SetUp() override {
    auto r = h.deploy("web");
    ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
    ASSERT_EQ(h.run({"domains:add", "-a", "web", "www.example.test"}).exit_code, 0);
    ASSERT_EQ(h.run({"certs:auto:enable", "-a", "web"}).exit_code, 0);
    up = h.up(router);
    ASSERT_TRUE(up->wait_for_diagnostic("web: ACM issued the certificate of its custom domains"));
    ASSERT_TRUE(up->wait_for(R"(heroku\[web\.1\]: State changed from starting to up$)"));
    tls = h.tls_port();
    ASSERT_NE(tls, 0u);
    ca = shell_quote((h.home() / "tls" / "ca.crt").string());
  }
  /// The HTTP version curl --http2 ends up speaking to `host`, then the body.
  ShellResult curl_h2(const std::string& host, const std::string& path) const {
    return run_shell(fmt::format(
        "curl -sS --http2 --cacert {} --resolve {}:{}:127.0.0.1 -w '\\n%{{http_version}}' "
        "https://{}:{}{}",
        ca, host, tls, host, tls, path));
  }
  ShellResult node(const std::string& args) const {
    return run_shell(fmt::format("node {}/h2_client.mjs {}", kHelpers, args));
  }

  LokkuHome h;
  const unsigned router = free_port();
  std::unique_ptr<LokkuProcess> up;
  unsigned tls = 0;
  std::string ca;
};

TEST_F(Http2, HOST3CurlSpeaksHttp2OnACustomDomainOnlyAndTheDynoGetsHttp11) {
  auto r = curl_h2("www.example.test", "/headers");
  ASSERT_EQ(r.code, 0) << r.out;
  EXPECT_TRUE(r.out.ends_with("\n2")) << r.out;
  EXPECT_NE(r.out.find(R"("X-Forwarded-Proto": "https")"), std::string::npos) << r.out;
  EXPECT_TRUE(up->wait_for(R"(app\[web\.1\]: "GET /headers HTTP/1\.1" 200)"));
  EXPECT_TRUE(up->wait_for(
      R"(heroku\[router\]: at=info method=GET path="/headers" host=www\.example\.test .* status=200 bytes=\d+ protocol=http2\.0 tls=true tls_version=tls1\.3$)"));
  // Not on the app's default domain (Router 2.0: not on herokuapp.com).
  auto own = curl_h2("web.localhost", "/");
  ASSERT_EQ(own.code, 0) << own.out;
  EXPECT_EQ(own.out, "hello from web.1\n1.1");
  // The lab turns it off, and back on.
  ASSERT_EQ(h.run({"labs:enable", "http-disable-http2", "-a", "web"}).exit_code, 0);
  bool off = false;
  for (int i = 0; i < 50 && !off; ++i) {
    off = curl_h2("www.example.test", "/").out.ends_with("\n1.1");
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  EXPECT_TRUE(off);
  EXPECT_TRUE(up->wait_for(R"(host=www\.example\.test .* protocol=http1\.1 tls=true)"));
  ASSERT_EQ(h.run({"labs:disable", "http-disable-http2", "-a", "web"}).exit_code, 0);
  bool on = false;
  for (int i = 0; i < 50 && !on; ++i) {
    on = curl_h2("www.example.test", "/").out.ends_with("\n2");
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  EXPECT_TRUE(on);
}

TEST_F(Http2, NodesClientMultiplexesStreamsAndFlowControlCarriesALargeBody) {
  // Five streams at once on one connection; 5 MB is far past the client's 64 KiB window.
  auto r = node(
      fmt::format("get www.example.test {} {} / /headers /bytes/5000000 /slow /slow", tls, ca));
  ASSERT_EQ(r.code, 0) << r.out;
  EXPECT_NE(r.out.find("alpn h2\n"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("/ 200 16\n"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("/bytes/5000000 200 5000000\n"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("/slow 200 15\n/slow 200 15"), std::string::npos) << r.out;
  EXPECT_TRUE(up->wait_for_count(R"(heroku\[router\]: .* path="/slow" .* protocol=http2\.0)", 2));
}

TEST_F(Http2, AStreamTheClientBreaksOffIsH33) {
  auto r = node(fmt::format("break www.example.test {} {} /slow 50", tls, ca));
  ASSERT_EQ(r.code, 0) << r.out;
  EXPECT_TRUE(up->wait_for(
      R"(heroku\[router\]: sock=client at=warning code=H33 desc="HTTP/2 Stream Broken" method=GET path="/slow" host=www\.example\.test .* status=499 .* protocol=http2\.0 tls=true)"));
}

TEST_F(Http2, BadClientsAreRefusedAndBoundedWhileOthersAreServed) {
  // Rapid reset (CVE-2023-44487): 20 000 streams opened and reset at once. The connection is
  // ended with a GOAWAY; at most 100 of the requests ever reach the router.
  auto flood = run_shell(fmt::format(
      "python3 {}/h2_abuse.py {} www.example.test {} rapid-reset 20000", kHelpers, ca, tls));
  ASSERT_EQ(flood.code, 0) << flood.out;
  EXPECT_NE(flood.out.find("goaway "), std::string::npos) << flood.out;
  EXPECT_EQ(flood.out.find("goaway 0\n"), std::string::npos) << flood.out;
  // A connection that does not begin with HTTP/2's preface: GOAWAY PROTOCOL_ERROR.
  auto preface = run_shell(
      fmt::format("python3 {}/h2_abuse.py {} www.example.test {} bad-preface", kHelpers, ca, tls));
  EXPECT_NE(preface.out.find("goaway 1\n"), std::string::npos) << preface.out;
  // TLS 1.0 is refused with a protocol_version alert (TLS 1.2 and 1.3 only).
  auto old = run_shell(fmt::format(
      "openssl s_client -connect 127.0.0.1:{} -tls1 -cipher DEFAULT@SECLEVEL=0 </dev/null", tls));
  EXPECT_NE(old.code, 0);
  EXPECT_NE(old.out.find("alert protocol version"), std::string::npos) << old.out;
  // A client hello with no SNI gets the default certificate, as Heroku's.
  auto plain = run_shell(fmt::format(
      "openssl s_client -connect 127.0.0.1:{} -noservername </dev/null 2>/dev/null | openssl "
      "x509 -noout -ext subjectAltName",
      tls));
  EXPECT_NE(plain.out.find("DNS:*.localhost"), std::string::npos) << plain.out;
  // A header line past Router 2.0's 8 192 bytes: 400, over HTTP/2 as over HTTP/1.1.
  auto long_header = run_shell(fmt::format(
      "curl -sS --http2 -o /dev/null -w '%{{http_code}} %{{http_version}}' --cacert {} "
      "--resolve www.example.test:{}:127.0.0.1 -H \"X-Long: $(printf 'a%.0s' $(seq 9000))\" "
      "https://www.example.test:{}/",
      ca, tls, tls));
  EXPECT_EQ(long_header.out, "400 2") << long_header.out;
  // Through all of it, others are served.
  auto r = node(fmt::format("get www.example.test {} {} / /headers", tls, ca));
  EXPECT_NE(r.out.find("/ 200 16\n"), std::string::npos) << r.out;
  EXPECT_LE(up->count(R"(heroku\[router\]: .* path="/" host=www\.example\.test )"), 101u);
  EXPECT_FALSE(up->wait_exit(std::chrono::milliseconds(0)));  // lokku up still runs
}

}  // namespace
}  // namespace lokku::test
