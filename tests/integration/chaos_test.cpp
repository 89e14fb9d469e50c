// Faults on purpose (#25 point 1): `lokku chaos:add KIND` on a running platform, and what each
// kind shows as Heroku would log it: a crash is `Process exited with status 137` and the crash
// back-off (CRASH-2/3), a cycle is CYC-1's `Cycling`, held memory is R14 (MEM-3) and at the
// R15 threshold R15 and a SIGKILL (MEM-4); a stopped add-on server refuses connections, a
// paused one answers nothing; what the router meets (slow, refuse, reset, garbage, drop) is
// the H-code its line shows (router.md §6: H12, H15, H19, H13, H18, H17); each ends when
// cleared or at the end of `--for` on the platform's clock.
#include "support/http_client.hpp"
#include "support/platform.hpp"

#include <boost/json.hpp>
#include <gtest/gtest.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <regex>
#include <sys/socket.h>
#include <unistd.h>

namespace lokku::test {
namespace {

namespace json = boost::json;
using namespace std::chrono_literals;

/// Whether a Redis server on 127.0.0.1:port answers PING (with `password`) within `limit`:
/// 1 it answers, 0 it takes the connection but says nothing, -1 it refuses.
int redis_ping(unsigned port, const std::string& password, std::chrono::milliseconds limit) {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(static_cast<std::uint16_t>(port));
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
    ::close(fd);
    return -1;
  }
  const std::string cmd = "AUTH " + password + "\r\nPING\r\n";
  [[maybe_unused]] auto n = ::write(fd, cmd.data(), cmd.size());
  std::string got;
  const auto deadline = std::chrono::steady_clock::now() + limit;
  while (got.find("+PONG") == std::string::npos && std::chrono::steady_clock::now() < deadline) {
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, 100) > 0) {
      char buf[256];
      auto r = ::read(fd, buf, sizeof buf);
      if (r <= 0) {
        break;
      }
      got.append(buf, static_cast<std::size_t>(r));
    }
  }
  ::close(fd);
  return got.find("+PONG") != std::string::npos ? 1 : 0;
}

class Chaos : public ::testing::Test {
 protected:
  void SetUp() override {
    auto r = h.deploy("web");
    ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
    up = h.up(router, {"--time-scale", "10"});  // memory sampled every 2 s; H12 after 3 s
    ASSERT_TRUE(up->wait_for_diagnostic("Platform API on http://127.0.0.1:"));
    ASSERT_TRUE(up->wait_for(R"(heroku\[web\.1\]: State changed from starting to up$)"));
  }
  RunResult chaos(std::vector<std::string> args) const {
    args.insert(args.begin() + 1, {"-a", "web"});
    return h.run(args);
  }
  /// Adds a router fault (or clears them: `{"chaos:clear"}`) and waits until the router has it.
  void router_fault(const std::vector<std::string>& args) {
    const auto before = applied();
    auto r = args[0] == "chaos:clear" ? h.run(args) : chaos(args);
    ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
    ASSERT_TRUE(wait_until([&] { return applied() > before; }, 10s, "the router to have it"));
  }
  std::size_t applied() const {
    const auto text = up->stderr_text();
    std::size_t n = 0;
    for (auto at = text.find("chaos: web: the router meets"); at != std::string::npos;
         at = text.find("chaos: web: the router meets", at + 1)) {
      ++n;
    }
    return n;
  }
  std::optional<Response> get(const std::string& path) const {
    return get_by_host(router, "web.localhost", path);
  }
  /// The head of the answer to GET `path`, and whether its body came: on a connection the
  /// router closes after the head (H15, H18).
  std::string head_then_close(const std::string& path) const {
    Connection c(router);
    c.send("GET " + path + " HTTP/1.1\r\nHost: web.localhost\r\n\r\n");
    return c.read_bytes(1 << 16);
  }

  const unsigned router = free_port();
  LokkuHome h;
  std::unique_ptr<LokkuProcess> up;
};

TEST_F(Chaos, CRASH2ACrashIsASigkillThenHerokusBackOffAndACycleIsCYC1s) {
  auto added = chaos({"chaos:add", "crash", "--type", "web"});
  ASSERT_EQ(added.exit_code, 0) << added.err;
  EXPECT_EQ(added.out, "Added fault 1 on ⬢ web: crash web (every dyno), once\n");
  EXPECT_TRUE(up->wait_for(R"(heroku\[web\.1\]: Process exited with status 137$)"));
  EXPECT_TRUE(up->wait_for(R"(heroku\[web\.1\]: State changed from up to crashed$)"));
  // CRASH-2: the first crash restarts at once; done, the fault is gone.
  EXPECT_TRUE(up->wait_for(R"(heroku\[web\.1\]: State changed from crashed to starting$)"));
  EXPECT_TRUE(wait_until([&] { return h.run({"chaos:list"}).out == "No faults.\n"; }, 5s,
                         "the crash done"));
  ASSERT_TRUE(up->wait_for_count(R"(heroku\[web\.1\]: State changed from starting to up$)", 2));
  // CRASH-3: a second one waits out a cool-off (20 minutes, 2 minutes at 10x).
  ASSERT_EQ(chaos({"chaos:add", "crash", "--dyno", "web.1"}).exit_code, 0);
  ASSERT_TRUE(up->wait_for_count(R"(heroku\[web\.1\]: State changed from up to crashed$)", 2));
  std::this_thread::sleep_for(1500ms);
  EXPECT_EQ(up->count(R"(heroku\[web\.1\]: State changed from crashed to starting$)"), 1u);
  ASSERT_EQ(h.run({"clock", "advance", "20m"}).exit_code, 0);
  ASSERT_TRUE(up->wait_for_count(R"(heroku\[web\.1\]: State changed from starting to up$)", 3));

  // A cycle: every dyno stopped and started again, as the daily restart does.
  auto cycle = chaos({"chaos:add", "cycle"});
  ASSERT_EQ(cycle.exit_code, 0) << cycle.err;
  EXPECT_TRUE(up->wait_for(R"(heroku\[web\.1\]: Cycling$)"));
  EXPECT_TRUE(up->wait_for(R"(heroku\[web\.1\]: Stopping all processes with SIGTERM$)"));
  EXPECT_TRUE(up->wait_for_count(R"(heroku\[web\.1\]: State changed from starting to up$)", 4));
}

TEST_F(Chaos, MEM3HeldMemoryIsR14UntilClearedAndMEM4AtTheThresholdR15) {
  auto added = chaos({"chaos:add", "memory", "--dyno", "web.1", "--for", "1h"});
  ASSERT_EQ(added.exit_code, 0) << added.err;
  EXPECT_EQ(added.out.rfind("Added fault 1 on ⬢ web: memory web.1 at 150% of its quota, until ", 0),
            0u)
      << added.out;
  const std::string running = R"(heroku\[web\.1\]: Process running mem=(\d+)M\((\d+\.\d)%\)$)";
  ASSERT_TRUE(up->wait_for(running, 20s));
  const auto line = up->matching(running).back();
  const int mb = std::stoi(line.substr(line.find("mem=") + 4));
  EXPECT_GE(mb, 768);  // 1.5 x 512 MB, and what python itself uses
  EXPECT_LE(mb, 868);
  EXPECT_TRUE(up->wait_for(R"(heroku\[web\.1\]: Error R14 \(Memory quota exceeded\)$)"));
  auto list = h.run({"chaos:list", "--json"});
  ASSERT_EQ(json::parse(list.out).as_array().size(), 1u) << list.out;

  // Cleared, the samples are back under the quota.
  auto cleared = h.run({"chaos:clear", "1"});
  ASSERT_EQ(cleared.exit_code, 0) << cleared.err;
  EXPECT_EQ(cleared.out.rfind("Cleared fault 1 on ⬢ web: memory web.1", 0), 0u) << cleared.out;
  std::this_thread::sleep_for(500ms);
  const auto r14 = up->count("Error R14");
  std::this_thread::sleep_for(5s);  // two samples and more
  EXPECT_EQ(up->count("Error R14"), r14);

  // --for on the platform's clock: advanced past it, the fault ends by itself.
  ASSERT_EQ(chaos({"chaos:add", "memory", "--for", "10m"}).exit_code, 0);
  ASSERT_TRUE(up->wait_for_count(R"(heroku\[web\.1\]: Error R14 \(Memory quota exceeded\)$)",
                                 r14 + 1, 20s));
  ASSERT_EQ(h.run({"clock", "advance", "11m"}).exit_code, 0);
  EXPECT_TRUE(wait_until([&] { return h.run({"chaos:list"}).out == "No faults.\n"; }, 5s,
                         "the fault to end with its 10 minutes"));

  // MEM-4: at twice the quota, R15 and SIGKILL: a crash.
  ASSERT_EQ(chaos({"chaos:add", "memory", "--rate", "2.5"}).exit_code, 0);
  EXPECT_TRUE(
      up->wait_for(R"(heroku\[web\.1\]: Error R15 \(Memory quota vastly exceeded\)$)", 20s));
  EXPECT_TRUE(up->wait_for(R"(heroku\[web\.1\]: Stopping process with SIGKILL$)"));
  EXPECT_TRUE(up->wait_for(R"(heroku\[web\.1\]: State changed from up to crashed$)"));
}

TEST_F(Chaos, AStoppedAddonRefusesAPausedOneSaysNothingBothComeBack) {
  auto made = h.run({"addons:create", "heroku-redis", "-a", "web"});
  ASSERT_EQ(made.exit_code, 0) << made.out << made.err;
  const auto url = h.run({"config:get", "REDIS_URL", "-a", "web"}).out;
  std::smatch m;
  ASSERT_TRUE(std::regex_search(url, m, std::regex(R"(redis://default:(\w+)@127\.0\.0\.1:(\d+))")))
      << url;
  const std::string password = m[1];
  const unsigned port = static_cast<unsigned>(std::stoul(m[2]));
  ASSERT_TRUE(
      wait_until([&] { return redis_ping(port, password, 1s) == 1; }, 30s, "the Redis server up"));

  auto stop = chaos({"chaos:add", "addon-stop", "--addon", "REDIS"});
  ASSERT_EQ(stop.exit_code, 0) << stop.err;
  EXPECT_NE(stop.out.find(": addon-stop redis-"), std::string::npos) << stop.out;
  EXPECT_TRUE(
      wait_until([&] { return redis_ping(port, password, 1s) == -1; }, 20s, "the server stopped"));
  EXPECT_TRUE(up->wait_for(R"(heroku\[redis-\S+\]: Stopping all processes with SIGTERM$)"));
  std::this_thread::sleep_for(1s);  // it stays stopped
  EXPECT_EQ(redis_ping(port, password, 1s), -1);
  ASSERT_EQ(h.run({"chaos:clear", "-a", "web"}).exit_code, 0);
  EXPECT_TRUE(wait_until([&] { return redis_ping(port, password, 1s) == 1; }, 30s,
                         "the server started again"));
  // Its data came back with it.
  auto pause = chaos({"chaos:add", "addon-pause"});
  ASSERT_EQ(pause.exit_code, 0) << pause.err;
  EXPECT_TRUE(
      wait_until([&] { return redis_ping(port, password, 500ms) == 0; }, 10s, "the server paused"));
  ASSERT_EQ(h.run({"chaos:clear"}).exit_code, 0);
  EXPECT_TRUE(
      wait_until([&] { return redis_ping(port, password, 1s) == 1; }, 10s, "the server resumed"));
}

TEST_F(Chaos, RouterFaultsAreTheHCodesHerokusRouterLogs) {
  auto line = [&](const std::string& code, const std::string& path) {
    return R"(heroku\[router\]: (sock=backend )?at=error code=)" + code +
           R"( desc="[^"]+" method=GET path=")" + path +
           R"(" host=web\.localhost .* dyno=web\.1 connect=\d+ms service=\d+ms status=503 )";
  };
  // slow, never in time: H12 at T-2's 30 s (3 s at 10x); the dyno had the request.
  router_fault({"chaos:add", "slow", "--type", "web"});
  auto r = get("/h12");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 503);
  EXPECT_TRUE(up->wait_for(line("H12", "/h12")));
  EXPECT_TRUE(up->wait_for(R"(app\[web\.1\]: "GET /h12 HTTP/1\.1" 200)"));
  // slow by 2 s (0.2 s at 10x): answered, late, and the line's service time shows it.
  router_fault({"chaos:clear", "-a", "web"});
  router_fault({"chaos:add", "slow", "--delay", "2s"});
  r = get("/late");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  ASSERT_TRUE(up->wait_for(R"(heroku\[router\]: at=info method=GET path="/late" .* status=200 )"));
  const auto late = up->matching(R"(path="/late")").back();
  EXPECT_GE(std::stoi(late.substr(late.find("service=") + 8)), 200) << late;
  // slow after the head: the client has the head, then nothing; H15 at T-3's 55 s (5.5 s).
  router_fault({"chaos:clear", "-a", "web"});
  router_fault({"chaos:add", "slow", "--after-head"});
  auto got = head_then_close("/h15");
  EXPECT_EQ(got.rfind("HTTP/1.1 200 OK\r\n", 0), 0u) << got;
  EXPECT_EQ(got.find("hello from"), std::string::npos) << got;
  EXPECT_TRUE(up->wait_for(line("H15", "/h15")));

  // reset: closed before a byte of the answer, H13; after the head, H18.
  router_fault({"chaos:clear", "-a", "web"});
  router_fault({"chaos:add", "reset", "--dyno", "web.1"});
  r = get("/h13");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 503);
  EXPECT_TRUE(up->wait_for(line("H13", "/h13")));
  router_fault({"chaos:clear", "-a", "web"});
  router_fault({"chaos:add", "reset", "--after-head"});
  got = head_then_close("/h18");
  EXPECT_EQ(got.rfind("HTTP/1.1 200 OK\r\n", 0), 0u) << got;
  EXPECT_EQ(got.find("hello from"), std::string::npos) << got;
  EXPECT_TRUE(up->wait_for(line("H18", "/h18")));

  // refuse: the dyno takes no connection; the attempt times out (T-1's 5 s): H19.
  router_fault({"chaos:clear", "-a", "web"});
  router_fault({"chaos:add", "refuse"});
  r = get("/h19");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 503);
  EXPECT_TRUE(up->wait_for(
      R"(heroku\[router\]: at=error code=H19 desc="Backend connection timeout" method=GET path="/h19" .* dyno=web\.1 connect=500ms )"));

  // garbage: H17; at --rate 0.5 about half the requests.
  router_fault({"chaos:clear", "-a", "web"});
  router_fault({"chaos:add", "garbage", "--rate", "0.5"});
  int ok = 0, bad = 0;
  for (int i = 0; i < 40; ++i) {
    auto x = get("/g" + std::to_string(i));
    ASSERT_TRUE(x);
    (x->status == 200 ? ok : bad) += 1;
  }
  EXPECT_GE(ok, 8);
  EXPECT_GE(bad, 8);
  // Each one met is an H17 (a loaded machine may add a rare other 503: not counted here).
  const std::string h17 = R"(at=error code=H17 desc="Poorly formatted HTTP response" )";
  EXPECT_TRUE(up->wait_for_count(h17, 8));
  EXPECT_LE(up->count(h17), static_cast<std::size_t>(bad));

  // drop: the request never reaches the dyno; the router waits its 30 s (3 s): H12.
  router_fault({"chaos:clear", "-a", "web"});
  router_fault({"chaos:add", "drop", "--for", "10m"});
  r = get("/dropped");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 503);
  EXPECT_TRUE(up->wait_for(line("H12", "/dropped")));
  EXPECT_EQ(up->count(R"(app\[web\.1\]: "GET /dropped )"), 0u);
  // Its 10 minutes over on the platform's clock, the dyno answers again.
  const auto before = applied();
  ASSERT_EQ(h.run({"clock", "advance", "11m"}).exit_code, 0);
  ASSERT_TRUE(wait_until([&] { return applied() > before; }, 10s, "the fault to end"));
  r = get("/back");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->body, "hello from web.1");
}

TEST_F(Chaos, AScenarioTheAppCannotRecoverFromExitsNonZeroAndClearsItsFaults) {
  // A second crash within ten minutes waits out CRASH-3's cool-off (20 minutes): longer than
  // the bound.
  TempDir files;
  files.write("twice.yaml", R"(app: web
recover_within: 30s
steps:
  - at: 0s
    fault: crash
  - at: 5s
    fault: crash
  - at: 5s
    fault: garbage
    for: 1h
)");
  auto r = h.run({"chaos:run", (files.path() / "twice.yaml").string()}, {}, 60s);
  EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
  EXPECT_NE(r.out.find("  +5s     fault 3: garbage (every dyno), until "), std::string::npos)
      << r.out;
  EXPECT_NE(r.err.find("lokku chaos:run: ⬢ web did not recover within 30s:\n"), std::string::npos)
      << r.err;
  EXPECT_NE(r.err.find("  fault 3 still holds (garbage"), std::string::npos) << r.err;
  EXPECT_TRUE(std::regex_search(r.err, std::regex(R"(\n  web\.1: [^\n]*crashed)"))) << r.err;
  EXPECT_NE(r.err.find("  GET / answered 503\n"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("(cleared the scenario's fault still in force: 3)"), std::string::npos)
      << r.err;
  EXPECT_EQ(h.run({"chaos:list"}).out, "No faults.\n");

  // A bad file is refused before anything starts, naming the file, the line and the key.
  struct Case {
    std::string yaml;
    std::string error;
  };
  for (const auto& c : std::vector<Case>{
           {"steps:\n  - at: 0s\n    fault: crash\n", "bad.yaml:1: recover_within: missing"},
           {"recover_within: soon\nsteps: []\n", "bad.yaml:1: recover_within: 'soon' is not"},
           {"recover_within: 1m\nsteps:\n  - fault: crash\n", "bad.yaml:3: at: missing"},
           {"recover_within: 1m\nsteps:\n  - at: 0s\n    fault: meteor\n",
            "bad.yaml:4: fault: 'meteor' is not one of"},
           {"recover_within: 1m\nsteps:\n  - at: 0s\n    fault: slow\n    colour: red\n",
            "bad.yaml:5: colour: not a key of a fault step"},
           {"recover_within: 1m\nsteps:\n  - at: 0s\n    fault: slow\n",
            "bad.yaml:3: slow holds until cleared: give it `for: 30s`"},
           {"recover_within: 1m\nsteps:\n  - at: 0s\n    fault: crash\n    type: nope\n",
            "bad.yaml:3: --type nope: web has no such process type"},
       }) {
    files.write("bad.yaml", c.yaml);
    auto bad = h.run({"chaos:run", "-a", "web", (files.path() / "bad.yaml").string()});
    EXPECT_EQ(bad.exit_code, 1) << c.yaml;
    EXPECT_NE(bad.err.find(c.error), std::string::npos) << c.yaml << bad.err;
  }
  EXPECT_EQ(h.run({"chaos:list"}).out, "No faults.\n");
}

TEST_F(Chaos, BadFaultsAreRefusedNamingTheFieldAndTheApiNeedsTheToken) {
  struct Case {
    std::vector<std::string> args;
    std::string error;
  };
  for (const auto& c : std::vector<Case>{
           {{"chaos:add", "meteor"}, "kind 'meteor' is not one of: crash, slow, refuse, reset"},
           {{"chaos:add", "crash", "--type", "nope"}, "--type nope: web has no such process type"},
           {{"chaos:add", "crash", "--dyno", "web.x"}, "--dyno web.x: not a dyno of web"},
           {{"chaos:add", "crash", "--for", "5m"}, "crash happens once: --for does not apply"},
           {{"chaos:add", "memory", "--for", "soon"}, "--for soon: not a duration"},
           {{"chaos:add", "cycle", "--rate", "0.5"},
            "--rate is for memory and the router's faults, not cycle"},
           {{"chaos:add", "drop", "--rate", "1.5"}, "--rate 1.5: the share of requests"},
           {{"chaos:add", "slow", "--type", "worker"}, "--type worker: slow acts in the router"},
           {{"chaos:add", "reset", "--delay", "2s"}, "--delay is for slow, not reset"},
           {{"chaos:add", "slow", "--delay", "fast"}, "--delay fast: not a duration"},
           {{"chaos:add", "garbage", "--after-head"}, "--after-head is for slow and reset"},
           {{"chaos:add", "addon-stop"}, "web has no add-ons"},
           {{"chaos:add", "memory", "--addon", "REDIS"}, "--addon is for addon-stop"},
       }) {
    auto r = chaos(c.args);
    EXPECT_EQ(r.exit_code, 1) << c.args[1];
    EXPECT_NE(r.err.find(c.error), std::string::npos) << r.err;
  }
  auto none = h.run({"chaos:clear", "9"});
  EXPECT_EQ(none.exit_code, 1);
  EXPECT_NE(none.err.find("no fault 9"), std::string::npos) << none.err;
  EXPECT_EQ(h.run({"chaos:list"}).out, "No faults.\n");

  // The API: the token, then the same faults.
  const unsigned port = h.api_port();
  auto anonymous = api_request(port, "GET", "/lokku/chaos", "");
  ASSERT_TRUE(anonymous);
  EXPECT_EQ(anonymous->status, 401);
  auto made = api_request(port, "POST", "/lokku/chaos", h.token(),
                          R"({"kind":"memory","app":"web","for":"1h","rate":1.2})");
  ASSERT_TRUE(made);
  EXPECT_EQ(made->status, 201) << made->body;
  auto bad = api_request(port, "POST", "/lokku/chaos", h.token(), R"({"kind":"crash","app":"x"})");
  ASSERT_TRUE(bad);
  EXPECT_EQ(bad->status, 404) << bad->body;
  EXPECT_NE(h.run({"chaos:list"}).out.find("memory (every dyno) at 120% of its quota"),
            std::string::npos);
  auto gone = api_request(port, "DELETE", "/lokku/chaos/1", h.token());
  ASSERT_TRUE(gone);
  EXPECT_EQ(gone->status, 200) << gone->body;
  EXPECT_EQ(h.run({"chaos:list"}).out, "No faults.\n");

  // Without a platform, nothing to act on.
  up->signal(SIGINT);
  ASSERT_TRUE(up->wait_exit(60s));
  auto stopped = chaos({"chaos:add", "crash"});
  EXPECT_EQ(stopped.exit_code, 1);
  EXPECT_NE(stopped.err.find("no platform is running here"), std::string::npos) << stopped.err;
}

}  // namespace
}  // namespace lokku::test
