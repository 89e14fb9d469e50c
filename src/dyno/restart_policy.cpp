#include "dyno/restart_policy.hpp"

#include <random>

namespace lokku::dyno {

std::optional<RestartProfile> parse_restart_profile(std::string_view name) {
  if (name == "heroku") {
    return RestartProfile::heroku;
  }
  if (name == "capped") {
    return RestartProfile::capped;
  }
  if (name == "none") {
    return RestartProfile::none;
  }
  return std::nullopt;
}

RestartPolicyOptions RestartPolicyOptions::make(RestartProfile profile, double scale, bool jitter) {
  using std::chrono::minutes;
  auto scaled = [scale](minutes d) {
    return std::chrono::nanoseconds(static_cast<std::chrono::nanoseconds::rep>(
        std::chrono::duration<double, std::nano>(d).count() / scale));
  };
  std::vector<int> bounds;
  switch (profile) {
    case RestartProfile::heroku:
      bounds = {0, 20, 40, 60, 180, 320};
      break;
    case RestartProfile::capped:
      bounds = {0, 20};
      break;
    case RestartProfile::none:
      bounds = {0};
      break;
  }
  RestartPolicyOptions o;
  for (int m : bounds) {
    o.schedule.push_back(scaled(minutes(m)));
  }
  o.reset_after = scaled(minutes(10));
  o.jitter = jitter;
  return o;
}

RestartPolicy::RestartPolicy(RestartPolicyOptions options, std::function<double()> uniform01)
    : options_(std::move(options)), uniform01_(std::move(uniform01)) {
  if (!uniform01_) {
    uniform01_ = [rng = std::mt19937_64{std::random_device{}()}]() mutable {
      // (0, 1]: 1 - [0, 1)
      return 1.0 - std::uniform_real_distribution<double>(0.0, 1.0)(rng);
    };
  }
}

std::chrono::nanoseconds RestartPolicy::on_crash(Clock::time_point now,
                                                 Clock::time_point up_since) {
  return on_crash(up_since == Clock::time_point{}
                      ? std::nullopt
                      : std::optional<std::chrono::nanoseconds>(now - up_since));
}

std::chrono::nanoseconds RestartPolicy::on_crash(std::optional<std::chrono::nanoseconds> up_for) {
  if (up_for && *up_for >= options_.reset_after) {
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
  auto bound = options_.schedule[index];
  if (!options_.jitter || bound.count() == 0) {
    return bound;
  }
  return std::chrono::nanoseconds(static_cast<std::chrono::nanoseconds::rep>(
      static_cast<double>(bound.count()) * uniform01_()));
}

}  // namespace lokku::dyno
