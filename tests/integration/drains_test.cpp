// Log drains (#22 point 4, drains-webhooks-metrics.md §2): the official CLI's drains:*
// commands against a live `lokku up`, and real receivers on 127.0.0.1 (HTTPS with Logplex's
// framing, syslog over TLS) getting the app's lines, retried, dropped and reported as Logplex
// does.
#include "platform/local_ca.hpp"
#include "support/drain_receiver.hpp"
#include "support/platform.hpp"
#include "support/user_shell.hpp"

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <fstream>
#include <regex>
#include <set>

namespace lokku::test {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

class Drains : public ::testing::Test {
 protected:
  void SetUp() override {
    auto r = h.deploy("web");
    ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
    // A receiver's certificate from lokku's CA, which lokku then trusts as a user's would.
    receiver_cert =
        platform::ensure_certificate(h.home(), "drain-receiver", platform::kLoopbackNames);
    router = free_port();
    up = h.up(router, {"--time-scale", "10"});
    ASSERT_TRUE(up->wait_for_diagnostic("Platform API on http://127.0.0.1:"));
    port = h.api_port();
    ASSERT_NE(port, 0u);
    ASSERT_TRUE(up->wait_for(R"(heroku\[web\.1\]: State changed from starting to up$)"));
  }

  /// Adds a drain through the API; its token.
  std::string add_drain(const std::string& url) {
    auto r = api_request(port, "POST", "/apps/web/log-drains", h.token(),
                         fmt::format(R"({{"url":"{}"}})", url));
    EXPECT_TRUE(r && r->status == 201) << (r ? r->body : "no answer");
    std::smatch m;
    const std::string body = r ? r->body : "";
    return std::regex_search(body, m, std::regex(R"re("token":"(d\.[0-9a-f-]{36})")re"))
               ? m[1].str()
               : "";
  }

  int get(const std::string& path) {
    auto r = get_by_host(router, "web.localhost", path);
    return r ? r->status : 0;
  }

  std::string app_log() const {
    std::ifstream in(h.home() / "apps" / "web" / "log");
    return std::string(std::istreambuf_iterator<char>(in), {});
  }

  LokkuHome h;
  platform::Certificate receiver_cert;
  unsigned router = 0, port = 0;
  std::unique_ptr<LokkuProcess> up;
};

const std::regex kFrameId("^[0-9A-F]{32}$");

// §2.1 (CLI) and §2.3: `heroku drains:add` → every line of the app's log reaches an HTTPS
// receiver in Logplex's frame; `heroku drains` lists it with its token; drains:remove by
// token stops it.
TEST_F(Drains, HttpsDrainGetsTheAppsLinesInLogplexFramesAndTheCliManagesIt) {
  DrainReceiver receiver(DrainReceiver::Protocol::http, receiver_cert.cert, receiver_cert.key);
  UserShell shell(h, port, h.root() / "user");
  const std::string url = fmt::format("https://user:pw@127.0.0.1:{}/logs", receiver.port());

  auto add = shell.run("heroku drains:add " + url + " -a web", h.root());
  ASSERT_EQ(add.code, 0) << add.out;
  EXPECT_NE(add.out.find("Successfully added drain " + url), std::string::npos) << add.out;
  auto list = shell.run("heroku drains -a web", h.root());
  EXPECT_EQ(list.code, 0) << list.out;
  EXPECT_NE(list.out.find("=== Drains"), std::string::npos) << list.out;
  std::smatch m;
  ASSERT_TRUE(std::regex_search(
      list.out, m,
      std::regex(R"re(https://user:pw@127\.0\.0\.1:\d+/logs \((d\.[0-9a-f-]{36})\))re")))
      << list.out;
  const std::string token = m[1].str();
  auto mine = h.run({"drains", "-a", "web"});
  EXPECT_NE(mine.out.find(url + " (" + token + ")"), std::string::npos) << mine.out;
  auto no_port = h.run({"drains:add", "syslog://logs.example.com", "-a", "web"});
  EXPECT_NE(no_port.exit_code, 0);
  EXPECT_NE(no_port.err.find("syslog://logs.example.com: a syslog drain needs a port"),
            std::string::npos)
      << no_port.err;
  auto twice = shell.run("heroku drains:add " + url + " -a web", h.root());
  EXPECT_NE(twice.code, 0);
  EXPECT_NE(twice.out.find("already"), std::string::npos) << twice.out;
  auto bad = shell.run("heroku drains:add ftp://logs.example.com/ -a web", h.root());
  EXPECT_NE(bad.code, 0);
  EXPECT_NE(bad.out.find("the scheme 'ftp' is not a"), std::string::npos) << bad.out;

  // The platform starts the drain once it reads the change; until then lines stay local.
  ASSERT_TRUE(wait_until(
      [&] {
        get("/warm-up");
        return receiver.wait_for("/warm-up", 200ms);
      },
      20s, "the drain to start"));
  for (int i = 1; i <= 5; ++i) {
    EXPECT_EQ(get("/drained-" + std::to_string(i)), 200);
  }
  ASSERT_TRUE(receiver.wait_for("path=\"/drained-5\"")) << app_log();
  ASSERT_TRUE(receiver.wait_for("\"GET /drained-5 HTTP/1.1\" 200"));
  const auto messages = receiver.messages();
  int router_lines = 0;
  for (const auto& msg : messages) {
    if (msg.find("path=\"/drained-") != std::string::npos) {
      ++router_lines;
      EXPECT_TRUE(std::regex_search(
          msg,
          std::regex(
              R"(^<158>1 \d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}\+00:00 host heroku router - at=info method=GET path="/drained-\d" host=web\.localhost .*\n$)")))
          << msg;
    }
    if (msg.find("\"GET /drained-") != std::string::npos) {
      EXPECT_TRUE(std::regex_search(msg, std::regex(R"(^<190>1 \S+ host app web\.1 - )"))) << msg;
    }
  }
  EXPECT_GE(router_lines, 1);
  // The API's own lines (a release) are in the app's log too, and so in its drains.
  auto set = shell.run("heroku config:set DRAINED=yes -a web", h.root());
  ASSERT_EQ(set.code, 0) << set.out;
  EXPECT_TRUE(receiver.wait_for(" host app api - Set DRAINED config vars by user ")) << app_log();
  for (const auto& post : receiver.posts()) {
    EXPECT_EQ(post.headers.at("content-type"), "application/logplex-1");
    EXPECT_EQ(post.headers.at("logplex-drain-token"), token);
    EXPECT_EQ(post.headers.at("authorization"), "Basic dXNlcjpwdw==");
    EXPECT_TRUE(std::regex_match(post.headers.at("logplex-frame-id"), kFrameId));
    std::string body = post.body;
    std::vector<std::string> frames;
    ASSERT_TRUE(split_octet_counted(body, frames)) << post.body;
    EXPECT_TRUE(body.empty()) << "a frame's count does not cover it: " << post.body;
    EXPECT_EQ(post.headers.at("logplex-msg-count"), std::to_string(frames.size()));
    for (const auto& f : frames) {
      EXPECT_EQ(f.back(), '\n') << "the count includes the newline";
    }
  }

  auto remove = shell.run("heroku drains:remove " + token + " -a web", h.root());
  EXPECT_EQ(remove.code, 0) << remove.out;
  EXPECT_NE(remove.out.find("Successfully removed drain " + url), std::string::npos) << remove.out;
  auto none = shell.run("heroku drains -a web", h.root());
  EXPECT_EQ(none.out.find("=== Drains"), std::string::npos) << none.out;
  // The platform lets the drain go once it reads the change: lines after that stay local.
  ASSERT_TRUE(wait_until(
      [&] {
        get("/after-removal");
        return up->count(R"(path="/after-removal")") > 0;
      },
      10s, "a line after the removal"));
  std::this_thread::sleep_for(1500ms);  // the platform re-reads app.yaml every poll
  const std::string marker = "/surely-not-drained";
  EXPECT_EQ(get(marker), 200);
  std::this_thread::sleep_for(1s);
  EXPECT_FALSE(receiver.wait_for(marker, 10ms));
}

// §2.3: a 5xx is retried with the same Frame-Id and body (3 tries), a 4xx other than 429 is
// not; a hanging receiver times out and is retried; lines lost meanwhile are counted by the
// L10 frame that heads the next delivered batch (§2.4); the router keeps serving throughout.
TEST_F(Drains, RetriedOnFiveHundredsDroppedOnFourHundredsAndLossesReportedAsL10) {
  DrainReceiver receiver(DrainReceiver::Protocol::http, receiver_cert.cert, receiver_cert.key);
  add_drain(fmt::format("https://127.0.0.1:{}/logs", receiver.port()));
  ASSERT_TRUE(wait_until(
      [&] {
        get("/warm-up");
        return receiver.wait_for("/warm-up", 200ms);
      },
      20s, "the drain to start"));

  // 500, 500, then 200: one batch, three tries, one Frame-Id.
  receiver.answer({500, 500});
  EXPECT_EQ(get("/retry-probe"), 200);
  ASSERT_TRUE(receiver.wait_for("path=\"/retry-probe\""));
  std::map<std::string, std::vector<int>> tries;
  std::map<std::string, std::set<std::string>> bodies;
  for (const auto& p : receiver.posts()) {
    tries[p.headers.at("logplex-frame-id")].push_back(p.status);
    bodies[p.headers.at("logplex-frame-id")].insert(p.body);
  }
  bool retried = false;
  for (const auto& [id, statuses] : tries) {
    if (statuses == std::vector<int>{500, 500, 200}) {
      retried = true;
      EXPECT_EQ(bodies[id].size(), 1u) << "a retry sends the same body";
    }
  }
  EXPECT_TRUE(retried) << "no batch was tried 500, 500, 200";

  // 404: dropped at once, never tried again.
  receiver.answer({404});
  EXPECT_EQ(get("/refused-probe"), 200);
  ASSERT_TRUE(wait_until(
      [&] {
        for (const auto& p : receiver.posts()) {
          if (p.status == 404) {
            return true;
          }
        }
        return false;
      },
      10s, "a POST answered 404"));
  std::this_thread::sleep_for(1s);  // longer than both retry pauses at this time scale
  std::string refused_id;
  int refused_tries = 0;
  for (const auto& p : receiver.posts()) {
    if (p.status == 404) {
      refused_id = p.headers.at("logplex-frame-id");
    }
  }
  for (const auto& p : receiver.posts()) {
    refused_tries += p.headers.at("logplex-frame-id") == refused_id ? 1 : 0;
  }
  EXPECT_EQ(refused_tries, 1);

  // Every POST fails for a while, and a dyno prints 3000 lines: they cannot all wait.
  receiver.answer({}, 500);
  const auto before = std::chrono::steady_clock::now();
  EXPECT_EQ(get("/print/3000"), 200);
  for (int i = 0; i < 10; ++i) {
    EXPECT_EQ(get("/while-failing"), 200);
  }
  EXPECT_LT(std::chrono::steady_clock::now() - before, 5s) << "the router waited for the drain";
  ASSERT_TRUE(up->wait_for("line 3000 of 3000"));
  std::this_thread::sleep_for(1500ms);
  // A receiver that hangs: the POST times out and is tried again.
  receiver.hang(true);
  std::this_thread::sleep_for(1500ms);
  receiver.hang(false);
  receiver.answer({}, 200);
  EXPECT_EQ(get("/after-the-storm"), 200);
  ASSERT_TRUE(receiver.wait_for("/after-the-storm", 30s));
  std::size_t reported = 0;
  std::set<std::string> printed;
  for (const auto& msg : receiver.messages()) {
    std::smatch m;
    if (std::regex_search(
            msg, m,
            std::regex(
                R"(^<172>1 \S+ host heroku logplex - Error L10 \(output buffer overflow\): (\d+) messages dropped since \d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+00:00\.\n$)"))) {
      reported += std::stoul(m[1].str());
    }
    if (std::regex_search(msg, m, std::regex(R"(app web\.1 - (line \d+ of 3000))"))) {
      printed.insert(m[1].str());
    }
  }
  EXPECT_GT(reported, 0u) << "no L10";
  EXPECT_GE(printed.size() + reported, 3000u) << "lines neither delivered nor reported as lost";
  EXPECT_LT(printed.size(), 3000u);
}

// §2.2, §2.4: a syslog+tls drain gets octet-counted RFC 5424 messages named by its token;
// a receiver whose certificate lokku cannot verify gets nothing, and the app's log says L14.
TEST_F(Drains, SyslogTlsDrainGetsOctetCountedMessagesAndAnUntrustedOneIsL14) {
  DrainReceiver trusted(DrainReceiver::Protocol::syslog, receiver_cert.cert, receiver_cert.key);
  const std::string token = add_drain(fmt::format("syslog+tls://127.0.0.1:{}/", trusted.port()));
  ASSERT_FALSE(token.empty());
  ASSERT_TRUE(wait_until(
      [&] {
        get("/over-syslog");
        return trusted.wait_for("/over-syslog", 200ms);
      },
      20s, "the syslog drain to deliver"));
  for (const auto& msg : trusted.messages()) {
    EXPECT_TRUE(std::regex_search(
        msg, std::regex("^<\\d+>1 \\S+ " + token + R"( (app|heroku) \S+ - - .*\n$)")))
        << msg;
  }

  // A certificate of its own, which nothing trusts.
  const fs::path dir = h.root() / "untrusted";
  fs::create_directories(dir);
  ASSERT_EQ(sh("openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=127.0.0.1 "
               "-addext subjectAltName=IP:127.0.0.1 -keyout key.pem -out cert.pem 2>/dev/null",
               dir),
            0);
  DrainReceiver untrusted(DrainReceiver::Protocol::syslog, dir / "cert.pem", dir / "key.pem");
  const std::string url = fmt::format("syslog+tls://127.0.0.1:{}/", untrusted.port());
  add_drain(url);
  EXPECT_TRUE(wait_until(
      [&] {
        get("/for-the-untrusted");
        return app_log().find(
                   "heroku[logplex]: Error L14 (certificate validation): "
                   "error=\"bad certificate\" uri=\"" +
                   url + "\"") != std::string::npos;
      },
      20s, "L14 in the app's log"));
  EXPECT_TRUE(untrusted.messages().empty());
}

}  // namespace
}  // namespace lokku::test
