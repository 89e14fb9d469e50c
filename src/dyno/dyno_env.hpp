#pragma once
// A dyno's environment and launch script (dynos.md ENV-1..9; CONVENTIONS.md, Processes).

#include "release/dotenv.hpp"

#include <string>
#include <string_view>
#include <vector>

namespace lokku::dyno {

/// Heroku's PATH before `.profile.d` runs (ENV-5).
inline constexpr std::string_view kDynoPath = "/usr/local/bin:/usr/bin:/bin";

struct DynoIdentity {
  std::string name;   ///< DYNO: web.1
  unsigned port = 0;  ///< PORT
  std::string home;   ///< HOME and start directory: the app directory
};

/// The whole environment of a dyno, built from scratch: defaults (PATH, LANG), then the
/// config vars (ENV-6), then the platform's own PORT, DYNO and HOME, which win over config
/// vars of the same name. Nothing of lokku's own environment is in it.
release::ConfigVars dyno_environment(const release::ConfigVars& config, const DynoIdentity& id);

/// `KEY=VALUE` strings for execve.
std::vector<std::string> to_envp(const release::ConfigVars& env);

/// The bash script a dyno runs (ENV-9): source `.profile.d/*.sh` in byte order, then
/// `.profile`, then the command, in that same shell.
std::string launch_script(std::string_view command);

/// The command as `Starting process with command` shows it (STATE-2): `$VAR` and `${VAR}`
/// replaced by their values in `env` (unset ones by nothing).
std::string expand_for_display(std::string_view command, const release::ConfigVars& env);

}  // namespace lokku::dyno
