#pragma once
// An SQLite database of the store (the metrics of an app, its webhook deliveries): opened in
// WAL mode when written, so the API and `lokku` commands read while the platform writes.
// Every failure is an SqliteError naming the file, what was being done and SQLite's reason
// (`database or disk is full`).

#include <cstdint>
#include <filesystem>
#include <stdexcept>
#include <string>
#include <string_view>

struct sqlite3;
struct sqlite3_stmt;

namespace lokku::store {

class SqliteError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

class Database {
 public:
  enum class Mode { write, read };
  /// Opens the database (`write`: creates it and runs `schema`). `read` of a file that is not
  /// there leaves it closed: every query of it reads as empty.
  Database(std::filesystem::path file, Mode mode, const char* schema = nullptr);
  ~Database();
  Database(const Database&) = delete;
  Database& operator=(const Database&) = delete;

  bool is_open() const { return db_ != nullptr; }
  const std::filesystem::path& file() const { return file_; }
  sqlite3* get() const { return db_; }
  /// Runs statements without results; throws "cannot write".
  void exec(const char* sql);
  [[noreturn]] void fail(std::string_view what) const;

  /// BEGIN IMMEDIATE … COMMIT, rolled back when left by an exception.
  class Transaction {
   public:
    explicit Transaction(Database& db);
    ~Transaction();
    Transaction(const Transaction&) = delete;
    Transaction& operator=(const Transaction&) = delete;
    void commit();

   private:
    Database& db_;
    bool done_ = false;
  };

 private:
  std::filesystem::path file_;
  sqlite3* db_ = nullptr;
};

/// One prepared statement, finalized when it goes.
class Statement {
 public:
  /// Throws SqliteError (`what`: "cannot read" or "cannot write") when SQLite refuses it.
  Statement(const Database& db, const char* sql, std::string_view what = "cannot read");
  ~Statement();
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;

  void bind(int i, std::int64_t v);
  void bind(int i, double v);
  void bind(int i, std::string_view v);
  void bind_null(int i);
  /// The next row: true while there is one; throws on an error.
  bool step();
  /// Runs a statement without rows; throws unless it completes.
  void run();
  /// Ready to be bound and run again.
  void reset();

  std::int64_t integer(int i) const;
  double real(int i) const;
  std::string text(int i) const;
  bool is_null(int i) const;

 private:
  const Database& db_;
  std::string what_;
  sqlite3_stmt* stmt_ = nullptr;
};

}  // namespace lokku::store
