// Bad input: a clear error naming the file or argument, a non-zero exit, no crash or hang.
#include "support/lokku_process.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <signal.h>
#include <string>
#include <sys/resource.h>
#include <vector>

namespace lokku::test {
namespace {

TEST(BadInput, MissingProcfile) {
  TempDir app;
  auto r = run_lokku({"start"}, app.path());
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("Procfile: no Procfile"), std::string::npos) << r.err;
}

TEST(BadInput, EmptyProcfile) {
  TempDir app;
  app.write("Procfile", "");
  auto r = run_lokku({"start"}, app.path());
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("Procfile: no process types defined"), std::string::npos) << r.err;
}

TEST(BadInput, BinaryProcfile) {
  TempDir app;
  app.write("Procfile", std::string("\x7f"
                                    "ELF\x02\x01\x01\0\0\0web: x",
                                    17));
  auto r = run_lokku({"start"}, app.path());
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("Procfile: is a binary file"), std::string::npos) << r.err;
}

TEST(BadInput, BadDotenvLineNamesFileAndLine) {
  TempDir app;
  app.write("Procfile", "web: x\n");
  app.write(".env", "A=1\nnot a valid line\n");
  auto r = run_lokku({"start"}, app.path());
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("/.env:2: expected '=' right after 'not'"), std::string::npos) << r.err;
}

TEST(BadInput, UnreadableEnvFile) {
  TempDir app;
  app.write("Procfile", "web: x\n");
  auto r = run_lokku({"start", "--env", "missing.env"}, app.path());
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("missing.env: cannot read env file"), std::string::npos) << r.err;
  std::filesystem::create_directory(app.path() / "dir.env");
  r = run_lokku({"start", "--env", "dir.env"}, app.path());
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("dir.env: is a directory"), std::string::npos) << r.err;
}

TEST(BadInput, UnknownProcessTypeOrSize) {
  TempDir app;
  app.write("Procfile", "web: x\n");
  auto r = run_lokku({"start", "db"}, app.path());
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("no process type 'db'"), std::string::npos) << r.err;
  r = run_lokku({"start", "-m", "web=1:giant"}, app.path());
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("unknown dyno size 'giant'"), std::string::npos) << r.err;
  r = run_lokku({"start", "-m", "web=0"}, app.path());
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("runs no dyno"), std::string::npos) << r.err;
}

TEST(BadInput, BadCommandLineIsUsageError) {
  TempDir app;
  EXPECT_EQ(run_lokku({"start", "--no-such-flag"}, app.path()).exit_code, 2);
  EXPECT_EQ(run_lokku({"start", "-p", "0"}, app.path()).exit_code, 2);
  EXPECT_EQ(run_lokku({"start", "--time-scale", "fast"}, app.path()).exit_code, 2);
  EXPECT_EQ(run_lokku({"frobnicate"}, app.path()).exit_code, 2);
  EXPECT_EQ(run_lokku({}, app.path()).exit_code, 2);
}

// The public port taken by someone else: a clear error at once, not a crash loop.
TEST(BadInput, PublicPortInUse) {
  TempDir app;
  app.write("Procfile", "web: sleep 60\nworker: sleep 60\n");
  unsigned port = free_port();
  Listener squatter(port);
  ASSERT_TRUE(squatter.ok());
  auto r = run_lokku({"start", "-p", std::to_string(port)}, app.path());
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("port " + std::to_string(port) + " is already in use"), std::string::npos)
      << r.err;
  // Without a web process type there is no router, and the public port is not needed.
  app.write("Procfile", "worker: sleep 60\n");
  LokkuProcess lokku({"start", "-p", std::to_string(port)}, app.path());
  EXPECT_TRUE(lokku.wait_for(R"(heroku\[worker\.1\]: State changed from starting to up)"));
  lokku.signal(SIGINT);
  EXPECT_EQ(lokku.wait_exit(20s), 0);
}

TEST(BadInput, BadTimeScaleFromEnvironment) {
  TempDir app;
  app.write("Procfile", "web: x\n");
  LokkuProcess p({"start"}, app.path(), {{"LOKKU_TIME_SCALE", "-1"}});
  EXPECT_EQ(p.wait_exit(), 1);
  EXPECT_NE(p.stderr_text().find("LOKKU_TIME_SCALE: '-1' is not a positive number"),
            std::string::npos);
}

// The platform's log limit: a value that is not a byte count is refused by name before
// anything starts, in the foreground and with --detach (it meant 32 MiB, silently, before).
TEST(BadInput, BadLogLimitFromEnvironment) {
  TempDir home;
  for (const char* bad : {"20k", "0", "-5", "lots"}) {
    for (bool detach : {false, true}) {
      std::vector<std::string> args{"up", "-p", std::to_string(free_port()), "--api-port", "0"};
      if (detach) {
        args.push_back("--detach");
      }
      LokkuProcess p(args, home.path(),
                     {{"LOKKU_HOME", home.path().string()}, {"LOKKU_LOG_MAX_BYTES", bad}});
      EXPECT_EQ(p.wait_exit(), 1) << bad << (detach ? " --detach" : "");
      EXPECT_NE(p.stderr_text().find(std::string("LOKKU_LOG_MAX_BYTES: '") + bad +
                                     "' is not a number of bytes"),
                std::string::npos)
          << p.stderr_text();
      EXPECT_FALSE(std::filesystem::exists(home.path() / "platform.json"));
    }
  }
}

TEST(Cli, VersionAndHelp) {
  TempDir app;
  auto r = run_lokku({"--version"}, app.path());
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_NE(r.out.find("lokku 0."), std::string::npos);
  r = run_lokku({"--help"}, app.path());
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_NE(r.out.find("start"), std::string::npos);
  r = run_lokku({"start", "--help"}, app.path());
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_NE(r.out.find("--formation"), std::string::npos);
  EXPECT_NE(r.out.find("--time-scale"), std::string::npos);
}

// A dyno writing 300 MB with no newline: chunked at 10000 bytes (STATE-6), nothing lost,
// lokku's memory stays bounded.
TEST(BadInput, HundredMegabytesWithoutNewline) {
  // ASan keeps freed memory in quarantine (256 MB by default): keep it small so that the
  // high-water mark below measures lokku, not the sanitizer.
  const char* asan_env = std::getenv("ASAN_OPTIONS");
  const std::string asan = std::string(asan_env ? asan_env : "") + ":quarantine_size_mb=4";
  // What the same binary takes idle: under the sanitizers its relocated data alone is a few
  // hundred MB (412 MB here in December 2026), and grows with the code.
  long idle_kb = 0;
  {
    TempDir idle;
    idle.write("Procfile", "worker: echo ready; sleep 600\n");
    LokkuProcess lokku({"start"}, idle.path(), {{"ASAN_OPTIONS", asan}});
    ASSERT_TRUE(lokku.wait_for(R"(app\[worker\.1\]: ready$)"));
    idle_kb = peak_rss_kb(lokku.pid());
    lokku.signal(SIGINT);
    EXPECT_EQ(lokku.wait_exit(20s), 0);
  }
  ASSERT_GT(idle_kb, 0);
  TempDir app;
  app.write("Procfile",
            "worker: head -c 300000000 /dev/zero | tr '\\0' y; echo; echo done; sleep 600\n");
  LokkuProcess lokku({"start"}, app.path(), {{"ASAN_OPTIONS", asan}});
  lokku.keep_only([](const std::string& l) { return l.size() < 1000; });
  ASSERT_TRUE(lokku.wait_for(R"(app\[worker\.1\]: done$)", 120s));
  // 30000 chunks of 10000 bytes, plus the heroku and done lines.
  EXPECT_GE(lokku.stdout_line_count(), 30001u);
  long hwm_kb = peak_rss_kb(lokku.pid());
  EXPECT_GT(hwm_kb, 0);
  // Holding the line would take 300 MB more than idle; chunking it, a few MB (the release
  // build peaks at 11 MB in all).
  EXPECT_LT(hwm_kb, idle_kb + 100 * 1024)
      << "lokku must not buffer the whole line (idle: " << idle_kb << " kB)";
  lokku.signal(SIGINT);
  EXPECT_EQ(lokku.wait_exit(20s), 0);
}

}  // namespace
}  // namespace lokku::test
