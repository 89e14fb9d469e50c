#include "common/router_faults.hpp"

#include <random>

namespace lokku::common {

bool RouterFaults::set(std::vector<RouterFault> faults) {
  std::lock_guard lock(mu_);
  if (faults == faults_) {
    return false;
  }
  faults_ = std::move(faults);
  any_.store(!faults_.empty(), std::memory_order_release);
  return true;
}

std::optional<RouterFault> RouterFaults::draw(std::string_view dyno) const {
  if (!any_.load(std::memory_order_acquire)) {
    return std::nullopt;
  }
  thread_local std::mt19937_64 rng{std::random_device{}()};
  std::uniform_real_distribution<double> unit(0.0, 1.0);
  std::lock_guard lock(mu_);
  for (const auto& f : faults_) {
    if ((f.dyno.empty() || f.dyno == dyno) && (f.rate >= 1 || unit(rng) < f.rate)) {
      return f;
    }
  }
  return std::nullopt;
}

}  // namespace lokku::common
