#pragma once
// Faults on purpose the router sees (issue #25 point 1): the platform sets, per app, which of
// its web dynos answer late, refuse connections, reset them, answer garbage or lose requests,
// and the router meets them as it would a dyno that misbehaves that way, with the H-code
// Heroku's router logs (router.md §5, §6). The dyno itself is not touched.

#include <atomic>
#include <chrono>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace lokku::common {

enum class RouterFaultKind {
  slow,     ///< the answer comes `delay` late (never, when 0): H12 before the head, H15 after
  refuse,   ///< connections are not accepted (a full backlog): the connect times out, H19
  reset,    ///< the connection closes: before any answer H13, after the head H18
  garbage,  ///< the answer is not HTTP: H17
  drop,     ///< the request never reaches the dyno: H12 after the router's 30 s
};

struct RouterFault {
  RouterFaultKind kind = RouterFaultKind::slow;
  std::string dyno;                    ///< web.1; empty: every web dyno
  double rate = 1;                     ///< the share of requests it takes, in (0, 1]
  std::chrono::milliseconds delay{0};  ///< slow: nominal (the router scales it)
  bool after_head = false;             ///< slow, reset: once the head has gone to the client

  bool operator==(const RouterFault&) const = default;
};

/// Thread-safe holder of an app's router faults: set by the platform, read by the router for
/// every request (no lock while there are none).
class RouterFaults {
 public:
  /// Replaces the faults; returns whether they changed.
  bool set(std::vector<RouterFault> faults);
  /// The fault a request to `dyno` meets, drawn at each fault's rate; the first that takes it.
  std::optional<RouterFault> draw(std::string_view dyno) const;

 private:
  std::atomic<bool> any_{false};
  mutable std::mutex mu_;
  std::vector<RouterFault> faults_;
};

}  // namespace lokku::common
