#include "router/balancer.hpp"

#include <vector>

namespace lokku::router {

void Quarantine::add(const common::WebDyno& dyno, Clock::time_point until) {
  until_[{dyno.name, dyno.port}] = until;
}

bool Quarantine::contains(const common::WebDyno& dyno, Clock::time_point now) const {
  auto it = until_.find({dyno.name, dyno.port});
  return it != until_.end() && it->second > now;
}

std::optional<std::size_t> pick_dyno(const common::WebDynoTable& table, const Quarantine& q,
                                     const std::set<std::string>& tried, Clock::time_point now,
                                     std::mt19937_64& rng) {
  std::vector<std::size_t> candidates;
  for (std::size_t i = 0; i < table.dynos.size(); ++i) {
    const auto& d = table.dynos[i];
    if (d.state == common::WebDynoState::up && d.port != 0 && tried.count(d.name) == 0 &&
        !q.contains(d, now)) {
      candidates.push_back(i);
    }
  }
  if (candidates.empty()) {
    return std::nullopt;
  }
  std::uniform_int_distribution<std::size_t> dist(0, candidates.size() - 1);
  return candidates[dist(rng)];
}

}  // namespace lokku::router
