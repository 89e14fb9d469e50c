#pragma once
// Crash restarts (dynos.md CRASH-1..5), as pure logic: the caller passes `now`.

#include <chrono>
#include <functional>
#include <optional>
#include <string_view>
#include <vector>

namespace lokku::dyno {

using Clock = std::chrono::steady_clock;

/// Which cool-off schedule (CRASH-3/5).
enum class RestartProfile {
  heroku,  ///< immediate, then up to 20, 40, 60, 180, 320 min, then every 320 min
  capped,  ///< immediate, then up to 20 min every time
  none,    ///< immediate, every time (Private Spaces, CRASH-5)
};
std::optional<RestartProfile> parse_restart_profile(std::string_view name);

struct RestartPolicyOptions {
  /// Waits before restart N (N = consecutive crashes, 1-based); the last repeats.
  std::vector<std::chrono::nanoseconds> schedule;
  /// A dyno up at least this long before crashing starts the count again (CRASH-4).
  std::chrono::nanoseconds reset_after{};
  /// Each wait a uniform draw in (0, bound] instead of the bound itself (CRASH-3 "up to").
  bool jitter = false;

  /// The profile's schedule, every duration divided by `scale` (CONVENTIONS.md, Time).
  static RestartPolicyOptions make(RestartProfile profile, double scale, bool jitter = false);
};

/// The crash counter of one dyno name (web.1), kept across its restarts.
class RestartPolicy {
 public:
  /// `uniform01` draws from (0, 1] for jitter; injectable so tests are deterministic.
  explicit RestartPolicy(RestartPolicyOptions options, std::function<double()> uniform01 = {});

  /// Records a crash of a dyno that was up since `up_since` (Clock::time_point{} when it
  /// never got up) and returns how long to wait before restarting it.
  std::chrono::nanoseconds on_crash(Clock::time_point now, Clock::time_point up_since);
  /// The same, told how long the dyno was up (nullopt: it never got up), as the platform's
  /// clock measured it.
  std::chrono::nanoseconds on_crash(std::optional<std::chrono::nanoseconds> up_for);
  /// A new release, a restart by hand, scaling to 0 and back (CRASH-4).
  void reset() { crashes_ = 0; }
  int consecutive_crashes() const { return crashes_; }

 private:
  RestartPolicyOptions options_;
  std::function<double()> uniform01_;
  int crashes_ = 0;
};

}  // namespace lokku::dyno
