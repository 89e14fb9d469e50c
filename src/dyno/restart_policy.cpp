#include "dyno/restart_policy.hpp"

namespace lokku::dyno {

RestartPolicyOptions RestartPolicyOptions::heroku(double scale, bool backoff) {
  using std::chrono::minutes;
  auto scaled = [scale](auto d) {
    return std::chrono::nanoseconds(static_cast<std::chrono::nanoseconds::rep>(
        std::chrono::duration<double, std::nano>(d).count() / scale));
  };
  RestartPolicyOptions o;
  if (backoff) {
    for (auto m : {0, 20, 40, 60, 180, 320}) {
      o.schedule.push_back(scaled(minutes(m)));
    }
  } else {
    o.schedule.push_back(std::chrono::nanoseconds(0));
  }
  o.reset_after = scaled(minutes(10));
  return o;
}

std::chrono::nanoseconds RestartPolicy::on_crash(Clock::time_point now,
                                                 Clock::time_point up_since) {
  if (up_since != Clock::time_point{} && now - up_since >= options_.reset_after) {
    crashes_ = 0;
  }
  ++crashes_;
  if (options_.schedule.empty()) {
    return std::chrono::nanoseconds(0);
  }
  std::size_t index = static_cast<std::size_t>(crashes_ - 1);
  if (index >= options_.schedule.size()) {
    index = options_.schedule.size() - 1;
  }
  return options_.schedule[index];
}

}  // namespace lokku::dyno
