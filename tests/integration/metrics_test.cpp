// Metrics (#22 point 1, drains-webhooks-metrics.md §4.1): what the router and the dyno manager
// of a live `lokku up` measure, read back with `lokku metrics` and the API, across a restart
// of the platform.
#include "support/platform.hpp"

#include <boost/json.hpp>
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <csignal>
#include <thread>

namespace lokku::test {
namespace {

namespace json = boost::json;
using namespace std::chrono_literals;

class Metrics : public ::testing::Test {
 protected:
  void SetUp() override {
    auto r = h.deploy("web");
    ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
    start();
  }

  void start() {
    router = free_port();
    up = h.up(router, {"--time-scale", "10"});  // a memory sample every 2 s
    ASSERT_TRUE(up->wait_for_diagnostic("Platform API on http://127.0.0.1:"));
    port = h.api_port();
    ASSERT_NE(port, 0u);
    ASSERT_TRUE(up->wait_for(R"(heroku\[web\.1\]: State changed from starting to up$)"));
  }

  int get(const std::string& path) {
    auto r = get_by_host(router, "web.localhost", path);
    return r ? r->status : 0;
  }

  /// `lokku metrics -a web --json` and more, parsed.
  json::object metrics(std::vector<std::string> more = {}) {
    std::vector<std::string> args{"metrics", "-a", "web", "--json", "--since", "10m"};
    args.insert(args.end(), more.begin(), more.end());
    auto r = h.run(args);
    EXPECT_EQ(r.exit_code, 0) << r.err;
    return r.exit_code == 0 ? json::parse(r.out).as_object() : json::object{};
  }

  /// The web rows of a report (none before anything of web was recorded).
  static json::array web_rows(const json::object& m) {
    const auto* types = m.if_contains("types");
    const auto* web = types ? types->as_object().if_contains("web") : nullptr;
    return web ? web->as_array() : json::array{};
  }

  static json::array events(const json::object& m) {
    const auto* e = m.if_contains("events");
    return e ? e->as_array() : json::array{};
  }

  /// The web rows' sum of `requests[cls]` (every class when empty).
  static std::uint64_t requests(const json::object& m, const std::string& cls = "") {
    std::uint64_t n = 0;
    const auto* web =
        m.if_contains("types") ? m.at("types").as_object().if_contains("web") : nullptr;
    if (!web) {
      return 0;
    }
    for (const auto& row : web->as_array()) {
      for (const auto& [name, count] : row.at("requests").as_object()) {
        if (cls.empty() || name == cls) {
          n += count.to_number<std::uint64_t>();
        }
      }
    }
    return n;
  }

  LokkuHome h;
  unsigned router = 0, port = 0;
  std::unique_ptr<LokkuProcess> up;
};

// Issue 22, must show: "a test sends N requests and finds N", by status class, with p50 ≤
// p95 ≤ p99 ≤ max; memory and load of the web dynos; a scaling and the deploy as events;
// the API serves the same; all of it still there after `lokku up` restarts.
TEST_F(Metrics, RequestsAreCountedByStatusClassAndSurviveARestartOfThePlatform) {
  for (int i = 0; i < 30; ++i) {
    ASSERT_EQ(get("/slow"), 200);  // 300 ms each
  }
  for (int i = 0; i < 6; ++i) {
    ASSERT_EQ(get("/status/404"), 404);
  }
  for (int i = 0; i < 4; ++i) {
    ASSERT_EQ(get("/status/503"), 503);
  }
  json::object m;
  ASSERT_TRUE(wait_until(
      [&] {
        m = metrics();
        return requests(m) >= 40;
      },
      10s, "40 requests in the metrics"));
  EXPECT_EQ(requests(m), 40u);
  EXPECT_EQ(requests(m, "2xx"), 30u);
  EXPECT_EQ(requests(m, "4xx"), 6u);
  EXPECT_EQ(requests(m, "5xx"), 4u);
  EXPECT_EQ(m.at("step").as_string(), "1m");
  // The newest minute with requests has the percentiles: most requests took 300 ms.
  const auto rows = web_rows(m);
  const json::object* busy = nullptr;
  for (const auto& row : rows) {
    if (!row.at("p50").is_null()) {
      busy = &row.as_object();
    }
  }
  ASSERT_NE(busy, nullptr) << json::serialize(m);
  const double p50 = busy->at("p50").to_number<double>(), p95 = busy->at("p95").to_number<double>(),
               p99 = busy->at("p99").to_number<double>(), max = busy->at("max").to_number<double>();
  EXPECT_GE(p95, 290) << json::serialize(*busy);
  EXPECT_LE(p50, p95);
  EXPECT_LE(p95, p99);
  EXPECT_LE(p99, max);
  EXPECT_LT(max, 5000);

  // The dyno manager's samples: web's memory and load, its dyno count; then a scaling.
  ASSERT_TRUE(wait_until(
      [&] {
        m = metrics({"--resolution", "10s"});
        for (const auto& row : web_rows(m)) {
          if (!row.at("memory_rss_mb").is_null() &&
              row.at("memory_rss_mb").to_number<double>() > 1) {
            EXPECT_EQ(row.at("memory_quota_mb").to_number<double>(), 512);
            EXPECT_FALSE(row.at("load_mean").is_null());
            EXPECT_GT(row.at("memory_quota_pct").to_number<double>(), 0);
            return true;
          }
        }
        return false;
      },
      15s, "web's memory in the metrics"));
  ASSERT_EQ(h.run({"ps:scale", "web=2", "-a", "web"}).exit_code, 0);
  ASSERT_TRUE(up->wait_for(R"(heroku\[web\.2\]: State changed from starting to up$)"));
  ASSERT_TRUE(wait_until(
      [&] {
        m = metrics();
        for (const auto& e : events(m)) {
          if (e.at("kind") == "scale") {
            EXPECT_EQ(e.at("description").as_string(),
                      "Scaled to web@2:Standard-1X, worker@0:Standard-1X");
            return true;
          }
        }
        return false;
      },
      10s, "the scaling among the events"));
  bool deploy_seen = false;
  for (const auto& e : events(m)) {
    deploy_seen = deploy_seen ||
                  (e.at("kind") == "deploy" && e.at("description").as_string().starts_with("v"));
  }
  EXPECT_TRUE(deploy_seen) << json::serialize(events(m));

  // The API serves the same report.
  auto api = api_request(port, "GET", "/apps/web/metrics?since=10m&type=web", h.token());
  ASSERT_TRUE(api && api->status == 200) << (api ? api->body : "no answer");
  EXPECT_EQ(requests(json::parse(api->body).as_object()), 40u);

  // A restart of the platform keeps what was measured and goes on counting.
  up->signal(SIGTERM);
  ASSERT_TRUE(up->wait_exit(30s));
  start();
  for (int i = 0; i < 5; ++i) {
    ASSERT_EQ(get("/"), 200);
  }
  ASSERT_TRUE(wait_until([&] { return requests(metrics()) >= 45; }, 10s, "45 requests"));
  EXPECT_EQ(requests(metrics()), 45u);
}

// §4.1 Events: a crash is counted and marked, its restart counted.
TEST_F(Metrics, ACrashIsCountedAndMarkedAndItsRestartCounted) {
  get("/exit");
  ASSERT_TRUE(up->wait_for(R"(heroku\[web\.1\]: State changed from crashed to starting$)"));
  json::object m;
  ASSERT_TRUE(wait_until(
      [&] {
        m = metrics();
        std::uint64_t crashes = 0, restarts = 0;
        for (const auto& row : web_rows(m)) {
          crashes += row.at("crashes").to_number<std::uint64_t>();
          restarts += row.at("restarts").to_number<std::uint64_t>();
        }
        return crashes == 1 && restarts == 1;
      },
      10s, "one crash and one restart"))
      << json::serialize(m);
  bool marked = false;
  for (const auto& e : events(m)) {
    marked = marked || (e.at("kind") == "crash" && e.at("description") == "web.1 crashed");
  }
  EXPECT_TRUE(marked) << json::serialize(events(m));
  // The table for scripts names the type and its columns.
  auto table = h.run({"metrics", "-a", "web", "--since", "10m"});
  EXPECT_EQ(table.exit_code, 0) << table.err;
  EXPECT_NE(table.out.find("=== web (1m steps from "), std::string::npos) << table.out;
  EXPECT_NE(table.out.find("p95 ms"), std::string::npos) << table.out;
}

// Issue 22, bad input: a full disk for the metrics store stops the metrics with one clear
// error on lokku's output while the app keeps serving. The store is put on a small tmpfs
// (SQLite follows the symbolic link, its WAL goes beside it), which is then filled.
TEST_F(Metrics, AFullDiskStopsTheMetricsWithOneErrorWhileTheAppKeepsServing) {
  const auto disk = h.root() / "small-disk";
  std::filesystem::create_directories(disk);
  if (sh("mount -t tmpfs -o size=1m tmpfs " + disk.string() + " 2>/dev/null", h.root()) != 0) {
    GTEST_SKIP() << "this machine does not let the tests mount a tmpfs";
  }
  struct Unmount {
    std::filesystem::path dir;
    ~Unmount() { sh("umount -l " + dir.string(), "/"); }
  } unmount{disk};
  up->signal(SIGTERM);
  ASSERT_TRUE(up->wait_exit(30s));
  const auto db = h.home() / "apps" / "web" / "metrics.sqlite";
  for (const char* suffix : {"", "-wal", "-shm"}) {
    std::filesystem::remove(db.string() + suffix);
  }
  std::filesystem::create_symlink(disk / "metrics.sqlite", db);
  start();
  ASSERT_EQ(get("/"), 200);
  ASSERT_TRUE(wait_until([&] { return requests(metrics()) >= 1; }, 10s, "the first request"));
  sh("dd if=/dev/zero of=" + (disk / "filler").string() + " bs=4k 2>/dev/null", h.root());
  ASSERT_TRUE(wait_until(
      [&] {
        EXPECT_EQ(get("/"), 200);
        return up->stderr_text().find("web: metrics stopped (the app keeps serving): ") !=
               std::string::npos;
      },
      20s, "the metrics to stop"))
      << up->stderr_text();
  EXPECT_NE(up->stderr_text().find("database or disk is full"), std::string::npos)
      << up->stderr_text();
  for (int i = 0; i < 10; ++i) {
    EXPECT_EQ(get("/"), 200);
    std::this_thread::sleep_for(200ms);
  }
  const auto err = up->stderr_text();
  EXPECT_EQ(err.find("metrics stopped"), err.rfind("metrics stopped")) << err;  // said once
}

// Bad input: a period that is not one, more than the store keeps; the API says why.
TEST_F(Metrics, PeriodsThatCannotBeAnsweredAreRefusedSayingWhy) {
  auto bad = h.run({"metrics", "-a", "web", "--since", "yesterday"});
  EXPECT_NE(bad.exit_code, 0);
  EXPECT_NE(bad.err.find("--since yesterday: expected a duration such as 10s, 5m, 1h or 24h"),
            std::string::npos)
      << bad.err;
  auto too_long = h.run({"metrics", "-a", "web", "--since", "2d"});
  EXPECT_NE(too_long.exit_code, 0);
  EXPECT_NE(too_long.err.find("metrics are kept for 24h"), std::string::npos) << too_long.err;
  auto fine = h.run({"metrics", "-a", "web", "--since", "2h", "--resolution", "10s"});
  EXPECT_NE(fine.exit_code, 0);
  EXPECT_NE(fine.err.find("ten-second windows are kept for 1h"), std::string::npos) << fine.err;
  auto api = api_request(port, "GET", "/apps/web/metrics?since=forever", h.token());
  ASSERT_TRUE(api);
  EXPECT_EQ(api->status, 400);
  EXPECT_NE(api->body.find("invalid since provided"), std::string::npos) << api->body;
  auto no_app = h.run({"metrics", "-a", "nosuchapp"});
  EXPECT_NE(no_app.exit_code, 0);
}

}  // namespace
}  // namespace lokku::test
