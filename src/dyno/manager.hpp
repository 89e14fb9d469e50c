#pragma once

#include "common/asio.hpp"
#include "common/log_sink.hpp"
#include "common/web_dyno_feed.hpp"
#include "dyno/dyno.hpp"
#include "release/formation.hpp"

#include <functional>
#include <memory>
#include <optional>
#include <vector>

namespace lokku::dyno {

/// Runs one app's formation: a Dyno per `<type>.<n>` (ENV-1), each restarted on its own
/// (CRASH-6), all stopped together. Owned by the app; runs on its executor.
class Manager {
 public:
  /// Web dynos are published to `feed` (the router's view) whenever one changes state.
  Manager(net::any_io_executor ex, common::LogSink& sink, DynoSettings settings,
          const std::vector<release::FormationItem>& formation, common::WebDynoFeed& feed);

  void start();
  /// Graceful stop of every dyno; `done(clean)` once all are down, `clean` false when any
  /// needed SIGKILL (R12).
  void stop(std::function<void(bool clean)> done);
  /// Immediate SIGKILL of every dyno (second signal).
  void kill();

  const std::vector<std::shared_ptr<Dyno>>& dynos() const { return dynos_; }

 private:
  net::any_io_executor ex_;
  common::LogSink& sink_;
  DynoSettings settings_;
  PortAllocator ports_;
  common::WebDynoFeed& feed_;

  void publish();
  void request_publish();
  bool publish_pending_ = false;
  std::vector<std::shared_ptr<Dyno>> dynos_;
};

}  // namespace lokku::dyno
