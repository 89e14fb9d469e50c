#pragma once
// What a running platform publishes beside the desired state: `platform.json` (how clients
// find it) and, per app, `dynos.yaml` (the dynos as it last saw them; `lokku ps`).

#include "store/store.hpp"

#include <chrono>
#include <optional>
#include <string>
#include <vector>

namespace lokku::platform {

struct PlatformInfo {
  int pid = 0;
  unsigned router_port = 0;
  unsigned tls_port = 0;  ///< 0: no HTTPS
  unsigned api_port = 0;  ///< 0: no API
  std::string started_at;
};

void write_platform_info(const store::Store& store, const PlatformInfo& info);
/// The running platform's record, or nullopt when none runs (no file, or its pid is gone).
std::optional<PlatformInfo> running_platform(const store::Store& store);
void remove_platform_info(const store::Store& store);

struct ObservedDyno {
  std::string name;  ///< web.1
  std::string type;
  std::string state;  ///< starting | up | crashed | down | complete
  std::string since;  ///< ISO 8601
  std::string command;
  std::string size;
  int release = 0;
};

struct Observed {
  int platform_pid = 0;
  int release = 0;  ///< the release the app's formation runs
  std::vector<ObservedDyno> dynos;
};

void write_observed(const store::Store& store, const std::string& app, const Observed& obs);
std::optional<Observed> read_observed(const store::Store& store, const std::string& app);

/// Where the platform's clock stood (`clock` in the home), so that the next platform's
/// clock goes on from there (a time-scaled or advanced clock runs ahead of the system's).
void write_platform_clock(const store::Store& store, std::chrono::system_clock::time_point now);
std::optional<std::chrono::system_clock::time_point> read_platform_clock(const store::Store& store);

/// When a platform runs: waits (at most `timeout`) until it runs `version` of the app, so
/// that a request made after `deploy` or `config:set` returns is routed to (or held for) the
/// new release's dynos. Returns false on timeout or when no platform runs.
bool wait_for_release(const store::Store& store, const std::string& app, int version,
                      std::chrono::milliseconds timeout = std::chrono::seconds(10));

}  // namespace lokku::platform
