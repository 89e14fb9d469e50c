#pragma once
// Dyno selection (router.md LB-1, LB-2 quarantine), pure: the caller passes `now` and the
// random source.

#include "common/web_dyno_feed.hpp"

#include <chrono>
#include <map>
#include <optional>
#include <random>
#include <string>
#include <string_view>
#include <vector>

namespace lokku::router {

using Clock = std::chrono::steady_clock;

/// Dynos this router saw refuse or time out a connect, each until a deadline (LB-2). Kept
/// per router, keyed by dyno name and port (a restarted dyno has a new port).
class Quarantine {
 public:
  void add(const common::WebDyno& dyno, Clock::time_point until);
  bool contains(const common::WebDyno& dyno, Clock::time_point now) const;

 private:
  std::map<std::pair<std::string, std::uint16_t>, Clock::time_point> until_;
};

/// The dynos one request has tried already, by name (a few at most: a list).
using Tried = std::vector<std::string>;
bool was_tried(const Tried& tried, std::string_view name);

/// LB-1: uniformly at random among `up` dynos that are neither quarantined nor in
/// `tried`. Returns an index into table.dynos.
std::optional<std::size_t> pick_dyno(const common::WebDynoTable& table, const Quarantine& q,
                                     const Tried& tried, Clock::time_point now,
                                     std::mt19937_64& rng);

}  // namespace lokku::router
