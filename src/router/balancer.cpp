#include "router/balancer.hpp"

#include <algorithm>

namespace lokku::router {

void Quarantine::add(const common::WebDyno& dyno, Clock::time_point until) {
  until_[{dyno.name, dyno.port}] = until;
}

bool Quarantine::contains(const common::WebDyno& dyno, Clock::time_point now) const {
  if (until_.empty()) {
    return false;  // the usual case, without making a key
  }
  auto it = until_.find({dyno.name, dyno.port});
  return it != until_.end() && it->second > now;
}

bool was_tried(const Tried& tried, std::string_view name) {
  return std::find(tried.begin(), tried.end(), name) != tried.end();
}

std::optional<std::size_t> pick_dyno(const common::WebDynoTable& table, const Quarantine& q,
                                     const Tried& tried, Clock::time_point now,
                                     std::mt19937_64& rng) {
  // Two passes over the table instead of a list of candidates (one request each).
  auto usable = [&](const common::WebDyno& d) {
    return d.state == common::WebDynoState::up && d.port != 0 && !was_tried(tried, d.name) &&
           !q.contains(d, now);
  };
  const auto count =
      static_cast<std::size_t>(std::count_if(table.dynos.begin(), table.dynos.end(), usable));
  if (count == 0) {
    return std::nullopt;
  }
  std::uniform_int_distribution<std::size_t> dist(0, count - 1);
  std::size_t k = dist(rng);
  for (std::size_t i = 0; i < table.dynos.size(); ++i) {
    if (usable(table.dynos[i]) && k-- == 0) {
      return i;
    }
  }
  return std::nullopt;  // not reached: the table is immutable
}

}  // namespace lokku::router
