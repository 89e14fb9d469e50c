#pragma once
// The running platform's clock, asked through its API (`/lokku/clock`, with the token): for
// `lokku clock`, and for commands that read what the platform dated on it (`lokku metrics`).

#include "store/store.hpp"

#include <boost/json/object.hpp>

#include <chrono>
#include <string>

namespace lokku::app {

/// `method` `path` on the running platform's API, with the token: its answer's JSON (an
/// empty object when it has none). Throws InputError when no platform runs or it refuses (its
/// message), runtime_error when it does not answer.
boost::json::object platform_api(const store::Store& st, const std::string& method,
                                 const std::string& path, const boost::json::object& body = {});

/// `GET` (show) or `POST` (freeze, resume, advance) /lokku/clock; the platform's answer.
/// Throws InputError when no platform runs or it refuses (its message), runtime_error when
/// it does not answer.
boost::json::object platform_clock(const store::Store& st, const std::string& method,
                                   const boost::json::object& body = {});

/// The time on the running platform's clock; the system's when no platform runs.
std::chrono::system_clock::time_point platform_now(const store::Store& st);

}  // namespace lokku::app
