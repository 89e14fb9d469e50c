// Boot (dynos.md BOOT-1..5, STATE-4): a web dyno is up only once it listens on $PORT;
// one that does not bind in time gets R10.
#include "support/lokku_process.hpp"

#include <gtest/gtest.h>

#include <signal.h>

namespace lokku::test {
namespace {

TEST(Boot, WebIsUpOnlyOnceItListens) {
  TempDir app;
  app.write("Procfile",
            "web: echo booting; sleep 1; echo binding; exec python3 -c 'import socket,os,time; "
            "s=socket.socket(); s.bind((\"\",int(os.environ[\"PORT\"]))); s.listen(); "
            "time.sleep(600)'\n");
  LokkuProcess lokku({"start", "-p", std::to_string(free_port())}, app.path());
  std::string binding, up;
  ASSERT_TRUE(lokku.wait_for(R"(app\[web\.1\]: binding$)", 20s, &binding));
  ASSERT_TRUE(lokku.wait_for(R"(heroku\[web\.1\]: State changed from starting to up$)", 20s, &up));
  EXPECT_GE(line_time(up), line_time(binding));
  lokku.signal(SIGINT);
  EXPECT_EQ(lokku.wait_exit(20s), 0);
}

// BOOT-4: R10, SIGKILL without grace, status 137, crashed; then CRASH-2 restarts it.
TEST(Boot, NoBindWithinTimeoutIsR10) {
  TempDir app;
  app.write("Procfile", "web: echo not binding; sleep 600\n");
  LokkuProcess lokku({"start", "-p", std::to_string(free_port()), "--time-scale", "60"},
                     app.path());  // 60 s -> 1 s
  std::string start, r10;
  ASSERT_TRUE(lokku.wait_for(R"(heroku\[web\.1\]: Starting process with command)", 10s, &start));
  ASSERT_TRUE(lokku.wait_for(
      R"(heroku\[web\.1\]: Error R10 \(Boot timeout\) -> Web process failed to bind to \$PORT within 60 seconds of launch$)",
      10s, &r10));
  EXPECT_NEAR(line_time(r10) - line_time(start), 1.0, 0.5);
  EXPECT_TRUE(lokku.wait_for(R"(heroku\[web\.1\]: Stopping process with SIGKILL$)"));
  EXPECT_TRUE(lokku.wait_for(R"(heroku\[web\.1\]: Process exited with status 137$)"));
  EXPECT_TRUE(lokku.wait_for(R"(heroku\[web\.1\]: State changed from starting to crashed$)"));
  EXPECT_TRUE(lokku.wait_for(R"(heroku\[web\.1\]: State changed from crashed to starting$)"));
  EXPECT_EQ(lokku.count(R"(State changed from starting to up)"), 0u);
  lokku.signal(SIGINT);
  EXPECT_EQ(lokku.wait_exit(20s), 0);
}

// PROC-6: only web dynos must bind; a worker is up at once (STATE-3).
TEST(Boot, WorkersNeverGetR10) {
  TempDir app;
  app.write("Procfile", "worker: sleep 600\n");
  LokkuProcess lokku({"start", "--time-scale", "60"}, app.path());
  ASSERT_TRUE(lokku.wait_for(R"(heroku\[worker\.1\]: State changed from starting to up$)"));
  std::this_thread::sleep_for(1500ms);
  EXPECT_EQ(lokku.count(R"(R10)"), 0u);
  lokku.signal(SIGINT);
  EXPECT_EQ(lokku.wait_exit(20s), 0);
}

// BOOT-5: a socket on $PORT held by some other process does not make the dyno up.
TEST(Boot, SomeoneElsesListenerDoesNotCount) {
  TempDir app;
  app.write("Procfile", "web: echo PORT=$PORT; sleep 600\n");
  LokkuProcess lokku({"start", "-p", std::to_string(free_port()), "--time-scale", "60"},
                     app.path());
  std::string line;
  ASSERT_TRUE(lokku.wait_for(R"(app\[web\.1\]: PORT=\d+$)", 10s, &line));
  Listener squatter(*port_from_line(line));  // the test process itself, not the dyno
  ASSERT_TRUE(squatter.ok());
  EXPECT_TRUE(lokku.wait_for(R"(heroku\[web\.1\]: Error R10)", 10s));
  EXPECT_EQ(lokku.count(R"(State changed from starting to up)"), 0u);
  lokku.signal(SIGINT);
  EXPECT_EQ(lokku.wait_exit(20s), 0);
}

}  // namespace
}  // namespace lokku::test
