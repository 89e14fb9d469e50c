// lokku start: Procfile, formation, environment and log lines (dynos.md PROC, ENV, STATE).
#include "support/lokku_process.hpp"

#include <gtest/gtest.h>

#include <signal.h>

namespace lokku::test {
namespace {

const std::string kTs = R"(^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}\+00:00 )";

// PROC-2, PROC-7, ENV-1, STATE-2/3/4: one dyno of each type but release, web.1 up once it
// listens on $PORT; every line starts with an RFC 3339 timestamp with microseconds.
TEST(Start, WebDynoAnswersOnPortAndLogsLikeHeroku) {
  TempDir app;
  app.write("Procfile",
            "web: python3 -c 'import http.server,os; print(\"PORT=\"+os.environ[\"PORT\"], "
            "flush=True); http.server.HTTPServer((\"\",int(os.environ[\"PORT\"])),"
            "http.server.SimpleHTTPRequestHandler).serve_forever()'\n"
            "worker: echo worker says hi; sleep 60\n"
            "release: echo never\n");
  app.write("index.html", "hello from the web dyno\n");
  unsigned port = free_port();
  LokkuProcess lokku({"start", "-p", std::to_string(port)}, app.path());
  std::string port_line;
  ASSERT_TRUE(lokku.wait_for(kTs + R"(app\[web\.1\]: PORT=\d+$)", 20s, &port_line));
  // ENV-4: the dyno listens on a private port; the router has the public one.
  EXPECT_NE(port_from_line(port_line), port);
  ASSERT_TRUE(lokku.wait_for(kTs + R"(heroku\[web\.1\]: State changed from starting to up$)"));
  EXPECT_NE(http_get(port).find("hello from the web dyno"), std::string::npos);
  EXPECT_TRUE(lokku.wait_for(
      kTs + R"(heroku\[router\]: at=info method=GET path="/" .* dyno=web\.1 .*status=200 )"));
  EXPECT_TRUE(lokku.wait_for(
      kTs +
      R"(heroku\[worker\.1\]: Starting process with command `echo worker says hi; sleep 60`$)"));
  EXPECT_TRUE(lokku.wait_for(kTs + R"(heroku\[worker\.1\]: State changed from starting to up$)"));
  EXPECT_TRUE(lokku.wait_for(kTs + R"(app\[worker\.1\]: worker says hi$)"));
  EXPECT_EQ(lokku.count(R"(release)"), 0u);
  lokku.signal(SIGINT);
  EXPECT_EQ(lokku.wait_exit(20s), 0);
}

// CONVENTIONS.md, Formation: -m lists types; unlisted ones get 0 unless all=N.
TEST(Start, FormationFlagRunsListedTypes) {
  TempDir app;
  app.write("Procfile", "web: sleep 60\nworker: sleep 60\nclock: sleep 60\n");
  LokkuProcess lokku({"start", "-m", "worker=2,clock=1"}, app.path());
  ASSERT_TRUE(lokku.wait_for_count(
      R"(heroku\[(worker\.[12]|clock\.1)\]: State changed from starting to up)", 3));
  EXPECT_EQ(lokku.count(R"(heroku\[web\.)"), 0u);
  lokku.signal(SIGTERM);
  EXPECT_EQ(lokku.wait_exit(20s), 0);
  EXPECT_EQ(lokku.count(R"(heroku\[worker\.3\])"), 0u);
}

TEST(Start, AllSetsTheRest) {
  TempDir app;
  app.write("Procfile", "web: sleep 60\nworker: sleep 60\nclock: sleep 60\n");
  LokkuProcess lokku({"start", "-m", "worker=0, all=2"}, app.path());
  ASSERT_TRUE(lokku.wait_for_count(R"(Starting process with command)", 4));
  EXPECT_EQ(lokku.count(R"(heroku\[web\.2\]: Starting)"), 1u);
  EXPECT_EQ(lokku.count(R"(heroku\[clock\.2\]: Starting)"), 1u);
  EXPECT_EQ(lokku.count(R"(heroku\[worker\.)"), 0u);
  lokku.signal(SIGINT);
  EXPECT_EQ(lokku.wait_exit(20s), 0);
}

TEST(Start, PositionalTypesRunOnlyThose) {
  TempDir app;
  app.write("Procfile", "web: sleep 60\nworker: sleep 60\nclock: sleep 60\n");
  LokkuProcess lokku({"start", "worker", "clock"}, app.path());
  ASSERT_TRUE(lokku.wait_for_count(R"(State changed from starting to up)", 2));
  EXPECT_EQ(lokku.count(R"(heroku\[worker\.1\]: Starting)"), 1u);
  EXPECT_EQ(lokku.count(R"(heroku\[clock\.1\]: Starting)"), 1u);
  EXPECT_EQ(lokku.count(R"(heroku\[web)"), 0u);
  lokku.signal(SIGINT);
  EXPECT_EQ(lokku.wait_exit(20s), 0);
}

// Procfile lines Heroku skips are skipped with a warning naming Procfile:LINE (PROC-2).
TEST(Start, SkippedProcfileLinesWarn) {
  TempDir app;
  app.write("Procfile", "web:sleep 60\nworker: sleep 60\n");
  LokkuProcess lokku({"start"}, app.path());
  ASSERT_TRUE(lokku.wait_for(R"(heroku\[worker\.1\]: State changed from starting to up)"));
  EXPECT_NE(lokku.stderr_text().find(
                "Procfile:1: ignored: the process type must be followed by ':' and a space"),
            std::string::npos);
  EXPECT_EQ(lokku.count(R"(heroku\[web)"), 0u);
  lokku.signal(SIGINT);
  EXPECT_EQ(lokku.wait_exit(20s), 0);
}

// ENV-3..9 and CONVENTIONS.md, Processes: config vars, PORT, DYNO, HOME, .profile.d in
// byte order then .profile; lokku's own environment never reaches a dyno.
TEST(Start, DynoEnvironmentIsBuiltFromScratch) {
  TempDir app;
  app.write("Procfile", "worker: env | sort | sed 's/^/ENV /'; echo \"ORDER $ORDER\"; sleep 60\n");
  app.write(".env", "GREETING=\"hi there\"\nFROM_ENV_FILE=${LOKKU_TEST_VISIBLE_TO_DOTENV}\n");
  app.write("extra.env", "EXTRA=1\n");
  app.write(".profile.d/b.sh", "export ORDER=\"${ORDER}b\"\n");
  app.write(".profile.d/A.sh", "export ORDER=\"${ORDER}A\"\n");
  app.write(".profile.d/a.sh", "export ORDER=\"${ORDER}a\"\n");
  app.write(".profile.d/skip.txt", "export ORDER=wrong\n");
  app.write(".profile", "export ORDER=\"${ORDER}-profile\"\n");
  LokkuProcess lokku(
      {"start", "--env", ".env", "--env", "extra.env"}, app.path(),
      {{"LOKKU_SECRET_TOKEN", "do-not-leak"}, {"LOKKU_TEST_VISIBLE_TO_DOTENV", "expanded"}});
  ASSERT_TRUE(lokku.wait_for(R"(app\[worker\.1\]: ORDER Aab-profile$)"));
  auto env = lokku.matching(R"(app\[worker\.1\]: ENV )");
  std::string all;
  for (const auto& l : env) {
    all += l.substr(l.find("ENV ") + 4) + "\n";
  }
  EXPECT_NE(all.find("GREETING=hi there\n"), std::string::npos) << all;
  EXPECT_NE(all.find("FROM_ENV_FILE=expanded\n"), std::string::npos) << all;
  EXPECT_NE(all.find("EXTRA=1\n"), std::string::npos) << all;
  EXPECT_NE(all.find("DYNO=worker.1\n"), std::string::npos) << all;
  EXPECT_NE(all.find("HOME=" + std::filesystem::canonical(app.path()).string() + "\n"),
            std::string::npos)
      << all;
  EXPECT_NE(all.find("\nPORT="), std::string::npos) << all;
  EXPECT_EQ(all.find("LOKKU_SECRET_TOKEN"), std::string::npos) << all;
  EXPECT_EQ(all.find("LOKKU_TEST_VISIBLE_TO_DOTENV"), std::string::npos) << all;
  lokku.signal(SIGINT);
  EXPECT_EQ(lokku.wait_exit(20s), 0);
}

// STATE-2: the logged command has config var references expanded.
TEST(Start, StartingLineExpandsConfigVars) {
  TempDir app;
  app.write("Procfile", "worker: sleep 60 # mode=$MODE port=${PORT}\n");
  app.write(".env", "MODE=fast\n");
  LokkuProcess lokku({"start"}, app.path());
  EXPECT_TRUE(lokku.wait_for(
      R"(heroku\[worker\.1\]: Starting process with command `sleep 60 # mode=fast port=\d+`$)"));
  lokku.signal(SIGINT);
  EXPECT_EQ(lokku.wait_exit(20s), 0);
}

// STATE-6: stdout and stderr both captured, whole lines, long lines chunked at 10000
// bytes, a last line without newline kept.
TEST(Start, OutputIsSplitIntoWholeLines) {
  TempDir app;
  app.write("Procfile",
            "worker: echo to-stdout; echo to-stderr >&2; head -c 25000 /dev/zero | tr '\\0' x; "
            "echo; printf 'no newline at the end'; sleep 60\n");
  LokkuProcess lokku({"start"}, app.path());
  ASSERT_TRUE(lokku.wait_for(R"(app\[worker\.1\]: x{5000}$)"));
  lokku.signal(SIGINT);
  EXPECT_EQ(lokku.wait_exit(20s), 0);
  EXPECT_EQ(lokku.count(R"(app\[worker\.1\]: no newline at the end$)"), 1u)
      << "a last line without newline must come out once the dyno ends";
  EXPECT_EQ(lokku.count(R"(app\[worker\.1\]: to-stdout$)"), 1u);
  EXPECT_EQ(lokku.count(R"(app\[worker\.1\]: to-stderr$)"), 1u);
  EXPECT_EQ(lokku.count(R"(app\[worker\.1\]: x{10000}$)"), 2u);
  EXPECT_EQ(lokku.count(R"(app\[worker\.1\]: x{5000}$)"), 1u);
}

TEST(Start, LinesOfTwoDynosNeverInterleave) {
  TempDir app;
  // Each dyno writes 2000 lines of 3000 bytes, in writes that straddle line ends.
  std::string writer =
      "python3 -c 'import os,sys; c=sys.argv[1]; data=((c*3000)+\"\\n\")*2000; "
      "[os.write(1, data[i:i+4093].encode()) for i in range(0, len(data), 4093)]' ";
  app.write("Procfile", "a: " + writer + "A; sleep 60\nb: " + writer + "B; sleep 60\n");
  LokkuProcess lokku({"start"}, app.path());
  lokku.keep_only([](const std::string& l) { return l.find(" app[") != std::string::npos; });
  ASSERT_TRUE(lokku.wait_for_count(R"(app\[)", 4000, 60s));
  for (const auto& line : lokku.stdout_lines()) {
    auto colon = line.find("]: ");
    ASSERT_NE(colon, std::string::npos);
    std::string body = line.substr(colon + 3);
    char c = line.find("app[a.1]") != std::string::npos ? 'A' : 'B';
    ASSERT_EQ(body, std::string(3000, c)) << "a mixed or broken line";
  }
  lokku.signal(SIGINT);
  EXPECT_EQ(lokku.wait_exit(20s), 0);
}

}  // namespace
}  // namespace lokku::test
