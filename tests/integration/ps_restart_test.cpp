// lokku ps:restart, as the official CLI's `heroku ps:restart`: every dyno, one process type
// (-p) or one dyno (-d), through the running platform; each stops with SIGTERM and starts
// again (dynos.md STOP-5), the log saying `Restarting`.
#include "support/platform.hpp"

#include <gtest/gtest.h>

namespace lokku::test {
namespace {

using namespace std::chrono_literals;

TEST(PsRestart, STOP5RestartsEveryDynoOneTypeOrOneDyno) {
  LokkuHome h;
  auto r = h.deploy("web");
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  ASSERT_EQ(h.run({"ps:scale", "-a", "web", "worker=1"}).exit_code, 0);
  auto up = h.up(free_port(), {"--time-scale", "10"});
  ASSERT_TRUE(up->wait_for(R"(heroku\[web\.1\]: State changed from starting to up$)"));
  ASSERT_TRUE(up->wait_for(R"(heroku\[worker\.1\]: State changed from starting to up$)"));

  auto type = h.run({"ps:restart", "-a", "web", "-p", "worker"});
  ASSERT_EQ(type.exit_code, 0) << type.err;
  EXPECT_EQ(type.out, "Restarting all worker dynos on ⬢ web... done\n");
  EXPECT_TRUE(up->wait_for(R"(heroku\[worker\.1\]: Restarting$)"));
  EXPECT_TRUE(up->wait_for_count(R"(heroku\[worker\.1\]: State changed from starting to up$)", 2));
  EXPECT_EQ(up->count(R"(heroku\[web\.1\]: Restarting$)"), 0u);

  auto one = h.run({"ps:restart", "-a", "web", "-d", "web.1"});
  ASSERT_EQ(one.exit_code, 0) << one.err;
  EXPECT_EQ(one.out, "Restarting dyno web.1 on ⬢ web... done\n");
  EXPECT_TRUE(up->wait_for(R"(heroku\[web\.1\]: Restarting$)"));
  EXPECT_TRUE(up->wait_for_count(R"(heroku\[web\.1\]: State changed from starting to up$)", 2));

  auto all = h.run({"ps:restart", "-a", "web"});
  ASSERT_EQ(all.exit_code, 0) << all.err;
  EXPECT_EQ(all.out, "Restarting all dynos on ⬢ web... done\n");
  EXPECT_TRUE(up->wait_for_count(R"(heroku\[web\.1\]: State changed from starting to up$)", 3));
  EXPECT_TRUE(up->wait_for_count(R"(heroku\[worker\.1\]: State changed from starting to up$)", 3));

  auto both = h.run({"ps:restart", "-a", "web", "-d", "web.1", "-p", "web"});
  EXPECT_EQ(both.exit_code, 1);
  EXPECT_NE(both.err.find("give --dyno-name or --process-type, not both"), std::string::npos);

  up->signal(SIGINT);
  ASSERT_TRUE(up->wait_exit(60s));
  auto stopped = h.run({"ps:restart", "-a", "web"});
  EXPECT_EQ(stopped.exit_code, 1);
  EXPECT_NE(stopped.err.find("no platform is running here"), std::string::npos) << stopped.err;
}

}  // namespace
}  // namespace lokku::test
