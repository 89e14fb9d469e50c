#pragma once

#include <string_view>

namespace lokku::app {

/// Exit codes scripts can rely on (README.md, "Exit codes").
inline constexpr int kExitOk = 0;
inline constexpr int kExitError = 1;    ///< bad input (Procfile, .env, formation) or a failure
inline constexpr int kExitUsage = 2;    ///< bad command line
inline constexpr int kExitUnclean = 3;  ///< `start` had to SIGKILL a dyno on stop (R12)

/// `--color auto|always|never`: auto means a terminal on stdout, no NO_COLOR, no TERM=dumb.
bool colour_wanted(std::string_view mode);

/// Parses the command line and runs the command; returns the process exit code.
int run_cli(int argc, char** argv);

}  // namespace lokku::app
