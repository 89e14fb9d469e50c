#pragma once
// What the platform measures of one app while it runs (drains-webhooks-metrics.md §4.1): the
// router tells it of every request, the dyno manager of every memory and load sample, state
// change and R-code, the platform of scalings. It keeps the open ten-second and one-minute
// windows in memory, and tick() writes them to the app's MetricsStore (the open ones too, so
// a reader sees the current minute), at most once a second. Thread-safe: the router's threads
// call request(), the platform's thread the rest.

#include "common/web_dyno_feed.hpp"
#include "dyno/dyno.hpp"
#include "metrics/metrics_store.hpp"

#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

namespace lokku::metrics {

class AppMetrics final : public common::RequestObserver, public dyno::DynoObserver {
 public:
  using Clock = std::function<SystemTime()>;
  /// Reports a write that failed (once until one succeeds again).
  using Reporter = std::function<void(const std::string& error)>;

  /// Continues the windows `store` holds for now (a platform restarted within a minute).
  AppMetrics(std::unique_ptr<MetricsStore> store, Reporter report, Clock clock = {});

  /// One request the router answered (its service time, its H-code if any).
  void request(int status, double service_ms, std::string_view code) override;

  /// A dyno's latest memory and load sample; `life` tells one life of a dyno name from the
  /// next (a restarted web.1), when given.
  void sample(const std::string& dyno, const std::string& type, double rss_mb, double swap_mb,
              double load, double quota_mb, const void* life = nullptr);
  /// The dyno is not running (down, crashed, complete): its samples leave the gauges, unless
  /// they are a later life's (the old web.1 stopping after the new one's first sample).
  void dyno_stopped(const std::string& dyno, const void* life = nullptr);
  /// An R-code (`R14`) of a dyno of `type`.
  void error(const std::string& type, const std::string& code);
  void restarted(const std::string& type);
  /// A crash: counted, and an event.
  void crashed(const std::string& type, const std::string& dyno);
  void event(std::string kind, std::string type, std::string description);

  // What the dyno manager tells (dyno::DynoObserver).
  void sampled(const dyno::DynoSpec& d, const dyno::MemorySample& m, double load_1m) override;
  void crashed(const dyno::DynoSpec& d) override;
  void restarted(const dyno::DynoSpec& d) override;
  void stopped(const dyno::DynoSpec& d) override;
  void error(const dyno::DynoSpec& d, std::string_view code) override;

  /// Closes the windows that ended and writes the windows to the store, unless it wrote less
  /// than `every` ago. Returns false when the write failed (reported once).
  bool tick(std::chrono::nanoseconds every = std::chrono::seconds(1));

 private:
  struct Window {
    SystemTime start;
    std::map<std::string, TypePoint> types;
  };
  struct Sample {
    std::string type;
    double rss_mb, swap_mb, load, quota_mb;
    const void* life;
  };

  SystemTime now() const;
  /// Applies `f` to the type's points in the open ten-second window and minute holding `t`,
  /// closing the windows before them. Under mu_.
  template <typename F>
  void both(SystemTime t, const std::string& type, F&& f);
  /// Moves the open window of `step` to `closed_` when `t` is past it. Under mu_.
  void roll(std::chrono::seconds step, SystemTime t);
  /// Adds a snapshot of the running dynos to every type of `live`. Under mu_.
  void snapshot_into(std::map<std::string, TypePoint>& types) const;
  static std::vector<Point> points_of(const Window& w);

  std::unique_ptr<MetricsStore> store_;
  Reporter report_;
  Clock clock_;

  mutable std::mutex mu_;  // guards everything below
  Window live_;            ///< the open ten-second window
  Window minute_;          ///< the open minute
  /// Closed windows not written yet, by step.
  std::vector<std::pair<std::chrono::seconds, Window>> closed_;
  std::vector<Event> events_;
  std::map<std::string, Sample> samples_;  ///< by dyno

  std::optional<std::chrono::steady_clock::time_point> last_write_;
  bool failing_ = false;
};

}  // namespace lokku::metrics
