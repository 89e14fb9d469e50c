#include "metrics/app_metrics.hpp"

#include <algorithm>

namespace lokku::metrics {

namespace {}  // namespace

AppMetrics::AppMetrics(std::unique_ptr<MetricsStore> store, Reporter report, Clock clock)
    : store_(std::move(store)), report_(std::move(report)), clock_(std::move(clock)) {
  const auto t = now();
  live_.start = window_start(t, kLiveStep);
  minute_.start = window_start(t, kMinuteStep);
  try {
    for (auto* w : {&live_, &minute_}) {
      const auto step = w == &live_ ? kLiveStep : kMinuteStep;
      for (auto& p : store_->points(step, w->start, w->start + step)) {
        w->types[p.type] = std::move(p.data);
      }
    }
  } catch (const MetricsError& e) {
    failing_ = true;
    if (report_) {
      report_(e.what());
    }
  }
}

SystemTime AppMetrics::now() const {
  return clock_ ? clock_() : std::chrono::system_clock::now();
}

void AppMetrics::snapshot_into(std::map<std::string, TypePoint>& types) const {
  struct Acc {
    double n = 0, rss = 0, rss_max = 0, swap = 0, swap_max = 0, load = 0, load_max = 0, quota = 0;
  };
  std::map<std::string, Acc> by_type;
  for (const auto& [dyno, s] : samples_) {
    auto& a = by_type[s.type];
    a.n += 1;
    a.rss += s.rss_mb;
    a.rss_max = std::max(a.rss_max, s.rss_mb);
    a.swap += s.swap_mb;
    a.swap_max = std::max(a.swap_max, s.swap_mb);
    a.load += s.load;
    a.load_max = std::max(a.load_max, s.load);
    a.quota = std::max(a.quota, s.quota_mb);
  }
  for (const auto& [type, a] : by_type) {
    types[type].snapshot(a.n, a.rss / a.n, a.rss_max, a.swap / a.n, a.swap_max, a.load / a.n,
                         a.load_max, a.quota);
  }
}

void AppMetrics::roll(std::chrono::seconds step, SystemTime t) {
  Window& w = step == kLiveStep ? live_ : minute_;
  const auto start = window_start(t, step);
  if (start <= w.start) {
    return;
  }
  if (step == kLiveStep) {
    // The closing ten seconds get their snapshot of the dynos, and so does their minute.
    snapshot_into(w.types);
    if (window_start(w.start, kMinuteStep) == minute_.start) {
      snapshot_into(minute_.types);
    }
  }
  if (!w.types.empty()) {
    closed_.emplace_back(step, std::move(w));
  }
  w = Window{start, {}};
}

template <typename F>
void AppMetrics::both(SystemTime t, const std::string& type, F&& f) {
  roll(kLiveStep, t);
  roll(kMinuteStep, t);
  f(live_.types[type]);
  f(minute_.types[type]);
}

void AppMetrics::request(int status, double service_ms, std::string_view code) {
  static const std::string kWeb = "web";  // the router serves web dynos only
  const auto t = now();
  const auto cls = static_cast<std::size_t>(status_class(status));
  std::lock_guard lock(mu_);
  both(t, kWeb, [&](TypePoint& p) {
    ++p.requests[cls];
    if (service_ms >= 0) {
      p.service.add(service_ms);
    }
    if (!code.empty()) {
      ++p.errors[std::string(code)];
    }
  });
}

void AppMetrics::sample(const std::string& dyno, const std::string& type, double rss_mb,
                        double swap_mb, double load, double quota_mb, const void* life) {
  std::lock_guard lock(mu_);
  samples_[dyno] = Sample{type, rss_mb, swap_mb, load, quota_mb, life};
}

void AppMetrics::dyno_stopped(const std::string& dyno, const void* life) {
  std::lock_guard lock(mu_);
  auto it = samples_.find(dyno);
  if (it != samples_.end() && (!life || !it->second.life || it->second.life == life)) {
    samples_.erase(it);
  }
}

void AppMetrics::error(const std::string& type, const std::string& code) {
  const auto t = now();
  std::lock_guard lock(mu_);
  both(t, type, [&](TypePoint& p) { ++p.errors[code]; });
}

void AppMetrics::restarted(const std::string& type) {
  const auto t = now();
  std::lock_guard lock(mu_);
  both(t, type, [](TypePoint& p) { ++p.restarts; });
}

void AppMetrics::crashed(const std::string& type, const std::string& dyno) {
  const auto t = now();
  std::lock_guard lock(mu_);
  both(t, type, [](TypePoint& p) { ++p.crashes; });
  events_.push_back(Event{t, "crash", type, dyno + " crashed"});
}

void AppMetrics::event(std::string kind, std::string type, std::string description) {
  const auto t = now();
  std::lock_guard lock(mu_);
  events_.push_back(Event{t, std::move(kind), std::move(type), std::move(description)});
}

void AppMetrics::sampled(const dyno::DynoSpec& d, const dyno::MemorySample& m, double load_1m) {
  // A dyno's spec lives in its Dyno, one per life: its address tells the lives apart.
  sample(d.name, d.type, m.rss_mb, m.swap_mb, load_1m, static_cast<double>(d.size.quota_mb), &d);
}

void AppMetrics::crashed(const dyno::DynoSpec& d) {
  crashed(d.type, d.name);
}

void AppMetrics::restarted(const dyno::DynoSpec& d) {
  restarted(d.type);
}

void AppMetrics::stopped(const dyno::DynoSpec& d) {
  dyno_stopped(d.name, &d);
}

void AppMetrics::error(const dyno::DynoSpec& d, std::string_view code) {
  error(d.type, std::string(code));
}

std::vector<Point> AppMetrics::points_of(const Window& w) {
  std::vector<Point> out;
  for (const auto& [type, data] : w.types) {
    out.push_back(Point{w.start, type, data});
  }
  return out;
}

bool AppMetrics::tick(std::chrono::nanoseconds every) {
  const auto t = now();
  const auto steady = std::chrono::steady_clock::now();
  std::vector<Point> live, minutes;
  std::vector<Event> events;
  {
    std::lock_guard lock(mu_);
    roll(kLiveStep, t);
    roll(kMinuteStep, t);
    if (last_write_ && steady - *last_write_ < every) {
      return !failing_;
    }
    last_write_ = steady;
    for (auto& [step, w] : closed_) {
      auto pts = points_of(w);
      auto& into = step == kLiveStep ? live : minutes;
      into.insert(into.end(), pts.begin(), pts.end());
    }
    closed_.clear();
    // The open windows as they stand, with the dynos as they are now.
    Window open_live = live_;
    Window open_minute = minute_;
    snapshot_into(open_live.types);
    snapshot_into(open_minute.types);
    for (auto& p : points_of(open_live)) {
      live.push_back(std::move(p));
    }
    for (auto& p : points_of(open_minute)) {
      minutes.push_back(std::move(p));
    }
    events.swap(events_);
  }
  try {
    store_->write(kLiveStep, live, events, t);
    store_->write(kMinuteStep, minutes, {}, t);
    failing_ = false;
    return true;
  } catch (const MetricsError& e) {
    if (!failing_ && report_) {
      report_(e.what());
    }
    failing_ = true;
    return false;
  }
}

}  // namespace lokku::metrics
