#pragma once
// Log drains (drains-webhooks-metrics.md §2): each drain is an spdlog sink of its app's log
// stream (common::AppLog). The sink only buffers (a bounded buffer, newest lines win, losses
// counted for L10); one thread per lokku process delivers every drain's lines, batched, over
// HTTPS with Logplex's framing or over syslog (TCP or TLS), retried as Logplex retries. A
// slow or dead drain therefore never slows the router or a dyno.

#include "drains/drain_url.hpp"
#include "drains/syslog_frame.hpp"

#include <spdlog/sinks/sink.h>

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

namespace lokku::drains {

/// Logplex's numbers (§2.3), shortened by lokku's time scale where the caller wants.
struct DrainTiming {
  std::chrono::milliseconds connect{3000};  ///< connect and TLS handshake
  std::chrono::milliseconds request{5000};  ///< one POST (or one syslog write) whole
  std::chrono::milliseconds retry{1000};    ///< before the second try; twice that before the third
  std::chrono::milliseconds idle{240000};   ///< a connection unused this long is closed
};

/// Lines a drain keeps while it cannot deliver them; past this the oldest go (L10). Logplex
/// keeps 1024, but it is fed line by line; lokku's drains are fed a poll's worth of the app's
/// log file at once (10 000 lines at 50 000 lines/s), which 1024 lost three quarters of
/// (bench/drains.py: 107 237 of 500 000 delivered; 499 740 with 10240).
inline constexpr std::size_t kBufferMessages = 10240;
/// An HTTPS drain's POST body at most (one message more when a single one is longer).
inline constexpr std::size_t kBatchBytes = 102400;
/// Tries of one batch: the first and two retries.
inline constexpr int kTries = 3;

/// Where a drain says what went wrong (a `heroku[logplex]` line of its app).
using Reporter = std::function<void(const std::string& message)>;

/// What a drain has done, for tests and `lokku` commands.
struct DrainStats {
  std::uint64_t delivered = 0;   ///< messages the receiver accepted (L10 frames included)
  std::uint64_t refused = 0;     ///< messages of batches answered 4xx (not 429): dropped
  std::uint64_t failed = 0;      ///< messages of batches that failed every try: dropped
  std::uint64_t overflowed = 0;  ///< messages dropped from a full buffer
  // Every dropped message is reported by the L10 at the head of the next delivered batch.
};

class Drain;

/// The thread every drain of a lokku process delivers from.
class DrainHub {
 public:
  /// `ca_file`: lokku's local CA, trusted beside the system's (a receiver on this machine);
  /// empty: the system's only.
  explicit DrainHub(std::string ca_file, DrainTiming timing = {});
  ~DrainHub();
  DrainHub(const DrainHub&) = delete;
  DrainHub& operator=(const DrainHub&) = delete;

  /// Starts delivering to `url`; add the returned sink to the app's AppLog.
  std::shared_ptr<Drain> start(DrainUrl url, std::string token, Reporter report);

  struct Impl;

 private:
  std::unique_ptr<Impl> impl_;
};

class Drain final : public spdlog::sinks::sink {
 public:
  struct State;
  explicit Drain(std::shared_ptr<State> state);
  ~Drain() override;
  Drain(const Drain&) = delete;
  Drain& operator=(const Drain&) = delete;

  /// spdlog's sink interface: called on the app log's worker with a record (a batch of
  /// lines); frames and buffers them, never waits for the network.
  void log(const spdlog::details::log_msg& msg) override;
  void flush() override {}
  void set_pattern(const std::string&) override {}
  void set_formatter(std::unique_ptr<spdlog::formatter>) override {}

  /// Stops delivering (a removed drain): what is buffered is dropped; a request under way
  /// ends at its timeout.
  void stop();

  const DrainUrl& url() const;
  const std::string& token() const;
  DrainStats stats() const;

 private:
  std::shared_ptr<State> state_;
};

}  // namespace lokku::drains
