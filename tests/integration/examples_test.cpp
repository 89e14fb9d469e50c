// The bundled examples run as the README says (copied to a temp dir so the tree stays clean).
#include "support/lokku_process.hpp"
#include "support/platform.hpp"

#include <gtest/gtest.h>

#include <fstream>
#include <regex>
#include <set>
#include <signal.h>

namespace lokku::test {
namespace {

namespace fs = std::filesystem;

fs::path copy_example(const TempDir& dir, const std::string& name) {
  fs::path to = dir.path() / name;
  fs::copy(fs::path(LOKKU_EXAMPLES_DIR) / name, to, fs::copy_options::recursive);
  return to;
}

TEST(Examples, PythonWebAnswersOnThePublicPort) {
  TempDir dir;
  auto app = copy_example(dir, "python-web");
  unsigned port = free_port();
  LokkuProcess lokku({"start", "-p", std::to_string(port)}, app);
  ASSERT_TRUE(lokku.wait_for(R"(heroku\[web\.1\]: State changed from starting to up$)"));
  auto response = http_get(port);
  EXPECT_NE(response.find("200 OK"), std::string::npos) << response;
  EXPECT_NE(response.find("Hello from lokku from web.1"), std::string::npos) << response;
  EXPECT_TRUE(lokku.wait_for(R"(app\[web\.1\]: GET / -> "GET / HTTP/1\.0" 200 -$)"));
  EXPECT_TRUE(lokku.wait_for(R"(app\[worker\.1\]: worker: processed job 1$)"));
  lokku.signal(SIGINT);
  EXPECT_EQ(lokku.wait_exit(20s), 0);
  EXPECT_EQ(lokku.count(R"(app\[worker\.1\]: worker: got SIGTERM, finishing up$)"), 1u);
}

TEST(Examples, ShellWorkersShareTheQueue) {
  TempDir dir;
  auto app = copy_example(dir, "shell-worker");
  dir.write("shell-worker/fast.env", "CLOCK_INTERVAL=0.2\n");
  LokkuProcess lokku({"start", "-m", "clock=1,worker=2", "-e", ".env", "-e", "fast.env"}, app);
  ASSERT_TRUE(lokku.wait_for(R"(app\[worker\.1\]: worker\.1 working on: job \d+ from clock\.1$)"));
  ASSERT_TRUE(lokku.wait_for(R"(app\[worker\.2\]: worker\.2 working on: job \d+ from clock\.1$)"));
  lokku.signal(SIGTERM);
  EXPECT_EQ(lokku.wait_exit(20s), 0);
  // Every job enqueued was taken at most once.
  for (int n = 1; n <= 5; ++n) {
    EXPECT_LE(lokku.count("working on: job " + std::to_string(n) + " from"), 1u);
  }
}

/// Deploys an example into a fresh home and serves it with `lokku up`.
struct DeployedExample {
  explicit DeployedExample(const std::string& name) {
    dir = h.root() / name;
    fs::copy(fs::path(LOKKU_EXAMPLES_DIR) / name, dir, fs::copy_options::recursive);
    deploy = h.run({"deploy"}, dir);
    port = free_port();
    up = h.up(port);
  }
  LokkuHome h;
  fs::path dir;
  RunResult deploy;
  unsigned port = 0;
  std::unique_ptr<LokkuProcess> up;
};

TEST(Examples, ChainedIsBuiltByNodeAndServedByPython) {
  DeployedExample ex("chained");
  ASSERT_EQ(ex.deploy.exit_code, 0) << ex.deploy.out << ex.deploy.err;
  EXPECT_NE(ex.deploy.out.find("-----> Node.js app detected"), std::string::npos);
  EXPECT_NE(ex.deploy.out.find("       wrote public/index.html"), std::string::npos);
  EXPECT_NE(ex.deploy.out.find("-----> Python app detected"), std::string::npos);
  EXPECT_EQ(ex.deploy.out.find("npm notice"), std::string::npos) << ex.deploy.out;
  ASSERT_TRUE(
      ex.up->wait_for(R"(chained \| .* heroku\[web\.1\]: State changed from starting to up$)"));
  auto page = get_by_host(ex.port, "chained.localhost");
  ASSERT_TRUE(page);
  EXPECT_NE(page->body.find("Built by Node.js v"), std::string::npos) << page->body;
  auto info = get_by_host(ex.port, "chained.localhost", "/api/info");
  ASSERT_TRUE(info);
  EXPECT_EQ(info->body, R"({"dyno": "web.1", "release": "v3", "greeting": "hello"})");
}

TEST(Examples, StaticSiteNeedsNoProcfile) {
  DeployedExample ex("static-site");
  ASSERT_EQ(ex.deploy.exit_code, 0) << ex.deploy.out << ex.deploy.err;
  EXPECT_NE(ex.deploy.out.find("       Procfile declares types     -> (none)\n"
                               "       Default types for buildpack -> web\n"),
            std::string::npos)
      << ex.deploy.out;
  ASSERT_TRUE(ex.up->wait_for(R"(heroku\[web\.1\]: State changed from starting to up$)"));
  auto page = get_by_host(ex.port, "static-site.localhost");
  ASSERT_TRUE(page);
  EXPECT_EQ(page->status, 200);
  EXPECT_NE(page->body.find("A static site on lokku"), std::string::npos) << page->body;
}

// Issue (add-ons): the guestbook deploys with one command; app.json provisions Postgres and
// Redis, the release phase migrates, and two web dynos share Redis sessions.
/// One request to the guestbook through the router, with its session cookie when given.
std::optional<Response> guestbook(unsigned port, const std::string& method, const std::string& path,
                                  const std::string& sid = "") {
  Connection c(port);
  c.send(method + " " + path + " HTTP/1.1\r\nHost: guestbook.localhost\r\n" +
         (sid.empty() ? "" : "Cookie: sid=" + sid + "\r\n") +
         "Content-Length: 0\r\nConnection: close\r\n\r\n");
  return c.read_response();
}

TEST(Examples, GuestbookMigratesInTheReleasePhaseAndSharesSessionsAcrossDynos) {
  DeployedExample ex("guestbook");
  ASSERT_EQ(ex.deploy.exit_code, 0) << ex.deploy.out << ex.deploy.err;
  EXPECT_TRUE(std::regex_search(
      ex.deploy.out,
      std::regex(
          R"(-----> Provisioning add-ons from app.json\n +Created postgresql-\S+ as DATABASE_URL\n +Created redis-\S+ as REDIS_URL\n)")))
      << ex.deploy.out;
  EXPECT_TRUE(std::regex_search(
      ex.deploy.out, std::regex(R"(app\[release\.\d{4}\]: migrated 001_create_entries)")))
      << ex.deploy.out;
  ASSERT_TRUE(ex.up->wait_for(R"(heroku\[web\.1\]: State changed from starting to up$)", 60s));
  ASSERT_TRUE(ex.up->wait_for(R"(heroku\[web\.2\]: State changed from starting to up$)", 60s));

  auto first = guestbook(ex.port, "GET", "/");
  ASSERT_TRUE(first);
  ASSERT_EQ(first->status, 200) << first->body;
  std::smatch m;
  auto cookie = first->header("set-cookie");
  ASSERT_TRUE(std::regex_search(cookie, m, std::regex("sid=([0-9a-f]{32})"))) << cookie;
  const std::string sid = m[1].str();
  auto posted = guestbook(ex.port, "POST", "/entries?name=ada&message=hello", sid);
  ASSERT_TRUE(posted);
  EXPECT_EQ(posted->status, 201) << posted->body;
  std::set<std::string> dynos;
  int visits = 2;
  for (int i = 0; i < 12; ++i) {
    auto r = guestbook(ex.port, "GET", "/", sid);
    ASSERT_TRUE(r);
    ++visits;
    // The session (in Redis) counts every visit, whichever dyno answers.
    EXPECT_NE(r->body.find("\"visits\":" + std::to_string(visits) + ","), std::string::npos)
        << r->body;
    EXPECT_NE(r->body.find("\"name\":\"ada\",\"entries\":2"), std::string::npos) << r->body;
    if (std::regex_search(r->body, m, std::regex(R"re("dyno":"(web\.\d)")re"))) {
      dynos.insert(m[1].str());
    }
  }
  EXPECT_EQ(dynos, (std::set<std::string>{"web.1", "web.2"}));

  // A second deploy finds the schema up to date, and no add-on is provisioned again.
  std::ofstream(ex.dir / "CHANGES") << "second deploy\n";
  auto again = ex.h.run({"deploy"}, ex.dir);
  ASSERT_EQ(again.exit_code, 0) << again.out << again.err;
  EXPECT_EQ(again.out.find("Provisioning add-ons"), std::string::npos);
  EXPECT_EQ(again.out.find("postdeploy"), std::string::npos);  // APP-2: once only
  EXPECT_EQ(again.out.find("migrated 0"), std::string::npos) << again.out;
  EXPECT_NE(again.out.find("schema up to date (2 migrations)"), std::string::npos) << again.out;
  auto entries = guestbook(ex.port, "GET", "/entries", sid);
  ASSERT_TRUE(entries);
  EXPECT_NE(entries->body.find("\"message\":\"hello\""), std::string::npos) << entries->body;
  EXPECT_NE(entries->body.find("\"message\":\"Welcome to the guestbook!\""), std::string::npos)
      << entries->body;
}

}  // namespace
}  // namespace lokku::test
