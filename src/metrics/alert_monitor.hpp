#pragma once
// Threshold alerting as Heroku's (drains-webhooks-metrics.md §4.1, issue #22 point 2): on the
// web process type, a p95 response-time ceiling or a failed-request (5xx, H-codes among them)
// rate ceiling, with a sensitivity of 1, 5 or 10 minutes. An alert fires when every one of the
// last `sensitivity` whole minutes breached its threshold, and is resolved by the first whole
// minute back under it. Minutes go by the monitor's clock (the platform's, so `--time-scale`
// shortens them); a minute without requests neither breaches nor resolves anything.

#include "common/web_dyno_feed.hpp"
#include "metrics/sketch.hpp"

#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

namespace lokku::metrics {

using SystemTime = std::chrono::system_clock::time_point;

enum class AlertKind { latency, error_rate };

struct AlertRule {
  std::string id;
  AlertKind kind = AlertKind::latency;
  double threshold = 0;  ///< latency: p95 ms; error_rate: percent of requests
  int sensitivity = 1;   ///< minutes: 1, 5 or 10
};

/// What an alert watched in one minute.
struct AlertMinute {
  std::uint64_t requests = 0;
  std::uint64_t failed = 0;  ///< answered 5xx
  Sketch service;
  /// The minute's value of the kind's measure; none without requests.
  std::optional<double> value(AlertKind kind) const;
};

struct AlertChange {
  AlertRule rule;
  bool firing = false;  ///< false: resolved
  double value = 0;     ///< the latest minute's measure
};

class AlertMonitor final : public common::RequestObserver {
 public:
  using Clock = std::function<SystemTime()>;
  explicit AlertMonitor(Clock clock = {});

  /// The app's alerts; those already watched keep their state when unchanged.
  void set_rules(std::vector<AlertRule> rules, const std::map<std::string, bool>& firing = {});
  /// A request the router answered (web).
  void request(int status, double service_ms, std::string_view code) override;
  /// Closes the minutes that ended; the alerts that fired or were resolved by them.
  std::vector<AlertChange> tick();
  /// How many minutes have closed so far (it changes once a minute), and the latest of them,
  /// newest first (at most kMaxSensitivity): what autoscaling decides on.
  std::size_t minutes_closed() const;
  std::deque<AlertMinute> recent() const;

  static constexpr std::size_t kMaxSensitivity = 10;

 private:
  void roll(SystemTime t);  ///< under mu_

  Clock clock_;
  mutable std::mutex mu_;
  std::size_t minutes_closed_ = 0;
  SystemTime open_start_;
  AlertMinute open_;
  std::deque<AlertMinute> closed_;  ///< newest first, at most kMaxSensitivity
  std::size_t unevaluated_ = 0;     ///< closed minutes tick() has not looked at yet
  std::vector<AlertRule> rules_;
  std::map<std::string, bool> firing_;  ///< by rule id
};

/// `latency` / `error-rate` as the commands and the store name them.
std::optional<AlertKind> parse_alert_kind(std::string_view name);
const char* alert_kind_name(AlertKind kind);

}  // namespace lokku::metrics
