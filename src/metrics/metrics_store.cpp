#include "metrics/metrics_store.hpp"

#include <fmt/format.h>

#include <string>

namespace lokku::metrics {

namespace {

using store::Statement;

constexpr std::string_view kWrite = "cannot write";

constexpr const char* kSchema = R"sql(
CREATE TABLE IF NOT EXISTS points (
  step INTEGER NOT NULL, type TEXT NOT NULL, start INTEGER NOT NULL,
  r2xx INTEGER NOT NULL, r3xx INTEGER NOT NULL, r4xx INTEGER NOT NULL, r5xx INTEGER NOT NULL,
  service TEXT NOT NULL, errors TEXT NOT NULL, restarts INTEGER NOT NULL, crashes INTEGER NOT NULL,
  snapshots INTEGER NOT NULL, quota_mb REAL NOT NULL,
  dynos_sum REAL NOT NULL, dynos_max REAL NOT NULL, rss_sum REAL NOT NULL, rss_max REAL NOT NULL,
  swap_sum REAL NOT NULL, swap_max REAL NOT NULL, load_sum REAL NOT NULL, load_max REAL NOT NULL,
  PRIMARY KEY (step, start, type)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS events (
  time_ms INTEGER NOT NULL, kind TEXT NOT NULL, type TEXT NOT NULL, description TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS events_by_time ON events (time_ms);
)sql";

std::int64_t seconds_of(SystemTime t) {
  return std::chrono::duration_cast<std::chrono::seconds>(t.time_since_epoch()).count();
}

std::int64_t ms_of(SystemTime t) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
}

}  // namespace

MetricsStore::MetricsStore(fs::path file, Mode mode)
    : db_(std::move(file),
          mode == Mode::read ? store::Database::Mode::read : store::Database::Mode::write,
          kSchema) {}

MetricsStore::~MetricsStore() = default;

void MetricsStore::write(std::chrono::seconds step, const std::vector<Point>& points,
                         const std::vector<Event>& events, SystemTime now) {
  if (!db_.is_open()) {
    return;
  }
  store::Database::Transaction txn(db_);
  {
    Statement put(db_,
                  "INSERT OR REPLACE INTO points VALUES "
                  "(?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
                  kWrite);
    for (const auto& p : points) {
      const auto& d = p.data;
      put.reset();
      put.bind(1, static_cast<std::int64_t>(step.count()));
      put.bind(2, p.type);
      put.bind(3, seconds_of(p.start));
      for (int i = 0; i < 4; ++i) {
        put.bind(4 + i, static_cast<std::int64_t>(d.requests[static_cast<std::size_t>(i)]));
      }
      put.bind(8, d.service.encode());
      put.bind(9, d.errors_text());
      put.bind(10, static_cast<std::int64_t>(d.restarts));
      put.bind(11, static_cast<std::int64_t>(d.crashes));
      put.bind(12, static_cast<std::int64_t>(d.snapshots));
      put.bind(13, d.quota_mb);
      int i = 14;
      for (const Gauge* g : {&d.dynos, &d.rss_mb, &d.swap_mb, &d.load}) {
        put.bind(i++, g->sum_of_means);
        put.bind(i++, g->max);
      }
      put.run();
    }
    Statement add(db_, "INSERT INTO events VALUES (?,?,?,?)", kWrite);
    for (const auto& e : events) {
      add.reset();
      add.bind(1, ms_of(e.time));
      add.bind(2, e.kind);
      add.bind(3, e.type);
      add.bind(4, e.description);
      add.run();
    }
    Statement prune(db_,
                    "DELETE FROM points WHERE (step = ?1 AND start < ?2) OR (step = ?3 AND start "
                    "< ?4)",
                    kWrite);
    prune.bind(1, static_cast<std::int64_t>(kLiveStep.count()));
    prune.bind(2, seconds_of(now - kLiveRetention));
    prune.bind(3, static_cast<std::int64_t>(kMinuteStep.count()));
    prune.bind(4, seconds_of(now - kMinuteRetention));
    prune.run();
    Statement forget(db_, "DELETE FROM events WHERE time_ms < ?", kWrite);
    forget.bind(1, ms_of(now - kMinuteRetention));
    forget.run();
  }
  txn.commit();
}

std::vector<Point> MetricsStore::points(std::chrono::seconds step, SystemTime from, SystemTime to,
                                        std::string_view type) const {
  std::vector<Point> out;
  if (!db_.is_open()) {
    return out;
  }
  Statement q(db_,
              "SELECT type, start, r2xx, r3xx, r4xx, r5xx, service, errors, restarts, crashes, "
              "snapshots, quota_mb, dynos_sum, dynos_max, rss_sum, rss_max, swap_sum, swap_max, "
              "load_sum, load_max FROM points WHERE step = ?1 AND start >= ?2 AND start < ?3 "
              "AND (?4 = '' OR type = ?4) ORDER BY start, type");
  q.bind(1, static_cast<std::int64_t>(step.count()));
  q.bind(2, seconds_of(from));
  q.bind(3, seconds_of(to));
  q.bind(4, type);
  while (q.step()) {
    Point p;
    p.type = q.text(0);
    p.start = SystemTime(std::chrono::seconds(q.integer(1)));
    auto& d = p.data;
    for (int i = 0; i < 4; ++i) {
      d.requests[static_cast<std::size_t>(i)] = static_cast<std::uint64_t>(q.integer(2 + i));
    }
    auto sketch = Sketch::decode(q.text(6));
    if (!sketch || !d.set_errors(q.text(7))) {
      throw MetricsError(fmt::format("{}: a {} s window of {} at {} is damaged", file().string(),
                                     step.count(), p.type, q.integer(1)));
    }
    d.service = std::move(*sketch);
    d.restarts = static_cast<std::uint64_t>(q.integer(8));
    d.crashes = static_cast<std::uint64_t>(q.integer(9));
    d.snapshots = static_cast<std::uint64_t>(q.integer(10));
    d.quota_mb = q.real(11);
    int i = 12;
    for (Gauge* g : {&d.dynos, &d.rss_mb, &d.swap_mb, &d.load}) {
      g->sum_of_means = q.real(i++);
      g->max = q.real(i++);
    }
    out.push_back(std::move(p));
  }
  return out;
}

std::vector<Event> MetricsStore::events(SystemTime from, SystemTime to) const {
  std::vector<Event> out;
  if (!db_.is_open()) {
    return out;
  }
  Statement q(db_,
              "SELECT time_ms, kind, type, description FROM events WHERE time_ms >= ? AND "
              "time_ms < ? ORDER BY time_ms, rowid");
  q.bind(1, ms_of(from));
  q.bind(2, ms_of(to));
  while (q.step()) {
    out.push_back(Event{SystemTime(std::chrono::milliseconds(q.integer(0))), q.text(1), q.text(2),
                        q.text(3)});
  }
  return out;
}

}  // namespace lokku::metrics
