#pragma once

#include "common/app_log.hpp"
#include "common/asio.hpp"
#include "common/web_dyno_feed.hpp"
#include "dyno/dyno.hpp"
#include "release/formation.hpp"

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <vector>

namespace lokku::dyno {

/// Runs one app's formation: a Dyno per `<type>.<n>` (ENV-1), each restarted on its own
/// (CRASH-6), all stopped together. Owned by the app; runs on its executor.
class Manager {
 public:
  /// Web dynos are published to `feed` (the router's view) whenever one changes state.
  Manager(net::any_io_executor ex, common::AppLog& sink, DynoSettings settings,
          const std::vector<release::FormationItem>& formation, common::WebDynoFeed& feed);

  void start();
  /// Changes the formation in place (STOP-5): types scaled down lose their highest
  /// numbers, new numbers start; dynos that stay are not touched, except those whose size
  /// changed, which restart onto the new size (`Restarting`, as ps:restart).
  void scale(const std::vector<release::FormationItem>& formation);
  /// Restarts the dynos `which` selects (STOP-5): each logs `note` (`Restarting`), goes `up
  /// to starting` and gets SIGTERM while its replacement, with a fresh crash back-off,
  /// starts at once (STOP-4). `note` empty: a plain stop (`up to down`) then a new start
  /// (`ps:stop` on a formation dyno).
  void restart(const std::function<bool(const Dyno&)>& which, std::string_view note);
  /// Stops publishing to the feed (this manager is being replaced by a new release's).
  void detach_feed() { feed_attached_ = false; }
  /// Maintenance mode (H80) as the router sees it.
  void set_maintenance(bool on) {
    maintenance_ = on;
    request_publish();
  }
  /// Session affinity (AFF-1) as the router sees it.
  void set_session_affinity(bool on) {
    session_affinity_ = on;
    request_publish();
  }
  /// MEM-5 load and memory lines (the app's log-runtime-metrics feature), from each
  /// dyno's next start.
  void set_runtime_metrics(bool on);
  /// Runs after any dyno changes state (the platform publishes observed state).
  void set_on_change(std::function<void()> f) { on_change_ = std::move(f); }
  /// Graceful stop of every dyno; `done(clean)` once all are down, `clean` false when any
  /// needed SIGKILL (R12).
  void stop(std::function<void(bool clean)> done);
  /// The same as a restart onto a new release or after `ps:restart` (STOP-5).
  void stop_for_restart(std::function<void(bool clean)> done, std::string_view note = {});
  /// Immediate SIGKILL of every dyno (second signal).
  void kill();
  /// The platform's clock changed (`lokku clock`): cool-offs are measured again.
  void clock_changed() {
    for (auto& d : dynos_) {
      d->clock_changed();
    }
  }

  const std::vector<std::shared_ptr<Dyno>>& dynos() const { return dynos_; }
  const DynoSettings& settings() const { return settings_; }

 private:
  net::any_io_executor ex_;
  common::AppLog& sink_;
  DynoSettings settings_;
  PortAllocator ports_;
  common::WebDynoFeed& feed_;

  std::shared_ptr<Dyno> make_dyno(const release::FormationItem& item, int n);
  void retire(const std::shared_ptr<Dyno>& d, bool restart, std::string_view note);
  void publish();
  void stop_all(std::function<void(bool clean)> done, bool restart, std::string_view note);
  bool feed_attached_ = true;
  bool maintenance_ = false;
  bool session_affinity_ = false;
  std::function<void()> on_change_;
  std::map<std::string, std::size_t> colours_;
  void request_publish();
  bool publish_pending_ = false;
  std::vector<std::shared_ptr<Dyno>> dynos_;
  std::vector<std::shared_ptr<Dyno>> retiring_;  ///< scaled away, still stopping
};

}  // namespace lokku::dyno
