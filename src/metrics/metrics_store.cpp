#include "metrics/metrics_store.hpp"

#include <fmt/format.h>

#include <sqlite3.h>
#include <string>
#include <system_error>

namespace lokku::metrics {

namespace {

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

/// One prepared statement, finalized when it goes.
class Statement {
 public:
  Statement(sqlite3* db, const char* sql) {
    if (sqlite3_prepare_v2(db, sql, -1, &stmt_, nullptr) != SQLITE_OK) {
      stmt_ = nullptr;
    }
  }
  ~Statement() { sqlite3_finalize(stmt_); }
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;
  explicit operator bool() const { return stmt_ != nullptr; }
  sqlite3_stmt* get() const { return stmt_; }

  void bind(int i, std::int64_t v) { sqlite3_bind_int64(stmt_, i, v); }
  void bind(int i, double v) { sqlite3_bind_double(stmt_, i, v); }
  void bind(int i, std::string_view v) {
    // An empty view may have no data: that would bind NULL, not ''.
    sqlite3_bind_text(stmt_, i, v.empty() ? "" : v.data(), static_cast<int>(v.size()),
                      SQLITE_TRANSIENT);
  }
  std::int64_t integer(int i) const { return sqlite3_column_int64(stmt_, i); }
  double real(int i) const { return sqlite3_column_double(stmt_, i); }
  std::string text(int i) const {
    const auto* p = sqlite3_column_text(stmt_, i);
    return p ? std::string(reinterpret_cast<const char*>(p),
                           static_cast<std::size_t>(sqlite3_column_bytes(stmt_, i)))
             : std::string();
  }

 private:
  sqlite3_stmt* stmt_ = nullptr;
};

}  // namespace

MetricsStore::MetricsStore(fs::path file, Mode mode) : file_(std::move(file)) {
  if (mode == Mode::read) {
    std::error_code ec;
    if (!fs::exists(file_, ec)) {
      return;  // nothing measured yet
    }
  }
  const int flags =
      mode == Mode::read ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE;
  if (sqlite3_open_v2(file_.c_str(), &db_, flags | SQLITE_OPEN_NOMUTEX, nullptr) != SQLITE_OK) {
    std::string why = db_ ? sqlite3_errmsg(db_) : "out of memory";
    sqlite3_close(db_);
    db_ = nullptr;
    throw MetricsError(fmt::format("{}: {}", file_.string(), why));
  }
  try {
    sqlite3_busy_timeout(db_, 2000);
    if (mode == Mode::write) {
      exec("PRAGMA journal_mode=WAL");
      exec("PRAGMA synchronous=NORMAL");
      exec(kSchema);
    }
  } catch (...) {
    sqlite3_close(db_);
    db_ = nullptr;
    throw;
  }
}

MetricsStore::~MetricsStore() {
  sqlite3_close(db_);
}

void MetricsStore::fail(std::string_view what) const {
  throw MetricsError(fmt::format("{}: {}: {}", file_.string(), what, sqlite3_errmsg(db_)));
}

void MetricsStore::exec(const char* sql) {
  if (sqlite3_exec(db_, sql, nullptr, nullptr, nullptr) != SQLITE_OK) {
    fail("cannot write");
  }
}

void MetricsStore::write(std::chrono::seconds step, const std::vector<Point>& points,
                         const std::vector<Event>& events, SystemTime now) {
  if (!db_) {
    return;
  }
  exec("BEGIN IMMEDIATE");
  try {
    Statement put(db_,
                  "INSERT OR REPLACE INTO points VALUES "
                  "(?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)");
    if (!put) {
      fail("cannot write");
    }
    for (const auto& p : points) {
      const auto& d = p.data;
      sqlite3_reset(put.get());
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
      if (sqlite3_step(put.get()) != SQLITE_DONE) {
        fail("cannot write");
      }
    }
    Statement add(db_, "INSERT INTO events VALUES (?,?,?,?)");
    if (!add) {
      fail("cannot write");
    }
    for (const auto& e : events) {
      sqlite3_reset(add.get());
      add.bind(1, ms_of(e.time));
      add.bind(2, e.kind);
      add.bind(3, e.type);
      add.bind(4, e.description);
      if (sqlite3_step(add.get()) != SQLITE_DONE) {
        fail("cannot write");
      }
    }
    Statement prune(db_,
                    "DELETE FROM points WHERE (step = ?1 AND start < ?2) OR (step = ?3 AND start "
                    "< ?4)");
    if (!prune) {
      fail("cannot write");
    }
    prune.bind(1, static_cast<std::int64_t>(kLiveStep.count()));
    prune.bind(2, seconds_of(now - kLiveRetention));
    prune.bind(3, static_cast<std::int64_t>(kMinuteStep.count()));
    prune.bind(4, seconds_of(now - kMinuteRetention));
    if (sqlite3_step(prune.get()) != SQLITE_DONE) {
      fail("cannot write");
    }
    Statement forget(db_, "DELETE FROM events WHERE time_ms < ?");
    if (!forget) {
      fail("cannot write");
    }
    forget.bind(1, ms_of(now - kMinuteRetention));
    if (sqlite3_step(forget.get()) != SQLITE_DONE) {
      fail("cannot write");
    }
    exec("COMMIT");
  } catch (...) {
    sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
    throw;
  }
}

std::vector<Point> MetricsStore::points(std::chrono::seconds step, SystemTime from, SystemTime to,
                                        std::string_view type) const {
  std::vector<Point> out;
  if (!db_) {
    return out;
  }
  Statement q(db_,
              "SELECT type, start, r2xx, r3xx, r4xx, r5xx, service, errors, restarts, crashes, "
              "snapshots, quota_mb, dynos_sum, dynos_max, rss_sum, rss_max, swap_sum, swap_max, "
              "load_sum, load_max FROM points WHERE step = ?1 AND start >= ?2 AND start < ?3 "
              "AND (?4 = '' OR type = ?4) ORDER BY start, type");
  if (!q) {
    fail("cannot read");
  }
  q.bind(1, static_cast<std::int64_t>(step.count()));
  q.bind(2, seconds_of(from));
  q.bind(3, seconds_of(to));
  q.bind(4, type);
  int rc;
  while ((rc = sqlite3_step(q.get())) == SQLITE_ROW) {
    Point p;
    p.type = q.text(0);
    p.start = SystemTime(std::chrono::seconds(q.integer(1)));
    auto& d = p.data;
    for (int i = 0; i < 4; ++i) {
      d.requests[static_cast<std::size_t>(i)] = static_cast<std::uint64_t>(q.integer(2 + i));
    }
    auto sketch = Sketch::decode(q.text(6));
    if (!sketch || !d.set_errors(q.text(7))) {
      throw MetricsError(fmt::format("{}: a {} s window of {} at {} is damaged", file_.string(),
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
  if (rc != SQLITE_DONE) {
    fail("cannot read");
  }
  return out;
}

std::vector<Event> MetricsStore::events(SystemTime from, SystemTime to) const {
  std::vector<Event> out;
  if (!db_) {
    return out;
  }
  Statement q(db_,
              "SELECT time_ms, kind, type, description FROM events WHERE time_ms >= ? AND "
              "time_ms < ? ORDER BY time_ms, rowid");
  if (!q) {
    fail("cannot read");
  }
  q.bind(1, ms_of(from));
  q.bind(2, ms_of(to));
  int rc;
  while ((rc = sqlite3_step(q.get())) == SQLITE_ROW) {
    out.push_back(Event{SystemTime(std::chrono::milliseconds(q.integer(0))), q.text(1), q.text(2),
                        q.text(3)});
  }
  if (rc != SQLITE_DONE) {
    fail("cannot read");
  }
  return out;
}

}  // namespace lokku::metrics
