#include "support/platform.hpp"

#include <fstream>
#include <regex>
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
  std::vector<std::string> args = {"up",         "-p", std::to_string(port), "--api-port", "0",
                                   "--tls-port", "0"};
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

RunResult LokkuHome::deploy(const std::string& app, const std::string& fixture) const {
  fs::path dir = root() / app;
  if (!fs::exists(dir)) {
    fs::copy(fs::path(LOKKU_TEST_FIXTURES_DIR) / "apps" / fixture, dir,
             fs::copy_options::recursive);
  }
  return run({"deploy", "-a", app}, dir);
}

std::string LokkuHome::app_yaml(const std::string& app) const {
  std::ifstream in(home() / "apps" / app / "app.yaml");
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

unsigned LokkuHome::platform_port(const std::string& key) const {
  std::ifstream in(home() / "platform.json");
  std::stringstream ss;
  ss << in.rdbuf();
  std::smatch m;
  std::string text = ss.str();
  if (std::regex_search(text, m, std::regex("\"" + key + R"(":(\d+))"))) {
    return static_cast<unsigned>(std::stoul(m[1]));
  }
  return 0;
}

unsigned LokkuHome::api_port() const {
  return platform_port("api_port");
}

unsigned LokkuHome::tls_port() const {
  return platform_port("tls_port");
}

std::string LokkuHome::token() const {
  std::ifstream in(home() / "api-token");
  std::string t;
  std::getline(in, t);
  return t;
}

std::optional<Response> api_request(unsigned port, const std::string& method,
                                    const std::string& path, const std::string& token,
                                    const std::string& body, const std::string& extra_headers,
                                    const std::string& accept) {
  Connection c(port);
  if (!c.ok()) {
    return std::nullopt;
  }
  std::string req = method + " " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n";
  if (!token.empty()) {
    req += "Authorization: Bearer " + token + "\r\n";
  }
  if (!accept.empty()) {
    req += "Accept: " + accept + "\r\n";
  }
  req += extra_headers;
  if (!body.empty() || method == "POST" || method == "PATCH") {
    req +=
        "Content-Type: application/json\r\nContent-Length: " + std::to_string(body.size()) + "\r\n";
  }
  req += "\r\n" + body;
  c.send(req);
  return c.read_response();
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
