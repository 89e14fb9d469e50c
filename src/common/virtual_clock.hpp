#pragma once
// The platform's clock (issue #27 point 3): Heroku's time as the platform lives it. It runs at
// the time scale's rate (`--time-scale 60`: a minute a second) and can be frozen, resumed and
// advanced (`lokku clock`): what is timed on it (scheduler runs, crash cool-offs) follows.
// Thread-safe.

#include "common/time_scale.hpp"

#include <chrono>
#include <functional>
#include <mutex>
#include <optional>

namespace lokku::common {

class VirtualClock {
 public:
  using Time = std::chrono::system_clock::time_point;
  using RealNow = std::function<std::chrono::steady_clock::time_point()>;

  /// Starts at the system's time now, or at `not_before` when that is later (where the clock
  /// of a platform that ran before stood: it never goes back). `real`: the real clock
  /// (injectable for tests).
  explicit VirtualClock(TimeScale scale, RealNow real = {}, std::optional<Time> not_before = {});

  Time now() const;
  /// How long, in real time, until the clock reads `t`: zero when it already does; when
  /// frozen, a day (whoever waits is woken by the change that matters: resume or advance).
  std::chrono::nanoseconds real_until(Time t) const;
  /// A nominal duration (a cool-off, in Heroku's time) as this clock's time runs.
  std::chrono::nanoseconds virtual_duration(std::chrono::nanoseconds real) const;
  /// The inverse: a span of this clock's time as a duration of the platform's (scaled) time.
  std::chrono::nanoseconds real_duration(std::chrono::nanoseconds on_clock) const;
  /// The time `real` (a platform duration, scaled) from now on this clock.
  Time after(std::chrono::nanoseconds real) const;

  void freeze();
  void resume();
  /// Moves the clock forward by `by`; throws std::invalid_argument for a negative duration.
  void advance(std::chrono::nanoseconds by);
  bool frozen() const;
  /// How far it has been advanced in all.
  std::chrono::nanoseconds advanced() const;
  double rate() const { return scale_.factor(); }

 private:
  std::chrono::steady_clock::time_point real_now() const;
  Time now_locked() const;

  mutable std::mutex mu_;
  TimeScale scale_;
  RealNow real_;
  std::chrono::steady_clock::time_point real_start_;
  Time virtual_start_;
  std::optional<Time> frozen_at_;
  std::chrono::nanoseconds advanced_{0};
};

}  // namespace lokku::common
