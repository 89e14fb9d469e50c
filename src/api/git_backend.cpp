#include "api/git_backend.hpp"

#include "common/ids.hpp"
#include "common/run_sync.hpp"
#include "release/error.hpp"
#include "store/app_name.hpp"
#include "store/files.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <openssl/evp.h>
#include <stdexcept>
#include <unistd.h>

namespace lokku::api {

namespace {

bool starts_with_nocase(std::string_view s, std::string_view prefix) {
  return s.size() >= prefix.size() &&
         std::equal(prefix.begin(), prefix.end(), s.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) ==
                  std::tolower(static_cast<unsigned char>(y));
         });
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) {
    s.remove_prefix(1);
  }
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) {
    s.remove_suffix(1);
  }
  return s;
}

/// RFC 4648 base64 through OpenSSL; nullopt for anything that is not.
std::optional<std::string> base64_decode(std::string_view in) {
  if (in.empty() || in.size() % 4 != 0 || in.size() > 4096) {
    return std::nullopt;
  }
  std::string out(in.size() / 4 * 3, '\0');
  int n = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                          reinterpret_cast<const unsigned char*>(in.data()),
                          static_cast<int>(in.size()));
  if (n < 0) {
    return std::nullopt;
  }
  // EVP_DecodeBlock counts the padding's zero bytes.
  std::size_t pad = in.size() >= 2 && in[in.size() - 2] == '=' ? 2 : (in.back() == '=' ? 1 : 0);
  out.resize(static_cast<std::size_t>(n) - pad);
  return out;
}

std::string shell_quote(const std::string& s) {
  std::string out = "'";
  for (char c : s) {
    out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  }
  return out + "'";
}

}  // namespace

std::optional<GitTarget> git_target(std::string_view path) {
  if (path.size() < 2 || path[0] != '/') {
    return std::nullopt;
  }
  auto dot = path.find(".git", 1);
  if (dot == std::string_view::npos || (dot + 4 != path.size() && path[dot + 4] != '/')) {
    return std::nullopt;
  }
  std::string app(path.substr(1, dot - 1));
  try {
    store::validate_app_name(app);
  } catch (const release::InputError&) {
    return std::nullopt;
  }
  std::string rest(path.substr(dot + 4));
  if (rest.find("/../") != std::string::npos || rest.find("/./") != std::string::npos ||
      rest.ends_with("/..")) {
    return std::nullopt;
  }
  return GitTarget{app, rest.empty() ? "/" : rest};
}

bool git_authorized(std::string_view authorization, std::string_view token) {
  authorization = trim(authorization);
  if (token.empty()) {
    return false;
  }
  if (starts_with_nocase(authorization, "Bearer ")) {
    return common::constant_time_equal(trim(authorization.substr(7)), token);
  }
  if (!starts_with_nocase(authorization, "Basic ")) {
    return false;
  }
  auto decoded = base64_decode(trim(authorization.substr(6)));
  if (!decoded) {
    return false;
  }
  auto colon = decoded->find(':');
  if (colon == std::string::npos) {
    return false;
  }
  return common::constant_time_equal(std::string_view(*decoded).substr(colon + 1), token);
}

std::optional<CgiHead> parse_cgi_head(std::string_view data) {
  CgiHead head;
  std::size_t at = 0;
  for (int line_no = 1;; ++line_no) {
    auto nl = data.find('\n', at);
    if (nl == std::string_view::npos) {
      if (data.size() - at > 64 * 1024) {
        throw std::invalid_argument("CGI response head: a line over 64 KB");
      }
      return std::nullopt;
    }
    std::string_view line = data.substr(at, nl - at);
    if (!line.empty() && line.back() == '\r') {
      line.remove_suffix(1);
    }
    at = nl + 1;
    if (line.empty()) {
      head.length = at;
      return head;
    }
    auto colon = line.find(':');
    if (colon == std::string_view::npos || colon == 0) {
      throw std::invalid_argument(
          fmt::format("CGI response head, line {}: not a header field: '{}'", line_no, line));
    }
    std::string name(line.substr(0, colon));
    std::string value(trim(line.substr(colon + 1)));
    if (starts_with_nocase(name, "status") && name.size() == 6) {
      int code = 0;
      for (std::size_t i = 0; i < value.size() && i < 3; ++i) {
        if (!std::isdigit(static_cast<unsigned char>(value[i]))) {
          code = -1;
          break;
        }
        code = code * 10 + (value[i] - '0');
      }
      if (code < 100 || code > 599 || (value.size() > 3 && value[3] != ' ')) {
        throw std::invalid_argument(
            fmt::format("CGI response head, line {}: bad Status '{}'", line_no, value));
      }
      head.status = code;
      continue;
    }
    head.fields.emplace_back(std::move(name), std::move(value));
  }
}

fs::path repository_dir(const store::Store& store, const std::string& app) {
  return store.app_dir(app) / "repo.git";
}

GitBackend::GitBackend(store::Store& store, std::string token, fs::path lokku_bin,
                       common::TimeScale scale)
    : store_(store), token_(std::move(token)), lokku_bin_(std::move(lokku_bin)), scale_(scale) {}

fs::path GitBackend::ensure_repository(const std::string& app) const {
  const fs::path dir = repository_dir(store_, app);
  auto env = common::own_environment();
  auto git = [&](const std::vector<std::string>& args) {
    std::vector<std::string> argv = {"git"};
    argv.insert(argv.end(), args.begin(), args.end());
    if (!common::capture(argv, "", env)) {
      throw std::runtime_error(fmt::format("git {} failed for {}", args.front(), dir.string()));
    }
  };
  if (!fs::exists(dir / "HEAD")) {
    // Made beside, then renamed: a repository is there whole or not at all.
    fs::path tmp = dir;
    tmp += ".new";
    std::error_code ec;
    fs::remove_all(tmp, ec);
    git({"init", "--quiet", "--bare", "--initial-branch=main", tmp.string()});
    // Pushes come over HTTP with REMOTE_USER set; this says so whatever the user name.
    git({"-C", tmp.string(), "config", "http.receivepack", "true"});
    git({"-C", tmp.string(), "config", "http.uploadpack", "true"});
    fs::rename(tmp, dir, ec);
    if (ec && !fs::exists(dir / "HEAD")) {
      throw std::runtime_error(fmt::format("cannot create {}: {}", dir.string(), ec.message()));
    }
    fs::remove_all(tmp, ec);
  }
  // The hook names this lokku and this home, so that a push through any lokku process (and
  // a push to the directory itself) builds with them.
  std::string hook = fmt::format(
      "#!/bin/sh\n"
      "# Written by lokku on every push: a push of main or master builds and releases the app.\n"
      "LOKKU_HOME={} exec {} git:pre-receive -a {}\n",
      shell_quote(store_.home().string()), shell_quote(lokku_bin_.string()), shell_quote(app));
  const fs::path hook_path = dir / "hooks" / "pre-receive";
  if (store::read_file(hook_path).value_or("") != hook) {
    store::write_file_atomic(hook_path, hook, 0755);
  }
  return dir;
}

std::vector<std::string> GitBackend::cgi_environment(const GitTarget& t,
                                                     const GitRequest& r) const {
  const char* path = std::getenv("PATH");
  std::vector<std::string> env = {
      "GATEWAY_INTERFACE=CGI/1.1",
      "SERVER_PROTOCOL=HTTP/1.1",
      "SERVER_SOFTWARE=lokku",
      "GIT_PROJECT_ROOT=" + store_.app_dir(t.app).string(),
      "PATH_INFO=/repo.git" + t.path_info,
      "REQUEST_METHOD=" + r.method,
      "QUERY_STRING=" + r.query,
      "REMOTE_USER=heroku",
      "REMOTE_ADDR=" + r.remote_addr,
      "GIT_HTTP_EXPORT_ALL=1",
      // The hook's environment, as `lokku deploy` has it in a terminal.
      std::string("PATH=") + (path && *path ? path : "/usr/local/bin:/usr/bin:/bin"),
      "LANG=C.UTF-8",
      "HOME=" + store_.home().string(),
      "LOKKU_HOME=" + store_.home().string(),
      fmt::format("LOKKU_TIME_SCALE={}", scale_.factor()),
  };
  // lokku's own settings (LOKKU_BUILDPACKS_DIR, the slug limits, ...) reach the hook's
  // build as they reach `lokku deploy`; nothing else of lokku's environment does.
  for (char** e = environ; e && *e; ++e) {
    std::string_view kv = *e;
    if (kv.starts_with("LOKKU_") && !kv.starts_with("LOKKU_HOME=") &&
        !kv.starts_with("LOKKU_TIME_SCALE=") && !kv.starts_with("LOKKU_APP=")) {
      env.emplace_back(kv);
    }
  }
  if (!r.content_type.empty()) {
    env.push_back("CONTENT_TYPE=" + r.content_type);
  }
  if (r.content_length) {
    env.push_back(fmt::format("CONTENT_LENGTH={}", *r.content_length));
  }
  if (!r.content_encoding.empty()) {
    env.push_back("HTTP_CONTENT_ENCODING=" + r.content_encoding);
  }
  if (!r.git_protocol.empty()) {
    env.push_back("GIT_PROTOCOL=" + r.git_protocol);
  }
  return env;
}

}  // namespace lokku::api
