#include "common/virtual_clock.hpp"

#include <algorithm>
#include <stdexcept>

namespace lokku::common {

VirtualClock::VirtualClock(TimeScale scale, RealNow real, std::optional<Time> not_before)
    : scale_(scale)
    , real_(std::move(real))
    , real_start_(real_now())
    , virtual_start_(std::max(std::chrono::system_clock::now(), not_before.value_or(Time{}))) {}

std::chrono::steady_clock::time_point VirtualClock::real_now() const {
  return real_ ? real_() : std::chrono::steady_clock::now();
}

VirtualClock::Time VirtualClock::now_locked() const {
  if (frozen_at_) {
    return *frozen_at_;
  }
  const auto real = std::chrono::duration<double, std::nano>(real_now() - real_start_);
  return virtual_start_ + std::chrono::duration_cast<Time::duration>(real * scale_.factor());
}

VirtualClock::Time VirtualClock::now() const {
  std::lock_guard lock(mu_);
  return now_locked();
}

std::chrono::nanoseconds VirtualClock::real_until(Time t) const {
  std::lock_guard lock(mu_);
  if (frozen_at_) {
    return *frozen_at_ >= t ? std::chrono::nanoseconds(0) : std::chrono::hours(24);
  }
  const auto left = t - now_locked();
  if (left <= Time::duration::zero()) {
    return std::chrono::nanoseconds(0);
  }
  return scale_(std::chrono::duration_cast<std::chrono::nanoseconds>(left));
}

std::chrono::nanoseconds VirtualClock::virtual_duration(std::chrono::nanoseconds real) const {
  return std::chrono::nanoseconds(static_cast<std::chrono::nanoseconds::rep>(
      static_cast<double>(real.count()) * scale_.factor()));
}

std::chrono::nanoseconds VirtualClock::real_duration(std::chrono::nanoseconds on_clock) const {
  return std::chrono::nanoseconds(static_cast<std::chrono::nanoseconds::rep>(
      static_cast<double>(on_clock.count()) / scale_.factor()));
}

VirtualClock::Time VirtualClock::after(std::chrono::nanoseconds real) const {
  return now() + std::chrono::duration_cast<Time::duration>(virtual_duration(real));
}

void VirtualClock::freeze() {
  std::lock_guard lock(mu_);
  if (!frozen_at_) {
    frozen_at_ = now_locked();
  }
}

void VirtualClock::resume() {
  std::lock_guard lock(mu_);
  if (frozen_at_) {
    virtual_start_ = *frozen_at_;
    real_start_ = real_now();
    frozen_at_.reset();
  }
}

void VirtualClock::advance(std::chrono::nanoseconds by) {
  if (by < std::chrono::nanoseconds(0)) {
    throw std::invalid_argument("the clock only goes forward");
  }
  std::lock_guard lock(mu_);
  const auto d = std::chrono::duration_cast<Time::duration>(by);
  if (frozen_at_) {
    *frozen_at_ += d;
  } else {
    virtual_start_ += d;
  }
  advanced_ += by;
}

bool VirtualClock::frozen() const {
  std::lock_guard lock(mu_);
  return frozen_at_.has_value();
}

std::chrono::nanoseconds VirtualClock::advanced() const {
  std::lock_guard lock(mu_);
  return advanced_;
}

}  // namespace lokku::common
