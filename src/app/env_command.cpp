// lokku env: the exports that set a shell up for the official heroku CLI and git against
// lokku (`eval "$(lokku env)"`), and nothing beyond them.
// - HEROKU_HOST and HEROKU_API_KEY: the Platform API on loopback and its token;
//   HEROKU_PARTICLEBOARD_URL and DISABLE_TELEMETRY keep the CLI from calling Heroku's own
//   hosts (a delinquency check per `GET /account`, a telemetry worker per command), and
//   HEROKU_SKIP_NEW_VERSION_CHECK its look for a newer version on the npm registry.
// - HTTPS_PROXY and HTTP_PROXY, upper case only, at the API's port: the CLI's hard-coded hosts
//   (api.metrics.herokai.com, ...) reach lokku through its proxy (api/local_proxy.hpp), which
//   passes loopback straight through. curl reads only a lower-case http_proxy, so a curl to
//   *.localhost stays direct; git is told not to use a proxy (it only talks to loopback here).
// - NODE_EXTRA_CA_CERTS, and git's CA for the API's URL only (GIT_CONFIG_*, after any the
//   shell has already): lokku's CA. When SSL_CERT_FILE or SSL_CERT_DIR is set, Node takes its
//   contents instead of NODE_EXTRA_CA_CERTS, so SSL_CERT_FILE becomes a bundle of those
//   certificates and lokku's CA, and SSL_CERT_DIR goes (its certificates are in the bundle);
//   a NODE_EXTRA_CA_CERTS or GIT_SSL_CAINFO the shell has already gets the bundle too.
// - PATH gets the heroku CLI lokku installed, unless one is already there: git's credential
//   helper runs `heroku git:credentials`.
#include "api/api.hpp"
#include "app/command_support.hpp"
#include "app/commands.hpp"
#include "app/shell_exports.hpp"
#include "platform/local_ca.hpp"
#include "platform/platform_file.hpp"
#include "store/files.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cstdlib>
#include <iostream>
#include <optional>
#include <unistd.h>
#include <utility>
#include <vector>

namespace lokku::app {

namespace {

std::string quoted(const std::string& s) {
  std::string q = "'";
  for (char c : s) {
    q += c == '\'' ? std::string("'\\''") : std::string(1, c);
  }
  return q + "'";
}

std::optional<std::string> env(const char* name) {
  const char* v = std::getenv(name);
  return v ? std::optional<std::string>(v) : std::nullopt;
}

bool executable_on_path(const std::string& name) {
  auto path = env("PATH").value_or("");
  std::size_t start = 0;
  while (start <= path.size()) {
    auto end = path.find(':', start);
    std::string dir =
        path.substr(start, end == std::string::npos ? std::string::npos : end - start);
    if (!dir.empty() && ::access((fs::path(dir) / name).c_str(), X_OK) == 0) {
      return true;
    }
    if (end == std::string::npos) {
      break;
    }
    start = end + 1;
  }
  return false;
}

/// The bin directory of the heroku CLI `scripts/install-deps` installs, if it is there.
std::optional<fs::path> bundled_cli_dir() {
  fs::path dir = LOKKU_HEROKU_CLI_DIR;
  if (::access((dir / "heroku").c_str(), X_OK) == 0) {
    return dir;
  }
  return std::nullopt;
}

/// The certificates of the files that take the place of a system's store (SSL_CERT_FILE,
/// SSL_CERT_DIR, GIT_SSL_CAINFO, NODE_EXTRA_CA_CERTS) and lokku's CA, in one file, each
/// certificate once (a second eval in the same shell reads the bundle back).
fs::path trust_bundle(const store::Store& st, const fs::path& ca) {
  static constexpr std::string_view kBegin = "-----BEGIN CERTIFICATE-----";
  static constexpr std::string_view kEnd = "-----END CERTIFICATE-----";
  std::vector<std::string> certs;
  auto add = [&certs](const fs::path& f) {
    auto text = store::read_file(f).value_or("");
    for (std::size_t at = text.find(kBegin); at != std::string::npos; at = text.find(kBegin, at)) {
      auto end = text.find(kEnd, at);
      if (end == std::string::npos) {
        break;
      }
      std::string cert = text.substr(at, end + kEnd.size() - at) + "\n";
      if (std::find(certs.begin(), certs.end(), cert) == certs.end()) {
        certs.push_back(std::move(cert));
      }
      at = end;
    }
  };
  for (const char* var : {"SSL_CERT_FILE", "GIT_SSL_CAINFO", "NODE_EXTRA_CA_CERTS"}) {
    if (auto f = env(var)) {
      add(*f);
    }
  }
  if (auto d = env("SSL_CERT_DIR")) {
    std::error_code ec;
    for (const auto& e : fs::directory_iterator(*d, ec)) {
      if (e.is_regular_file(ec)) {
        add(e.path());
      }
    }
  }
  add(ca);
  std::string pem;
  for (const auto& c : certs) {
    pem += c;
  }
  fs::path bundle = st.home() / "tls/shell-bundle.pem";
  store::write_file_atomic(bundle, pem, 0644);
  return bundle;
}

}  // namespace

Exports shell_exports(const store::Store& st, unsigned port, const std::string& token) {
  const std::string api = fmt::format("http://127.0.0.1:{}", port);
  const fs::path ca = platform::ensure_ca(st.home());
  Exports out = {
      {"HEROKU_HOST", api},          {"HEROKU_API_KEY", token}, {"HEROKU_PARTICLEBOARD_URL", api},
      {"DISABLE_TELEMETRY", "true"}, {"HTTPS_PROXY", api},      {"HTTP_PROXY", api},
  };
  const bool replaced_store = env("SSL_CERT_FILE") || env("SSL_CERT_DIR");
  const bool extra = env("NODE_EXTRA_CA_CERTS") && *env("NODE_EXTRA_CA_CERTS") != ca.string();
  std::optional<fs::path> bundle;
  if (replaced_store || extra || env("GIT_SSL_CAINFO")) {
    bundle = trust_bundle(st, ca);
  }
  out.emplace_back("NODE_EXTRA_CA_CERTS", (extra ? *bundle : ca).string());
  if (replaced_store) {
    out.emplace_back("SSL_CERT_FILE", bundle->string());
    out.emplace_back("SSL_CERT_DIR", std::nullopt);
  }
  if (env("GIT_SSL_CAINFO")) {
    // It outranks any http.<url>.sslCAInfo.
    out.emplace_back("GIT_SSL_CAINFO", bundle->string());
  }
  int n = 0;
  if (auto count = env("GIT_CONFIG_COUNT")) {
    n = std::atoi(count->c_str());
    n = n < 0 ? 0 : n;
  }
  for (auto [key, value] :
       {std::pair{fmt::format("http.https://127.0.0.1:{}/.sslCAInfo", port), ca.string()},
        std::pair{std::string("http.proxy"), std::string()}}) {
    out.emplace_back(fmt::format("GIT_CONFIG_KEY_{}", n), key);
    out.emplace_back(fmt::format("GIT_CONFIG_VALUE_{}", n), value);
    ++n;
  }
  out.emplace_back("GIT_CONFIG_COUNT", std::to_string(n));
  if (!executable_on_path("heroku")) {
    if (auto dir = bundled_cli_dir()) {
      auto path = env("PATH");
      out.emplace_back("PATH", dir->string() + (path && !path->empty() ? ":" + *path : ""));
    }
  }
  return out;
}

int run_env(const CommandOptions& o) {
  auto st = open_store();
  unsigned port = o.api_port.value_or(5001);
  auto running = platform::running_platform(st);
  if (!o.api_port) {
    if (running && running->api_port != 0) {
      port = running->api_port;
    } else {
      std::cerr << "lokku: no platform is running here (lokku up); these point at port 5001\n";
    }
  }
  const std::string token = api::load_or_create_token(st);
  std::cout << fmt::format(
      "# lokku's Platform API on 127.0.0.1:{} for heroku and git. Run: eval "
      "\"$(lokku env)\"\n",
      port);
  for (const auto& [name, value] : shell_exports(st, port, token)) {
    if (value) {
      std::cout << "export " << name << "=" << quoted(*value) << "\n";
    } else {
      std::cout << "unset " << name << "\n";
    }
  }
  if (!executable_on_path("heroku") && !bundled_cli_dir()) {
    std::cerr << "lokku: the heroku CLI is not installed (scripts/install-deps installs it)\n";
  }
  return 0;
}

}  // namespace lokku::app
