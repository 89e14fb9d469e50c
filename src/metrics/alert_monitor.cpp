#include "metrics/alert_monitor.hpp"

#include "metrics/point.hpp"

#include <algorithm>

namespace lokku::metrics {

std::optional<double> AlertMinute::value(AlertKind kind) const {
  if (requests == 0) {
    return std::nullopt;
  }
  if (kind == AlertKind::error_rate) {
    return 100.0 * static_cast<double>(failed) / static_cast<double>(requests);
  }
  if (service.count() == 0) {
    return std::nullopt;
  }
  return service.quantile(0.95);
}

AlertMonitor::AlertMonitor(Clock clock) : clock_(std::move(clock)) {
  const auto t = clock_ ? clock_() : std::chrono::system_clock::now();
  open_start_ = window_start(t, std::chrono::minutes(1));
}

void AlertMonitor::set_rules(std::vector<AlertRule> rules,
                             const std::map<std::string, bool>& firing) {
  std::lock_guard lock(mu_);
  std::map<std::string, bool> kept;
  for (const auto& r : rules) {
    auto was = std::find_if(rules_.begin(), rules_.end(), [&](const AlertRule& x) {
      return x.id == r.id && x.kind == r.kind && x.threshold == r.threshold &&
             x.sensitivity == r.sensitivity;
    });
    if (was != rules_.end()) {
      kept[r.id] = firing_[r.id];
    } else if (auto f = firing.find(r.id); f != firing.end()) {
      kept[r.id] = f->second;  // as the store last recorded it (a restarted platform)
    }
  }
  rules_ = std::move(rules);
  firing_ = std::move(kept);
}

void AlertMonitor::roll(SystemTime t) {
  const auto start = window_start(t, std::chrono::minutes(1));
  if (start <= open_start_) {
    return;
  }
  const auto ended = std::chrono::duration_cast<std::chrono::minutes>(start - open_start_).count();
  closed_.push_front(std::move(open_));
  open_ = AlertMinute{};
  // The minutes after it that nobody asked for were empty.
  for (std::int64_t i = 1; i < ended && i <= static_cast<std::int64_t>(kMaxSensitivity); ++i) {
    closed_.push_front(AlertMinute{});
  }
  while (closed_.size() > kMaxSensitivity) {
    closed_.pop_back();
  }
  open_start_ = start;
  unevaluated_ += static_cast<std::size_t>(ended);
  minutes_closed_ += static_cast<std::size_t>(ended);
}

std::size_t AlertMonitor::minutes_closed() const {
  std::lock_guard lock(mu_);
  return minutes_closed_;
}

std::deque<AlertMinute> AlertMonitor::recent() const {
  std::lock_guard lock(mu_);
  return closed_;
}

void AlertMonitor::request(int status, double service_ms, std::string_view /*code*/) {
  const auto t = clock_ ? clock_() : std::chrono::system_clock::now();
  std::lock_guard lock(mu_);
  roll(t);
  ++open_.requests;
  if (status >= 500) {
    ++open_.failed;
  }
  if (service_ms >= 0) {
    open_.service.add(service_ms);
  }
}

std::vector<AlertChange> AlertMonitor::tick() {
  const auto t = clock_ ? clock_() : std::chrono::system_clock::now();
  std::lock_guard lock(mu_);
  roll(t);
  std::vector<AlertChange> out;
  if (unevaluated_ == 0) {
    return out;
  }
  unevaluated_ = 0;
  for (const auto& r : rules_) {
    auto breached = [&](const AlertMinute& m) {
      auto v = m.value(r.kind);
      return v && *v >= r.threshold;
    };
    const auto n = static_cast<std::size_t>(std::clamp(r.sensitivity, 1, 10));
    bool& firing = firing_[r.id];
    const double latest = closed_.empty() ? 0 : closed_.front().value(r.kind).value_or(0);
    if (!firing && closed_.size() >= n &&
        std::all_of(closed_.begin(), closed_.begin() + static_cast<std::ptrdiff_t>(n), breached)) {
      firing = true;
      out.push_back({r, true, latest});
    } else if (firing && !closed_.empty() && closed_.front().value(r.kind) &&
               !breached(closed_.front())) {
      // (A minute without requests says nothing: it neither fires nor resolves.)
      firing = false;
      out.push_back({r, false, latest});
    }
  }
  return out;
}

std::optional<AlertKind> parse_alert_kind(std::string_view name) {
  if (name == "latency") {
    return AlertKind::latency;
  }
  if (name == "error-rate") {
    return AlertKind::error_rate;
  }
  return std::nullopt;
}

const char* alert_kind_name(AlertKind kind) {
  return kind == AlertKind::latency ? "latency" : "error-rate";
}

}  // namespace lokku::metrics
