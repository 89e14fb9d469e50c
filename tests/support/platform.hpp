#pragma once
// Test support for the store and the platform: a lokku home of the test's own, commands run
// against it, and requests through the router by Host.

#include "support/http_client.hpp"
#include "support/lokku_process.hpp"

#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <vector>

namespace lokku::test {

/// A temporary lokku home (LOKKU_HOME) with app directories beside it.
class LokkuHome {
 public:
  LokkuHome();
  const std::filesystem::path& root() const { return dir_.path(); }
  std::filesystem::path home() const { return dir_.path() / "home"; }
  std::map<std::string, std::string> env() const;
  /// More environment for every command (LOKKU_TIME_SCALE, limits).
  std::map<std::string, std::string> extra;

  /// `lokku ARGS` run to completion in `cwd` (default: the temp root).
  RunResult run(const std::vector<std::string>& args, const std::filesystem::path& cwd = {},
                std::chrono::milliseconds timeout = std::chrono::seconds(120),
                const std::filesystem::path& stdin_path = {}) const;
  /// `lokku up -p PORT --api-port 0` in the background.
  std::unique_ptr<LokkuProcess> up(unsigned port, std::vector<std::string> more = {}) const;

  /// A copy of a fixture app (tests/fixtures/apps/NAME) or an empty app dir.
  std::filesystem::path app_dir(const std::string& name) const;
  /// Copies the fixture app (tests/fixtures/apps/FIXTURE) to `<root>/<app>` unless that
  /// directory exists, then `lokku deploy -a APP` there.
  RunResult deploy(const std::string& app, const std::string& fixture = "pyweb") const;
  std::filesystem::path write(const std::string& relative, const std::string& content) const {
    return dir_.write(relative, content);
  }
  /// The running platform's API port (platform.json), 0 when none.
  unsigned api_port() const;
  /// The running platform's router TLS port (platform.json), 0 when none.
  unsigned tls_port() const;
  /// The API token (api-token in the home).
  std::string token() const;
  /// The app's store record (apps/<app>/app.yaml).
  std::string app_yaml(const std::string& app) const;

 private:
  unsigned platform_port(const std::string& key) const;
  TempDir dir_;
};

/// A bundled test buildpack (tests/fixtures/buildpacks/NAME).
std::string fixture_buildpack(const std::string& name);

/// GET `path` through the router on `port` with `Host: host`; nullopt when no response.
std::optional<Response> get_by_host(unsigned port, const std::string& host,
                                    const std::string& path = "/");

/// One API request on a fresh connection: `Authorization: Bearer <token>` unless `token`
/// is empty, Heroku's Accept header unless `accept` says otherwise.
std::optional<Response> api_request(
    unsigned port, const std::string& method, const std::string& path, const std::string& token,
    const std::string& body = "", const std::string& extra_headers = "",
    const std::string& accept = "application/vnd.heroku+json; version=3");

/// Runs a shell command (test set-up: git); its exit code.
int sh(const std::string& command, const std::filesystem::path& cwd);

}  // namespace lokku::test
