#include "support/user_shell.hpp"

#include <cstdio>
#include <cstdlib>
#include <sys/wait.h>

namespace lokku::test {

namespace fs = std::filesystem;

std::string shell_quote(const std::string& s) {
  std::string q = "'";
  for (char c : s) {
    q += c == '\'' ? std::string("'\\''") : std::string(1, c);
  }
  return q + "'";
}

UserShell::UserShell(const LokkuHome& h, unsigned api_port, fs::path user_home)
    : h_(h), port_(api_port), token_(h.token()), user_home_(std::move(user_home)) {
  fs::create_directories(user_home_);
}

namespace {

/// Where `heroku` is: the pinned CLI, or the stand-in scripts/cli-drift puts there
/// ($LOKKU_TEST_HEROKU_DIR), which records each call (its $LOKKU_CLI_DRIFT_* passed on).
std::string cli_dir() {
  const char* other = std::getenv("LOKKU_TEST_HEROKU_DIR");
  return other && *other ? other : fs::path(LOKKU_HEROKU_CLI).parent_path().string();
}

std::string drift_recording() {
  std::string out;
  for (const char* name : {"LOKKU_CLI_DRIFT_DIR", "LOKKU_CLI_DRIFT_REAL"}) {
    if (const char* v = std::getenv(name)) {
      out += std::string(" ") + name + "=" + shell_quote(v);
    }
  }
  return out;
}

}  // namespace

std::string UserShell::environment(bool with_token) const {
  const std::string ca = (h_.home() / "tls/ca.crt").string();
  return "env -u GIT_DIR HOME=" + shell_quote(user_home_.string()) +
         " LOKKU_HOME=" + shell_quote(h_.home().string()) +
         " PATH=" + shell_quote(cli_dir() + ":/usr/local/bin:/usr/bin:/bin") + drift_recording() +
         " HEROKU_HOST=http://127.0.0.1:" + std::to_string(port_) +
         (with_token ? " HEROKU_API_KEY=" + token_ : std::string()) +
         " NODE_EXTRA_CA_CERTS=" + shell_quote(ca) + " GIT_SSL_CAINFO=" + shell_quote(ca) +
         " GIT_TERMINAL_PROMPT=0 DISABLE_TELEMETRY=true HEROKU_SKIP_NEW_VERSION_CHECK=true"
         " GIT_AUTHOR_NAME=dev GIT_AUTHOR_EMAIL=dev@example.com GIT_COMMITTER_NAME=dev"
         " GIT_COMMITTER_EMAIL=dev@example.com LOKKU=" +
         shell_quote(LOKKU_BIN);
}

namespace {

/// Runs `full` (a command line for /bin/sh): its output, without the CLI's notice of Heroku's
/// terms of service (its errors, ` ›   Error: ...`, stay), and its exit code.
ShellResult collect(const std::string& full) {
  ShellResult r;
  FILE* p = ::popen(full.c_str(), "r");
  char buf[4096];
  while (std::fgets(buf, sizeof buf, p)) {
    std::string line = buf;
    if (line.find(" ›   Warning: Our terms of service") == std::string::npos &&
        line.find(" ›   https://dashboard.heroku.com/terms") == std::string::npos) {
      r.out += line;
    }
  }
  int st = ::pclose(p);
  r.code = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
  return r;
}

}  // namespace

ShellResult run_shell(const std::string& command) {
  return collect(command + " 2>&1");
}

ShellResult UserShell::run(const std::string& command, const fs::path& cwd, bool with_token) const {
  return collect("cd " + shell_quote(cwd.string()) + " && " + environment(with_token) +
                 " timeout 170 bash -c " + shell_quote(command) + " </dev/null 2>&1");
}

ShellResult UserShell::run_fresh(const std::string& script, const fs::path& cwd) const {
  return collect(
      "cd " + shell_quote(cwd.string()) + " && env -i HOME=" + shell_quote(user_home_.string()) +
      " PATH=" +
      shell_quote(std::getenv("LOKKU_TEST_HEROKU_DIR") ? cli_dir() + ":/usr/bin:/bin"
                                                       : std::string("/usr/bin:/bin")) +
      drift_recording() + " LOKKU_HOME=" + shell_quote(h_.home().string()) +
      " timeout 170 bash -c " +
      shell_quote("eval \"$(" + shell_quote(LOKKU_BIN) + " env)\" || exit 99\n" + script) +
      " </dev/null 2>&1");
}

}  // namespace lokku::test
