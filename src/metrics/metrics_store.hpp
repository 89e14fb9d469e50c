#pragma once
// An app's metrics on disk: `<app dir>/metrics.sqlite`, an SQLite database (WAL, so the API
// and `lokku metrics` read while the platform writes). Bounded: ten-second windows are kept
// for an hour, minutes and events for a day (drains-webhooks-metrics.md §4.1), older rows
// are deleted as new ones come, and SQLite reuses their pages.

#include "metrics/point.hpp"
#include "store/sqlite.hpp"

#include <chrono>
#include <filesystem>
#include <stdexcept>
#include <string_view>
#include <vector>

namespace lokku::metrics {

namespace fs = std::filesystem;

/// A metrics database that cannot be opened, read or written; the message names the file
/// and SQLite's reason (`database or disk is full`).
using MetricsError = store::SqliteError;

inline constexpr std::chrono::seconds kLiveStep{10};
inline constexpr std::chrono::seconds kMinuteStep{60};
inline constexpr std::chrono::hours kLiveRetention{1};
inline constexpr std::chrono::hours kMinuteRetention{24};

class MetricsStore {
 public:
  enum class Mode { write, read };
  /// Opens (`write`: creates) the database. `read` of a file that is not there reads as
  /// empty. Throws MetricsError.
  MetricsStore(fs::path file, Mode mode);
  ~MetricsStore();
  MetricsStore(const MetricsStore&) = delete;
  MetricsStore& operator=(const MetricsStore&) = delete;

  const fs::path& file() const { return db_.file(); }

  /// Writes the windows of `step` (each replacing what the store held for its type and
  /// start) and `events`, in one transaction, then deletes what is past its retention at
  /// `now`. Throws MetricsError (a full disk among other reasons); the store is unchanged then.
  void write(std::chrono::seconds step, const std::vector<Point>& points,
             const std::vector<Event>& events, SystemTime now);
  /// The windows of `step` starting in [from, to), of `type` (empty: all types), by time.
  std::vector<Point> points(std::chrono::seconds step, SystemTime from, SystemTime to,
                            std::string_view type = {}) const;
  /// The events in [from, to), by time.
  std::vector<Event> events(SystemTime from, SystemTime to) const;

 private:
  store::Database db_;
};

}  // namespace lokku::metrics
