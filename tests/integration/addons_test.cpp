// Add-ons as real local servers (issue: heroku-postgresql and heroku-redis; spec
// build-and-release.md CFG-6, REL-4): real PostgreSQL and Redis from Debian's packages, on
// ephemeral ports, started by lokku and removed with the test's lokku home.
#include "support/platform.hpp"

#include <gtest/gtest.h>

#include <arpa/inet.h>
#include <csignal>
#include <netinet/in.h>
#include <regex>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

namespace lokku::test {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

std::string match(const std::string& text, const std::string& pattern, int group = 1) {
  std::smatch m;
  return std::regex_search(text, m, std::regex(pattern)) ? m[group].str() : std::string();
}

class Addons : public ::testing::Test {
 protected:
  void SetUp() override {
    auto r = h.deploy("web");
    ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  }
  /// `lokku COMMAND -a web ARGS...`
  RunResult lokku(std::vector<std::string> args) const {
    args.insert(args.begin() + 1, {"-a", "web"});
    return h.run(args);
  }
  /// Creates an add-on; returns its name.
  std::string create(const std::vector<std::string>& what) const {
    std::vector<std::string> args = {"addons:create"};
    args.insert(args.end(), what.begin(), what.end());
    auto r = lokku(args);
    EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
    return match(r.out, R"(Created (\S+) as )");
  }
  std::string config_var(const std::string& key) const {
    auto r = lokku({"config:get", key});
    return r.out.empty() ? r.out : r.out.substr(0, r.out.size() - 1);
  }

  LokkuHome h;
};

TEST_F(Addons, CFG6PostgresIsARealServerWithItsOwnDatabaseRoleAndUrl) {
  auto made = lokku({"addons:create", "heroku-postgresql"});
  ASSERT_EQ(made.exit_code, 0) << made.out << made.err;
  EXPECT_TRUE(std::regex_search(made.out,
                                std::regex(R"(Created postgresql-[a-z]+-\d{5} as DATABASE_URL\n)")))
      << made.out;
  const std::string name = match(made.out, R"(Created (\S+) as )");
  const std::string url = config_var("DATABASE_URL");
  EXPECT_TRUE(std::regex_match(
      url, std::regex(R"(postgres://u[0-9a-f]{14}:[0-9a-f]{64}@127\.0\.0\.1:\d+/d[0-9a-f]{14})")))
      << url;
  // REL-4: the attachment is a release of its own.
  auto releases = lokku({"releases"});
  EXPECT_NE(releases.out.find("Attach DATABASE (@ref:" + name + ")"), std::string::npos)
      << releases.out;
  struct stat st {};
  ASSERT_EQ(::stat((h.home() / "addons" / name).c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0700u);  // the data and its credentials are the user's only
  ASSERT_EQ(::stat((h.home() / "apps/web/app.yaml").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);  // so is the record holding the passwords

  // No platform runs: pg:psql starts the server for its own duration.
  auto psql = lokku({"pg:psql", "-c",
                     "CREATE TABLE notes (body text); INSERT INTO notes VALUES ('kept'); "
                     "SELECT body FROM notes"});
  EXPECT_EQ(psql.exit_code, 0) << psql.out << psql.err;
  EXPECT_NE(psql.out.find(" kept\n"), std::string::npos) << psql.out;
  // A one-off dyno sees DATABASE_URL (issue point 6).
  auto run = lokku({"run", "--", R"(psql "$DATABASE_URL" -A -t -c "SELECT body FROM notes")"});
  EXPECT_EQ(run.exit_code, 0) << run.out << run.err;
  EXPECT_EQ(run.out, "kept\n");
  // The app's role is not a superuser: it cannot read the server's files.
  auto denied =
      lokku({"run", "--", R"cmd(psql "$DATABASE_URL" -c "SELECT pg_read_file('PG_VERSION')")cmd"});
  EXPECT_NE(denied.exit_code, 0);
  EXPECT_NE((denied.out + denied.err).find("permission denied"), std::string::npos)
      << denied.out << denied.err;

  auto info = lokku({"pg:info"});
  EXPECT_EQ(info.exit_code, 0) << info.err;
  EXPECT_NE(info.out.find("=== DATABASE_URL"), std::string::npos) << info.out;
  EXPECT_TRUE(std::regex_search(info.out, std::regex(R"(PG Version: +1\d)"))) << info.out;
  EXPECT_NE(info.out.find("Tables:                1"), std::string::npos) << info.out;

  // A second database gets a colour (Heroku's HEROKU_POSTGRESQL_<COLOR>_URL); --as names one.
  auto second = lokku({"addons:create", "heroku-postgresql:standard-0"});
  EXPECT_TRUE(std::regex_search(second.out, std::regex(R"(as HEROKU_POSTGRESQL_[A-Z]+_URL\n)")))
      << second.out;
  create({"heroku-postgresql", "--as", "analytics"});
  EXPECT_TRUE(std::regex_match(config_var("ANALYTICS_URL"), std::regex("postgres://.*")));
  auto list = lokku({"addons"});
  EXPECT_NE(list.out.find(name + " (heroku-postgresql:essential-0)  as DATABASE"),
            std::string::npos)
      << list.out;
  EXPECT_NE(list.out.find("(heroku-postgresql:standard-0)"), std::string::npos) << list.out;
}

TEST_F(Addons, DestroyAsksForTheAppNameAndRemovesTheDataOnlyThen) {
  const std::string name = create({"heroku-postgresql"});
  ASSERT_FALSE(name.empty());
  auto no = lokku({"addons:destroy", name});
  EXPECT_NE(no.exit_code, 0);
  EXPECT_NE(no.err.find("--confirm web"), std::string::npos) << no.err;
  EXPECT_TRUE(fs::exists(h.home() / "addons" / name));
  auto wrong = lokku({"addons:destroy", name, "--confirm", "other"});
  EXPECT_NE(wrong.exit_code, 0);
  EXPECT_TRUE(fs::exists(h.home() / "addons" / name));
  EXPECT_FALSE(config_var("DATABASE_URL").empty());

  auto yes = lokku({"addons:destroy", "DATABASE", "--confirm", "web"});
  EXPECT_EQ(yes.exit_code, 0) << yes.out << yes.err;
  EXPECT_FALSE(fs::exists(h.home() / "addons" / name));
  EXPECT_EQ(config_var("DATABASE_URL"), "");
  EXPECT_NE(lokku({"releases"}).out.find("Detach DATABASE (@ref:" + name + ")"), std::string::npos);
  EXPECT_NE(lokku({"addons"}).out.find("No add-ons for app web."), std::string::npos);
}

TEST_F(Addons, RedisWithARequiredPasswordInRedisUrl) {
  const std::string name = create({"heroku-redis"});
  EXPECT_TRUE(std::regex_match(name, std::regex(R"(redis-[a-z]+-\d{5})"))) << name;
  const std::string url = config_var("REDIS_URL");
  EXPECT_TRUE(std::regex_match(url, std::regex(R"(redis://default:[0-9a-f]{64}@127\.0\.0\.1:\d+)")))
      << url;
  auto set = lokku({"redis:cli", "--", "SET", "greeting", "hello"});
  EXPECT_EQ(set.exit_code, 0) << set.err;
  EXPECT_EQ(set.out, "OK\n");
  // The app's URL works from a dyno; without the password the server refuses.
  auto get = lokku({"run", "--", R"(redis-cli -u "$REDIS_URL" --no-auth-warning GET greeting)"});
  EXPECT_EQ(get.out, "hello\n") << get.err;
  auto port = match(url, R"(:(\d+)$)");
  auto anon = lokku({"run", "--", "redis-cli -p " + port + " GET greeting; sleep 0"});
  EXPECT_NE(anon.out.find("NOAUTH"), std::string::npos) << anon.out;
  auto info = lokku({"redis:info"});
  EXPECT_NE(info.out.find("redis_version:"), std::string::npos) << info.out;
}

TEST_F(Addons, PlatformStartsServersBeforeDynosRestartsACrashAndStopsThemLast) {
  const std::string pg = create({"heroku-postgresql"});
  const std::string redis = create({"heroku-redis"});
  ASSERT_EQ(lokku({"pg:psql", "-c", "CREATE TABLE t (x int); INSERT INTO t VALUES (7)"}).exit_code,
            0);
  auto up = h.up(free_port());
  const std::string pg_src = R"(web \| \S+ heroku\[)" + pg + R"(\]: )";
  ASSERT_TRUE(up->wait_for(pg_src + "State changed from starting to up$"));
  ASSERT_TRUE(up->wait_for(R"(heroku\[web\.1\]: State changed from starting to up$)"));
  // Started before the dynos (which would crash without them): the platform says the server
  // is up before it starts web.1. (The server's own "ready to accept connections" line comes
  // through a pipe read at its own pace, and may be printed after the platform's lines.)
  auto lines = up->stdout_lines();
  std::size_t pg_up = 0, web_start = 0;
  for (std::size_t i = 0; i < lines.size(); ++i) {
    if (pg_up == 0 && lines[i].find("heroku[" + pg + "]: State changed from starting to up") !=
                          std::string::npos) {
      pg_up = i;
    }
    if (web_start == 0 && lines[i].find("heroku[web.1]: Starting process") != std::string::npos) {
      web_start = i;
    }
  }
  EXPECT_GT(pg_up, 0u);
  EXPECT_LT(pg_up, web_start);

  // A crashed server is reported and restarted; its data is kept.
  std::system(("pkill -9 -f 'postgres -D " + (h.home() / "addons" / pg).string() + "'").c_str());
  EXPECT_TRUE(up->wait_for(pg_src + "Process exited with status 137$"));
  EXPECT_TRUE(up->wait_for(pg_src + "State changed from up to crashed$"));
  EXPECT_TRUE(up->wait_for_count(pg_src + "State changed from starting to up$", 2));
  auto again = lokku({"run", "--", R"(psql "$DATABASE_URL" -A -t -c "SELECT x FROM t")"});
  EXPECT_EQ(again.out, "7\n") << again.err;

  // Stopped after the dynos, each with its clean-shutdown signal.
  up->signal(SIGINT);
  ASSERT_TRUE(up->wait_exit(60s));
  lines = up->stdout_lines();
  std::size_t web_down = 0, pg_stop = 0, redis_stop = 0;
  for (std::size_t i = 0; i < lines.size(); ++i) {
    if (lines[i].find("heroku[web.1]: Process exited") != std::string::npos) {
      web_down = i;
    }
    if (lines[i].find("heroku[" + pg + "]: Stopping all processes with SIGINT") !=
        std::string::npos) {
      pg_stop = i;
    }
    if (lines[i].find("heroku[" + redis + "]: Stopping all processes with SIGTERM") !=
        std::string::npos) {
      redis_stop = i;
    }
  }
  EXPECT_GT(pg_stop, web_down);
  EXPECT_GT(redis_stop, web_down);
  EXPECT_EQ(up->count(R"(database system is shut down$)"), 1u);  // after the crash: clean

  // A new platform starts them again with their data.
  auto up2 = h.up(free_port());
  ASSERT_TRUE(up2->wait_for(R"(heroku\[web\.1\]: State changed from starting to up$)"));
  auto kept = lokku({"pg:psql", "-c", "SELECT x FROM t"});
  EXPECT_NE(kept.out.find(" 7\n"), std::string::npos) << kept.out << kept.err;
}

TEST_F(Addons, BadInputAndFaultsGetClearErrors) {
  auto unknown = lokku({"addons:create", "heroku-mongodb"});
  EXPECT_EQ(unknown.exit_code, 1);
  EXPECT_NE(unknown.err.find("heroku-postgresql, heroku-redis"), std::string::npos) << unknown.err;
  auto none = lokku({"pg:psql", "-c", "SELECT 1"});
  EXPECT_EQ(none.exit_code, 1);
  EXPECT_NE(none.err.find("web has no heroku-postgresql add-on"), std::string::npos) << none.err;
  auto bad_as = lokku({"addons:create", "heroku-redis", "--as", "no way"});
  EXPECT_EQ(bad_as.exit_code, 1);
  EXPECT_NE(bad_as.err.find("--as no way"), std::string::npos) << bad_as.err;
  EXPECT_FALSE(fs::exists(h.home() / "addons") && !fs::is_empty(h.home() / "addons"));

  // The add-on's port taken by another program: a clear error, the data untouched.
  const std::string pg = create({"heroku-postgresql"});
  auto port = match(config_var("DATABASE_URL"), R"(127\.0\.0\.1:(\d+)/)");
  int squatter = ::socket(AF_INET, SOCK_STREAM, 0);
  int one = 1;  // the provisioning's connections may have left the port in TIME_WAIT
  ::setsockopt(squatter, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<std::uint16_t>(std::stoi(port)));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(::bind(squatter, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
  ASSERT_EQ(::listen(squatter, 4), 0);
  auto taken = lokku({"pg:psql", "-c", "SELECT 1"});
  EXPECT_EQ(taken.exit_code, 1);
  EXPECT_NE(taken.err.find("port " + port + " of the add-on " + pg + " is taken"),
            std::string::npos)
      << taken.err;
  ::close(squatter);
  EXPECT_EQ(lokku({"pg:psql", "-c", "SELECT 1"}).exit_code, 0);
}

TEST_F(Addons, FollowerIsAReadOnlyReplicaThatCatchesUpWithTheLeader) {
  const std::string leader = create({"heroku-postgresql"});
  ASSERT_EQ(lokku({"pg:psql", "-c", "CREATE TABLE t (x int); INSERT INTO t VALUES (1)"}).exit_code,
            0);
  auto up = h.up(free_port());
  ASSERT_TRUE(up->wait_for(R"(heroku\[web\.1\]: State changed from starting to up$)"));
  auto made = lokku({"addons:create", "heroku-postgresql", "--follow", "DATABASE_URL"});
  ASSERT_EQ(made.exit_code, 0) << made.out << made.err;
  EXPECT_NE(made.out.find("follows " + leader), std::string::npos) << made.out;
  const std::string follower = match(made.out, R"(Created (\S+) as )");
  const std::string var = match(made.out, R"(as (HEROKU_POSTGRESQL_[A-Z]+)_URL)");
  ASSERT_FALSE(var.empty()) << made.out;
  ASSERT_TRUE(up->wait_for(R"(heroku\[)" + follower + R"(\]: State changed from starting to up$)"));

  // A write on the leader reaches the follower; the follower refuses writes.
  ASSERT_EQ(lokku({"pg:psql", "-c", "INSERT INTO t VALUES (2)"}).exit_code, 0);
  EXPECT_TRUE(wait_until(
      [&] {
        auto r = lokku({"pg:query", "SELECT count(*) FROM t", var, "--csv"});
        return r.out == "count\n2\n";
      },
      10s, "the follower to catch up"));
  auto write = lokku({"pg:psql", var, "-c", "INSERT INTO t VALUES (3)"});
  EXPECT_NE(write.exit_code, 0);
  EXPECT_NE(write.err.find("read-only transaction"), std::string::npos) << write.err;
  auto info = lokku({"pg:info"});
  EXPECT_NE(info.out.find("Following:             " + leader + " (DATABASE_URL)"),
            std::string::npos)
      << info.out;
  EXPECT_NE(info.out.find("Behind By:             0 bytes"), std::string::npos) << info.out;
  EXPECT_NE(info.out.find("Followers:             " + follower), std::string::npos) << info.out;
  // The leader cannot go while it has a follower.
  auto destroy = lokku({"addons:destroy", leader, "--confirm", "web"});
  EXPECT_NE(destroy.exit_code, 0);
  EXPECT_NE(destroy.err.find("has a follower"), std::string::npos) << destroy.err;
  EXPECT_TRUE(fs::exists(h.home() / "addons" / leader));
}

TEST_F(Addons, CredentialsRotateBackupsRoundTripAndReadOnlyQueries) {
  ASSERT_FALSE(create({"heroku-postgresql"}).empty());
  ASSERT_EQ(lokku({"pg:psql", "-c",
                   "CREATE TABLE notes (id int, body text); INSERT INTO notes VALUES (1, 'a,b'), "
                   "(2, 'two')"})
                .exit_code,
            0);
  // pg:query: a dataclip-style table, CSV or JSON; it can never change data.
  auto table = lokku({"pg:query", "SELECT id, body FROM notes ORDER BY id"});
  EXPECT_EQ(table.exit_code, 0) << table.err;
  EXPECT_NE(table.out.find("(2 rows)"), std::string::npos) << table.out;
  auto csv = lokku({"pg:query", "SELECT id, body FROM notes ORDER BY id", "--csv"});
  EXPECT_EQ(csv.out, "id,body\n1,\"a,b\"\n2,two\n");
  auto json = lokku({"pg:query", "SELECT id, body FROM notes ORDER BY id;", "--json"});
  EXPECT_TRUE(std::regex_search(
      json.out, std::regex(R"(^\[\{"id":1,"body":"a,b"\}, *\n? *\{"id":2,"body":"two"\}\]\n$)")))
      << json.out;
  for (const char* sql : {"DELETE FROM notes", "SET transaction_read_only = off; DELETE FROM notes",
                          "DROP TABLE notes"}) {
    auto change = lokku({"pg:query", sql});
    EXPECT_EQ(change.exit_code, 1) << sql;
  }
  EXPECT_EQ(lokku({"pg:query", "SELECT count(*) FROM notes", "--csv"}).out, "count\n2\n");

  // Backups: capture, lose data, restore.
  auto capture = lokku({"pg:backups:capture"});
  EXPECT_EQ(capture.exit_code, 0) << capture.err;
  EXPECT_NE(capture.out.find("Backing up DATABASE to b001... done"), std::string::npos)
      << capture.out;
  ASSERT_EQ(lokku({"pg:psql", "-c", "DELETE FROM notes"}).exit_code, 0);
  EXPECT_NE(lokku({"pg:backups"}).out.find("b001  "), std::string::npos);
  auto unconfirmed = lokku({"pg:backups:restore", "b001"});
  EXPECT_NE(unconfirmed.exit_code, 0);
  auto restore = lokku({"pg:backups:restore", "b001", "DATABASE", "--confirm", "web"});
  EXPECT_EQ(restore.exit_code, 0) << restore.err;
  EXPECT_EQ(lokku({"pg:query", "SELECT body FROM notes ORDER BY id", "--csv"}).out,
            "body\n\"a,b\"\ntwo\n");
  EXPECT_NE(lokku({"pg:backups:restore", "b009", "--confirm", "web"}).exit_code, 0);

  // Rotation: a new password in DATABASE_URL, a release without the release phase (REL-6),
  // the dynos on it, and the old password refused.
  auto up = h.up(free_port());
  ASSERT_TRUE(up->wait_for(R"(heroku\[web\.1\]: State changed from starting to up$)"));
  const std::string old_url = config_var("DATABASE_URL");
  auto rotate = lokku({"pg:credentials:rotate", "--confirm", "web"});
  EXPECT_EQ(rotate.exit_code, 0) << rotate.err;
  const std::string new_url = config_var("DATABASE_URL");
  EXPECT_NE(new_url, old_url);
  auto releases = lokku({"releases"});
  EXPECT_TRUE(
      std::regex_search(releases.out, std::regex(R"(v\d+ +Update DATABASE by heroku-postgresql)")))
      << releases.out;
  const std::string version = match(rotate.out, R"(done, (v\d+))");
  ASSERT_FALSE(version.empty()) << rotate.out;
  auto logs = lokku({"logs", "-n", "1000"});
  EXPECT_NE(logs.out.find("Release " + version + " created"), std::string::npos) << logs.out;
  EXPECT_EQ(logs.out.find("Running release " + version + " commands"), std::string::npos);
  EXPECT_TRUE(up->wait_for(R"(heroku\[web\.1\]: State changed from starting to up$)"));
  auto with_new =
      lokku({"run", "--", R"(psql "$DATABASE_URL" -At -c "SELECT count(*) FROM notes")"});
  EXPECT_EQ(with_new.out, "2\n") << with_new.err;
  auto with_old = lokku({"run", "--", "psql '" + old_url + "' -At -c 'SELECT 1'"});
  EXPECT_NE(with_old.exit_code, 0);
  EXPECT_NE((with_old.out + with_old.err).find("password authentication failed"), std::string::npos)
      << with_old.out << with_old.err;
}

// platform-api.md (`heroku addons`, `apps:info`): the add-ons and their attachments.
TEST_F(Addons, ThePlatformApiListsAddonsAndAttachments) {
  const std::string name = create({"heroku-redis"});
  auto up = h.up(free_port());
  ASSERT_TRUE(up->wait_for_diagnostic("Platform API on http://127.0.0.1:"));
  auto addons = api_request(h.api_port(), "GET", "/apps/web/addons", h.token());
  ASSERT_TRUE(addons);
  EXPECT_EQ(addons->status, 200);
  EXPECT_NE(addons->body.find(R"("name":")" + name + "\""), std::string::npos) << addons->body;
  EXPECT_NE(addons->body.find(R"("plan":{"id":"heroku-redis:mini","name":"heroku-redis:mini")"),
            std::string::npos)
      << addons->body;
  EXPECT_NE(addons->body.find(R"("config_vars":["REDIS_URL"])"), std::string::npos) << addons->body;
  auto attachments = api_request(h.api_port(), "GET", "/addon-attachments", h.token());
  ASSERT_TRUE(attachments);
  EXPECT_NE(attachments->body.find(R"("name":"REDIS","addon":{"id":")"), std::string::npos)
      << attachments->body;
}

TEST_F(Addons, AMissingServerProgramNamesItsDebianPackageAndCreatesNothing) {
  h.extra["LOKKU_POSTGRESQL_ROOT"] = (h.root() / "no-postgresql").string();
  h.extra["LOKKU_REDIS_BIN_DIR"] = (h.root() / "no-redis").string();
  auto pg = lokku({"addons:create", "heroku-postgresql"});
  EXPECT_EQ(pg.exit_code, 1);
  EXPECT_NE(pg.err.find("install Debian's postgresql package"), std::string::npos) << pg.err;
  auto redis = lokku({"addons:create", "heroku-redis"});
  EXPECT_EQ(redis.exit_code, 1);
  EXPECT_NE(redis.err.find("install Debian's redis-server package"), std::string::npos)
      << redis.err;
  EXPECT_EQ(h.app_yaml("web").find("addons:\n  -"), std::string::npos);
  EXPECT_FALSE(fs::exists(h.home() / "addons") && !fs::is_empty(h.home() / "addons"));
}

TEST_F(Addons, ADataDirectoryLeftByAKilledPlatformStartsAgainWithItsData) {
  create({"heroku-postgresql"});
  ASSERT_EQ(lokku({"pg:psql", "-c", "CREATE TABLE t (x int); INSERT INTO t VALUES (5)"}).exit_code,
            0);
  {
    auto up = h.up(free_port());
    ASSERT_TRUE(up->wait_for(R"(heroku\[web\.1\]: State changed from starting to up$)"));
    ASSERT_EQ(lokku({"pg:psql", "-c", "INSERT INTO t VALUES (6)"}).exit_code, 0);
    up->signal(SIGKILL);  // no clean shutdown: lokku-init kills the server with SIGKILL
    up->wait_exit(10s);
  }
  auto pid_file = h.home() / "addons";
  bool stale = false;
  for (const auto& e : fs::directory_iterator(pid_file)) {
    stale = stale || fs::exists(e.path() / "data" / "postmaster.pid");
  }
  EXPECT_TRUE(stale);  // what a killed run leaves behind
  auto again = lokku({"pg:psql", "-c", "SELECT sum(x) FROM t"});
  EXPECT_EQ(again.exit_code, 0) << again.err;
  EXPECT_NE(again.out.find(" 11\n"), std::string::npos) << again.out;
}

}  // namespace
}  // namespace lokku::test
