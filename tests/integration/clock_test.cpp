// The platform's clock (#27 point 3): frozen, a scheduler job waits; `lokku clock advance 1h`
// fires an hourly job exactly once (SCHED-2) and ends a crashed dyno's 20-minute cool-off
// (CRASH-3) at once, 10 minutes up on it resets the crash count (CRASH-4), and past a day cycles
// every dyno (CYC-1); the clock never goes back.
#include "support/drain_receiver.hpp"
#include "support/platform.hpp"

#include <boost/json.hpp>
#include <fmt/format.h>
#include <gtest/gtest.h>

namespace lokku::test {
namespace {

namespace json = boost::json;
using namespace std::chrono_literals;

class Clock : public ::testing::Test {
 protected:
  void SetUp() override {
    auto r = h.deploy("web");
    ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
    router = free_port();
    up = h.up(router);  // real time: only the clock's own moves make an hour pass
    ASSERT_TRUE(up->wait_for_diagnostic("Platform API on http://127.0.0.1:"));
    ASSERT_TRUE(up->wait_for(R"(heroku\[web\.1\]: State changed from starting to up$)"));
  }

  json::object clock(const std::vector<std::string>& args) {
    std::vector<std::string> all = {"clock"};
    all.insert(all.end(), args.begin(), args.end());
    all.push_back("--json");
    auto r = h.run(all);
    EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
    return r.exit_code == 0 ? json::parse(r.out).as_object() : json::object{};
  }

  /// Requests to web in `lokku metrics --since SINCE` (read on the platform's clock).
  std::uint64_t requests(const std::string& since) {
    auto r = h.run({"metrics", "-a", "web", "--json", "--since", since});
    EXPECT_EQ(r.exit_code, 0) << r.err;
    if (r.exit_code != 0) {
      return 0;
    }
    const auto m = json::parse(r.out).as_object();
    const auto* web = m.at("types").as_object().if_contains("web");
    std::uint64_t n = 0;
    for (const auto& row : web ? web->as_array() : json::array{}) {
      for (const auto& [cls, count] : row.at("requests").as_object()) {
        n += count.to_number<std::uint64_t>();
      }
    }
    return n;
  }

  LokkuHome h;
  unsigned router = 0;
  std::unique_ptr<LokkuProcess> up;
};

TEST_F(Clock, AdvancingAnHourFiresAnHourlyJobOnceInOrderWithItsTime) {
  auto frozen = clock({"freeze"});
  EXPECT_EQ(frozen.at("frozen"), true);
  // Added just before the advance, it is seen by it (the store is read first).
  auto add = h.run({"scheduler:add", "every hour at :00", "-a", "web", "--", "echo hourly tick"});
  ASSERT_EQ(add.exit_code, 0) << add.out << add.err;
  const auto before = std::string(frozen.at("now").as_string());

  auto moved = clock({"advance", "1h"});
  EXPECT_EQ(moved.at("advanced_seconds"), 3600);
  ASSERT_EQ(moved.at("fired").as_array().size(), 1u) << json::serialize(moved);
  const auto fired = std::string(moved.at("fired").as_array()[0].as_string());
  EXPECT_NE(fired.find("web: scheduler job 1 (every hour at :00) due at "), std::string::npos);
  EXPECT_GT(std::string(moved.at("now").as_string()), before);
  ASSERT_TRUE(up->wait_for(
      R"(heroku\[scheduler\]: Job 1 \(every hour at :00\) due at \S+:00:00Z on the platform's clock)"));
  ASSERT_TRUE(up->wait_for(R"(app\[scheduler\.\d{4}\]: hourly tick$)"));
  // Frozen, nothing more fires by itself, and three hours more fire three runs.
  std::this_thread::sleep_for(1500ms);
  EXPECT_EQ(up->count(R"(app\[scheduler\.\d{4}\]: hourly tick$)"), 1u);
  auto three = clock({"advance", "3h"});
  EXPECT_EQ(three.at("fired").as_array().size(), 3u) << json::serialize(three);
  EXPECT_TRUE(up->wait_for_count(R"(app\[scheduler\.\d{4}\]: hourly tick$)", 4, 30s));

  // The human form, and resuming.
  auto shown = h.run({"clock", "resume"});
  ASSERT_EQ(shown.exit_code, 0) << shown.err;
  EXPECT_NE(shown.out.find("Platform clock: "), std::string::npos) << shown.out;
  EXPECT_EQ(shown.out.find("(frozen)"), std::string::npos) << shown.out;
  EXPECT_NE(shown.out.find("advanced 14400 s in all"), std::string::npos) << shown.out;
}

TEST_F(Clock, AdvancingPastACoolOffRestartsTheCrashedDynoAndTheClockNeverGoesBack) {
  clock({"freeze"});
  // CRASH-3: the first crash restarts at once, the second waits up to 20 minutes.
  get_by_host(router, "web.localhost", "/exit");
  ASSERT_TRUE(up->wait_for(R"(heroku\[web\.1\]: State changed from crashed to starting$)"));
  ASSERT_TRUE(up->wait_for_count(R"(heroku\[web\.1\]: State changed from starting to up$)", 2));
  get_by_host(router, "web.localhost", "/exit");
  ASSERT_TRUE(up->wait_for_count(R"(heroku\[web\.1\]: State changed from up to crashed$)", 2));
  std::this_thread::sleep_for(1500ms);
  EXPECT_EQ(up->count(R"(heroku\[web\.1\]: State changed from crashed to starting$)"), 1u)
      << "the cool-off ended without the clock";
  clock({"advance", "20m"});
  EXPECT_TRUE(
      up->wait_for_count(R"(heroku\[web\.1\]: State changed from crashed to starting$)", 2, 10s));
  EXPECT_TRUE(up->wait_for_count(R"(heroku\[web\.1\]: State changed from starting to up$)", 3));
  // CRASH-4: up 10 minutes on the clock (a real second), the count starts again: the next
  // crash is a first one, restarted at once (not the third's 40-minute cool-off).
  clock({"advance", "11m"});
  get_by_host(router, "web.localhost", "/exit");
  EXPECT_TRUE(
      up->wait_for_count(R"(heroku\[web\.1\]: State changed from crashed to starting$)", 3, 10s));

  auto back = h.run({"clock", "advance", "-5m"});
  EXPECT_EQ(back.exit_code, 1);
  EXPECT_NE(back.err.find("the clock only goes forward"), std::string::npos) << back.err;
  auto junk = h.run({"clock", "advance", "soon"});
  EXPECT_EQ(junk.exit_code, 1);
  EXPECT_NE(junk.err.find("'soon' is not a duration"), std::string::npos) << junk.err;
}

TEST_F(Clock, CYC1AdvancingPastADayCyclesEveryDynoOnce) {
  clock({"freeze"});
  auto day = clock({"advance", "23h"});
  EXPECT_TRUE(day.at("fired").as_array().empty()) << json::serialize(day);
  // 24 h and at most 216 minutes after its start, each dyno is cycled: a normal restart.
  auto more = clock({"advance", "5h"});
  ASSERT_EQ(more.at("fired").as_array().size(), 1u) << json::serialize(more);
  EXPECT_EQ(more.at("fired").as_array()[0], "web: web.1 cycled (24 h since its start)");
  ASSERT_TRUE(up->wait_for(R"(heroku\[web\.1\]: Cycling$)"));
  EXPECT_TRUE(up->wait_for_count(R"(heroku\[web\.1\]: State changed from starting to up$)", 2));
  // Its replacement's day starts now: nothing more cycles at once.
  std::this_thread::sleep_for(1s);
  EXPECT_EQ(up->count(R"(heroku\[web\.1\]: Cycling$)"), 1u);
}

// CYC-1 counts one-off dynos too: never restarted (CRASH-8), a cycled one-off ends.
TEST_F(Clock, CYC1AOneOffIsCycledTooAndEnds) {
  clock({"freeze"});
  auto made = api_request(h.api_port(), "POST", "/apps/web/dynos", h.token(),
                          R"({"command":"echo long job; sleep 100000"})");
  ASSERT_TRUE(made && made->status == 201) << (made ? made->body : "no answer");
  ASSERT_TRUE(up->wait_for(R"(app\[run\.\d{4}\]: long job$)"));
  auto day = clock({"advance", "28h"});
  bool one_off = false;
  for (const auto& f : day.at("fired").as_array()) {
    one_off = one_off || std::string(f.as_string()).starts_with("web: run.");
  }
  EXPECT_TRUE(one_off) << json::serialize(day);
  EXPECT_TRUE(up->wait_for(R"(heroku\[run\.\d{4}\]: Cycling$)"));
  EXPECT_TRUE(up->wait_for(R"(heroku\[run\.\d{4}\]: State changed from up to complete$)", 40s));
  EXPECT_EQ(up->count(R"(heroku\[run\.\d{4}\]: State changed from \w+ to starting$)"), 0u);
}

TEST_F(Clock, BOOT4FrozenABootNeverTimesOutAdvancedPastTheMinuteItDoes) {
  clock({"freeze"});
  h.write("sleepy/requirements.txt", "");
  h.write("sleepy/Procfile", "web: sleep 600\n");  // never binds $PORT
  auto d = h.deploy("sleepy");
  ASSERT_EQ(d.exit_code, 0) << d.out << d.err;
  ASSERT_TRUE(up->wait_for(R"(sleepy \| \S+ heroku\[web\.1\]: Starting process with command)"));
  std::this_thread::sleep_for(1500ms);
  EXPECT_EQ(up->count("Error R10"), 0u);
  clock({"advance", "61s"});
  EXPECT_TRUE(up->wait_for(
      R"(sleepy \| \S+ heroku\[web\.1\]: Error R10 \(Boot timeout\) -> Web process failed to bind to \$PORT within 60 seconds of launch$)",
      10s));
}

// drains-webhooks-metrics.md §4.1: the metrics' windows are on the platform's clock too:
// requests made two (clock) hours ago fall out of the last hour, those made since fall in.
TEST_F(Clock, MetricsWindowsFollowTheClock) {
  clock({"freeze"});
  for (int i = 0; i < 5; ++i) {
    ASSERT_TRUE(get_by_host(router, "web.localhost", "/"));
  }
  ASSERT_TRUE(wait_until([&] { return requests("10m") == 5; }, 10s, "5 requests measured"));
  clock({"advance", "2h"});
  EXPECT_EQ(requests("1h"), 0u);
  for (int i = 0; i < 3; ++i) {
    ASSERT_TRUE(get_by_host(router, "web.localhost", "/"));
  }
  EXPECT_TRUE(wait_until([&] { return requests("1h") == 3; }, 10s, "3 requests in the last hour"));
  EXPECT_EQ(requests("3h"), 8u);
}

// drains-webhooks-metrics.md §3.4: a sync delivery that fails is retried 1 s, 2 s, 4 s... later
// on the platform's clock: frozen, the retry waits; advanced, it is made at once.
TEST_F(Clock, AWebhooksRetryWaitsForTheClock) {
  DrainReceiver refusing(DrainReceiver::Protocol::http);
  refusing.answer({}, 500);
  const auto port = h.api_port();
  auto hook = api_request(
      port, "POST", "/apps/web/webhooks", h.token(),
      fmt::format(R"({{"include":["api:formation"],"level":"sync","url":"http://127.0.0.1:{}/"}})",
                  refusing.port()));
  ASSERT_TRUE(hook && hook->status == 201) << (hook ? hook->body : "no answer");
  clock({"freeze"});
  ASSERT_EQ(h.run({"ps:scale", "worker=1", "-a", "web"}).exit_code, 0);
  ASSERT_TRUE(refusing.wait_for_posts(1));
  std::this_thread::sleep_for(2500ms);
  EXPECT_EQ(refusing.posts().size(), 1u) << "retried although the clock stood";
  clock({"advance", "2s"});
  EXPECT_TRUE(refusing.wait_for_posts(2)) << "the retry after the advance";
}

TEST(ClockWithoutPlatform, SaysNoPlatformRuns) {
  LokkuHome h;
  auto r = h.run({"clock"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("no platform is running here"), std::string::npos) << r.err;
}

}  // namespace
}  // namespace lokku::test
