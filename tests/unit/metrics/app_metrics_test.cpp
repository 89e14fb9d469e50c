#include "metrics/app_metrics.hpp"

#include "metrics/report.hpp"

#include <boost/json.hpp>
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>

namespace lokku::metrics {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

/// A metrics database in a fresh temporary directory, and a clock the test moves.
class AppMetricsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/lokku-metrics-XXXXXX";
    dir_ = ::mkdtemp(tmpl);
    // 2026-12-06T14:00:00Z, the start of a minute.
    now_ = SystemTime(std::chrono::seconds(1796565600));
  }
  void TearDown() override { fs::remove_all(dir_); }

  fs::path file() const { return dir_ / "metrics.sqlite"; }
  std::unique_ptr<AppMetrics> recorder() {
    return std::make_unique<AppMetrics>(
        std::make_unique<MetricsStore>(file(), MetricsStore::Mode::write),
        [this](const std::string& e) { errors_.push_back(e); }, [this] { return now_; });
  }
  std::vector<Point> read(std::chrono::seconds step) {
    MetricsStore s(file(), MetricsStore::Mode::read);
    return s.points(step, now_ - 24h, now_ + 1h);
  }

  fs::path dir_;
  SystemTime now_;
  std::vector<std::string> errors_;
};

// drains-webhooks-metrics.md §4.1: throughput by status class and response-time
// percentiles, per minute and per ten seconds for the live view.
TEST_F(AppMetricsTest, RequestsLandInTheirTenSecondWindowAndMinuteByStatusClass) {
  auto m = recorder();
  for (int i = 1; i <= 100; ++i) {
    m->request(i <= 90 ? 200 : (i <= 95 ? 302 : 503), i, i > 98 ? "H12" : "");
  }
  m->request(404, -1, "");
  now_ += 15s;  // the next ten seconds
  m->request(201, 1000, "");
  ASSERT_TRUE(m->tick());
  auto live = read(kLiveStep);
  ASSERT_EQ(live.size(), 2u);
  EXPECT_EQ(live[0].type, "web");
  EXPECT_EQ(live[0].data.requests, (std::array<std::uint64_t, 4>{90, 5, 1, 5}));
  EXPECT_EQ(live[0].data.service.count(), 100u);  // the 404 had no service time
  EXPECT_NEAR(*live[0].data.service.quantile(0.95), 95, 1);
  EXPECT_EQ(live[0].data.errors.at("H12"), 2u);
  EXPECT_EQ(live[1].start - live[0].start, 10s);
  EXPECT_EQ(live[1].data.total_requests(), 1u);
  auto minutes = read(kMinuteStep);
  ASSERT_EQ(minutes.size(), 1u);
  EXPECT_EQ(minutes[0].data.total_requests(), 102u);
  EXPECT_EQ(minutes[0].data.service.max(), 1000);
  EXPECT_TRUE(errors_.empty());
}

// §4.1: memory and load per type, mean and max across its dynos.
TEST_F(AppMetricsTest, GaugesAreTheMeanAndMaxAcrossTheTypesRunningDynos) {
  auto m = recorder();
  m->sample("web.1", "web", 100, 0, 0.5, 512);
  m->sample("web.2", "web", 300, 10, 1.5, 512);
  m->sample("worker.1", "worker", 50, 0, 0, 1024);
  now_ += 10s;  // the first ten seconds close with this snapshot
  ASSERT_TRUE(m->tick());
  m->dyno_stopped("web.2");
  now_ += 10s;
  ASSERT_TRUE(m->tick(0s));
  auto live = read(kLiveStep);
  ASSERT_GE(live.size(), 3u);  // web and worker twice: closed and open windows
  const auto& web = live[0].type == "web" ? live[0].data : live[1].data;
  EXPECT_EQ(web.snapshots, 1u);
  EXPECT_DOUBLE_EQ(web.rss_mb.sum_of_means, 200);
  EXPECT_DOUBLE_EQ(web.rss_mb.max, 300);
  EXPECT_DOUBLE_EQ(web.load.sum_of_means, 1.0);
  EXPECT_DOUBLE_EQ(web.dynos.max, 2);
  EXPECT_DOUBLE_EQ(web.quota_mb, 512);
  auto minutes = read(kMinuteStep);
  const auto& minute_web = minutes[0].type == "web" ? minutes[0].data : minutes[1].data;
  // Three snapshots this minute (two closed windows, then the open one): two dynos, then one.
  EXPECT_EQ(minute_web.snapshots, 3u);
  EXPECT_DOUBLE_EQ(minute_web.rss_mb.sum_of_means, 200 + 100 + 100);
  EXPECT_DOUBLE_EQ(minute_web.rss_mb.max, 300);
}

// A restarted dyno's old life stopping after its new life's first sample leaves that sample.
TEST_F(AppMetricsTest, TheOldLifeOfADynoStoppingLateLeavesTheNewLifesSample) {
  auto m = recorder();
  int old_life = 0, new_life = 0;
  m->sample("web.1", "web", 100, 0, 0, 512, &old_life);
  m->sample("web.1", "web", 40, 0, 0, 512, &new_life);  // the replacement, sampled first
  m->dyno_stopped("web.1", &old_life);                  // then the old one is gone
  now_ += 10s;
  ASSERT_TRUE(m->tick(0s));
  auto live = read(kLiveStep);
  ASSERT_FALSE(live.empty());
  EXPECT_DOUBLE_EQ(live[0].data.rss_mb.sum_of_means, 40);
  EXPECT_DOUBLE_EQ(live[0].data.dynos.max, 1);
}

// Issue 22: metrics survive a restart of `lokku up`; a platform started again within the
// minute continues its windows rather than overwriting them.
TEST_F(AppMetricsTest, ARecorderStartedAgainContinuesTheWindowsOnDisk) {
  {
    auto m = recorder();
    for (int i = 0; i < 7; ++i) {
      m->request(200, 10, "");
    }
    m->error("worker", "R14");
    ASSERT_TRUE(m->tick());
  }
  now_ += 3s;
  auto m = recorder();
  for (int i = 0; i < 5; ++i) {
    m->request(200, 20, "");
  }
  ASSERT_TRUE(m->tick());
  auto minutes = read(kMinuteStep);
  ASSERT_EQ(minutes.size(), 2u);
  EXPECT_EQ(minutes[0].type, "web");
  EXPECT_EQ(minutes[0].data.total_requests(), 12u);
  EXPECT_EQ(minutes[1].data.errors.at("R14"), 1u);
}

// Bounded: ten-second windows an hour, minutes a day.
TEST_F(AppMetricsTest, WindowsPastTheirRetentionAreDeleted) {
  auto m = recorder();
  m->request(200, 1, "");
  m->crashed("web", "web.1");
  ASSERT_TRUE(m->tick());
  now_ += 2h;
  m->request(200, 1, "");
  ASSERT_TRUE(m->tick(0s));
  EXPECT_EQ(read(kLiveStep).size(), 1u);    // the hour-old ten seconds are gone
  EXPECT_EQ(read(kMinuteStep).size(), 2u);  // minutes stay a day
  now_ += 23h;
  m->request(200, 1, "");
  ASSERT_TRUE(m->tick(0s));
  EXPECT_EQ(read(kMinuteStep).size(), 2u);  // the first minute went, 24 h later
  MetricsStore s(file(), MetricsStore::Mode::read);
  EXPECT_TRUE(s.events(now_ - 48h, now_ + 1h).empty());
}

TEST_F(AppMetricsTest, TheReportFillsEveryStepAndMergesMinutesIntoLongerSteps) {
  auto m = recorder();
  m->event("scale", "web", "web=2:Standard-1X");
  for (int minute = 0; minute < 10; ++minute) {
    for (int i = 0; i < minute; ++i) {
      m->request(200, 100 * (minute + 1), "");
    }
    now_ += 1min;
  }
  ASSERT_TRUE(m->tick(0s));
  store::App app;
  app.name = "hc-metrics";
  store::Release rel;
  rel.version = 5;
  rel.description = "Deploy 1a2b3c4";
  rel.created_at = iso_time(now_ - 2min);
  app.releases.push_back(rel);
  MetricsStore s(file(), MetricsStore::Mode::read);
  ReportQuery q;
  q.now = now_;
  q.since = 10min;
  q.step = 5min;
  auto r = read_report(s, app, q);
  ASSERT_EQ(r.types.size(), 1u);
  ASSERT_EQ(r.types[0].rows.size(), 2u);
  // now_ is 14:10:00: the steps are 14:05 and 14:10 (the open one, empty).
  EXPECT_EQ(r.types[0].rows[0].data.total_requests(), 5u + 6 + 7 + 8 + 9);
  EXPECT_EQ(r.types[0].rows[1].data.total_requests(), 0u);
  auto j = report_json("hc-metrics", r);
  EXPECT_EQ(j.at("step").as_string(), "5m");
  const auto& row = j.at("types").at("web").as_array()[0].as_object();
  EXPECT_EQ(row.at("requests").at("2xx").as_uint64(), 35u);
  EXPECT_NEAR(row.at("p99").as_double(), 1000, 10);
  EXPECT_TRUE(j.at("types").at("web").as_array()[1].at("p50").is_null());
  const auto& events = j.at("events").as_array();
  ASSERT_EQ(events.size(), 1u);  // the scaling was before the period
  EXPECT_EQ(events[0].at("kind").as_string(), "deploy");
  EXPECT_EQ(events[0].at("description").as_string(), "v5 Deploy 1a2b3c4");

  q.step = 10s;
  q.since = 2h;
  EXPECT_NE(check_query(q), "");
  EXPECT_THROW(read_report(s, app, q), std::invalid_argument);
  EXPECT_EQ(parse_period("90s"), 90s);
  EXPECT_EQ(parse_period("1d"), 24h);
  EXPECT_FALSE(parse_period("1 h"));
  EXPECT_FALSE(parse_period("0m"));
  EXPECT_FALSE(parse_period("h"));
}

}  // namespace
}  // namespace lokku::metrics
