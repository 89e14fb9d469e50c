#include "support/platform.hpp"

#include <fstream>
#include <sstream>

namespace lokku::test {

namespace fs = std::filesystem;

LokkuHome::LokkuHome() {
  fs::create_directories(home());
}

std::map<std::string, std::string> LokkuHome::env() const {
  std::map<std::string, std::string> e = {{"LOKKU_HOME", home().string()}, {"LOKKU_APP", ""}};
  for (const auto& [k, v] : extra) {
    e[k] = v;
  }
  return e;
}

RunResult LokkuHome::run(const std::vector<std::string>& args, const fs::path& cwd,
                         std::chrono::milliseconds timeout, const fs::path& stdin_path) const {
  return run_lokku(args, cwd.empty() ? root() : cwd, timeout, env(), stdin_path);
}

std::unique_ptr<LokkuProcess> LokkuHome::up(unsigned port, std::vector<std::string> more) const {
  std::vector<std::string> args = {"up", "-p", std::to_string(port)};
  args.insert(args.end(), more.begin(), more.end());
  return std::make_unique<LokkuProcess>(args, root(), env());
}

fs::path LokkuHome::app_dir(const std::string& name) const {
  fs::path to = root() / name;
  fs::path fixture = fs::path(LOKKU_TEST_FIXTURES_DIR) / "apps" / name;
  if (fs::exists(fixture)) {
    fs::copy(fixture, to, fs::copy_options::recursive | fs::copy_options::copy_symlinks);
  } else {
    fs::create_directories(to);
  }
  return to;
}

std::string LokkuHome::app_yaml(const std::string& app) const {
  std::ifstream in(home() / "apps" / app / "app.yaml");
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::string fixture_buildpack(const std::string& name) {
  return (fs::path(LOKKU_TEST_FIXTURES_DIR) / "buildpacks" / name).string();
}

std::optional<Response> get_by_host(unsigned port, const std::string& host,
                                    const std::string& path) {
  Connection c(port);
  if (!c.ok()) {
    return std::nullopt;
  }
  c.send("GET " + path + " HTTP/1.1\r\nHost: " + host + "\r\nConnection: close\r\n\r\n");
  return c.read_response();
}

int sh(const std::string& command, const fs::path& cwd) {
  std::string full = "cd '" + cwd.string() + "' && " + command + " >/dev/null 2>&1";
  int rc = std::system(full.c_str());
  return WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
}

}  // namespace lokku::test
