// Issue #23: the router's TLS port (router.md HOST-4, §10). TLS ends at the router; the dyno
// gets plain HTTP/1.1 with `X-Forwarded-Proto: https` and the TLS port as `X-Forwarded-Port`;
// the router's line carries Router 2.0's `protocol=http1.1 tls=true tls_version=…` (LOG-3).
// SNI picks the certificate: lokku's `*.localhost` one, or a custom domain's own, each from
// lokku's local CA. Real clients: curl and openssl s_client.
#include "support/platform.hpp"
#include "support/user_shell.hpp"

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <regex>

namespace lokku::test {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

class Tls : public ::testing::Test {
 protected:
  void SetUp() override {
    auto r = h.deploy("web");
    ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
    ASSERT_EQ(h.run({"domains:add", "-a", "web", "www.example.test"}).exit_code, 0);
    up = h.up(router);
    ASSERT_TRUE(up->wait_for_diagnostic("HTTPS on https://<app>.localhost:"));
    ASSERT_TRUE(up->wait_for(R"(heroku\[web\.1\]: State changed from starting to up$)"));
    tls = h.tls_port();
    ASSERT_NE(tls, 0u);
  }
  /// curl over TLS to `host` on the TLS port, trusting lokku's CA only.
  ShellResult curl(const std::string& host, const std::string& path,
                   const std::string& options = "--http1.1") const {
    return run_shell(fmt::format(
        "curl -sS {} --cacert {} --resolve {}:{}:127.0.0.1 https://{}:{}{}", options,
        shell_quote((h.home() / "tls" / "ca.crt").string()), host, tls, host, tls, path));
  }

  LokkuHome h;
  const unsigned router = free_port();
  std::unique_ptr<LokkuProcess> up;
  unsigned tls = 0;
};

TEST_F(Tls, HOST4TheDynoSeesHttpsAndTheLineHasRouter20sTlsFields) {
  auto r = curl("web.localhost", "/headers");
  ASSERT_EQ(r.code, 0) << r.out;
  EXPECT_NE(r.out.find(R"("X-Forwarded-Proto": "https")"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find(fmt::format(R"("X-Forwarded-Port": "{}")", tls)), std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find(R"("X-Forwarded-For": "127.0.0.1")"), std::string::npos) << r.out;
  EXPECT_TRUE(up->wait_for(
      R"(heroku\[router\]: at=info method=GET path="/headers" host=web\.localhost .* fwd="127\.0\.0\.1" dyno=web\.1 connect=\d+ms service=\d+ms status=200 bytes=\d+ protocol=http1\.1 tls=true tls_version=tls1\.3$)"));
  // TLS 1.2 too.
  r = curl("web.localhost", "/", "--http1.1 --tls-max 1.2");
  ASSERT_EQ(r.code, 0) << r.out;
  EXPECT_EQ(r.out, "hello from web.1");
  EXPECT_TRUE(up->wait_for(R"(path="/" .* protocol=http1\.1 tls=true tls_version=tls1\.2$)"));
  // The plain port is as it was.
  auto plain = get_by_host(router, "web.localhost", "/headers");
  ASSERT_TRUE(plain);
  EXPECT_NE(plain->body.find(R"("X-Forwarded-Proto": "http")"), std::string::npos);
  // A client that does not trust lokku's CA is refused by its own check.
  auto untrusted =
      run_shell(fmt::format("curl -sS --resolve web.localhost:{}:127.0.0.1 "
                            "https://web.localhost:{}/",
                            tls, tls));
  EXPECT_EQ(untrusted.code, 60) << untrusted.out;  // curl: peer certificate cannot be verified
}

TEST_F(Tls, AnAppsOwnRedirectToHttpsWorksAndKeepAliveHoldsOverTls) {
  ASSERT_EQ(h.run({"config:set", "-a", "web", "HTTPS_PORT=" + std::to_string(tls)}).exit_code, 0);
  ASSERT_TRUE(up->wait_for_count(R"(heroku\[web\.1\]: State changed from starting to up$)", 2));
  // Heroku does not redirect; the app does, from X-Forwarded-Proto.
  auto plain = get_by_host(router, "web.localhost", "/secure");
  ASSERT_TRUE(plain);
  EXPECT_EQ(plain->status, 301);
  EXPECT_EQ(plain->header("location"), fmt::format("https://web.localhost:{}/secure", tls));
  auto followed = run_shell(
      fmt::format("curl -sS -L --cacert {} --resolve web.localhost:{}:127.0.0.1 "
                  "--resolve web.localhost:{}:127.0.0.1 http://web.localhost:{}/secure",
                  shell_quote((h.home() / "tls" / "ca.crt").string()), tls, router, router));
  ASSERT_EQ(followed.code, 0) << followed.out;
  EXPECT_EQ(followed.out, "secure " + std::to_string(tls));
  // Two requests on one TLS connection.
  auto two = curl("web.localhost", "/ https://web.localhost:" + std::to_string(tls) + "/", "-v");
  ASSERT_EQ(two.code, 0) << two.out;
  EXPECT_NE(two.out.find("Re-using existing connection"), std::string::npos) << two.out;
  const std::regex greeting("hello from web\\.1");
  EXPECT_EQ(std::distance(std::sregex_iterator(two.out.begin(), two.out.end(), greeting),
                          std::sregex_iterator()),
            2)
      << two.out;
}

// RSP-9 over TLS: a WebSocket's upgrade and its frames both ways, through the TLS port.
TEST_F(Tls, AWebSocketWorksOverTls) {
  auto r = run_shell(fmt::format("python3 {} {} web.localhost {} /ws 'hello over tls' 'and again'",
                                 shell_quote(std::string(LOKKU_TEST_HELPERS_DIR) + "/ws_client.py"),
                                 shell_quote((h.home() / "tls" / "ca.crt").string()), tls));
  ASSERT_EQ(r.code, 0) << r.out;
  EXPECT_EQ(r.out, "HELLO OVER TLS\nAND AGAIN\n");
  EXPECT_TRUE(up->wait_for(
      R"(heroku\[router\]: at=info method=GET path="/ws" .* status=101 .* tls=true tls_version=tls1\.3$)"));
}

TEST_F(Tls, SNIPicksEachAppsAndCustomDomainsCertificateOnceAcmIssuesIt) {
  auto cert = [&](const std::string& name) {
    return run_shell(
        fmt::format("openssl s_client -connect 127.0.0.1:{} -servername {} </dev/null "
                    "2>/dev/null | openssl x509 -noout -ext subjectAltName",
                    tls, name));
  };
  // A custom domain has no certificate of its own until ACM (or certs:add) gives it one: the
  // default one does not name it, as Heroku's herokuapp.com one does not a custom domain.
  auto before = cert("www.example.test");
  EXPECT_NE(before.out.find("DNS:*.localhost"), std::string::npos) << before.out;
  EXPECT_EQ(curl("www.example.test", "/").code, 60);  // curl: the name is not the certificate's
  ASSERT_EQ(h.run({"certs:auto:enable", "-a", "web"}).exit_code, 0);
  ASSERT_TRUE(up->wait_for_diagnostic("web: ACM issued the certificate of its custom domains"));
  auto custom = cert("www.example.test");
  EXPECT_NE(custom.out.find("DNS:www.example.test"), std::string::npos) << custom.out;
  EXPECT_EQ(custom.out.find("*.localhost"), std::string::npos) << custom.out;
  // The app's default domain has its own too (ACM is on for `*.localhost` app domains: a
  // wildcard `*.localhost` is one no client accepts); a name with none gets lokku's.
  auto own = cert("web.localhost");
  EXPECT_NE(own.out.find("DNS:web.localhost"), std::string::npos) << own.out;
  auto other = cert("nothing.localhost");
  EXPECT_NE(other.out.find("DNS:*.localhost"), std::string::npos) << other.out;
  // The custom domain's certificate is valid for it: the request is served.
  auto r = curl("www.example.test", "/");
  ASSERT_EQ(r.code, 0) << r.out;
  EXPECT_EQ(r.out, "hello from web.1");
  EXPECT_TRUE(up->wait_for(R"(host=www\.example\.test .* tls=true tls_version=tls1\.3$)"));
  // A second app, its own domains: SNI chooses between the two apps' certificates.
  ASSERT_EQ(h.run({"apps:create", "other"}).exit_code, 0);
  ASSERT_EQ(h.run({"domains:add", "-a", "other", "api.other.test"}).exit_code, 0);
  ASSERT_EQ(h.run({"certs:auto:enable", "-a", "other"}).exit_code, 0);
  ASSERT_TRUE(up->wait_for_diagnostic("other: ACM issued the certificate of its custom domains"));
  auto theirs = cert("api.other.test");
  EXPECT_NE(theirs.out.find("DNS:api.other.test"), std::string::npos) << theirs.out;
  EXPECT_EQ(theirs.out.find("www.example.test"), std::string::npos) << theirs.out;
  EXPECT_NE(cert("other.localhost").out.find("DNS:other.localhost"), std::string::npos);
  EXPECT_NE(cert("www.example.test").out.find("DNS:www.example.test"), std::string::npos);
  // The key files are the owner's alone.
  for (const auto& e : fs::directory_iterator(h.home() / "tls")) {
    if (e.path().extension() == ".key") {
      EXPECT_EQ(fs::status(e.path()).permissions() & fs::perms::all,
                fs::perms::owner_read | fs::perms::owner_write)
          << e.path();
    }
  }
}

TEST(TlsTrust, PrintsHowToTrustTheCaAndChangesNothing) {
  LokkuHome h;
  auto r = h.run({"tls:trust"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto ca = (h.home() / "tls" / "ca.crt").string();
  EXPECT_EQ(r.out.rfind("lokku's certificate authority: " + ca + "\n", 0), 0u) << r.out;
  EXPECT_NE(r.out.find("cp " + ca + " /usr/local/share/ca-certificates/lokku.crt"),
            std::string::npos);
  EXPECT_NE(r.out.find("export NODE_EXTRA_CA_CERTS=" + ca), std::string::npos);
  EXPECT_TRUE(fs::exists(ca));
  EXPECT_FALSE(fs::exists("/usr/local/share/ca-certificates/lokku.crt"));
}

}  // namespace
}  // namespace lokku::test
