#include "router/balancer.hpp"

#include <gtest/gtest.h>

namespace lokku::router {
namespace {

using common::WebDynoState;
using namespace std::chrono_literals;

common::WebDynoTable table() {
  common::WebDynoTable t;
  t.dynos = {{"web.1", WebDynoState::up, 1001},
             {"web.2", WebDynoState::up, 1002},
             {"web.3", WebDynoState::starting, 1003},
             {"web.4", WebDynoState::crashed, 0}};
  return t;
}

// LB-1: uniformly among up dynos only.
TEST(Balancer, PicksOnlyUpDynosRoughlyEvenly) {
  auto t = table();
  Quarantine q;
  std::mt19937_64 rng(42);
  int counts[4] = {0, 0, 0, 0};
  for (int i = 0; i < 2000; ++i) {
    auto p = pick_dyno(t, q, {}, Clock::now(), rng);
    ASSERT_TRUE(p);
    counts[*p]++;
  }
  EXPECT_EQ(counts[2] + counts[3], 0);
  EXPECT_NEAR(counts[0], 1000, 120);
  EXPECT_NEAR(counts[1], 1000, 120);
}

// LB-2: quarantined and already-tried dynos are skipped; quarantine ends.
TEST(Balancer, QuarantineAndTried) {
  auto t = table();
  Quarantine q;
  std::mt19937_64 rng(1);
  auto now = Clock::now();
  q.add(t.dynos[0], now + 5s);
  for (int i = 0; i < 50; ++i) {
    EXPECT_EQ(pick_dyno(t, q, {}, now, rng), 1u);
  }
  EXPECT_EQ(pick_dyno(t, q, {"web.2"}, now, rng), std::nullopt);
  EXPECT_TRUE(pick_dyno(t, q, {"web.2"}, now + 6s, rng).has_value());
  // A restarted dyno (new port) is not quarantined for its old port's failures.
  auto restarted = t.dynos[0];
  restarted.port = 2001;
  EXPECT_FALSE(q.contains(restarted, now));
}

}  // namespace
}  // namespace lokku::router
