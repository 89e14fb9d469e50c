// The Platform API against a live `lokku up` (platform-api.md; issue: auth, streams, bad
// input, pagination, concurrency) and the official Heroku CLI end to end.
#include "support/platform.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <csignal>
#include <cstdlib>
#include <fstream>
#include <functional>
#include <mutex>
#include <regex>
#include <sstream>
#include <sys/stat.h>
#include <thread>

namespace lokku::test {
namespace {

namespace fs = std::filesystem;

class Api : public ::testing::Test {
 protected:
  void SetUp() override {
    dir = h.root() / "web";
    auto r = h.deploy("web");
    ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
    router = free_port();
    up = h.up(router);
    ASSERT_TRUE(up->wait_for_diagnostic("Platform API on http://127.0.0.1:"));
    port = h.api_port();
    token = h.token();
    ASSERT_NE(port, 0u);
  }
  std::optional<Response> call(const std::string& method, const std::string& path,
                               const std::string& body = "", const std::string& extra = "") {
    return api_request(port, method, path, token, body, extra);
  }

  LokkuHome h;
  fs::path dir;
  unsigned router = 0, port = 0;
  std::string token;
  std::unique_ptr<LokkuProcess> up;
};

TEST_F(Api, AuthNeedsTheTokenFromTheHomeAndListensOnLoopbackOnly) {
  struct stat st {};
  ASSERT_EQ(::stat((h.home() / "api-token").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  EXPECT_EQ(token.size(), 64u);
  auto none = api_request(port, "GET", "/account", "");
  ASSERT_TRUE(none);
  EXPECT_EQ(none->status, 401);
  EXPECT_EQ(none->body, R"({"id":"unauthorized","message":"Invalid credentials provided."})");
  auto wrong = api_request(port, "GET", "/apps", std::string(64, 'a'));
  ASSERT_TRUE(wrong);
  EXPECT_EQ(wrong->status, 401);
  auto ok = call("GET", "/account");
  ASSERT_TRUE(ok);
  EXPECT_EQ(ok->status, 200);
  EXPECT_NE(ok->body.find("@lokku.local"), std::string::npos);
  // The API's socket: 127.0.0.1 only (/proc/net/tcp, state 0A = LISTEN).
  std::ifstream tcp("/proc/net/tcp");
  std::string line;
  char want[16];
  std::snprintf(want, sizeof want, ":%04X ", port);
  bool found = false;
  while (std::getline(tcp, line)) {
    if (line.find(want) != std::string::npos && line.find(" 0A ") != std::string::npos) {
      found = true;
      EXPECT_NE(line.find("0100007F" + std::string(want)), std::string::npos) << line;
    }
  }
  EXPECT_TRUE(found);
  auto accept = api_request(port, "GET", "/account", token, "", "", "application/json");
  ASSERT_TRUE(accept);
  EXPECT_EQ(accept->status, 406);
}

TEST_F(Api, BadInputGetsHerokuStyleErrorsAndNeverACrash) {
  auto expect_error = [&](const std::optional<Response>& r, int status, const std::string& id) {
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, status) << r->body;
    EXPECT_NE(r->body.find("\"id\":\"" + id + "\""), std::string::npos) << r->body;
    EXPECT_NE(r->body.find("\"message\":"), std::string::npos) << r->body;
  };
  expect_error(call("PATCH", "/apps/web/config-vars", "{not json"), 400, "bad_request");
  expect_error(call("PATCH", "/apps/web/config-vars", R"({"A": 1})"), 422, "invalid_params");
  expect_error(call("PATCH", "/apps/web/config-vars", R"({"BAD-NAME": "x"})"), 422,
               "invalid_params");
  expect_error(call("PATCH", "/apps/web/config-vars", "[1,2]"), 422, "invalid_params");
  expect_error(call("GET", "/apps/nosuch"), 404, "not_found");
  expect_error(call("GET", "/apps/nosuch/config-vars"), 404, "not_found");
  expect_error(call("GET", "/apps/web/dynos/web.9"), 404, "not_found");
  expect_error(
      call("PATCH", "/apps/web/formation", R"({"updates":[{"type":"clock","quantity":1}]})"), 404,
      "not_found");
  expect_error(call("PATCH", "/apps/web/formation",
                    R"({"updates":[{"type":"web","quantity":1,"size":"Gigantic"}]})"),
               422, "invalid_params");
  expect_error(
      call("PATCH", "/apps/web/formation", R"({"updates":[{"type":"web","quantity":"x"}]})"), 422,
      "invalid_params");
  expect_error(call("PATCH", "/apps/web/formation", R"({"updates":"web=2"})"), 422,
               "invalid_params");
  expect_error(call("POST", "/apps", R"({"name":"Bad Name"})"), 422, "invalid_params");
  expect_error(call("POST", "/apps", R"({"name":"web"})"), 422, "invalid_params");
  expect_error(call("POST", "/apps/web/releases", R"({"release":"v99"})"), 404, "not_found");
  expect_error(call("GET", "/nowhere"), 404, "not_found");
  expect_error(
      call("PATCH", "/apps/web/config-vars", "{\"A\":\"" + std::string(2 << 20, 'x') + "\"}"), 413,
      "request_entity_too_large");
  // Still serving, and nothing changed.
  auto cfg = call("GET", "/apps/web/config-vars");
  ASSERT_TRUE(cfg);
  EXPECT_EQ(cfg->status, 200);
  EXPECT_EQ(cfg->body, "{}");
  EXPECT_EQ(h.run({"releases", "-a", "web"}).out.find("v4"), std::string::npos);
}

TEST_F(Api, LogStreamsCarryASingleUseCapabilityAndNeedNoToken) {
  auto session = call("POST", "/apps/web/log-sessions", R"({"lines": 3, "source": "heroku"})");
  ASSERT_TRUE(session);
  ASSERT_EQ(session->status, 201) << session->body;
  std::smatch m;
  ASSERT_TRUE(std::regex_search(
      session->body, m,
      std::regex(R"re("logplex_url":"http://127\.0\.0\.1:\d+(/streams/[0-9a-f]{48})")re")))
      << session->body;
  std::string path = m[1];
  auto stream = api_request(port, "GET", path, "", "", "", "text/event-stream");
  ASSERT_TRUE(stream);
  EXPECT_EQ(stream->status, 200);
  EXPECT_EQ(stream->header("content-type"), "text/event-stream");
  auto events = std::count(stream->body.begin(), stream->body.end(), '\n') / 2;
  EXPECT_EQ(events, 3) << stream->body;
  EXPECT_TRUE(std::regex_search(stream->body, std::regex(R"(^data: \S+ heroku\[)")))
      << stream->body;
  EXPECT_EQ(stream->body.find("app[api]"), std::string::npos);  // source=heroku only
  auto again = api_request(port, "GET", path, "", "", "", "text/event-stream");
  ASSERT_TRUE(again);
  EXPECT_EQ(again->status, 404);
  auto guessed = api_request(port, "GET", "/streams/" + std::string(48, '0'), "");
  ASSERT_TRUE(guessed);
  EXPECT_EQ(guessed->status, 404);
}

TEST_F(Api, RangePaginationFollowsNextRangeAndStopsOnTheLastPage) {
  for (const char* n : {"alpha", "bravo", "charlie"}) {
    ASSERT_EQ(call("POST", "/apps", std::string(R"({"name":")") + n + "\"}")->status, 201);
  }
  auto first = call("GET", "/apps", "", "Range: name ..; max=2\r\n");
  ASSERT_TRUE(first);
  EXPECT_EQ(first->status, 206);
  EXPECT_NE(first->body.find("\"alpha\""), std::string::npos);
  EXPECT_NE(first->body.find("\"bravo\""), std::string::npos);
  auto next = first->header("next-range");
  EXPECT_EQ(next, "name ]bravo..; max=2, order=asc");
  auto second = call("GET", "/apps", "", "Range: " + next + "\r\n");
  ASSERT_TRUE(second);
  EXPECT_EQ(second->status, 200);
  EXPECT_FALSE(second->has("next-range"));
  EXPECT_NE(second->body.find("\"charlie\""), std::string::npos);
  EXPECT_NE(second->body.find("\"web\""), std::string::npos);
  EXPECT_EQ(second->body.find("\"alpha\""), std::string::npos);
  // The CLI's releases form.
  auto rel = call("GET", "/apps/web/releases", "", "Range: version ..; max=2, order=desc\r\n");
  ASSERT_TRUE(rel);
  EXPECT_TRUE(
      std::regex_search(rel->body, std::regex(R"(^\[\{"id":"[^"]+","version":3,.*"version":2,)")))
      << rel->body;
}

TEST_F(Api, ParallelClientsLeaveTheStoreConsistent) {
  constexpr int kClients = 8;
  std::vector<std::thread> clients;
  std::vector<int> status(kClients);
  for (int i = 0; i < kClients; ++i) {
    clients.emplace_back([&, i] {
      auto r = call("PATCH", "/apps/web/config-vars",
                    "{\"K" + std::to_string(i) + "\":\"" + std::to_string(i) + "\"}");
      status[i] = r ? r->status : -1;
    });
  }
  for (auto& t : clients) {
    t.join();
  }
  for (int i = 0; i < kClients; ++i) {
    EXPECT_EQ(status[i], 200) << i;
  }
  auto cfg = call("GET", "/apps/web/config-vars");
  for (int i = 0; i < kClients; ++i) {
    EXPECT_NE(cfg->body.find("\"K" + std::to_string(i) + "\":\"" + std::to_string(i) + "\""),
              std::string::npos)
        << cfg->body;
  }
  auto rel = call("GET", "/apps/web/releases", "", "Range: version ..; max=1, order=desc\r\n");
  EXPECT_NE(rel->body.find("\"version\":" + std::to_string(3 + kClients)), std::string::npos)
      << rel->body;
}

TEST_F(Api, STOP4And5NoRequestIsDroppedWhileScalingAndRestarting) {
  // Clients keep requesting (each on its own connection, some slow) while the formation
  // grows, shrinks around web.1 (which stays), and restarts: every request is answered 200.
  // Dynos leave the router before their SIGTERM, and a request a departing dyno closed
  // unanswered is sent again.
  ASSERT_TRUE(up->wait_for(R"(heroku\[web\.1\]: State changed from starting to up$)"));
  std::atomic<bool> done{false};
  std::atomic<int> ok{0}, bad{0};
  std::vector<std::string> failures;
  std::mutex mu;
  std::vector<std::thread> clients;
  for (int c = 0; c < 4; ++c) {
    clients.emplace_back([&, c] {
      while (!done) {
        auto r = get_by_host(router, "web.localhost", c % 2 ? "/slow" : "/");
        if (r && r->status == 200) {
          ++ok;
        } else {
          ++bad;
          std::lock_guard lock(mu);
          failures.push_back(r ? std::to_string(r->status) + " " + r->body : "no response");
        }
      }
    });
  }
  auto patch = [&](const std::string& body) {
    auto r = call("PATCH", "/apps/web/formation", body);
    ASSERT_TRUE(r);
    ASSERT_EQ(r->status, 200) << r->body;
  };
  std::this_thread::sleep_for(500ms);
  patch(R"({"updates":[{"type":"web","quantity":3}]})");
  ASSERT_TRUE(up->wait_for(R"(heroku\[web\.3\]: State changed from starting to up$)"));
  std::this_thread::sleep_for(1s);
  patch(R"({"updates":[{"type":"web","quantity":"-2"}]})");  // STOP-5: web.3 and web.2 go
  ASSERT_TRUE(up->wait_for(R"(heroku\[web\.3\]: State changed from up to down$)"));
  ASSERT_TRUE(up->wait_for(R"(heroku\[web\.2\]: State changed from up to down$)"));
  std::this_thread::sleep_for(1s);
  EXPECT_EQ(up->count(R"(heroku\[web\.1\]: State changed from up to)"), 0u);  // web.1 stayed
  ASSERT_EQ(call("DELETE", "/apps/web/dynos")->status, 202);                  // restart all
  ASSERT_TRUE(up->wait_for(R"(heroku\[web\.1\]: Restarting$)"));
  ASSERT_TRUE(up->wait_for_count(R"(heroku\[web\.1\]: State changed from starting to up$)", 2));
  std::this_thread::sleep_for(1s);
  done = true;
  for (auto& t : clients) {
    t.join();
  }
  EXPECT_GT(ok.load(), 20);
  EXPECT_EQ(bad.load(), 0) << (failures.empty() ? "" : failures.front());
  for (const auto& l : up->matching(R"(code=H)")) {
    ADD_FAILURE() << l;
  }
}

TEST_F(Api, BuildsFromADirectoryOrTarballStreamTheirOutputAndRelease) {
  h.write("web/server.py.extra", "");
  ASSERT_EQ(call("PATCH", "/apps/web/config-vars", R"({"GREETING":"built by the api"})")->status,
            200);  // v4
  auto created = call("POST", "/apps/web/builds",
                      R"({"source_blob":{"url":"file://)" + dir.string() + R"("}})");
  ASSERT_TRUE(created);
  ASSERT_EQ(created->status, 201) << created->body;
  EXPECT_NE(created->body.find("\"status\":\"pending\""), std::string::npos) << created->body;
  std::smatch m;
  ASSERT_TRUE(std::regex_search(
      created->body, m,
      std::regex(R"re("output_stream_url":"http://127\.0\.0\.1:\d+(/streams/[0-9a-f]{48})")re")));
  auto out = api_request(port, "GET", m[1], "", "", "", "text/plain");
  ASSERT_TRUE(out);
  EXPECT_EQ(out->status, 200);
  EXPECT_NE(out->body.find("-----> Python app detected\n"), std::string::npos) << out->body;
  EXPECT_NE(out->body.find("-----> Compressing...\n"), std::string::npos) << out->body;
  ASSERT_TRUE(std::regex_search(created->body, m, std::regex(R"re("id":"([0-9a-f-]{36})")re")));
  std::string id = m[1];
  EXPECT_TRUE(wait_until(
      [&] {
        auto b = call("GET", "/apps/web/builds/" + id);
        return b && b->body.find("\"status\":\"succeeded\"") != std::string::npos;
      },
      30s, "the build to succeed"));
  EXPECT_TRUE(wait_until(
      [&] {
        auto rel = call("GET", "/apps/web/releases/5");
        return rel && rel->status == 200 &&
               rel->body.find("\"description\":\"Deploy ") != std::string::npos;
      },
      30s, "the build's release v5"));
  // A tarball works too; a build that fails is recorded as failed.
  ASSERT_EQ(sh("tar czf ../src.tgz .", dir), 0);
  auto tgz = call("POST", "/apps/web/builds",
                  R"({"source_blob":{"url":")" + (h.root() / "src.tgz").string() +
                      R"("},"buildpacks":[{"url":")" + fixture_buildpack("failing") + R"("}]})");
  ASSERT_EQ(tgz->status, 201) << tgz->body;
  ASSERT_TRUE(std::regex_search(tgz->body, m, std::regex(R"re("id":"([0-9a-f-]{36})")re")));
  std::string failed_id = m[1];
  EXPECT_TRUE(wait_until(
      [&] {
        auto b = call("GET", "/apps/web/builds/" + failed_id);
        return b && b->body.find("\"status\":\"failed\"") != std::string::npos;
      },
      30s, "the failing build to be recorded"));
  auto bad =
      call("POST", "/apps/web/builds", R"({"source_blob":{"url":"https://example.com/x.tgz"}})");
  EXPECT_EQ(bad->status, 422);
}

TEST_F(Api, RUN4DetachedOneOffDynosThroughTheApi) {
  auto made = call("POST", "/apps/web/dynos",
                   R"({"command":"echo one-off says $GREETING; sleep 2","env":{"GREETING":"hi"}})");
  ASSERT_TRUE(made);
  ASSERT_EQ(made->status, 201) << made->body;
  std::smatch m;
  ASSERT_TRUE(std::regex_search(made->body, m, std::regex(R"re("name":"(run\.\d{4})")re")))
      << made->body;
  std::string name = m[1];
  EXPECT_TRUE(up->wait_for(R"(app\[)" + std::string(name).replace(3, 1, "\\.") +
                           R"(\]: one-off says hi$)"));
  // The platform's observed state follows within moments (it is written 50 ms after a change).
  EXPECT_TRUE(wait_until(
      [&] {
        return call("GET", "/apps/web/dynos")->body.find("\"name\":\"" + name + "\"") !=
               std::string::npos;
      },
      5s, "the one-off in the dyno list"));
  EXPECT_TRUE(up->wait_for(R"(heroku\[run\.\d{4}\]: State changed from up to complete$)"));
  EXPECT_TRUE(wait_until(
      [&] { return call("GET", "/apps/web/dynos")->body.find(name) == std::string::npos; }, 10s,
      "the finished one-off to leave the list"));
  EXPECT_NE(made->body.find(R"("attach_url":null)"), std::string::npos) << made->body;
  auto bad_env = call("POST", "/apps/web/dynos", R"({"command":"bash","env":{"A":[1]}})");
  EXPECT_EQ(bad_env->status, 422);
  auto bad_tty = call("POST", "/apps/web/dynos", R"({"command":"bash","force_no_tty":"yes"})");
  EXPECT_EQ(bad_tty->status, 422);
}

TEST_F(Api, HOST1CustomDomainsRouteToTheirApp) {
  auto before = get_by_host(router, "www.example.test");
  ASSERT_TRUE(before);
  EXPECT_EQ(before->status, 404);  // ERR-3
  auto add = call("POST", "/apps/web/domains", R"({"hostname":"WWW.Example.test"})");
  ASSERT_TRUE(add);
  EXPECT_EQ(add->status, 201) << add->body;
  EXPECT_TRUE(wait_until(
      [&] {
        auto r = get_by_host(router, "www.example.test:80");
        return r && r->body == "hello from web.1";
      },
      10s, "the custom domain to route"));
  auto list = call("GET", "/apps/web/domains");
  EXPECT_NE(list->body.find("\"hostname\":\"www.example.test\""), std::string::npos) << list->body;
  EXPECT_EQ(call("POST", "/apps/web/domains", R"({"hostname":"www.example.test"})")->status, 422);
  EXPECT_EQ(call("DELETE", "/apps/web/domains/www.example.test")->status, 200);
  EXPECT_TRUE(wait_until(
      [&] {
        auto r = get_by_host(router, "www.example.test");
        return r && r->status == 404;
      },
      10s, "the domain to go"));
}

TEST(ApiRestart, STOPARestartResetsTheCrashBackoff) {
  LokkuHome h;
  auto dir = h.root() / "crashy";
  fs::copy(fs::path(LOKKU_TEST_FIXTURES_DIR) / "apps" / "pyweb", dir, fs::copy_options::recursive);
  h.write("crashy/Procfile", "web: python3 -u server.py\ncrasher: echo crashing; exit 1\n");
  ASSERT_EQ(h.run({"deploy", "-a", "crashy"}, dir).exit_code, 0);
  auto up = h.up(free_port());
  ASSERT_TRUE(up->wait_for_diagnostic("Platform API on"));
  auto api = [&](const std::string& method, const std::string& path, const std::string& body = "") {
    return api_request(h.api_port(), method, path, h.token(), body);
  };
  ASSERT_EQ(
      api("PATCH", "/apps/crashy/formation", R"({"updates":[{"type":"crasher","quantity":1}]})")
          ->status,
      200);
  // CRASH-2/3: the first crash restarts at once, the second waits out a 20-minute cool-off.
  ASSERT_TRUE(up->wait_for_count(R"(heroku\[crasher\.1\]: State changed from up to crashed$)", 2));
  std::this_thread::sleep_for(1s);
  EXPECT_EQ(up->count(R"(heroku\[crasher\.1\]: Starting process with command)"), 2u);
  // A restart (here of the type, as `heroku ps:restart crasher`) starts it now, with a fresh
  // back-off: its next crash restarts at once again.
  ASSERT_EQ(api("DELETE", "/apps/crashy/dynos/crasher")->status, 202);
  EXPECT_TRUE(up->wait_for_count(R"(heroku\[crasher\.1\]: Starting process with command)", 4, 10s));
}

TEST(ApiStreams, ACapabilityExpiresUnused) {
  LokkuHome h;
  ASSERT_EQ(h.run({"apps:create", "quiet"}).exit_code, 0);
  // --time-scale 60: the 5-minute life of a stream URL is 5 s.
  auto up = h.up(free_port(), {"--time-scale", "60"});
  ASSERT_TRUE(up->wait_for_diagnostic("Platform API on"));
  auto session = api_request(h.api_port(), "POST", "/apps/quiet/log-sessions", h.token(), "{}");
  ASSERT_TRUE(session);
  std::smatch m;
  ASSERT_TRUE(std::regex_search(session->body, m, std::regex(R"re((/streams/[0-9a-f]{48}))re")));
  std::this_thread::sleep_for(6s);
  auto late = api_request(h.api_port(), "GET", m[1], "");
  ASSERT_TRUE(late);
  EXPECT_EQ(late->status, 404);
}

TEST(ApiDetach, UpDetachRunsInTheBackgroundAndDownStopsIt) {
  LokkuHome h;
  ASSERT_EQ(h.deploy("bg").exit_code, 0);
  unsigned router = free_port();
  auto started = h.run({"up", "--detach", "-p", std::to_string(router), "--api-port", "0"});
  ASSERT_EQ(started.exit_code, 0) << started.out << started.err;
  EXPECT_TRUE(std::regex_search(
      started.out, std::regex(R"(lokku platform started in the background \(pid \d+\))")))
      << started.out;
  EXPECT_TRUE(wait_until(
      [&] {
        auto r = get_by_host(router, "bg.localhost");
        return r && r->body == "hello from web.1";
      },
      20s, "the detached platform to serve"));
  auto second = h.run({"up", "--detach", "-p", std::to_string(free_port()), "--api-port", "0"});
  EXPECT_EQ(second.exit_code, 1);
  EXPECT_NE(second.err.find("another lokku platform is running"), std::string::npos) << second.err;
  auto down = h.run({"down"}, {}, 60s);
  EXPECT_EQ(down.exit_code, 0) << down.err;
  EXPECT_NE(down.out.find("Stopped the lokku platform"), std::string::npos);
  EXPECT_FALSE(get_by_host(router, "bg.localhost"));
  EXPECT_FALSE(fs::exists(h.home() / "platform.json"));
  std::ifstream log(h.home() / "platform.log");
  std::stringstream ss;
  ss << log.rdbuf();
  EXPECT_NE(ss.str().find("heroku[web.1]: Stopping all processes with SIGTERM"), std::string::npos);
  EXPECT_NE(ss.str().find("app[web.1]: stopped after finishing requests in flight"),
            std::string::npos);
  auto again = h.run({"down"});
  EXPECT_EQ(again.exit_code, 0);
  EXPECT_NE(again.err.find("No lokku platform is running"), std::string::npos);
}

/// The official Heroku CLI (npm `heroku`, installed by scripts/install-deps), trusting the
/// lokku home's CA (tls/ca.crt, which signs the certificate of `heroku run`'s rendezvous).
struct Cli {
  unsigned port;
  std::string token;
  fs::path home;
  struct Result {
    int code;
    std::string out;
  };
  /// The pinned CLI, or scripts/cli-drift's stand-in ($LOKKU_TEST_HEROKU_DIR/heroku).
  static std::string program() {
    const char* other = std::getenv("LOKKU_TEST_HEROKU_DIR");
    return other && *other ? (fs::path(other) / "heroku").string() : LOKKU_HEROKU_CLI;
  }
  std::string command(const std::string& args, const std::string& input = "/dev/null") const {
    return "HEROKU_HOST=http://127.0.0.1:" + std::to_string(port) + " HEROKU_API_KEY=" + token +
           " HEROKU_PARTICLEBOARD_URL=http://127.0.0.1:" + std::to_string(port) +
           " NODE_EXTRA_CA_CERTS=" + (home / "tls/ca.crt").string() +
           " DISABLE_TELEMETRY=true HEROKU_SKIP_NEW_VERSION_CHECK=true"
           " HOME=" +
           fs::temp_directory_path().string() + " timeout 120 " + program() + " " + args + " <" +
           input + " 2>&1";
  }
  /// `input`: a file for the CLI's stdin.
  Result run(const std::string& args, const std::string& input = "/dev/null") const {
    FILE* p = ::popen(command(args, input).c_str(), "r");
    Result r{-1, ""};
    char buf[4096];
    while (std::fgets(buf, sizeof buf, p)) {
      std::string line = buf;
      if (line.find(" ›   ") == std::string::npos) {  // the CLI's own warnings (TOS, certs)
        r.out += line;
      }
    }
    int st = ::pclose(p);
    r.code = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
    return r;
  }
  /// Runs the CLI in the background, does `meanwhile`, reads its output until a line shows
  /// `marker`, then kills it (`pkill -f kill_pattern`: a pattern of the CLI's node process
  /// only). Whether the marker was seen. The CLI prints the command in its status line, so
  /// a marker the command echoes is spelt there with quotes inside (`echo re""ady`).
  bool run_until(const std::string& args, const std::string& marker,
                 const std::string& kill_pattern,
                 const std::function<void()>& meanwhile = {}) const {
    FILE* p = ::popen(command(args).c_str(), "r");
    if (meanwhile) {
      meanwhile();
    }
    char buf[4096];
    bool seen = false;
    while (!seen && std::fgets(buf, sizeof buf, p)) {
      seen = std::string(buf).find(marker) != std::string::npos;
    }
    std::system(("pkill -f '" + kill_pattern + "' >/dev/null 2>&1").c_str());
    ::pclose(p);
    return seen;
  }
};

TEST_F(Api, TheOfficialHerokuCliDrivesLokku) {
  Cli cli{port, token, h.home()};
  auto apps = cli.run("apps");
  EXPECT_EQ(apps.code, 0) << apps.out;
  EXPECT_TRUE(std::regex_search(apps.out, std::regex(R"(=== \S+@lokku\.local Apps)"))) << apps.out;
  EXPECT_NE(apps.out.find("web (local)"), std::string::npos) << apps.out;

  auto create = cli.run("apps:create made-by-cli --no-remote");
  EXPECT_EQ(create.code, 0) << create.out;
  EXPECT_NE(create.out.find("Creating made-by-cli... done"), std::string::npos) << create.out;
  EXPECT_TRUE(fs::exists(h.home() / "apps/made-by-cli/app.yaml"));

  auto info = cli.run("apps:info -a web");
  EXPECT_EQ(info.code, 0) << info.out;
  EXPECT_NE(info.out.find("Web URL:        http://web.localhost:" + std::to_string(router) + "/"),
            std::string::npos)
      << info.out;
  EXPECT_NE(info.out.find("Dynos:          web: 1"), std::string::npos) << info.out;

  auto set = cli.run("config:set GREETING=from-the-cli -a web");
  EXPECT_EQ(set.code, 0) << set.out;
  EXPECT_NE(set.out.find("Setting GREETING and restarting web... done, v4"), std::string::npos)
      << set.out;
  EXPECT_TRUE(wait_until(
      [&] {
        auto r = get_by_host(router, "web.localhost");
        return r && r->body == "from-the-cli from web.1";
      },
      20s, "the new config to be served"));
  auto config = cli.run("config -a web");
  EXPECT_NE(config.out.find("GREETING: from-the-cli"), std::string::npos) << config.out;

  auto scale = cli.run("ps:scale web=2 worker=1 -a web");
  EXPECT_EQ(scale.code, 0) << scale.out;
  EXPECT_NE(scale.out.find("Scaling dynos... done, now running web at 2:Standard-1X, worker at "
                           "1:Standard-1X"),
            std::string::npos)
      << scale.out;
  ASSERT_TRUE(up->wait_for(R"(web \| .* heroku\[web\.2\]: State changed from starting to up$)"));
  ASSERT_TRUE(up->wait_for(R"(web \| .* heroku\[worker\.1\]: State changed from starting to up$)"));
  auto ps = cli.run("ps -a web");
  EXPECT_EQ(ps.code, 0) << ps.out;
  EXPECT_TRUE(std::regex_search(
      ps.out, std::regex(R"(=== web \(Standard-1X\): python3 -u server\.py \(2\))")))
      << ps.out;
  EXPECT_TRUE(std::regex_search(ps.out, std::regex(R"(web\.2: up \d{4}/\d\d/\d\d)"))) << ps.out;

  auto restart = cli.run("ps:restart -a web");
  EXPECT_EQ(restart.code, 0) << restart.out;
  EXPECT_NE(restart.out.find("Restarting all dynos on web... done"), std::string::npos);
  EXPECT_TRUE(up->wait_for(R"(web \| .* heroku\[web\.1\]: Restarting$)"));
  EXPECT_TRUE(up->wait_for(R"(web \| .* heroku\[worker\.1\]: Restarting$)"));

  auto stop = cli.run("ps:stop web.2 -a web");
  EXPECT_EQ(stop.code, 0) << stop.out;
  EXPECT_TRUE(up->wait_for(R"(web \| .* heroku\[web\.2\]: State changed from up to down$)"));

  auto releases = cli.run("releases -a web");
  EXPECT_EQ(releases.code, 0) << releases.out;
  EXPECT_NE(releases.out.find("=== web Releases - Current: v4"), std::string::npos) << releases.out;
  EXPECT_TRUE(std::regex_search(releases.out, std::regex(R"(v4 +Set GREETING config vars)")))
      << releases.out;

  auto rollback = cli.run("releases:rollback v3 -a web");
  EXPECT_EQ(rollback.code, 0) << rollback.out;
  EXPECT_NE(rollback.out.find("Rolling back web to v3... done, v5"), std::string::npos)
      << rollback.out;
  EXPECT_TRUE(wait_until(
      [&] {
        auto r = get_by_host(router, "web.localhost");
        return r && r->body == "hello from web.1";
      },
      20s, "the rollback to be served"));

  auto unset = cli.run("config:unset GREETING -a web");
  EXPECT_EQ(unset.code, 0) << unset.out;
  EXPECT_NE(unset.out.find("Unsetting GREETING and restarting web... done, v6"), std::string::npos)
      << unset.out;

  auto on = cli.run("maintenance:on -a web");
  EXPECT_EQ(on.code, 0) << on.out;
  EXPECT_TRUE(wait_until(
      [&] {
        auto r = get_by_host(router, "web.localhost");
        return r && r->status == 503;
      },
      10s, "H80"));
  EXPECT_TRUE(
      up->wait_for(R"(web \| .* heroku\[router\]: at=info code=H80 desc="Maintenance mode")"));
  auto off = cli.run("maintenance:off -a web");
  EXPECT_EQ(off.code, 0) << off.out;
  EXPECT_TRUE(wait_until(
      [&] {
        auto r = get_by_host(router, "web.localhost");
        return r && r->status == 200;
      },
      10s, "maintenance off"));

  auto logs = cli.run("logs -n 5 -a web --source app");
  EXPECT_EQ(logs.code, 0) << logs.out;
  EXPECT_TRUE(std::regex_search(logs.out, std::regex(R"(app\[(api|web\.\d|worker\.\d)\]: )")))
      << logs.out;
  EXPECT_EQ(logs.out.find("heroku[router]"), std::string::npos) << logs.out;

  // logs --tail keeps streaming: a request made now shows up.
  EXPECT_TRUE(cli.run_until("logs --tail -a web --source heroku", "path=\"/tail-marker\"",
                            "logs --tail -a web", [&] {
                              std::this_thread::sleep_for(4s);
                              get_by_host(router, "web.localhost", "/tail-marker");
                            }));
}

/// The CLI's output with the "Running ... on web... up" status lines removed.
std::string command_output(const std::string& out) {
  std::string kept;
  std::istringstream in(out);
  for (std::string line; std::getline(in, line);) {
    if (line.find("Running ") == std::string::npos) {
      kept += line + "\n";
    }
  }
  return kept;
}

TEST_F(Api, HerokuRunAttachesTheCommandToTheCliThroughTheRendezvous) {
  Cli cli{port, token, h.home()};
  // RUN-1: a terminal (Heroku's default), the dyno's name and config, and with -x the
  // command's exit code passed through.
  auto run = cli.run(
      R"(run -x -a web -e GREETING=from-env -- 'echo "dyno=$DYNO greeting=$GREETING"; tty; bash -c "exit 3"')");
  EXPECT_EQ(run.code, 3) << run.out;
  EXPECT_TRUE(std::regex_search(
      run.out, std::regex(R"(^dyno=run\.\d{4} greeting=from-env$)", std::regex::multiline)))
      << run.out;
  EXPECT_TRUE(std::regex_search(run.out, std::regex(R"(^/dev/pts/\d+$)", std::regex::multiline)))
      << run.out;
  EXPECT_TRUE(std::regex_search(run.out, std::regex(R"(up, run\.\d{4})"))) << run.out;
  // RUN-2: the log has its start and end, never its output.
  std::smatch m;
  ASSERT_TRUE(std::regex_search(run.out, m, std::regex(R"(dyno=(run\.\d{4}))")));
  const std::string dyno = m[1].str();
  const std::string src = R"(heroku\[)" + dyno.substr(0, 3) + R"(\.)" + dyno.substr(4) + R"(\]: )";
  EXPECT_TRUE(up->wait_for(R"(app\[api\]: Starting process with command `echo "dyno=)"));
  EXPECT_TRUE(up->wait_for(src + "State changed from starting to up$"));
  EXPECT_TRUE(up->wait_for(src + "Awaiting client$"));
  EXPECT_TRUE(up->wait_for(src + "Process exited with status 0$"));  // the CLI's status echo
  EXPECT_TRUE(up->wait_for(src + "State changed from up to complete$"));
  EXPECT_EQ(up->count(R"(app\[run\.)"), 0u);

  // --no-tty: plain bytes; the CLI's piped stdin reaches the command, and its end is EOF.
  auto input = h.root() / "input.txt";
  std::ofstream(input) << "typed line\n";
  auto cat = cli.run("run --no-tty -a web -- 'cat; echo done'", input.string());
  EXPECT_EQ(cat.code, 0) << cat.out;
  EXPECT_EQ(command_output(cat.out), "typed line\ndone\n") << cat.out;

  // RUN-3: a client that goes away hangs the command up (SIGHUP: 129).
  // The CLI's node process only (not the dyno, whose command line has the same words).
  EXPECT_TRUE(cli.run_until(
      "run -a web -- 'echo sta\"\"rted; sleep 101'", "started", "run -a web -- echo sta", [&] {
        std::this_thread::sleep_for(1s);
        auto ps = cli.run("ps -a web");
        EXPECT_TRUE(
            std::regex_search(ps.out, std::regex(R"(run\.\d{4} \(Standard-1X\): up .*sleep 101)")))
            << ps.out;
      }));
  EXPECT_TRUE(up->wait_for(R"(heroku\[run\.\d{4}\]: Process exited with status 129$)"));
}

/// The rendezvous protocol itself, with Python's TLS client verifying lokku's certificate.
std::string rendezvous_client(const fs::path& cert, const std::string& url,
                              const std::string& secret_override = "") {
  std::string script = R"PY(
import socket, ssl, sys, urllib.parse
u = urllib.parse.urlparse(sys.argv[2])
secret = sys.argv[3] or u.path[1:]
ctx = ssl.create_default_context(cafile=sys.argv[1])
with socket.create_connection((u.hostname, u.port), timeout=20) as raw:
    with ctx.wrap_socket(raw, server_hostname=u.hostname) as s:
        s.sendall(secret.encode() + b"\r\n")
        out = b""
        try:
            while True:
                chunk = s.recv(65536)
                if not chunk:
                    break
                out += chunk
        except (ssl.SSLError, ConnectionError) as e:
            out += ("<%s>" % type(e).__name__).encode()
        sys.stdout.write(out.decode(errors="replace"))
)PY";
  auto path = cert.parent_path() / "client.py";
  std::ofstream(path) << script;
  std::string cmd = "python3 " + path.string() + " " + cert.string() + " '" + url + "' '" +
                    secret_override + "' 2>&1";
  FILE* p = ::popen(cmd.c_str(), "r");
  std::string out;
  char buf[4096];
  while (std::size_t n = std::fread(buf, 1, sizeof buf, p)) {
    out.append(buf, n);
  }
  ::pclose(p);
  return out;
}

TEST(AttachedRun, RendezvousSecretsAttachTimeoutR13AndIgnoredHangupR16) {
  LokkuHome h;
  ASSERT_EQ(h.deploy("web").exit_code, 0);
  // 60 s to attach and 30 s of SIGHUP grace become 2 s and 1 s.
  auto up = h.up(free_port(), {"--time-scale", "30"});
  ASSERT_TRUE(up->wait_for_diagnostic("Platform API on http://127.0.0.1:"));
  auto port = h.api_port();
  auto token = h.token();
  auto cert = h.home() / "tls/ca.crt";
  struct stat st {};
  ASSERT_EQ(::stat((h.home() / "tls/rendezvous.key").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);

  auto create = [&](const std::string& command) {
    auto r = api_request(port, "POST", "/apps/web/dynos", token,
                         R"({"command":")" + command + R"(","attach":true,"force_no_tty":true})");
    EXPECT_TRUE(r && r->status == 201) << (r ? r->body : "no answer");
    std::smatch m;
    std::string body = r ? r->body : "";
    EXPECT_TRUE(std::regex_search(
        body, m, std::regex(R"re("attach_url":"(rendezvous://127\.0\.0\.1:\d+/[0-9a-f]{64})")re")))
        << body;
    return m.size() > 1 ? m[1].str() : std::string();
  };
  auto url = create("echo from the dyno");
  ASSERT_FALSE(url.empty());
  // A wrong secret gets nothing and leaves the dyno waiting; the right one gets the
  // greeting chunk, then the command's output, then the end.
  EXPECT_EQ(rendezvous_client(cert, url, std::string(64, 'f')), "");
  EXPECT_EQ(rendezvous_client(cert, url), "rendezvous\r\nfrom the dyno\n");
  EXPECT_TRUE(up->wait_for(R"(heroku\[run\.\d{4}\]: Process exited with status 0$)"));
  EXPECT_EQ(rendezvous_client(cert, url), "");  // one use

  // RUN-5 R13: nobody attached in time.
  create("echo never");
  EXPECT_TRUE(up->wait_for(
      R"(heroku\[run\.\d{4}\]: Error R13 \(Attach error\) -> Failed to attach to process$)"));
  EXPECT_TRUE(up->wait_for_count(R"(heroku\[run\.\d{4}\]: State changed from up to complete$)", 2));
  EXPECT_EQ(up->count("echo never"), 2u);  // the api and Starting lines only: it never ran
  EXPECT_EQ(up->count(R"(app\[run\.)"), 0u);

  // RUN-5 R16: a command that ignores SIGHUP after its client left is killed.
  Cli cli{port, token, h.home()};
  EXPECT_TRUE(cli.run_until("run -a web -- 'trap \"\" HUP; echo re\"\"ady; sleep 102'", "ready",
                            "run -a web -- trap"));
  EXPECT_TRUE(up->wait_for(
      R"(heroku\[run\.\d{4}\]: Error R16 \(Detached\) -> An attached process is not responding to SIGHUP after its external connection was closed\.$)"));
  EXPECT_TRUE(up->wait_for(R"(heroku\[run\.\d{4}\]: Process exited with status 137$)"));
}

}  // namespace
}  // namespace lokku::test
