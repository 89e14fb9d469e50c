#pragma once
// A user's shell against a running `lokku up`: bash with the official Heroku CLI on PATH
// (its git credential helper runs `heroku`), the API's host and token in HEROKU_HOST and
// HEROKU_API_KEY, and lokku's CA trusted by git and node.

#include "support/platform.hpp"

#include <filesystem>
#include <string>

namespace lokku::test {

struct ShellResult {
  int code = -1;
  std::string out;  ///< stdout and stderr together, without the CLI's terms-of-service notice
};

/// `s` quoted for bash.
std::string shell_quote(const std::string& s);

/// `command` in /bin/sh: its stdout and stderr together, and its exit code.
ShellResult run_shell(const std::string& command);

class UserShell {
 public:
  /// `user_home`: HOME for the commands (made when missing).
  UserShell(const LokkuHome& h, unsigned api_port, std::filesystem::path user_home);
  /// `command` in bash in `cwd`; without the token when `with_token` is false.
  ShellResult run(const std::string& command, const std::filesystem::path& cwd,
                  bool with_token = true) const;
  /// `script` in a fresh shell, as a user's new terminal: nothing but HOME, a PATH without the
  /// heroku CLI, and LOKKU_HOME; the script runs after `eval "$(lokku env)"`.
  ShellResult run_fresh(const std::string& script, const std::filesystem::path& cwd) const;
  /// The environment it runs commands with (`NAME=value ...`, quoted).
  std::string environment(bool with_token = true) const;

 private:
  const LokkuHome& h_;
  unsigned port_;
  std::string token_;
  std::filesystem::path user_home_;
};

}  // namespace lokku::test
