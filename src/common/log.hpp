#pragma once
// lokku's own diagnostics (STYLE.md §7), apart from any app's log stream: named spdlog
// loggers on stderr, made once, their level set by `--log-level` or $LOKKU_LOG.
//   error: someone must act; warn: degraded; info: lifecycle; debug: internals; trace: bytes.

#include <spdlog/logger.h>

#include <optional>
#include <string>
#include <string_view>

namespace lokku::log {

spdlog::logger& api();
spdlog::logger& app();
spdlog::logger& buildpack();
spdlog::logger& dyno();
spdlog::logger& platform();
spdlog::logger& release();
spdlog::logger& router();

/// The level a name gives (trace, debug, info, warn, error, off); nullopt for another.
std::optional<spdlog::level::level_enum> parse_level(std::string_view name);

/// Sets every logger's level: `flag` (--log-level) when given, else $LOKKU_LOG, else info.
/// Throws std::invalid_argument naming the option or variable at fault.
void configure(const std::optional<std::string>& flag);

}  // namespace lokku::log
