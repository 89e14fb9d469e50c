// The router's faults on purpose (#25 point 1): which requests a fault takes, by dyno and rate.
#include "common/router_faults.hpp"

#include <gtest/gtest.h>

namespace lokku::common {
namespace {

TEST(RouterFaults, NoneTakesNoRequest) {
  RouterFaults faults;
  EXPECT_FALSE(faults.draw("web.1"));
  EXPECT_FALSE(faults.set({}));  // unchanged
}

TEST(RouterFaults, AFaultForOneDynoTakesOnlyItsRequestsAndSetSaysWhenItChanged) {
  RouterFaults faults;
  RouterFault f;
  f.kind = RouterFaultKind::reset;
  f.dyno = "web.2";
  EXPECT_TRUE(faults.set({f}));
  EXPECT_FALSE(faults.set({f}));
  EXPECT_FALSE(faults.draw("web.1"));
  auto got = faults.draw("web.2");
  ASSERT_TRUE(got);
  EXPECT_EQ(got->kind, RouterFaultKind::reset);
  EXPECT_TRUE(faults.set({}));
  EXPECT_FALSE(faults.draw("web.2"));
}

TEST(RouterFaults, ARateTakesThatShareOfRequests) {
  RouterFaults faults;
  RouterFault f;
  f.kind = RouterFaultKind::drop;
  f.rate = 0.25;
  faults.set({f});
  int taken = 0;
  for (int i = 0; i < 20000; ++i) {
    taken += faults.draw("web.1") ? 1 : 0;
  }
  // 5000 expected; 6 standard deviations (61) either side.
  EXPECT_GT(taken, 5000 - 370);
  EXPECT_LT(taken, 5000 + 370);
}

TEST(RouterFaults, TheFirstFaultThatTakesARequestIsTheOneMet) {
  RouterFaults faults;
  RouterFault slow;
  slow.kind = RouterFaultKind::slow;
  slow.rate = 0.5;
  RouterFault garbage;
  garbage.kind = RouterFaultKind::garbage;
  faults.set({slow, garbage});
  int slows = 0, garbages = 0;
  for (int i = 0; i < 4000; ++i) {
    auto got = faults.draw("web.1");
    ASSERT_TRUE(got);
    (got->kind == RouterFaultKind::slow ? slows : garbages) += 1;
  }
  EXPECT_GT(slows, 1700);
  EXPECT_GT(garbages, 1700);
}

}  // namespace
}  // namespace lokku::common
