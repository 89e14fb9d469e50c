#include "store/sqlite.hpp"

#include <fmt/format.h>

#include <sqlite3.h>
#include <system_error>

namespace lokku::store {

Database::Database(std::filesystem::path file, Mode mode, const char* schema)
    : file_(std::move(file)) {
  if (mode == Mode::read) {
    std::error_code ec;
    if (!std::filesystem::exists(file_, ec)) {
      return;  // nothing written yet
    }
  }
  const int flags =
      mode == Mode::read ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE;
  if (sqlite3_open_v2(file_.c_str(), &db_, flags | SQLITE_OPEN_NOMUTEX, nullptr) != SQLITE_OK) {
    std::string why = db_ ? sqlite3_errmsg(db_) : "out of memory";
    sqlite3_close(db_);
    db_ = nullptr;
    throw SqliteError(fmt::format("{}: {}", file_.string(), why));
  }
  try {
    sqlite3_busy_timeout(db_, 2000);
    if (mode == Mode::write) {
      exec("PRAGMA journal_mode=WAL");
      exec("PRAGMA synchronous=NORMAL");
      if (schema) {
        exec(schema);
      }
    }
  } catch (...) {
    sqlite3_close(db_);
    db_ = nullptr;
    throw;
  }
}

Database::~Database() {
  sqlite3_close(db_);
}

void Database::fail(std::string_view what) const {
  throw SqliteError(fmt::format("{}: {}: {}", file_.string(), what, sqlite3_errmsg(db_)));
}

void Database::exec(const char* sql) {
  if (sqlite3_exec(db_, sql, nullptr, nullptr, nullptr) != SQLITE_OK) {
    fail("cannot write");
  }
}

Database::Transaction::Transaction(Database& db) : db_(db) {
  db_.exec("BEGIN IMMEDIATE");
}

Database::Transaction::~Transaction() {
  if (!done_) {
    sqlite3_exec(db_.get(), "ROLLBACK", nullptr, nullptr, nullptr);
  }
}

void Database::Transaction::commit() {
  db_.exec("COMMIT");
  done_ = true;
}

Statement::Statement(const Database& db, const char* sql, std::string_view what)
    : db_(db), what_(what) {
  if (sqlite3_prepare_v2(db.get(), sql, -1, &stmt_, nullptr) != SQLITE_OK) {
    stmt_ = nullptr;
    db_.fail(what_);
  }
}

Statement::~Statement() {
  sqlite3_finalize(stmt_);
}

void Statement::bind(int i, std::int64_t v) {
  sqlite3_bind_int64(stmt_, i, v);
}

void Statement::bind(int i, double v) {
  sqlite3_bind_double(stmt_, i, v);
}

void Statement::bind(int i, std::string_view v) {
  // An empty view may have no data: that would bind NULL, not ''.
  sqlite3_bind_text(stmt_, i, v.empty() ? "" : v.data(), static_cast<int>(v.size()),
                    SQLITE_TRANSIENT);
}

void Statement::bind_null(int i) {
  sqlite3_bind_null(stmt_, i);
}

bool Statement::step() {
  const int rc = sqlite3_step(stmt_);
  if (rc == SQLITE_ROW) {
    return true;
  }
  if (rc != SQLITE_DONE) {
    db_.fail(what_);
  }
  return false;
}

void Statement::run() {
  if (sqlite3_step(stmt_) != SQLITE_DONE) {
    db_.fail(what_);
  }
}

void Statement::reset() {
  sqlite3_reset(stmt_);
}

std::int64_t Statement::integer(int i) const {
  return sqlite3_column_int64(stmt_, i);
}

double Statement::real(int i) const {
  return sqlite3_column_double(stmt_, i);
}

std::string Statement::text(int i) const {
  const auto* p = sqlite3_column_text(stmt_, i);
  return p ? std::string(reinterpret_cast<const char*>(p),
                         static_cast<std::size_t>(sqlite3_column_bytes(stmt_, i)))
           : std::string();
}

bool Statement::is_null(int i) const {
  return sqlite3_column_type(stmt_, i) == SQLITE_NULL;
}

}  // namespace lokku::store
