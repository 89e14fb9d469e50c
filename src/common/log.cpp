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

/// The loggers, made at first use, sharing one stderr sink (colours only on a terminal).
struct Loggers {
  Loggers() {
    auto sink =
        std::make_shared<spdlog::sinks::stderr_color_sink_mt>(spdlog::color_mode::automatic);
    auto make = [&](const char* name) {
      auto l = std::make_shared<spdlog::logger>(name, sink);
      l->set_pattern("%Y-%m-%dT%H:%M:%S.%f%z lokku[%n] %^%l%$: %v");
      l->set_level(spdlog::level::info);
      return l;
    };
    api = make("api");
    app = make("app");
    buildpack = make("buildpack");
    dyno = make("dyno");
    platform = make("platform");
    release = make("release");
    router = make("router");
  }
  std::shared_ptr<spdlog::logger> api, app, buildpack, dyno, platform, release, router;
};

Loggers& loggers() {
  static Loggers all;
  return all;
}

}  // namespace

spdlog::logger& api() {
  return *loggers().api;
}
spdlog::logger& app() {
  return *loggers().app;
}
spdlog::logger& buildpack() {
  return *loggers().buildpack;
}
spdlog::logger& dyno() {
  return *loggers().dyno;
}
spdlog::logger& platform() {
  return *loggers().platform;
}
spdlog::logger& release() {
  return *loggers().release;
}
spdlog::logger& router() {
  return *loggers().router;
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
  auto& all = loggers();
  for (auto* l :
       {&all.api, &all.app, &all.buildpack, &all.dyno, &all.platform, &all.release, &all.router}) {
    (*l)->set_level(*level);
  }
}

}  // namespace lokku::log
