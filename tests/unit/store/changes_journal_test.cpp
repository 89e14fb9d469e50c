// The store's changes file (Store::take_changes): every record of an app with webhooks, each
// state however brief, for the webhooks to compare; nothing for an app without.
#include "store/store.hpp"

#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>

namespace lokku::store {
namespace {

class ChangesJournal : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/lokku-journal-XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl), nullptr);
    dir = tmpl;
    store = std::make_unique<Store>(dir);
    store->create("shop");
  }
  void TearDown() override { std::filesystem::remove_all(dir); }

  std::filesystem::path dir;
  std::unique_ptr<Store> store;
};

TEST_F(ChangesJournal, EveryStateOfAnAppWithWebhooksIsKeptInOrderAndTakenOnce) {
  store->update("shop", [](App& a) { a.maintenance = true; });
  EXPECT_TRUE(store->take_changes("shop").empty());  // no webhooks: nothing kept

  store->update("shop", [](App& a) {
    a.webhooks.push_back({"w1", "http://127.0.0.1:9/", {"api:release"}, "notify", "s", "", "", ""});
  });
  store->update("shop",
                [](App& a) { add_release(a, "Set X config vars", "", {}, "").status = "pending"; });
  store->update("shop", [](App& a) { a.releases.back().status = "succeeded"; });
  auto taken = store->take_changes("shop");
  ASSERT_EQ(taken.size(), 3u);
  EXPECT_EQ(taken[0].webhooks.size(), 1u);
  EXPECT_EQ(taken[1].releases.back().status, "pending");
  EXPECT_EQ(taken[2].releases.back().status, "succeeded");
  EXPECT_EQ(taken[2].name, "shop");
  EXPECT_TRUE(store->take_changes("shop").empty());

  store->update("shop", [](App& a) { a.maintenance = false; });
  taken = store->take_changes("shop");
  ASSERT_EQ(taken.size(), 1u);
  EXPECT_FALSE(taken[0].maintenance);
}

TEST_F(ChangesJournal, ADamagedFileIsReadUpToTheDamage) {
  store->update("shop", [](App& a) {
    a.webhooks.push_back({"w1", "http://127.0.0.1:9/", {"api:app"}, "notify", "s", "", "", ""});
  });
  {
    std::ofstream out(store->changes_file("shop"), std::ios::app);
    out << "99999999\nnot yaml";
  }
  auto taken = store->take_changes("shop");
  EXPECT_EQ(taken.size(), 1u);
  EXPECT_TRUE(store->take_changes("shop").empty());
}

}  // namespace
}  // namespace lokku::store
