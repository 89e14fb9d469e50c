// State snapshots (#25 point 2): `lokku state:export` / `state:import` / `state:reset` save
// and load a whole lokku home (apps, releases, slugs, config, formation, pipelines, and the
// add-ons' data through pg_dump and a Redis RDB) with real PostgreSQL and Redis servers; a
// damaged or foreign file is refused with its reason and changes nothing. And `lokku exec
// --snapshot` (#27 point 2) runs a command against a private platform loaded from one.
#include "support/platform.hpp"

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <fstream>
#include <regex>
#include <sys/stat.h>

namespace lokku::test {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

std::string match(const std::string& text, const std::string& pattern) {
  std::smatch m;
  return std::regex_search(text, m, std::regex(pattern)) ? m[1].str() : std::string();
}

class State : public ::testing::Test {
 protected:
  /// `lokku ARGS` that must succeed; its stdout.
  std::string ok(const std::vector<std::string>& args) const {
    auto r = h.run(args, {}, 300s);
    EXPECT_EQ(r.exit_code, 0) << fmt::format("lokku {}", fmt::join(args, " ")) << "\n"
                              << r.out << r.err;
    return r.out;
  }
  /// The app's releases as `lokku releases` lists them, without the times (v3 Deploy abc …).
  std::string releases(const std::string& app) const {
    auto out = ok({"releases", "-a", app, "--json"});
    return std::regex_replace(out, std::regex(R"re("(created_at|updated_at)":"[^"]*")re"), "");
  }
  std::string psql(const std::string& app, const std::string& sql) const {
    return ok({"pg:psql", "-a", app, "-c", sql});
  }
  std::string redis_get(const std::string& app, const std::string& key) const {
    return ok({"run", "-a", app, "--", "redis-cli -u \"$REDIS_URL\" --no-auth-warning GET " + key});
  }
  std::vector<std::string> left_in_home() const {
    std::vector<std::string> out;
    for (const auto& e : fs::directory_iterator(h.home())) {
      if (e.path().filename().string().rfind(".state-", 0) == 0) {
        out.push_back(e.path().filename().string());
      }
    }
    return out;
  }

  LokkuHome h;
};

TEST_F(State, ExportResetAndImportBringBackAppsReleasesSlugsConfigPipelinesAndAddonData) {
  ASSERT_EQ(h.deploy("web").exit_code, 0);
  ok({"config:set", "GREETING=restored", "-a", "web"});
  ok({"ps:scale", "worker=1", "-a", "web"});
  ok({"addons:create", "heroku-postgresql", "-a", "web"});
  ok({"addons:create", "heroku-redis", "-a", "web"});
  psql("web", "CREATE TABLE notes (body text); INSERT INTO notes VALUES ('kept in postgres')");
  ok({"run", "-a", "web", "--",
      "redis-cli -u \"$REDIS_URL\" --no-auth-warning SET greeting 'kept in redis'"});
  // A follower: made again from its restored leader.
  const auto follower =
      match(ok({"addons:create", "heroku-postgresql", "--follow", "DATABASE_URL", "-a", "web"}),
            R"(as (HEROKU_POSTGRESQL_[A-Z]+)_URL)");
  ASSERT_FALSE(follower.empty());
  ok({"pipelines:create", "shop", "-a", "web", "--stage", "production"});
  const auto database_url = ok({"config:get", "DATABASE_URL", "-a", "web"});
  const auto before = releases("web");
  const auto formation = ok({"ps:type", "-a", "web"});

  const fs::path file = h.root() / "snapshot.tgz";
  auto exported = h.run({"state:export", file.string()}, {}, 300s);
  ASSERT_EQ(exported.exit_code, 0) << exported.out << exported.err;
  EXPECT_TRUE(std::regex_search(
      exported.out,
      std::regex(
          R"(^Exported 1 app \(web\), 3 add-ons, 1 pipeline to \S+snapshot\.tgz \(\S+\)\n$)")))
      << exported.out;
  EXPECT_NE(exported.err.find("Dumping postgresql-"), std::string::npos) << exported.err;
  struct stat st {};
  ASSERT_EQ(::stat(file.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);  // config vars and add-on credentials inside
  EXPECT_TRUE(left_in_home().empty());

  // state:reset wants --confirm; without it nothing goes.
  auto refused = h.run({"state:reset"});
  EXPECT_NE(refused.exit_code, 0);
  EXPECT_NE(refused.err.find("run `lokku state:reset --confirm`"), std::string::npos)
      << refused.err;
  EXPECT_NE(refused.err.find("(web)"), std::string::npos) << refused.err;
  EXPECT_TRUE(fs::exists(h.home() / "apps/web/app.yaml"));
  auto reset = ok({"state:reset", "--confirm"});
  EXPECT_EQ(reset, "Destroyed 1 app (web), 3 add-ons, 1 pipeline\n");
  EXPECT_EQ(ok({"apps"}).find("web"), std::string::npos);
  EXPECT_TRUE(fs::is_empty(h.home() / "addons"));

  auto imported = h.run({"state:import", file.string()}, {}, 300s);
  ASSERT_EQ(imported.exit_code, 0) << imported.out << imported.err;
  EXPECT_EQ(imported.out, "Imported 1 app (web), 3 add-ons, 1 pipeline\n");
  EXPECT_TRUE(left_in_home().empty());
  // The same releases (numbers, descriptions, slugs, config), formation, pipeline; the
  // add-ons on their ports (free here), with their data.
  EXPECT_EQ(releases("web"), before);
  EXPECT_EQ(ok({"ps:type", "-a", "web"}), formation);
  EXPECT_EQ(ok({"config:get", "DATABASE_URL", "-a", "web"}), database_url);
  EXPECT_NE(ok({"pipelines:info", "shop"}).find("web"), std::string::npos);
  EXPECT_NE(psql("web", "SELECT body FROM notes").find("kept in postgres"), std::string::npos);
  EXPECT_EQ(redis_get("web", "greeting"), "kept in redis\n");
  EXPECT_EQ(ok({"pg:query", "SELECT body FROM notes", follower, "--csv", "-a", "web"}),
            "body\nkept in postgres\n");

  // A platform runs the imported app from its slug, with its config.
  const unsigned port = free_port();
  auto up = h.up(port, {"--time-scale", "10"});
  ASSERT_EQ(h.run({"wait", "--timeout", "90s"}, {}, 120s).exit_code, 0) << up->stderr_text();
  auto r = get_by_host(port, "web.localhost");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->body, "restored from web.1");

  // Importing again while it runs: the app changed since goes back to the file's state, and
  // the platform runs it again (its add-ons on new ports: the old servers held theirs).
  ok({"config:set", "GREETING=changed", "-a", "web"});
  ASSERT_TRUE(wait_until(
      [&] {
        auto now = get_by_host(port, "web.localhost");
        return now && now->body == "changed from web.1";
      },
      60s, "the config change served"));
  auto without = h.run({"state:import", file.string()});
  EXPECT_NE(without.exit_code, 0);
  EXPECT_NE(without.err.find("which has web; pass --confirm"), std::string::npos) << without.err;
  auto again = h.run({"state:import", "--confirm", file.string()}, {}, 300s);
  ASSERT_EQ(again.exit_code, 0) << again.out << again.err;
  EXPECT_NE(again.out.find("the running platform starts them now"), std::string::npos);
  EXPECT_EQ(releases("web").size(), before.size());
  ASSERT_EQ(h.run({"wait", "--timeout", "90s"}, {}, 120s).exit_code, 0) << up->stderr_text();
  ASSERT_TRUE(wait_until(
      [&] {
        auto now = get_by_host(port, "web.localhost");
        return now && now->body == "restored from web.1";
      },
      60s, "the imported release served"));
  EXPECT_NE(psql("web", "SELECT body FROM notes").find("kept in postgres"), std::string::npos);
  EXPECT_EQ(redis_get("web", "greeting"), "kept in redis\n");
}

TEST_F(State, ADamagedOrForeignFileIsRefusedWithItsReasonAndChangesNothing) {
  ASSERT_EQ(h.deploy("web").exit_code, 0);
  const fs::path file = h.root() / "good.tgz";
  ok({"state:export", file.string()});
  ok({"config:set", "GREETING=current", "-a", "web"});
  const auto record = h.app_yaml("web");

  // Each bad file: its path, then the reason expected in the error.
  const auto unpacked = h.root() / "unpacked";
  fs::create_directories(unpacked);
  ASSERT_EQ(sh("tar -xzf " + file.string(), unpacked), 0);
  auto repack = [&](const std::string& name) {
    const auto out = h.root() / name;
    EXPECT_EQ(sh("tar -czf " + out.string() + " .", unpacked), 0);
    return out;
  };
  std::vector<std::pair<fs::path, std::string>> cases;
  {
    const auto truncated = h.root() / "truncated.tgz";
    fs::copy_file(file, truncated);
    fs::resize_file(truncated, fs::file_size(file) / 2);
    cases.emplace_back(truncated, "not a lokku state file, or a damaged one");
  }
  cases.emplace_back(h.write("text.tgz", "hello\n"), "not a lokku state file, or a damaged one");
  {
    const auto foreign = h.root() / "foreign";
    fs::create_directories(foreign / "apps");
    std::ofstream(foreign / "apps" / "notes.txt") << "not lokku's\n";
    ASSERT_EQ(sh("tar -czf ../foreign.tgz .", foreign), 0);
    cases.emplace_back(h.root() / "foreign.tgz",
                       "not a lokku state file (it has no lokku-state.json");
  }
  {
    // A config var changed after the export: its checksum no longer matches.
    const auto yaml = unpacked / "apps/web/app.yaml";
    std::string text;
    std::getline(std::ifstream(yaml), text, '\0');
    const auto original = text;
    text += "\n";
    std::ofstream(yaml, std::ios::trunc) << text;
    cases.emplace_back(repack("tampered.tgz"),
                       "damaged: apps/web/app.yaml does not match its checksum");
    std::ofstream(yaml, std::ios::trunc) << original;
  }
  {
    const auto manifest = unpacked / "lokku-state.json";
    std::string text;
    std::getline(std::ifstream(manifest), text, '\0');
    const auto original = text;
    std::ofstream(manifest, std::ios::trunc)
        << std::regex_replace(text, std::regex(R"("version":1)"), R"("version":2)");
    cases.emplace_back(repack("newer.tgz"), "written by a newer lokku (state format 2)");
    std::ofstream(unpacked / "extra.txt") << "smuggled\n";
    std::ofstream(manifest, std::ios::trunc) << original;
    cases.emplace_back(repack("extra.tgz"), "extra.txt is not listed in lokku-state.json");
    fs::remove(unpacked / "extra.txt");
  }
  {
    // An entry that climbs out of the folder it is unpacked in.
    ASSERT_EQ(sh("python3 -c \"import tarfile,io; t=tarfile.open('escape.tgz','w:gz'); "
                 "i=tarfile.TarInfo('../escaped.txt'); d=b'out'; i.size=len(d); "
                 "t.addfile(i, io.BytesIO(d)); t.close()\"",
                 h.root()),
              0);
    cases.emplace_back(h.root() / "escape.tgz", "..");
  }
  cases.emplace_back(h.root() / "missing.tgz", "missing.tgz: no such file");

  for (const auto& [path, why] : cases) {
    auto r = h.run({"state:import", "--confirm", path.string()});
    EXPECT_NE(r.exit_code, 0) << path;
    EXPECT_NE(r.err.find(why), std::string::npos) << path << ": " << r.err;
    EXPECT_NE(r.err.find(path.filename().string()), std::string::npos) << r.err;
    EXPECT_EQ(r.err.find("Imported"), std::string::npos);
    // Nothing changed: the same record, nothing written beside it or outside.
    EXPECT_EQ(h.app_yaml("web"), record) << path;
    EXPECT_TRUE(left_in_home().empty()) << path;
  }
  for (const auto& p : {h.home().parent_path() / "escaped.txt", h.home() / "escaped.txt"}) {
    EXPECT_FALSE(fs::exists(p)) << p;
  }
  // The good file still imports.
  ASSERT_EQ(h.run({"state:import", "--confirm", file.string()}, {}, 300s).exit_code, 0);
  EXPECT_EQ(h.app_yaml("web").find("current"), std::string::npos);
}

TEST_F(State, ExecWithASnapshotRunsTheCommandAgainstItsAppsAndAddonData) {
  ASSERT_EQ(h.deploy("web").exit_code, 0);
  ok({"config:set", "GREETING=snapshotted", "-a", "web"});
  ok({"addons:create", "heroku-postgresql", "-a", "web"});
  psql("web", "CREATE TABLE notes (body text); INSERT INTO notes VALUES ('from the snapshot')");
  const fs::path file = h.root() / "suite.tgz";
  ok({"state:export", file.string()});
  const auto url = match(ok({"config:get", "DATABASE_URL", "-a", "web"}), R"(^(\S+))");

  const fs::path tmp = h.root() / "tmp";
  fs::create_directories(tmp);
  auto env = h.env();
  env["TMPDIR"] = tmp.string();
  LokkuProcess run({"exec", "--snapshot", file.string(), "--time-scale", "10", "--", "sh", "-c",
                    "curl -sf -H \"Host: web.localhost\" \"$LOKKU_URL/\"; echo; "
                    "echo \"db=$DATABASE_URL\"; "
                    "psql \"$DATABASE_URL\" -Atc 'SELECT body FROM notes'"},
                   h.root(), env);
  ASSERT_EQ(run.wait_exit(300s), 0) << run.stderr_text();
  EXPECT_TRUE(run.wait_for("^snapshotted from web\\.1$", 1s)) << run.stderr_text();
  EXPECT_TRUE(run.wait_for("^from the snapshot$", 1s)) << run.stderr_text();
  // Its own add-on server, on a port of its own: the user's (not running) keeps its URL.
  std::string db;
  ASSERT_TRUE(run.wait_for("^db=postgres://", 1s, &db));
  EXPECT_NE(db, "db=" + url);
  EXPECT_NE(run.stderr_text().find("-----> Loading the snapshot"), std::string::npos);
  EXPECT_TRUE(fs::is_empty(tmp));
  EXPECT_EQ(ok({"config:get", "DATABASE_URL", "-a", "web"}), url + "\n");

  auto missing = h.run({"exec", "--snapshot", "nope.tgz", "--", "true"});
  EXPECT_NE(missing.exit_code, 0);
  EXPECT_NE(missing.err.find("--snapshot nope.tgz: no such file"), std::string::npos)
      << missing.err;
}

}  // namespace
}  // namespace lokku::test
