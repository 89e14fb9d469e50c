#include "webhooks/delivery_store.hpp"

#include <fmt/format.h>

namespace lokku::webhooks {

namespace {

using store::Statement;

constexpr std::string_view kWrite = "cannot write";

constexpr const char* kSchema = R"sql(
CREATE TABLE IF NOT EXISTS events (
  id TEXT PRIMARY KEY, include TEXT NOT NULL, created_at TEXT NOT NULL,
  created_ms INTEGER NOT NULL, payload TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS deliveries (
  id TEXT PRIMARY KEY, event_id TEXT NOT NULL, include TEXT NOT NULL, webhook_id TEXT NOT NULL,
  level TEXT NOT NULL, status TEXT NOT NULL, num_attempts INTEGER NOT NULL,
  next_attempt_ms INTEGER, created_at TEXT NOT NULL, updated_at TEXT NOT NULL,
  created_ms INTEGER NOT NULL,
  attempt_id TEXT, attempt_code INTEGER, attempt_error TEXT, attempt_status TEXT,
  attempt_at TEXT);
CREATE INDEX IF NOT EXISTS deliveries_due ON deliveries (status, next_attempt_ms);
)sql";

constexpr const char* kDeliveryColumns =
    "id, event_id, include, webhook_id, level, status, num_attempts, next_attempt_ms, "
    "created_at, updated_at, created_ms, attempt_id, attempt_code, attempt_error, "
    "attempt_status, attempt_at";

Delivery delivery_of(const Statement& q) {
  Delivery d;
  d.id = q.text(0);
  d.event_id = q.text(1);
  d.include = q.text(2);
  d.webhook_id = q.text(3);
  d.level = q.text(4);
  d.status = q.text(5);
  d.num_attempts = static_cast<int>(q.integer(6));
  if (!q.is_null(7)) {
    d.next_attempt_ms = q.integer(7);
  }
  d.created_at = q.text(8);
  d.updated_at = q.text(9);
  d.created_ms = q.integer(10);
  if (!q.is_null(11)) {
    Attempt a;
    a.id = q.text(11);
    if (!q.is_null(12)) {
      a.code = static_cast<int>(q.integer(12));
    }
    a.error_class = q.text(13);
    a.status = q.text(14);
    a.created_at = q.text(15);
    d.last_attempt = std::move(a);
  }
  return d;
}

Event event_of(const Statement& q) {
  return Event{q.text(0), q.text(1), q.text(2), q.text(4), q.integer(3)};
}

}  // namespace

DeliveryStore::DeliveryStore(std::filesystem::path file, Mode mode)
    : db_(std::move(file),
          mode == Mode::read ? store::Database::Mode::read : store::Database::Mode::write,
          kSchema) {}

void DeliveryStore::add(const Event& event, const std::vector<Delivery>& deliveries) {
  store::Database::Transaction txn(db_);
  {
    Statement e(db_, "INSERT INTO events VALUES (?,?,?,?,?)", kWrite);
    e.bind(1, event.id);
    e.bind(2, event.include);
    e.bind(3, event.created_at);
    e.bind(4, event.created_ms);
    e.bind(5, event.payload);
    e.run();
    Statement d(db_,
                "INSERT INTO deliveries (id, event_id, include, webhook_id, level, status, "
                "num_attempts, next_attempt_ms, created_at, updated_at, created_ms) "
                "VALUES (?,?,?,?,?,'pending',0,?,?,?,?)",
                kWrite);
    for (const auto& x : deliveries) {
      d.reset();
      d.bind(1, x.id);
      d.bind(2, event.id);
      d.bind(3, event.include);
      d.bind(4, x.webhook_id);
      d.bind(5, x.level);
      d.bind(6, event.created_ms);
      d.bind(7, event.created_at);
      d.bind(8, event.created_at);
      d.bind(9, event.created_ms);
      d.run();
    }
  }
  txn.commit();
}

std::vector<Delivery> DeliveryStore::select_deliveries(
    const char* where, const std::function<void(Statement&)>& bind) const {
  std::vector<Delivery> out;
  if (!db_.is_open()) {
    return out;
  }
  auto sql = fmt::format("SELECT {} FROM deliveries WHERE {}", kDeliveryColumns, where);
  Statement q(db_, sql.c_str());
  bind(q);
  while (q.step()) {
    out.push_back(delivery_of(q));
  }
  return out;
}

std::vector<Delivery> DeliveryStore::due(std::int64_t now_ms) const {
  return select_deliveries(
      "status IN ('pending', 'retrying') AND next_attempt_ms <= ?1 ORDER BY created_ms, rowid",
      [&](Statement& q) { q.bind(1, now_ms); });
}

std::vector<Delivery> DeliveryStore::deliveries(const std::string& status) const {
  return select_deliveries("(?1 = '' OR status = ?1) ORDER BY created_ms DESC, rowid DESC",
                           [&](Statement& q) { q.bind(1, status); });
}

std::optional<Delivery> DeliveryStore::delivery(const std::string& id) const {
  auto found = select_deliveries("id = ?1", [&](Statement& q) { q.bind(1, id); });
  if (found.empty()) {
    return std::nullopt;
  }
  return found.front();
}

void DeliveryStore::record(const std::string& delivery_id, const Attempt& attempt,
                           const std::string& status, std::optional<std::int64_t> next_ms,
                           const std::string& updated_at) {
  Statement q(db_,
              "UPDATE deliveries SET status = ?2, num_attempts = num_attempts + 1, "
              "next_attempt_ms = ?3, updated_at = ?4, attempt_id = ?5, attempt_code = ?6, "
              "attempt_error = ?7, attempt_status = ?8, attempt_at = ?9 WHERE id = ?1",
              kWrite);
  q.bind(1, delivery_id);
  q.bind(2, status);
  if (next_ms) {
    q.bind(3, *next_ms);
  } else {
    q.bind_null(3);
  }
  q.bind(4, updated_at);
  q.bind(5, attempt.id);
  if (attempt.code) {
    q.bind(6, static_cast<std::int64_t>(*attempt.code));
  } else {
    q.bind_null(6);
  }
  q.bind(7, attempt.error_class);
  q.bind(8, attempt.status);
  q.bind(9, attempt.created_at);
  q.run();
}

void DeliveryStore::prune(std::int64_t now_ms) {
  const std::int64_t before =
      now_ms - std::chrono::duration_cast<std::chrono::milliseconds>(kKeepFor).count();
  store::Database::Transaction txn(db_);
  for (const char* sql :
       {"DELETE FROM deliveries WHERE created_ms < ?", "DELETE FROM events WHERE created_ms < ?"}) {
    Statement q(db_, sql, kWrite);
    q.bind(1, before);
    q.run();
  }
  txn.commit();
}

std::vector<Event> DeliveryStore::events() const {
  std::vector<Event> out;
  if (!db_.is_open()) {
    return out;
  }
  Statement q(db_,
              "SELECT id, include, created_at, created_ms, payload FROM events ORDER BY "
              "created_ms DESC, rowid DESC");
  while (q.step()) {
    out.push_back(event_of(q));
  }
  return out;
}

std::optional<Event> DeliveryStore::event(const std::string& id) const {
  if (!db_.is_open()) {
    return std::nullopt;
  }
  Statement q(db_, "SELECT id, include, created_at, created_ms, payload FROM events WHERE id = ?");
  q.bind(1, id);
  if (!q.step()) {
    return std::nullopt;
  }
  return event_of(q);
}

}  // namespace lokku::webhooks
