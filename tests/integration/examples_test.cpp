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

// Issue (Node.js, app.json, review apps, pipelines): the TypeScript taskboard goes the way the
// README's walkthrough takes it: a staging app set up from app.json (APP-1..4), a review app
// of a branch (PIPE-3), then the staging slug promoted to production (PIPE-2), with Node.js
// 18 from engines.node, `tsc` in the build, devDependencies pruned, migrations in the
// release phase of every app (RPH) and the postdeploy seed once per new app.
std::optional<Response> board(unsigned port, const std::string& app, const std::string& method,
                              const std::string& path, const std::string& json = "") {
  Connection c(port);
  c.send(method + " " + path + " HTTP/1.1\r\nHost: " + app + ".localhost\r\n" +
         "Content-Type: application/json\r\nContent-Length: " + std::to_string(json.size()) +
         "\r\nConnection: close\r\n\r\n" + json);
  return c.read_response();
}

TEST(Examples, TaskboardGoesFromReviewAppToStagingToProduction) {
  LokkuHome h;
  const fs::path repo = h.root() / "taskboard";
  fs::copy(fs::path(LOKKU_EXAMPLES_DIR) / "taskboard", repo, fs::copy_options::recursive);
  const std::string commit = "git add -A && git -c user.email=t@t -c user.name=t commit -qm ";
  ASSERT_EQ(sh("git init -q -b main && " + commit + "taskboard", repo), 0);
  unsigned port = free_port();
  auto up = h.up(port);

  // Staging: set up from app.json, then built and released.
  auto created = h.run({"apps:create", "taskboard-staging", "--from", repo.string()});
  ASSERT_EQ(created.exit_code, 0) << created.out << created.err;
  EXPECT_TRUE(std::regex_search(
      created.out,
      std::regex(
          R"(-----> Setting config vars from app.json: SESSION_SECRET, TASKBOARD_TITLE\n-----> Provisioning add-ons from app.json\n +Created postgresql-\S+ as DATABASE_URL\n +Created redis-\S+ as REDIS_URL\n)")))
      << created.out;
  auto staged = h.run({"deploy", "-a", "taskboard-staging"}, repo, std::chrono::seconds(300));
  ASSERT_EQ(staged.exit_code, 0) << staged.out << staged.err;
  const std::string& out = staged.out;
  EXPECT_EQ(out.find("Provisioning add-ons"), std::string::npos) << out;  // done by apps:create
  EXPECT_TRUE(std::regex_search(
      out, std::regex(R"(       engines.node \(package.json\):  18\.x\n)"
                      R"(       Resolving node version 18\.x\.\.\.\n)"
                      R"(       Downloading and installing node 18\.\d+\.\d+\.\.\.\n)")))
      << out;
  EXPECT_NE(out.find("       Installing node modules (package-lock.json)\n"), std::string::npos);
  EXPECT_NE(out.find("       Running build\n"), std::string::npos) << out;
  EXPECT_NE(out.find("       > tsc -p .\n"), std::string::npos) << out;
  EXPECT_NE(out.find("       Procfile declares types     -> release, web\n"), std::string::npos);
  EXPECT_TRUE(std::regex_search(
      out, std::regex(R"(app\[release\.\d{4}\]: migrated 001_create_tasks\n(.*\n)*.*)"
                      R"(app\[release\.\d{4}\]: migrated 002_create_digests\n)")))
      << out;
  EXPECT_TRUE(std::regex_search(
      out, std::regex(R"(app\[postdeploy\.\d{4}\]: seeded the board with 3 tasks\n)")))
      << out;
  ASSERT_TRUE(up->wait_for(
      R"(taskboard-staging \| .* heroku\[web\.1\]: State changed from starting to up$)", 60s));
  auto home = board(port, "taskboard-staging", "GET", "/");
  ASSERT_TRUE(home);
  ASSERT_EQ(home->status, 200) << home->body;
  EXPECT_TRUE(std::regex_search(
      home->body,
      std::regex(R"re(^\{"title":"Team taskboard","branch":null,"release":"v\d+",)re"
                 R"re("dyno":"web\.1","node":"v18\.\d+\.\d+","open":3,"cached":false\}$)re")))
      << home->body;
  auto added =
      board(port, "taskboard-staging", "POST", "/tasks", R"({"title":"Write the README"})");
  ASSERT_TRUE(added);
  EXPECT_EQ(added->status, 201) << added->body;
  auto rejected = board(port, "taskboard-staging", "POST", "/tasks", R"({"title":""})");
  ASSERT_TRUE(rejected);
  EXPECT_EQ(rejected->status, 422) << rejected->body;
  // The open count is read from Postgres once, then from Redis until a task changes.
  auto fresh = board(port, "taskboard-staging", "GET", "/");
  auto cached = board(port, "taskboard-staging", "GET", "/");
  ASSERT_TRUE(fresh && cached);
  EXPECT_NE(fresh->body.find("\"open\":4,\"cached\":false}"), std::string::npos) << fresh->body;
  EXPECT_NE(cached->body.find("\"open\":4,\"cached\":true}"), std::string::npos) << cached->body;
  // The slug runs the compiled JavaScript with Node.js 18; TypeScript was a devDependency.
  auto slug = h.run({"run", "-a", "taskboard-staging", "--",
                     "node --version; ls dist; ls node_modules/typescript 2>&1 | head -1"});
  EXPECT_TRUE(std::regex_search(
      slug.out, std::regex(R"(^v18\.\d+\.\d+\ncache\.js\ndb\.js\njobs\nmigrate\.js\nseed\.js\n)"
                           R"(server\.js\nls: cannot access 'node_modules/typescript')")))
      << slug.out << slug.err;

  // A pipeline: staging, and production set up from the same app.json.
  ASSERT_EQ(h.run({"pipelines:create", "taskboard", "-a", "taskboard-staging", "-s", "staging"})
                .exit_code,
            0);
  ASSERT_EQ(h.run({"apps:create", "taskboard", "--from", repo.string()}).exit_code, 0);
  ASSERT_EQ(h.run({"pipelines:add", "taskboard", "-a", "taskboard", "-s", "production"}).exit_code,
            0);

  // A review app of a branch: its own database, seeded; environments.review's title.
  ASSERT_EQ(sh("git checkout -q -b due-dates && sed -i 's/^    node: process.version,$/"
               "    node: process.version,\\n    feature: \"due dates\",/' src/server.ts && " +
                   commit + "due-dates && git checkout -q main",
               repo),
            0);
  auto review = h.run({"review-apps:create", "due-dates", "-a", "taskboard-staging"}, repo,
                      std::chrono::seconds(300));
  ASSERT_EQ(review.exit_code, 0) << review.out << review.err;
  EXPECT_NE(review.out.find("seeded the board with 3 tasks"), std::string::npos) << review.out;
  ASSERT_TRUE(up->wait_for(
      R"(taskboard-staging-due-dates \| .* heroku\[web\.1\]: State changed from starting to up$)",
      60s));
  auto branch = board(port, "taskboard-staging-due-dates", "GET", "/");
  ASSERT_TRUE(branch);
  EXPECT_TRUE(std::regex_search(
      branch->body, std::regex(R"re(^\{"title":"Taskboard \(review app\)","branch":"due-dates",)re"
                               R"re(.*"feature":"due dates","open":3,)re")))
      << branch->body;
  auto gone = h.run({"review-apps:destroy", "-a", "taskboard-staging-due-dates"});
  ASSERT_EQ(gone.exit_code, 0) << gone.out << gone.err;
  EXPECT_TRUE(std::regex_search(
      gone.out,
      std::regex(R"(app\[predestroy\.\d{4}\]: review app of due-dates: discarding 3 tasks)")))
      << gone.out;
  EXPECT_EQ(h.run({"apps"}).out.find("due-dates"), std::string::npos);
  // Its slug files go once the platform has stopped its dynos.
  EXPECT_TRUE(
      wait_until([&] { return !fs::exists(h.home() / "dynos" / "taskboard-staging-due-dates"); },
                 30s, "the review app's slug files to be removed"));

  // Promotion: staging's slug on production, no build; production's own database migrated
  // by its release phase, and not seeded (postdeploy runs after a build of a new app only).
  auto promoted =
      h.run({"pipelines:promote", "-a", "taskboard-staging"}, {}, std::chrono::seconds(300));
  ASSERT_EQ(promoted.exit_code, 0) << promoted.out << promoted.err;
  EXPECT_EQ(promoted.out.find("Building"), std::string::npos) << promoted.out;
  EXPECT_NE(promoted.out.find("taskboard: succeeded\nPromotion successful\n"), std::string::npos)
      << promoted.out;
  ASSERT_TRUE(
      up->wait_for(R"(taskboard \| .* heroku\[web\.1\]: State changed from starting to up$)", 60s));
  auto prod = board(port, "taskboard", "GET", "/");
  ASSERT_TRUE(prod);
  EXPECT_TRUE(std::regex_search(
      prod->body, std::regex(R"re(^\{"title":"Team taskboard","branch":null,.*)re"
                             R"re("node":"v18\.\d+\.\d+","open":0,"cached":false\}$)re")))
      << prod->body;
  auto logs = h.run({"logs", "-a", "taskboard", "--dyno", "release"});
  EXPECT_TRUE(std::regex_search(
      logs.out, std::regex(R"(app\[release\.\d{4}\]: migrated 002_create_digests)")))
      << logs.out;
  auto releases = h.run({"releases", "-a", "taskboard"});
  EXPECT_TRUE(std::regex_search(releases.out, std::regex(R"(v6 +Promote taskboard-staging v\d+ )")))
      << releases.out;

  // The scheduled digest: its job, and its work (run here as a one-off dyno; the scheduler's
  // own timing is Scheduler.SCHED2And3...).
  auto job = h.run(
      {"scheduler:add", "every day at 09:00", "-a", "taskboard", "--", "node dist/jobs/digest.js"});
  ASSERT_EQ(job.exit_code, 0) << job.err;
  auto digest = h.run({"run", "-a", "taskboard", "--", "node dist/jobs/digest.js"});
  EXPECT_TRUE(std::regex_search(digest.out, std::regex(R"(^digest: 0 open, 0 done\n)")))
      << digest.out << digest.err;
  auto digests = board(port, "taskboard", "GET", "/digests");
  ASSERT_TRUE(digests);
  EXPECT_TRUE(std::regex_search(
      digests->body,
      std::regex(R"re(^\[\{"open_tasks":0,"done_tasks":0,"made_by":"run\.\d{4}",)re")))
      << digests->body;
}

// #25: the chaos scenario of examples/testing, played as its comment says, on python-web in a
// private platform: killed, slowed, requests dropped, a worker over its memory, and back.
TEST(Examples, TheChaosScenarioPlaysOnPythonWebAndItRecovers) {
  LokkuHome h;
  const auto dir = h.root() / "python-web";
  fs::copy(fs::path(LOKKU_EXAMPLES_DIR) / "python-web", dir, fs::copy_options::recursive);
  const auto scenario =
      fs::path(LOKKU_EXAMPLES_DIR).parent_path() / "testing" / "python-web-faults.yaml";
  LokkuProcess run({"exec", "-d", dir.string(), "--time-scale", "10", "--", LOKKU_BIN, "chaos:run",
                    scenario.string()},
                   h.root(), h.env());
  ASSERT_EQ(run.wait_exit(240s), 0) << run.stderr_text();
  for (
      const auto* line : {
          R"(^Scenario .*python-web-faults\.yaml on ⬢ python-web: 5 steps, then recovery within 1m$)",
          R"(^  \+0s +fault 1: crash web \(every dyno\), once$)",
          R"(^  \+10s +fault 2: slow \(every dyno\) by 2s, until \S+$)",
          R"(^  \+20s +fault 3: drop \(every dyno\) on 20% of requests, until cleared$)",
          R"(^  \+25s +fault 4: memory worker \(every dyno\) at 150% of its quota, until \S+$)",
          R"(^  \+45s +cleared fault 3$)",
          R"(^Recovered \S+ after the last step on the platform's clock: every dyno up, GET / answered below 500$)",
      }) {
    EXPECT_EQ(run.count(line), 1u) << line;
  }
}

}  // namespace
}  // namespace lokku::test
