// Issue #26: `lokku export kubernetes|systemd|compose` writes an app's release and formation for
// another engine. Each export is checked the way the engine would check it: every Kubernetes
// manifest against Kubernetes' OpenAPI schemas (kubernetes-models), the kustomization's
// resources, the OCI image by unpacking it (umoci), the systemd units with
// `systemd-analyze verify`, the Compose file against the Compose specification's schema. This
// machine runs no cluster, no systemd as PID 1 and no Docker engine: what runs here is the
// exported web dyno itself, from the exported files, as its unit would start it.
#include "support/http_client.hpp"
#include "support/platform.hpp"
#include "support/user_shell.hpp"

#include <gtest/gtest.h>

#include <fstream>
#include <iostream>
#include <regex>
#include <sys/stat.h>

namespace lokku::test {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

std::string read_text(const fs::path& p) {
  std::ifstream f(p);
  return {std::istreambuf_iterator<char>(f), std::istreambuf_iterator<char>()};
}

unsigned mode_of(const fs::path& p) {
  struct stat st {};
  ::stat(p.c_str(), &st);
  return st.st_mode & 0777;
}

ShellResult validate(const std::string& what, const fs::path& target) {
  return run_shell("node " + shell_quote(std::string(LOKKU_EXPORT_VALIDATORS) + "/validate.mjs") +
                   " " + what + " " + shell_quote(target.string()));
}

/// The pyweb fixture deployed as `web`, with what an export carries: config vars a shell or a
/// YAML reader could mangle, a worker formation, a custom domain, a scheduler job and a Redis
/// add-on.
class Export : public ::testing::Test {
 protected:
  void SetUp() override {
    auto r = h.deploy("web");
    ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
    for (const auto& args : std::vector<std::vector<std::string>>{
             {"config:set", "-a", "web", "GREETING=hi \"there\" $HOME 100% `x` \\n", "PORTISH=5000",
              "MULTI=a\nb", "YES=yes"},
             {"ps:scale", "-a", "web", "worker=2"},
             {"domains:add", "-a", "web", "www.example.com"},
             {"scheduler:add", "-a", "web", "every hour at :20", "--", "echo", "tick"},
             {"addons:create", "heroku-redis", "-a", "web"},
         }) {
      auto x = h.run(args);
      ASSERT_EQ(x.exit_code, 0) << args[0] << x.out << x.err;
    }
  }
  RunResult export_to(const std::string& target, const fs::path& out,
                      std::vector<std::string> more = {}) const {
    std::vector<std::string> args = {"export", target, "-a", "web", "-o", out.string()};
    args.insert(args.end(), more.begin(), more.end());
    return h.run(args);
  }

  LokkuHome h;
  const std::string greeting = "hi \"there\" $HOME 100% `x` \\n";
};

TEST_F(Export, KubernetesManifestsMeetTheSchemasAndKeepTheConfigInASecret) {
  const auto dir = h.root() / "k8s";
  auto r = export_to("kubernetes", dir);
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_NE(r.out.find("Exporting ⬢ web v5 for Kubernetes to "), std::string::npos) << r.out;
  auto v = validate("kubernetes", dir);
  EXPECT_EQ(v.code, 0) << v.out;
  for (const auto* line :
       {"ok deployment-web.yaml apps/v1 Deployment", "ok deployment-worker.yaml apps/v1 Deployment",
        "ok service-web.yaml v1 Service", "ok ingress-web.yaml networking.k8s.io/v1 Ingress",
        "ok job-release.yaml batch/v1 Job", "ok cronjob-scheduler-1.yaml batch/v1 CronJob",
        "ok secret-config.yaml v1 Secret", "ok secret-addons.yaml v1 Secret",
        "ok kustomization.yaml (7 resources)"}) {
    EXPECT_NE(v.out.find(line), std::string::npos) << line << "\n" << v.out;
  }
  const auto worker = read_text(dir / "deployment-worker.yaml");
  EXPECT_NE(worker.find("  replicas: 2\n"), std::string::npos) << worker;
  EXPECT_NE(worker.find("terminationGracePeriodSeconds: 30"), std::string::npos);
  EXPECT_NE(worker.find("memory: 512Mi"), std::string::npos);  // standard-1x's quota
  const auto web = read_text(dir / "deployment-web.yaml");
  EXPECT_NE(web.find("readinessProbe:\n            tcpSocket:\n              port: 5000"),
            std::string::npos)
      << web;
  EXPECT_NE(read_text(dir / "ingress-web.yaml").find("- host: www.example.com"), std::string::npos);
  EXPECT_NE(read_text(dir / "cronjob-scheduler-1.yaml").find("schedule: 20 * * * *"),
            std::string::npos);
  // The release phase: a Job the kustomization leaves to be applied first.
  const auto job = read_text(dir / "job-release.yaml");
  EXPECT_NE(job.find("argocd.argoproj.io/hook: PreSync"), std::string::npos) << job;
  EXPECT_NE(job.find("- bash release.sh"), std::string::npos) << job;
  EXPECT_EQ(read_text(dir / "kustomization.yaml").find("job-release"), std::string::npos);
  // The config vars: in the Secret only (base64), never in clear elsewhere; secrets 0600.
  EXPECT_NE(read_text(dir / "secret-config.yaml").find("PORTISH: NTAwMA=="), std::string::npos);
  for (const auto& e : fs::directory_iterator(dir)) {
    if (e.path().extension() == ".yaml") {
      EXPECT_EQ(read_text(e.path()).find("hi \"there\""), std::string::npos) << e.path();
    }
  }
  EXPECT_EQ(mode_of(dir / "secret-config.yaml"), 0600u);
  EXPECT_EQ(mode_of(dir / "secret-addons.yaml"), 0600u);
  EXPECT_NE(read_text(dir / "secret-addons.yaml").find("REDIS_URL: \"\""), std::string::npos);
  EXPECT_NE(read_text(dir / "README.md").find("## What does not carry over"), std::string::npos);
  EXPECT_NE(read_text(dir / "image" / "Dockerfile").find("FROM heroku/heroku:24"),
            std::string::npos);

  // --with-addons: Redis as a StatefulSet, its URL in the add-ons' Secret.
  const auto with = h.root() / "k8s-with";
  ASSERT_EQ(export_to("kubernetes", with, {"--with-addons"}).exit_code, 0);
  v = validate("kubernetes", with);
  EXPECT_EQ(v.code, 0) << v.out;
  EXPECT_TRUE(
      std::regex_search(v.out, std::regex(R"(ok statefulset-redis-\S+\.yaml apps/v1 StatefulSet)")))
      << v.out;
  EXPECT_TRUE(
      std::regex_search(read_text(with / "secret-addons.yaml"),
                        std::regex(R"(REDIS_URL: redis://default:[0-9a-f]{32}@web-redis-)")));

  // The schemas do catch a bad manifest.
  std::ofstream(dir / "deployment-worker.yaml")
      << std::regex_replace(worker, std::regex("replicas: 2"), "replicas: \"2\"");
  v = validate("kubernetes", dir);
  EXPECT_EQ(v.code, 1);
  EXPECT_NE(v.out.find("FAIL deployment-worker.yaml: Deployment: data/spec/replicas must be "
                       "integer"),
            std::string::npos)
      << v.out;
}

TEST_F(Export, TheSlugBecomesAnOciImageOverALocalBaseImage) {
  // A base image as a user has one (`skopeo copy docker-archive:... oci:DIR`): one layer.
  const auto base = h.root() / "base";
  fs::create_directories(base / "rootfs" / "etc");
  std::ofstream(base / "rootfs" / "etc" / "base-marker") << "from the base\n";
  ASSERT_EQ(run_shell("python3 " +
                      shell_quote(std::string(LOKKU_TEST_HELPERS_DIR) + "/make_oci_layout.py") +
                      " " + shell_quote((base / "rootfs").string()) + " " +
                      shell_quote((base / "oci").string()))
                .code,
            0);
  const auto dir = h.root() / "k8s";
  auto r = export_to(
      "kubernetes", dir,
      {"--base-image", (base / "oci").string(), "--image", "registry.example.com/web:v5"});
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_NE(r.out.find("  image/oci\n"), std::string::npos) << r.out;
  const auto bundle = h.root() / "bundle";
  auto u =
      run_shell("umoci unpack --rootless --image " + shell_quote((dir / "image/oci").string()) +
                ":v5 " + shell_quote(bundle.string()));
  ASSERT_EQ(u.code, 0) << u.out;
  EXPECT_EQ(read_text(bundle / "rootfs" / "etc" / "base-marker"), "from the base\n");
  EXPECT_TRUE(fs::exists(bundle / "rootfs" / "app" / "server.py"));
  EXPECT_TRUE(fs::exists(bundle / "rootfs" / "app" / "Procfile"));
  const auto config = read_text(bundle / "config.json");
  EXPECT_TRUE(std::regex_search(config, std::regex(R"("cwd":\s*"/app")"))) << config;
  EXPECT_NE(config.find(R"("PORT=5000")"), std::string::npos) << config;
  EXPECT_NE(read_text(dir / "deployment-web.yaml").find("image: registry.example.com/web:v5"),
            std::string::npos);

  auto bad = export_to("kubernetes", h.root() / "k8s2", {"--base-image", h.root().string()});
  EXPECT_EQ(bad.exit_code, 1);
  EXPECT_NE(bad.err.find("not an OCI layout (no index.json"), std::string::npos) << bad.err;
}

TEST_F(Export, SystemdUnitsVerifyAndTheWebDynoRunsFromThem) {
  const auto dir = h.root() / "systemd";
  auto r = export_to("systemd", dir, {"--port", std::to_string(free_port())});
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  for (const auto* f : {"web.target", "web-release.service", "web-web-1.service",
                        "web-worker-1.service", "web-worker-2.service", "web-scheduler-1.service",
                        "web-scheduler-1.timer", "web.env", "app/server.py"}) {
    EXPECT_TRUE(fs::exists(dir / f)) << f;
  }
  EXPECT_EQ(mode_of(dir / "web.env"), 0600u);
  auto v = run_shell("cd " + shell_quote(dir.string()) +
                     " && systemd-analyze verify ./web.target ./*.service ./*.timer");
  EXPECT_EQ(v.code, 0) << v.out;
  EXPECT_EQ(v.out, "");  // not a warning either
  const auto unit = read_text(dir / "web-web-1.service");
  for (const auto* line :
       {"KillMode=mixed\n", "TimeoutStopSec=30\n", "Restart=always\n", "MemoryHigh=512M\n",
        "MemoryMax=1024M\n", "Requires=web-release.service\n", "WantedBy=web.target\n"}) {
    EXPECT_NE(unit.find(line), std::string::npos) << line << unit;
  }
  EXPECT_NE(read_text(dir / "web-scheduler-1.timer").find("OnCalendar=*-*-* *:20:00 UTC"),
            std::string::npos);

  // No systemd runs here (not PID 1): the web dyno is started as its unit says, in its
  // WorkingDirectory=, with its EnvironmentFile= and Environment=, and answers.
  std::smatch m;
  ASSERT_TRUE(std::regex_search(unit, m, std::regex("Environment=DYNO=web\\.1 PORT=(\\d+)")));
  const std::string port = m[1];
  auto exec_start = unit.substr(unit.find("ExecStart=") + 10);
  exec_start = exec_start.substr(0, exec_start.find('\n'));
  exec_start = std::regex_replace(exec_start, std::regex("\\$\\$"), "$");  // systemd's $$
  const auto started = run_shell(
      "cd " + shell_quote((dir / "app").string()) + " && set -a && . ../web.env && set +a && " +
      "DYNO=web.1 PORT=" + port + " setsid " + exec_start + " >/dev/null 2>&1 & echo $!");
  ASSERT_EQ(started.code, 0);
  const int pid = std::stoi(started.out);
  std::optional<Response> got;
  EXPECT_TRUE(wait_until(
      [&] {
        got = http_request(static_cast<unsigned>(std::stoul(port)), "GET", "/");
        return got.has_value();
      },
      10s, "the exported web dyno to answer"));
  ::kill(-pid, SIGTERM);
  ASSERT_TRUE(got);
  EXPECT_EQ(got->body, greeting + " from web.1");
}

TEST_F(Export, ComposeFileMeetsTheComposeSchema) {
  const auto dir = h.root() / "compose";
  auto r = export_to("compose", dir);
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  auto v = validate("compose", dir / "compose.yaml");
  EXPECT_EQ(v.code, 0) << v.out;
  EXPECT_NE(v.out.find("(4 services)"), std::string::npos) << v.out;  // redis, release, web, worker
  const auto file = read_text(dir / "compose.yaml");
  for (const auto* part :
       {"    deploy:\n      replicas: 2\n", "stop_grace_period: 30s",
        "condition: service_completed_successfully", "condition: service_healthy",
        "      - exec 3<>/dev/tcp/127.0.0.1/5000", "image: redis:7"}) {
    EXPECT_NE(file.find(part), std::string::npos) << part << file;
  }
  EXPECT_EQ(mode_of(dir / "config.env"), 0600u);
  EXPECT_EQ(mode_of(dir / "compose.yaml"), 0600u);
  const auto env = read_text(dir / "config.env");
  EXPECT_NE(env.find("GREETING='" + greeting + "'\n"), std::string::npos) << env;
  EXPECT_NE(env.find("MULTI=\"a\\nb\"\n"), std::string::npos) << env;
  EXPECT_NE(read_text(dir / "crontab").find("20 * * * * cd "), std::string::npos);
  EXPECT_NE(read_text(dir / "README.md").find("docker compose -p web up -d --build"),
            std::string::npos);
}

TEST_F(Export, BadRequestsAreRefusedNamingWhatIsWrong) {
  struct Case {
    std::vector<std::string> args;
    std::string error;
  };
  const auto out = (h.root() / "x").string();
  for (const auto& c : std::vector<Case>{
           {{"export", "nomad", "-a", "web", "-o", out},
            "give one TARGET: kubernetes, systemd or "
            "compose (not 'nomad')"},
           {{"export", "kubernetes", "-a", "web", "-o", out, "--release", "v99"},
            "web has no release v99"},
           {{"export", "kubernetes", "-a", "web", "-o", out, "--release", "v1"},
            "v1 of web has no slug to export"},
           {{"export", "kubernetes", "-a", "web", "-o", out, "--release", "latest"},
            "--release latest: not a release (v12)"},
           {{"export", "systemd", "-a", "web", "-o", out, "--prefix", "srv"},
            "--prefix srv: give an absolute path"},
           {{"export", "compose", "-a", "web", "-o", out, "--with-addons"},
            "--with-addons and --base-image are for kubernetes"},
           {{"export", "compose", "-a", "nope", "-o", out}, "nope"},
       }) {
    auto r = h.run(c.args);
    EXPECT_EQ(r.exit_code, 1) << c.args[1];
    EXPECT_NE(r.err.find(c.error), std::string::npos) << r.err;
  }
  // A slug that is not what was built is not exported.
  const auto slugs = h.home() / "apps" / "web" / "slugs";
  for (const auto& e : fs::directory_iterator(slugs)) {
    if (e.path().extension() == ".tgz") {
      std::ofstream(e.path(), std::ios::app) << "tampered";
    }
  }
  auto tampered = h.run({"export", "compose", "-a", "web", "-o", out});
  EXPECT_EQ(tampered.exit_code, 1);
  EXPECT_NE(tampered.err.find("does not match its checksum"), std::string::npos) << tampered.err;
}

/// Deploys the bundled example `name` and exports it for each engine, each export checked as
/// the tests above check them; the files are listed for the closing note.
void export_example(const std::string& name) {
  LokkuHome h;
  const auto dir = h.root() / name;
  fs::copy(fs::path(LOKKU_EXAMPLES_DIR) / name, dir, fs::copy_options::recursive);
  auto deployed = h.run({"deploy"}, dir, 400s);
  ASSERT_EQ(deployed.exit_code, 0) << deployed.out << deployed.err;
  for (const auto* target : {"kubernetes", "systemd", "compose"}) {
    const auto out = h.root() / "export" / target;
    auto r = h.run({"export", target, "-a", name, "-o", out.string()}, dir);
    ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
    std::cout << r.out;
  }
  auto k8s = validate("kubernetes", h.root() / "export" / "kubernetes");
  EXPECT_EQ(k8s.code, 0) << k8s.out;
  EXPECT_NE(k8s.out.find("ok job-release.yaml batch/v1 Job"), std::string::npos) << k8s.out;
  EXPECT_NE(k8s.out.find("ok secret-addons.yaml v1 Secret"), std::string::npos) << k8s.out;
  auto compose = validate("compose", h.root() / "export" / "compose" / "compose.yaml");
  EXPECT_EQ(compose.code, 0) << compose.out;
  EXPECT_NE(read_text(h.root() / "export" / "compose" / "compose.yaml").find("image: postgres:16"),
            std::string::npos);
  auto units = run_shell("cd " + shell_quote((h.root() / "export" / "systemd").string()) + " && " +
                         "systemd-analyze verify ./*.target ./*.service");
  EXPECT_EQ(units.code, 0) << units.out;
  EXPECT_EQ(units.out, "");
  EXPECT_TRUE(fs::exists(h.root() / "export" / "systemd" / "app" / "package.json"));
}

TEST(Examples, GuestbookExportsForKubernetesSystemdAndCompose) {
  export_example("guestbook");
}

// The taskboard builds TypeScript with npm packages: in the walkthroughs' longer time limit.
TEST(Examples, TaskboardExportsForKubernetesSystemdAndCompose) {
  export_example("taskboard");
}

}  // namespace
}  // namespace lokku::test
