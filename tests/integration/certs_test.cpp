// Issue #23 point 2: an app's certificates as Heroku SSL manages them. The official CLI's
// `heroku certs:*` against lokku's `sni-endpoints` and `acm` (certs:add's "which domains?"
// prompt answered on a pseudo-terminal), and lokku's own `certs:*`; what the router's TLS port
// then serves, read with openssl s_client and curl; ACM's certificate renewed a month before
// its end on the platform's clock. Bad input: a key that is not the certificate's, an expired
// certificate, a file that is no certificate.
#include "support/cli_platform.hpp"

#include <boost/json.hpp>
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <fstream>
#include <regex>
#include <thread>

namespace lokku::test {
namespace {

namespace fs = std::filesystem;
namespace json = boost::json;
using namespace std::chrono_literals;

const std::string kHelpers = LOKKU_TEST_HELPERS_DIR;

class Certs : public CliPlatformTest {
 protected:
  void SetUp() override {
    CliPlatformTest::SetUp();
    tls = h.tls_port();
    ASSERT_NE(tls, 0u);
    certs = h.root() / "certs";
    fs::create_directories(certs);
  }

  /// make_certificate.sh NAME VALIDITY DOMAIN... in the certificates' directory.
  void make(const std::string& name, const std::string& validity, const std::string& domains) {
    auto r = run_shell(fmt::format("cd {} && {}/make_certificate.sh {} {} {}",
                                   shell_quote(certs.string()), kHelpers, name, validity, domains));
    ASSERT_EQ(r.code, 0) << r.out;
  }
  std::string file(const std::string& name) const { return shell_quote((certs / name).string()); }

  /// The subject and end date of what the TLS port serves for `name` (SNI).
  std::string served(const std::string& name) const {
    return run_shell(fmt::format("openssl s_client -connect 127.0.0.1:{} -servername {} "
                                 "</dev/null 2>/dev/null | openssl x509 -noout -subject -enddate "
                                 "-ext subjectAltName",
                                 tls, name))
        .out;
  }
  /// Waits (10 s at most) until what is served for `name` contains `text`.
  bool serves(const std::string& name, const std::string& text) const {
    for (int i = 0; i < 100; ++i) {
      if (served(name).find(text) != std::string::npos) {
        return true;
      }
      std::this_thread::sleep_for(100ms);
    }
    return false;
  }

  /// `lokku certs --json`.
  json::array listed() {
    auto r = h.run({"certs", "-a", "web", "--json"});
    EXPECT_EQ(r.exit_code, 0) << r.err;
    return r.exit_code == 0 ? json::parse(r.out).as_array() : json::array{};
  }

  unsigned tls = 0;
  fs::path certs;
};

TEST_F(Certs, HerokuCertsAddAsksWhichDomainsAndTheTlsPortServesTheCertificate) {
  ASSERT_EQ(heroku("domains:add www.example.test -a web").code, 0);
  ASSERT_EQ(heroku("domains:add api.example.test -a web").code, 0);
  auto none = heroku("certs -a web");
  ASSERT_EQ(none.code, 0) << none.out;
  EXPECT_NE(none.out.find("web has no SSL certificates."), std::string::npos) << none.out;
  make("own", "30", "www.example.test api.example.test");
  make("other", "30", "www.example.test");
  make("old", "expired", "www.example.test");
  std::ofstream(certs / "junk.crt") << "not a certificate\n";

  // Bad input, each refused with what is wrong, and nothing added.
  auto mismatch = heroku(fmt::format("certs:add {} {} -a web", file("own.crt"), file("other.key")));
  EXPECT_NE(mismatch.code, 0);
  EXPECT_NE(mismatch.out.find("The private key does not match the certificate"), std::string::npos)
      << mismatch.out;
  auto expired = heroku(fmt::format("certs:add {} {} -a web", file("old.crt"), file("old.key")));
  EXPECT_NE(expired.code, 0);
  EXPECT_NE(expired.out.find("The certificate has expired: it expired at 2020-02-01 00:00 UTC"),
            std::string::npos)
      << expired.out;
  auto junk = heroku(fmt::format("certs:add {} {} -a web", file("junk.crt"), file("own.key")));
  EXPECT_NE(junk.code, 0);
  EXPECT_NE(junk.out.find("No certificate given"), std::string::npos) << junk.out;
  EXPECT_TRUE(listed().empty());

  // Without a certificate of its own, a custom domain gets lokku's default one, which does not
  // name it (Heroku's herokuapp.com certificate on a custom domain, before certs:add).
  EXPECT_NE(served("www.example.test").find("localhost"), std::string::npos);

  // certs:add: the details, then the prompt for the domains the certificate names; the user
  // picks the first (www) on the terminal.
  auto added = shell->run(fmt::format("python3 {}/pty_answer.py --expect 'Select domains' --send ' "
                                      "' --expect 'www.example.test' "
                                      "--send '\\r' -- heroku certs:add {} {} -a web",
                                      kHelpers, file("own.crt"), file("own.key")),
                          h.root());
  ASSERT_EQ(added.code, 0) << added.out;
  EXPECT_NE(added.out.find("Certificate details:"), std::string::npos) << added.out;
  EXPECT_NE(added.out.find("SSL certificate is self signed."), std::string::npos) << added.out;
  auto list = listed();
  ASSERT_EQ(list.size(), 1u);
  const std::string name(list[0].at("name").as_string());
  EXPECT_EQ(list[0].at("domains").as_array().size(), 1u);  // www only: the one picked

  // The router serves it for www at once; api (not picked) still gets the default one.
  EXPECT_TRUE(serves("www.example.test", "subject=CN = www.example.test"))
      << served("www.example.test");
  EXPECT_NE(served("api.example.test").find("localhost"), std::string::npos);
  auto domains = heroku("domains -a web");
  EXPECT_NE(domains.out.find(name), std::string::npos) << domains.out;

  auto table = heroku("certs -a web");
  EXPECT_NE(table.out.find(name), std::string::npos) << table.out;
  EXPECT_NE(table.out.find("www.example.test, api.example.test"), std::string::npos) << table.out;
  auto info = heroku("certs:info -a web");
  ASSERT_EQ(info.code, 0) << info.out;
  EXPECT_NE(info.out.find("Subject:        /CN=www.example.test"), std::string::npos) << info.out;

  // certs:update: a new certificate, the same endpoint and domains; served once read.
  make("renewed", "300", "www.example.test api.example.test");
  const std::string old_end = served("www.example.test");
  auto updated = heroku("certs:update " + file("renewed.crt") + " " + file("renewed.key") +
                        " -a web --confirm web");
  ASSERT_EQ(updated.code, 0) << updated.out;
  EXPECT_NE(updated.out.find("Updated certificate details:"), std::string::npos) << updated.out;
  for (int i = 0; i < 100 && served("www.example.test") == old_end; ++i) {
    std::this_thread::sleep_for(100ms);
  }
  EXPECT_NE(served("www.example.test"), old_end);
  EXPECT_EQ(listed()[0].at("name").as_string(), name);

  // domains:update --cert: api (not picked at the prompt) is served it too.
  auto moved = heroku("domains:update api.example.test --cert " + name + " -a web");
  ASSERT_EQ(moved.code, 0) << moved.out;
  EXPECT_TRUE(serves("api.example.test", "subject=CN = www.example.test"))
      << served("api.example.test");

  // certs:remove: gone from the list and from the port.
  auto removed = heroku("certs:remove -a web --confirm web");
  ASSERT_EQ(removed.code, 0) << removed.out;
  EXPECT_TRUE(listed().empty());
  EXPECT_TRUE(serves("www.example.test", "localhost")) << served("www.example.test");
  // The key was kept 0600 while it was there, and is gone with the endpoint.
  EXPECT_FALSE(fs::exists(h.home() / "apps" / "web" / "tls" / (name + ".key")));
}

TEST_F(Certs, AutoEnableIssuesFromLokkusCaAndRenewsAMonthBeforeTheEnd) {
  ASSERT_EQ(heroku("domains:add www.example.test -a web").code, 0);
  auto off = heroku("certs:auto -a web");
  EXPECT_NE(off.out.find("Automatic Certificate Management is disabled on web"), std::string::npos)
      << off.out;
  auto on = heroku("certs:auto:enable -a web");
  ASSERT_EQ(on.code, 0) << on.out;
  EXPECT_NE(on.out.find("Your certificate will now be managed"), std::string::npos) << on.out;
  ASSERT_TRUE(up->wait_for_diagnostic("web: ACM issued the certificate of its custom domains"));

  // A real client that trusts lokku's CA is served on the custom domain.
  auto r =
      run_shell(fmt::format("curl -sS --cacert {} --resolve www.example.test:{}:127.0.0.1 "
                            "https://www.example.test:{}/",
                            shell_quote((h.home() / "tls" / "ca.crt").string()), tls, tls));
  ASSERT_EQ(r.code, 0) << r.out;
  EXPECT_EQ(r.out, "hello from web.1");
  auto status = heroku("certs:auto -a web");
  EXPECT_NE(status.out.find("Automatic Certificate Management is enabled on web"),
            std::string::npos)
      << status.out;
  EXPECT_NE(status.out.find("Renewal scheduled for"), std::string::npos) << status.out;
  EXPECT_NE(status.out.find("Cert issued"), std::string::npos) << status.out;
  auto list = listed();
  ASSERT_EQ(list.size(), 1u);
  EXPECT_TRUE(list[0].at("ssl_cert").at("acm").as_bool());
  const std::string first_end(list[0].at("ssl_cert").at("expires_at").as_string());
  const std::string first_served = served("www.example.test");

  auto refreshed = heroku("certs:auto:refresh -a web");
  EXPECT_EQ(refreshed.code, 0) << refreshed.out;
  EXPECT_NE(refreshed.out.find("Refreshing Automatic Certificate Management... done"),
            std::string::npos)
      << refreshed.out;

  // 59 days on: not yet (a month before the 90-day end is day 60). 61: renewed.
  ASSERT_EQ(h.run({"clock", "advance", "59d"}).exit_code, 0);
  std::this_thread::sleep_for(1500ms);
  EXPECT_EQ(listed()[0].at("ssl_cert").at("expires_at").as_string(), first_end);
  ASSERT_EQ(h.run({"clock", "advance", "2d"}).exit_code, 0);
  ASSERT_TRUE(up->wait_for_diagnostic("web: ACM renewed the certificate of its custom domains"));
  const std::string renewed_end(listed()[0].at("ssl_cert").at("expires_at").as_string());
  EXPECT_GT(renewed_end, first_end);  // ISO 8601 sorts as time does
  EXPECT_NE(served("www.example.test"), first_served);

  // Disabled: the domain is back on the default certificate.
  ASSERT_EQ(heroku("certs:auto:disable -a web --confirm web").code, 0);
  EXPECT_TRUE(serves("www.example.test", "localhost")) << served("www.example.test");
}

TEST(LokkuCerts, AddInfoUpdateRemoveAndTheirBadInput) {
  LokkuHome h;
  ASSERT_EQ(h.run({"apps:create", "web"}).exit_code, 0);
  ASSERT_EQ(h.run({"domains:add", "-a", "web", "www.example.test"}).exit_code, 0);
  ASSERT_EQ(h.run({"domains:add", "-a", "web", "other.example.test"}).exit_code, 0);
  const fs::path dir = h.root() / "certs";
  fs::create_directories(dir);
  auto make = [&](const std::string& name, const std::string& validity, const std::string& d) {
    ASSERT_EQ(run_shell(fmt::format("cd {} && {}/make_certificate.sh {} {} {}",
                                    shell_quote(dir.string()), kHelpers, name, validity, d))
                  .code,
              0);
  };
  make("wild", "30", "*.example.test");
  make("mine", "30", "www.example.test");
  make("old", "expired", "www.example.test");
  auto path = [&](const std::string& f) { return (dir / f).string(); };

  auto mismatch = h.run({"certs:add", "-a", "web", path("wild.crt"), path("mine.key")});
  EXPECT_EQ(mismatch.exit_code, 1);
  EXPECT_NE(mismatch.err.find("The private key does not match the certificate"), std::string::npos)
      << mismatch.err;
  auto expired = h.run({"certs:add", "-a", "web", path("old.crt"), path("old.key")});
  EXPECT_EQ(expired.exit_code, 1);
  EXPECT_NE(expired.err.find("has expired"), std::string::npos) << expired.err;
  auto missing = h.run({"certs:add", "-a", "web", path("nope.crt"), path("mine.key")});
  EXPECT_EQ(missing.exit_code, 1);
  EXPECT_NE(missing.err.find("nope.crt: no such certificate file"), std::string::npos)
      << missing.err;
  auto not_ours = h.run({"certs:add", "-a", "web", path("mine.crt"), path("mine.key"), "--domains",
                         "elsewhere.test"});
  EXPECT_EQ(not_ours.exit_code, 1);
  EXPECT_NE(not_ours.err.find("elsewhere.test is not a custom domain of web"), std::string::npos)
      << not_ours.err;
  auto none = h.run({"certs", "-a", "web"});
  EXPECT_NE(none.out.find("web has no SSL certificates."), std::string::npos) << none.out;

  // A wildcard certificate serves every custom domain it covers, by default.
  auto wild = h.run({"certs:add", "-a", "web", path("wild.crt"), path("wild.key")});
  ASSERT_EQ(wild.exit_code, 0) << wild.err;
  EXPECT_NE(wild.out.find("Associated www.example.test with "), std::string::npos) << wild.out;
  EXPECT_NE(wild.out.find("Associated other.example.test with "), std::string::npos) << wild.out;
  // A second one, for www only: www moves to it.
  auto mine = h.run({"certs:add", "-a", "web", path("mine.crt"), path("mine.key"), "--domains",
                     "www.example.test"});
  ASSERT_EQ(mine.exit_code, 0) << mine.err;
  auto list = json::parse(h.run({"certs", "-a", "web", "--json"}).out).as_array();
  ASSERT_EQ(list.size(), 2u);
  EXPECT_EQ(list[0].at("domains").as_array().size(), 1u);  // other.example.test
  EXPECT_EQ(list[1].at("domains").as_array().size(), 1u);  // www.example.test
  const std::string wild_name(list[0].at("name").as_string());
  EXPECT_TRUE(std::regex_match(wild_name, std::regex("[a-z][a-z0-9-]{2,29}"))) << wild_name;
  auto key = h.home() / "apps" / "web" / "tls" / (wild_name + ".key");
  EXPECT_EQ(fs::status(key).permissions() & fs::perms::all,
            fs::perms::owner_read | fs::perms::owner_write);

  // With two, a command must be told which.
  auto which = h.run({"certs:info", "-a", "web"});
  EXPECT_EQ(which.exit_code, 1);
  EXPECT_NE(which.err.find("Must pass --name"), std::string::npos) << which.err;
  auto info = h.run({"certs:info", "-a", "web", "--name", wild_name});
  ASSERT_EQ(info.exit_code, 0) << info.err;
  EXPECT_NE(info.out.find("Common Name(s): *.example.test"), std::string::npos) << info.out;
  EXPECT_NE(info.out.find("Domain(s):      other.example.test"), std::string::npos) << info.out;

  // domains:update moves www back to the wildcard; removing a domain takes it off its
  // certificate; certs:remove needs the app's name.
  ASSERT_EQ(
      h.run({"domains:update", "-a", "web", "www.example.test", "--cert", wild_name}).exit_code, 0);
  ASSERT_EQ(h.run({"domains:remove", "-a", "web", "other.example.test"}).exit_code, 0);
  list = json::parse(h.run({"certs", "-a", "web", "--json"}).out).as_array();
  EXPECT_EQ(list[0].at("domains").as_array().size(), 1u);
  EXPECT_EQ(list[1].at("domains").as_array().size(), 0u);
  auto unconfirmed = h.run({"certs:remove", "-a", "web", "--name", wild_name});
  EXPECT_EQ(unconfirmed.exit_code, 1);
  ASSERT_EQ(h.run({"certs:remove", "-a", "web", "--name", wild_name, "--confirm", "web"}).exit_code,
            0);
  EXPECT_FALSE(fs::exists(key));
  EXPECT_EQ(json::parse(h.run({"certs", "-a", "web", "--json"}).out).as_array().size(), 1u);
}

}  // namespace
}  // namespace lokku::test
