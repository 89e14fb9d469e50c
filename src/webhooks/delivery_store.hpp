#pragma once
// An app's webhook events and their deliveries on disk: `<app dir>/webhooks.sqlite` (the
// store's SQLite, store/sqlite.hpp). The platform's webhook service writes; the API reads
// (`webhook-deliveries`, `webhook-events`). Bounded: what is older than kKeepFor goes.

#include "store/sqlite.hpp"

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace lokku::webhooks {

/// Kept this long from their event (a sync delivery is retried for 72 h; a week more to read).
inline constexpr std::chrono::hours kKeepFor{24 * 7};

struct Event {
  std::string id;
  std::string include;  ///< api:release, ...
  std::string created_at;
  std::string payload;  ///< JSON: action, actor, data, previous_data, resource, version
  std::int64_t created_ms = 0;
};

struct Attempt {
  std::string id;
  std::optional<int> code;  ///< the receiver's status; none when it did not answer
  std::string error_class;  ///< why it failed without a status (Timeout, ...), else empty
  std::string status;       ///< succeeded | failed
  std::string created_at;
};

struct Delivery {
  std::string id;
  std::string event_id;
  std::string include;
  std::string webhook_id;
  std::string level;
  std::string status;  ///< pending | retrying | succeeded | failed
  int num_attempts = 0;
  std::optional<std::int64_t> next_attempt_ms;  ///< on the system clock
  std::string created_at;
  std::string updated_at;
  std::optional<Attempt> last_attempt;
  std::int64_t created_ms = 0;
};

class DeliveryStore {
 public:
  enum class Mode { write, read };
  /// Throws store::SqliteError naming the file.
  DeliveryStore(std::filesystem::path file, Mode mode);

  /// The event and one pending delivery per webhook, due at once, in one transaction.
  void add(const Event& event, const std::vector<Delivery>& deliveries);
  /// Deliveries pending or retrying whose time has come, oldest first.
  std::vector<Delivery> due(std::int64_t now_ms) const;
  /// An attempt's outcome; `next_ms` set: retrying then, else finished.
  void record(const std::string& delivery_id, const Attempt& attempt, const std::string& status,
              std::optional<std::int64_t> next_ms, const std::string& updated_at);
  /// Deletes what is past kKeepFor at `now_ms`.
  void prune(std::int64_t now_ms);

  /// Newest first; `status` empty: all.
  std::vector<Delivery> deliveries(const std::string& status = {}) const;
  std::optional<Delivery> delivery(const std::string& id) const;
  /// Newest first.
  std::vector<Event> events() const;
  std::optional<Event> event(const std::string& id) const;

 private:
  /// The deliveries matching `where`, its parameters bound by `bind`.
  std::vector<Delivery> select_deliveries(const char* where,
                                          const std::function<void(store::Statement&)>& bind) const;
  store::Database db_;
};

}  // namespace lokku::webhooks
