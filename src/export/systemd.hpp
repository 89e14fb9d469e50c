#pragma once
// `lokku export systemd` (issue #26 point 2): the slug unpacked, one service unit per dyno,
// a target per app, the config vars in an environment file (0600), the release phase as a
// oneshot unit the dynos wait for, scheduler jobs as timers.

#include "export/export_files.hpp"

namespace lokku::exports {

Written export_systemd(const ExportInput& in, const ExportOptions& o);

/// A command as ExecStart= takes it, run by bash: quoted, with systemd's `$` and `%` kept
/// for the shell.
std::string exec_start(const std::string& command);
/// One `NAME="value"` line of an EnvironmentFile=, escaped so the value reads back whole.
std::string environment_line(const std::string& name, const std::string& value);

}  // namespace lokku::exports
