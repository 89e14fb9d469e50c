// App webhooks (#22 point 5, drains-webhooks-metrics.md §3): the official CLI's webhooks:*
// commands against a live `lokku up`, and real receivers on 127.0.0.1 that check each
// delivery's signature as a user's endpoint would.
#include "support/cli_platform.hpp"
#include "support/drain_receiver.hpp"
#include "support/user_shell.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <csignal>
#include <fstream>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <regex>
#include <set>

namespace lokku::test {
namespace {

namespace fs = std::filesystem;
namespace json = boost::json;
using namespace std::chrono_literals;

/// What a receiver computes to check `Heroku-Webhook-Hmac-SHA256` (Heroku's verifiers do the
/// same): base64 of HMAC-SHA256 of the raw body under the secret.
std::string expected_signature(const std::string& secret, const std::string& body) {
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int size = 0;
  HMAC(EVP_sha256(), secret.data(), static_cast<int>(secret.size()),
       reinterpret_cast<const unsigned char*>(body.data()), body.size(), mac, &size);
  std::string out(4 * ((size + 2) / 3) + 1, '\0');
  out.resize(static_cast<std::size_t>(
      EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()), mac, static_cast<int>(size))));
  return out;
}

class Webhooks : public CliPlatformTest {
 protected:
  /// The bodies of the POSTs so far whose event is `include`, parsed.
  static std::vector<json::object> bodies(const DrainReceiver& r, const std::string& include) {
    std::vector<json::object> out;
    for (const auto& p : r.posts()) {
      auto v = json::parse(p.body).as_object();
      if (v.at("webhook_metadata").at("event").at("include").as_string() == include) {
        out.push_back(std::move(v));
      }
    }
    return out;
  }
};

// §3.1–3.4: webhooks:add prints the signing secret once; a config change POSTs the release's
// create (pending: the app has a release phase) then its update (succeeded), each signed with
// that secret and carrying the configured Authorization; a scaling POSTs api:formation; the
// CLI lists the webhook and its deliveries, and shows a delivery with its event's payload.
TEST_F(Webhooks, AReleaseAndAScalingArePostedSignedAndTheCliListsTheDeliveries) {
  DrainReceiver receiver(DrainReceiver::Protocol::http);
  const std::string url = fmt::format("http://127.0.0.1:{}/hooks", receiver.port());
  auto add = heroku("webhooks:add -i api:release,api:formation -l notify -u " + url +
                    " -t 'Bearer s3cr3t' -a web");
  ASSERT_EQ(add.code, 0) << add.out;
  EXPECT_TRUE(std::regex_search(add.out, std::regex("Adding webhook to (⬢ )?web\\.\\.\\. done")))
      << add.out;
  std::smatch m;
  ASSERT_TRUE(
      std::regex_search(add.out, m, std::regex("=== Webhooks Signing Secret\n+([0-9a-f]{60})\n")))
      << add.out;
  const std::string secret = m[1].str();
  receiver.judge([secret](const DrainReceiver::Post& p) {
    auto sig = p.headers.find("heroku-webhook-hmac-sha256");
    return sig != p.headers.end() && sig->second == expected_signature(secret, p.body) ? 204 : 401;
  });

  auto list = heroku("webhooks -a web");
  EXPECT_EQ(list.code, 0) << list.out;
  EXPECT_TRUE(std::regex_search(
      list.out,
      std::regex(
          R"([0-9a-f-]{36} +http://127\.0\.0\.1:\d+/hooks +api:release,api:formation +notify)")))
      << list.out;

  ASSERT_EQ(heroku("config:set HOOKED=yes -a web").code, 0);
  ASSERT_TRUE(wait_until([&] { return bodies(receiver, "api:release").size() >= 2; }, 20s,
                         "the release's create and update"))
      << [&] {
           std::string seen;
           for (const auto& p : receiver.posts()) {
             seen += p.body + "\n";
           }
           return seen;
         }();
  auto release = bodies(receiver, "api:release");
  EXPECT_EQ(release[0].at("action").as_string(), "create");
  EXPECT_EQ(release[0].at("resource").as_string(), "release");
  EXPECT_EQ(release[0].at("data").at("description").as_string(), "Set HOOKED config vars");
  EXPECT_EQ(release[0].at("data").at("status").as_string(), "pending");
  EXPECT_EQ(release[0].at("data").at("app").at("name").as_string(), "web");
  EXPECT_EQ(release[1].at("action").as_string(), "update");
  EXPECT_EQ(release[1].at("data").at("status").as_string(), "succeeded");
  EXPECT_EQ(release[1].at("previous_data").at("status").as_string(), "pending");
  EXPECT_EQ(release[0].at("data").at("version"), release[1].at("data").at("version"));
  EXPECT_EQ(release[0].at("version").as_string(), "application/vnd.heroku+json; version=3");
  EXPECT_EQ(release[0].at("id"), release[0].at("webhook_metadata").at("event").at("id"));
  for (const auto& p : receiver.posts()) {
    EXPECT_EQ(p.status, 204) << "signature " << p.headers.at("heroku-webhook-hmac-sha256");
    EXPECT_EQ(p.headers.at("authorization"), "Bearer s3cr3t");
    EXPECT_EQ(p.headers.at("content-type"), "application/json");
  }

  ASSERT_EQ(heroku("ps:scale web=2 -a web").code, 0);
  ASSERT_TRUE(wait_until([&] { return !bodies(receiver, "api:formation").empty(); }, 20s,
                         "the formation's update"));
  auto formation = bodies(receiver, "api:formation").front();
  EXPECT_EQ(formation.at("action").as_string(), "update");
  EXPECT_EQ(formation.at("data").at("type").as_string(), "web");
  EXPECT_EQ(formation.at("data").at("quantity").as_int64(), 2);
  EXPECT_EQ(formation.at("previous_data").at("quantity").as_int64(), 1);

  // The deliveries as the CLI lists them: succeeded, one attempt, code 204.
  ShellResult deliveries;
  ASSERT_TRUE(wait_until(
      [&] {
        deliveries = heroku("webhooks:deliveries -a web");
        return std::regex_search(deliveries.out,
                                 std::regex("api:formation .*succeeded|succeeded .*api:formation"));
      },
      10s, "the formation's delivery to be recorded"))
      << deliveries.out;
  EXPECT_TRUE(std::regex_search(
      deliveries.out,
      std::regex(R"(([0-9a-f-]{36}) +\S+ +succeeded +api:release +notify +1 +204)")))
      << deliveries.out;
  const auto delivery_id = release[1].at("webhook_metadata").at("delivery").at("id").as_string();
  auto info = heroku(fmt::format("webhooks:deliveries:info {} -a web", delivery_id.c_str()));
  EXPECT_EQ(info.code, 0) << info.out;
  EXPECT_NE(info.out.find("=== Event Payload"), std::string::npos) << info.out;
  EXPECT_NE(info.out.find("\"previous_data\""), std::string::npos) << info.out;

  auto removed =
      heroku("webhooks:remove " +
             std::string(release[0].at("webhook_metadata").at("webhook").at("id").as_string()) +
             " -a web");
  EXPECT_EQ(removed.code, 0) << removed.out;
  EXPECT_NE(heroku("webhooks -a web").out.find("web has no webhooks"), std::string::npos);
}

// §3.4: a `sync` delivery that fails is retried later and later (on the time scale), shown as
// retrying with its attempts and next attempt, and succeeds once the receiver answers 2xx; a
// `notify` one is tried once. A receiver that checks the signature with another secret
// refuses the delivery (401), recorded as failed.
TEST_F(Webhooks, SyncDeliveriesAreRetriedNotifyOnesAreNotAndAWrongSecretIsRefused) {
  DrainReceiver flaky(DrainReceiver::Protocol::http);
  flaky.answer({}, 500);
  DrainReceiver strict(DrainReceiver::Protocol::http);
  strict.judge([](const DrainReceiver::Post& p) {
    return p.headers.at("heroku-webhook-hmac-sha256") == expected_signature("the-right-one", p.body)
               ? 200
               : 401;
  });
  ASSERT_EQ(heroku(fmt::format("webhooks:add -i api:formation -l sync -u "
                               "http://127.0.0.1:{}/ -s whatever -a web",
                               flaky.port()))
                .code,
            0);
  ASSERT_EQ(heroku(fmt::format("webhooks:add -i api:formation -l notify -u "
                               "http://127.0.0.1:{}/ -s the-wrong-one -a web",
                               strict.port()))
                .code,
            0);
  ASSERT_EQ(heroku("ps:scale worker=1 -a web").code, 0);

  ASSERT_TRUE(flaky.wait_for_posts(3)) << "the sync delivery to be retried";
  ASSERT_TRUE(strict.wait_for_posts(1));
  ShellResult retrying;
  ASSERT_TRUE(wait_until(
      [&] {
        retrying = heroku("webhooks:deliveries -s retrying -a web");
        return retrying.out.find("retrying") != std::string::npos;
      },
      10s, "the sync delivery shown as retrying"))
      << retrying.out;
  EXPECT_TRUE(std::regex_search(
      retrying.out,
      std::regex(R"(retrying +api:formation +sync +\d+ +500 +\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ)")))
      << retrying.out;
  flaky.answer({}, 200);
  ShellResult done;
  ASSERT_TRUE(wait_until(
      [&] {
        done = heroku("webhooks:deliveries -s succeeded -a web");
        return done.out.find("succeeded") != std::string::npos;
      },
      30s, "the sync delivery to succeed once its receiver answers"))
      << done.out;
  EXPECT_TRUE(
      std::regex_search(done.out, std::regex(R"(succeeded +api:formation +sync +\d+ +200)")))
      << done.out;
  const auto tries = flaky.posts().size();
  EXPECT_GE(tries, 4u);
  // Every try of one delivery is the same event, signed alike.
  std::set<std::string> events;
  for (const auto& p : flaky.posts()) {
    events.insert(std::string(json::parse(p.body).at("id").as_string()));
    EXPECT_EQ(p.headers.at("heroku-webhook-hmac-sha256"), expected_signature("whatever", p.body));
  }
  EXPECT_EQ(events.size(), 1u);

  // The notify webhook with the wrong secret: refused once, never retried.
  auto failed = heroku("webhooks:deliveries -s failed -a web");
  EXPECT_TRUE(std::regex_search(failed.out, std::regex(R"(failed +api:formation +notify +1 +401)")))
      << failed.out;
  EXPECT_EQ(strict.posts().size(), 1u);
  EXPECT_EQ(strict.posts().front().status, 401);
}

// §3.3: an add-on comes with its attachment to its app, and goes with it.
TEST_F(Webhooks, AnAddonAndItsAttachmentAreToldWhenMadeAndDestroyed) {
  DrainReceiver receiver(DrainReceiver::Protocol::http);
  ASSERT_EQ(heroku(fmt::format("webhooks:add -i api:addon,api:addon-attachment -l notify -u "
                               "http://127.0.0.1:{}/ -a web",
                               receiver.port()))
                .code,
            0);
  auto made = heroku("addons:create heroku-redis -a web");
  ASSERT_EQ(made.code, 0) << made.out;
  ASSERT_TRUE(wait_until([&] { return !bodies(receiver, "api:addon-attachment").empty(); }, 20s,
                         "the attachment's create"));
  auto addon = bodies(receiver, "api:addon").at(0);
  auto attachment = bodies(receiver, "api:addon-attachment").at(0);
  EXPECT_EQ(addon.at("action").as_string(), "create");
  EXPECT_EQ(addon.at("resource").as_string(), "addon");
  const std::string name(addon.at("data").at("name").as_string());
  EXPECT_EQ(attachment.at("action").as_string(), "create");
  EXPECT_EQ(attachment.at("resource").as_string(), "addon-attachment");
  EXPECT_EQ(attachment.at("data").at("name").as_string(), "REDIS");
  EXPECT_EQ(attachment.at("data").at("addon").at("name").as_string(), name);
  EXPECT_EQ(attachment.at("data").at("app").at("name").as_string(), "web");

  ASSERT_EQ(heroku("addons:destroy " + name + " -a web --confirm web").code, 0);
  ASSERT_TRUE(wait_until([&] { return bodies(receiver, "api:addon").size() >= 2; }, 20s,
                         "the add-on's destroy"));
  EXPECT_EQ(bodies(receiver, "api:addon").at(1).at("action").as_string(), "destroy");
  ASSERT_GE(bodies(receiver, "api:addon-attachment").size(), 2u);
  EXPECT_EQ(bodies(receiver, "api:addon-attachment").at(1).at("action").as_string(), "destroy");
}

// api:sni-endpoint: a certificate added (certs:add), moved to another domain, and removed.
TEST_F(Webhooks, ACertificatesAddUpdateAndRemoveAreTold) {
  DrainReceiver receiver(DrainReceiver::Protocol::http);
  ASSERT_EQ(heroku(fmt::format("webhooks:add -i api:sni-endpoint -l notify -u "
                               "http://127.0.0.1:{}/ -a web",
                               receiver.port()))
                .code,
            0);
  ASSERT_EQ(h.run({"domains:add", "-a", "web", "www.example.test"}).exit_code, 0);
  ASSERT_EQ(h.run({"domains:add", "-a", "web", "api.example.test"}).exit_code, 0);
  auto made =
      run_shell(fmt::format("cd {} && {}/make_certificate.sh own 30 www.example.test "
                            "api.example.test",
                            shell_quote(h.root().string()), LOKKU_TEST_HELPERS_DIR));
  ASSERT_EQ(made.code, 0) << made.out;
  const auto crt = (h.root() / "own.crt").string(), key = (h.root() / "own.key").string();
  ASSERT_EQ(h.run({"certs:add", "-a", "web", crt, key, "--domains", "www.example.test"}).exit_code,
            0);
  ASSERT_TRUE(wait_until([&] { return !bodies(receiver, "api:sni-endpoint").empty(); }, 20s,
                         "the endpoint's create"));
  auto created = bodies(receiver, "api:sni-endpoint").at(0);
  EXPECT_EQ(created.at("action").as_string(), "create");
  EXPECT_EQ(created.at("resource").as_string(), "sni-endpoint");
  const std::string name(created.at("data").at("name").as_string());
  EXPECT_EQ(created.at("data").at("ssl_cert").at("cert_domains").as_array().size(), 2u);
  EXPECT_EQ(created.at("data").as_object().count("private_key"), 0u);  // never told

  // The platform tells what it sees change: certs:add's two writes (the endpoint, then its
  // domain) may come as one create or as a create and an update.
  ASSERT_EQ(h.run({"domains:update", "-a", "web", "api.example.test", "--cert", name}).exit_code,
            0);
  auto two_domains = [&] {
    for (const auto& b : bodies(receiver, "api:sni-endpoint")) {
      if (b.at("action").as_string() == "update" &&
          b.at("data").at("domains").as_array().size() == 2) {
        return true;
      }
    }
    return false;
  };
  ASSERT_TRUE(wait_until(two_domains, 20s, "the update naming both domains"));
  ASSERT_EQ(h.run({"certs:remove", "-a", "web", "--confirm", "web"}).exit_code, 0);
  ASSERT_TRUE(wait_until(
      [&] {
        auto all = bodies(receiver, "api:sni-endpoint");
        return all.back().at("action").as_string() == "destroy";
      },
      20s, "the destroy"));
  EXPECT_EQ(bodies(receiver, "api:sni-endpoint").back().at("data").at("name").as_string(), name);
}

// §3.3 api:build (create, update): a deploy's build is told when it begins (pending) and when
// it ends (succeeded, with its slug); a build no buildpack detects ends failed, without one.
TEST_F(Webhooks, ABuildIsToldWhenItBeginsAndWhenItEndsSucceededOrFailed) {
  DrainReceiver receiver(DrainReceiver::Protocol::http);
  ASSERT_EQ(heroku(fmt::format("webhooks:add -i api:build -l notify -u http://127.0.0.1:{}/ -a web",
                               receiver.port()))
                .code,
            0);
  ASSERT_EQ(h.deploy("web").exit_code, 0);
  ASSERT_TRUE(wait_until([&] { return bodies(receiver, "api:build").size() >= 2; }, 20s,
                         "the build's create and update"));
  auto built = bodies(receiver, "api:build");
  EXPECT_EQ(built[0].at("action").as_string(), "create");
  EXPECT_EQ(built[0].at("resource").as_string(), "build");
  EXPECT_EQ(built[0].at("data").at("status").as_string(), "pending");
  EXPECT_EQ(built[0].at("data").at("app").at("name").as_string(), "web");
  EXPECT_EQ(built[1].at("action").as_string(), "update");
  EXPECT_EQ(built[1].at("data").at("id"), built[0].at("data").at("id"));
  EXPECT_EQ(built[1].at("data").at("status").as_string(), "succeeded");
  EXPECT_EQ(built[1].at("previous_data").at("status").as_string(), "pending");
  EXPECT_TRUE(built[1].at("data").at("slug").is_object());
  // The same build as the API lists it.
  auto builds = api_request(port, "GET", "/apps/web/builds", h.token());
  ASSERT_TRUE(builds);
  EXPECT_NE(builds->body.find(std::string(built[0].at("data").at("id").as_string())),
            std::string::npos)
      << builds->body;

  const auto broken = h.root() / "broken";
  fs::create_directories(broken);
  std::ofstream(broken / "Procfile") << "web: true\n";  // no buildpack detects anything here
  EXPECT_NE(h.run({"deploy", "-a", "web"}, broken).exit_code, 0);
  ASSERT_TRUE(wait_until([&] { return bodies(receiver, "api:build").size() >= 4; }, 20s,
                         "the failed build's create and update"));
  auto failed = bodies(receiver, "api:build");
  EXPECT_EQ(failed[2].at("action").as_string(), "create");
  EXPECT_EQ(failed[3].at("data").at("status").as_string(), "failed");
  EXPECT_TRUE(failed[3].at("data").at("slug").is_null());
  EXPECT_EQ(failed.size(), 4u);
}

// A receiver that reads a POST and never answers delays its own webhook's deliveries only:
// another webhook of the app is told of each change at once, and the platform stops at once.
TEST_F(Webhooks, AReceiverThatHangsDelaysNoOtherWebhook) {
  DrainReceiver stuck(DrainReceiver::Protocol::http);
  stuck.hang(true);
  DrainReceiver fine(DrainReceiver::Protocol::http);
  for (const auto* r : {&stuck, &fine}) {
    ASSERT_EQ(heroku(fmt::format("webhooks:add -i api:formation -l notify -u "
                                 "http://127.0.0.1:{}/ -a web",
                                 r->port()))
                  .code,
              0);
  }
  ASSERT_EQ(heroku("ps:scale worker=1 -a web").code, 0);
  ASSERT_TRUE(stuck.wait_for_posts(1));  // read, and left unanswered (20 s to time out)
  ASSERT_TRUE(fine.wait_for_posts(1));
  ASSERT_EQ(heroku("ps:scale worker=0 -a web").code, 0);
  const auto asked = std::chrono::steady_clock::now();
  ASSERT_TRUE(wait_until([&] { return fine.posts().size() >= 2; }, 10s, "the second change"));
  EXPECT_LT(std::chrono::steady_clock::now() - asked, 5s);
  EXPECT_EQ(stuck.posts().size(), 1u);  // its second waits behind its first
  // Stopping does not wait out the hung POST's 20 s.
  const auto stopping = std::chrono::steady_clock::now();
  up->signal(SIGINT);
  EXPECT_TRUE(up->wait_exit(15s).has_value());
  EXPECT_LT(std::chrono::steady_clock::now() - stopping, 10s);
}

// Bad input is refused naming the field, and nothing is made.
TEST_F(Webhooks, BadUrlsLevelsAndEntitiesAreRefused) {
  auto ftp = heroku("webhooks:add -i api:release -l notify -u ftp://example.com/ -a web");
  EXPECT_NE(ftp.code, 0);
  EXPECT_NE(ftp.out.find("Url must be an http or https URL, not ftp://example.com/"),
            std::string::npos)
      << ftp.out;
  auto level = heroku("webhooks:add -i api:release -l often -u http://127.0.0.1:9/ -a web");
  EXPECT_NE(level.code, 0);
  EXPECT_NE(level.out.find("Level must be notify or sync, not often"), std::string::npos)
      << level.out;
  auto entity = heroku("webhooks:add -i api:relase -l notify -u http://127.0.0.1:9/ -a web");
  EXPECT_NE(entity.code, 0);
  EXPECT_NE(entity.out.find("unknown entity api:relase"), std::string::npos) << entity.out;
  auto none = heroku("webhooks -a web");
  EXPECT_NE(none.out.find("web has no webhooks"), std::string::npos) << none.out;
  // Without the token, or with a wrong one in either scheme the CLI uses: 401.
  auto wrong = api_request(port, "GET", "/apps/web/webhooks", "", "",
                           "Authorization: Basic Ondyb25n\r\n");  // ":wrong"
  ASSERT_TRUE(wrong);
  EXPECT_EQ(wrong->status, 401);
  const std::string user_token = ":" + h.token();
  std::string basic(4 * ((user_token.size() + 2) / 3) + 1, '\0');
  basic.resize(static_cast<std::size_t>(
      EVP_EncodeBlock(reinterpret_cast<unsigned char*>(basic.data()),
                      reinterpret_cast<const unsigned char*>(user_token.data()),
                      static_cast<int>(user_token.size()))));
  auto right = api_request(port, "GET", "/apps/web/webhooks", "", "",
                           "Authorization: Basic " + basic + "\r\n");
  ASSERT_TRUE(right);
  EXPECT_EQ(right->status, 200) << right->body;
}

}  // namespace
}  // namespace lokku::test
