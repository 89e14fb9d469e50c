#pragma once
// Crash restarts (dynos.md CRASH-1..5), as pure logic: the caller passes `now`.

#include <chrono>
#include <vector>

namespace lokku::dyno {

using Clock = std::chrono::steady_clock;

struct RestartPolicyOptions {
  /// Waits before restart N (N = consecutive crashes, 1-based); the last repeats.
  /// Heroku's schedule (CRASH-2/3): immediate, then up to 20, 40, 60, 180, 320 min.
  std::vector<std::chrono::nanoseconds> schedule;
  /// A dyno up at least this long before crashing starts the count again (CRASH-4).
  std::chrono::nanoseconds reset_after;

  /// Heroku's schedule divided by `scale` (CONVENTIONS.md, Time); `backoff = false`
  /// restarts at once every time (CRASH-5, Private Spaces).
  static RestartPolicyOptions heroku(double scale, bool backoff = true);
};

/// The crash counter of one dyno name (web.1), kept across its restarts.
class RestartPolicy {
 public:
  explicit RestartPolicy(RestartPolicyOptions options) : options_(std::move(options)) {}

  /// Records a crash of a dyno that was up since `up_since` (or never up: nullopt-like
  /// Clock::time_point{}) and returns how long to wait before restarting it.
  std::chrono::nanoseconds on_crash(Clock::time_point now, Clock::time_point up_since);
  /// A new release, a restart by hand, scaling to 0 and back (CRASH-4).
  void reset() { crashes_ = 0; }
  int consecutive_crashes() const { return crashes_; }

 private:
  RestartPolicyOptions options_;
  int crashes_ = 0;
};

}  // namespace lokku::dyno
