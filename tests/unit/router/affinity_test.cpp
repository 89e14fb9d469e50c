// Session affinity's pure parts (router.md AFF-3..6).
#include "router/affinity.hpp"

#include <gtest/gtest.h>

#include <map>

namespace lokku::router {
namespace {

common::WebDynoTable table_of(int n) {
  common::WebDynoTable t;
  for (int i = 1; i <= n; ++i) {
    t.dynos.push_back({"web." + std::to_string(i), common::WebDynoState::up,
                       static_cast<std::uint16_t>(5000 + i)});
  }
  return t;
}

TEST(Affinity, AFF4SignedCookiesRoundTripAndTamperingIsAbsence) {
  AffinitySigner signer("secret-one");
  AffinityCookie c{"0123456789abcdef", {"web.1", "web.2", "web.3"}};
  auto v = signer.encode(c);
  EXPECT_EQ(v.find('='), std::string::npos);  // padding written as '_'
  EXPECT_EQ(signer.decode(v), c);
  std::string tampered = v;
  tampered[5] = tampered[5] == 'A' ? 'B' : 'A';
  EXPECT_EQ(signer.decode(tampered), std::nullopt);
  EXPECT_EQ(AffinitySigner("another-instance").decode(v), std::nullopt);
  EXPECT_EQ(signer.decode("not base64!"), std::nullopt);
  EXPECT_EQ(signer.decode(""), std::nullopt);
}

TEST(Affinity, FindsTheCookieAmongOthers) {
  EXPECT_EQ(find_cookie("a=1; heroku-session-affinity=XYZ_; b=2", kAffinityCookie), "XYZ_");
  EXPECT_EQ(find_cookie("heroku-session-affinity-x=1", kAffinityCookie), std::nullopt);
}

TEST(Affinity, AFF6ADynoStillStartingWhenTheCookieIsMadeNeverDrawsItsClientAway) {
  auto table = table_of(3);
  table.dynos[2].state = common::WebDynoState::starting;  // web.3 boots
  std::mt19937_64 rng(7);
  Quarantine q;
  auto now = Clock::now();
  for (int i = 0; i < 50; ++i) {
    auto cookie = new_affinity_cookie(table, rng);
    EXPECT_EQ(cookie.dynos, (std::vector<std::string>{"web.1", "web.2"}));
    auto first = table.dynos[*pick_affine(table, cookie, q, {}, now)].name;
    auto later = table_of(3);  // web.3 is up now
    EXPECT_EQ(later.dynos[*pick_affine(later, cookie, q, {}, now)].name, first);
  }
}

TEST(Affinity, AFF6AClientStaysAndScalingMovesFewClients) {
  Quarantine q;
  auto now = Clock::now();
  std::mt19937_64 rng(7);
  auto three = table_of(3);
  std::map<std::string, std::string> before;
  std::vector<AffinityCookie> clients;
  for (int i = 0; i < 300; ++i) {
    clients.push_back(new_affinity_cookie(three, rng));
    before[clients.back().seed] = three.dynos[*pick_affine(three, clients.back(), q, {}, now)].name;
  }
  // The same client always lands on the same dyno.
  EXPECT_EQ(three.dynos[*pick_affine(three, clients[0], q, {}, now)].name, before[clients[0].seed]);
  // Scale up: nobody moves onto web.4 (AFF-6).
  auto four = table_of(4);
  for (const auto& c : clients) {
    EXPECT_EQ(four.dynos[*pick_affine(four, c, q, {}, now)].name, before[c.seed]);
  }
  // Scale down to two: only web.3's clients move.
  auto two = table_of(2);
  int moved = 0, on_three = 0;
  for (const auto& c : clients) {
    auto pruned = prune_cookie(c, two);
    auto now_on = two.dynos[*pick_affine(two, pruned, q, {}, now)].name;
    on_three += before[c.seed] == "web.3";
    moved += now_on != before[c.seed];
  }
  EXPECT_EQ(moved, on_three);
  EXPECT_GT(on_three, 50);  // roughly a third
  // A failing dyno is skipped without error (the caller marks it tried).
  auto first = *pick_affine(three, clients[0], q, {}, now);
  auto other = pick_affine(three, clients[0], q, {three.dynos[first].name}, now);
  ASSERT_TRUE(other);
  EXPECT_NE(*other, first);
}

TEST(Affinity, AFF3SetCookieAttributes) {
  auto t = std::chrono::system_clock::from_time_t(1504529047);  // 2017-09-04 12:44:07 UTC
  EXPECT_EQ(affinity_set_cookie("abc_", "myapp.localhost", t),
            "heroku-session-affinity=abc_; Version=1; Expires=Tue, 05-Sep-2017 12:44:07 GMT; "
            "Max-Age=86400; Domain=myapp.localhost; Path=/; HttpOnly");
}

}  // namespace
}  // namespace lokku::router
