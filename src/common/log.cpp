#include "common/log.hpp"

#include <spdlog/sinks/stdout_color_sinks.h>

#include <array>
#include <cstdlib>
#include <memory>
#include <stdexcept>

namespace lokku::log {

namespace {

constexpr std::array<std::pair<std::string_view, spdlog::level::level_enum>, 7> kLevels{{
    {"trace", spdlog::level::trace},
    {"debug", spdlog::level::debug},
    {"info", spdlog::level::info},
    {"warn", spdlog::level::warn},
    {"warning", spdlog::level::warn},
    {"error", spdlog::level::err},
    {"off", spdlog::level::off},
}};

enum Name : std::size_t { kApi, kApp, kBuildpack, kDyno, kPlatform, kRelease, kRouter, kCount };
constexpr std::array<const char*, kCount> kNames{"api",      "app",     "buildpack", "dyno",
                                                 "platform", "release", "router"};

/// The loggers, made at first use, sharing one stderr sink (colours only on a terminal).
using Loggers = std::array<std::shared_ptr<spdlog::logger>, kCount>;
Loggers& loggers() {
  static Loggers all = [] {
    auto sink =
        std::make_shared<spdlog::sinks::stderr_color_sink_mt>(spdlog::color_mode::automatic);
    Loggers made;
    for (std::size_t i = 0; i < kCount; ++i) {
      made[i] = std::make_shared<spdlog::logger>(kNames[i], sink);
      made[i]->set_pattern("%Y-%m-%dT%H:%M:%S.%f%z lokku[%n] %^%l%$: %v");
      made[i]->set_level(spdlog::level::info);
    }
    return made;
  }();
  return all;
}

}  // namespace

spdlog::logger& api() {
  return *loggers()[kApi];
}
spdlog::logger& app() {
  return *loggers()[kApp];
}
spdlog::logger& buildpack() {
  return *loggers()[kBuildpack];
}
spdlog::logger& dyno() {
  return *loggers()[kDyno];
}
spdlog::logger& platform() {
  return *loggers()[kPlatform];
}
spdlog::logger& release() {
  return *loggers()[kRelease];
}
spdlog::logger& router() {
  return *loggers()[kRouter];
}

std::optional<spdlog::level::level_enum> parse_level(std::string_view name) {
  for (const auto& [text, level] : kLevels) {
    if (text == name) {
      return level;
    }
  }
  return std::nullopt;
}

void configure(const std::optional<std::string>& flag) {
  std::string name = "info";
  std::string where = "LOKKU_LOG";
  if (flag) {
    name = *flag;
    where = "--log-level";
  } else if (const char* env = std::getenv("LOKKU_LOG"); env && *env) {
    name = env;
  }
  auto level = parse_level(name);
  if (!level) {
    throw std::invalid_argument(where + ": '" + name +
                                "' is not a level (trace, debug, info, warn, error, off)");
  }
  for (auto& l : loggers()) {
    l->set_level(*level);
  }
}

}  // namespace lokku::log
