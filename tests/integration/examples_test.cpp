// The bundled examples run as the README says (copied to a temp dir so the tree stays clean).
#include "support/lokku_process.hpp"
#include "support/platform.hpp"

#include <gtest/gtest.h>

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

}  // namespace
}  // namespace lokku::test
