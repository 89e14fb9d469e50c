#pragma once
// `lokku up`: the platform. One router for every app (Host routing), and a reconciler that
// makes each app's dynos match the store: its current release and formation (CONVENTIONS.md,
// Design). Commands write the store; the platform notices (a cheap poll of each app's
// record) and acts.

#include "common/time_scale.hpp"
#include "platform/platform_file.hpp"
#include "platform/runtime.hpp"
#include "store/store.hpp"

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace lokku::platform {

/// `POST /apps/{app}/dynos`: a one-off dyno, detached (RUN-4) or attached (RUN-1).
struct OneOffRequest {
  std::string app;
  std::string command;  ///< a first word naming a process type runs that type's command
  std::string size;     ///< empty: the default
  std::map<std::string, std::string> env;
  bool attach = false;
  bool tty = true;  ///< attached: a pseudo-terminal unless `force_no_tty`
  unsigned short columns = 80;
  unsigned short rows = 24;
};

struct OneOffStarted {
  std::string name;        ///< run.NNNN
  std::string attach_url;  ///< attached: `rendezvous://127.0.0.1:PORT/SECRET`
};

/// `lokku clock` / `POST /lokku/clock` (issue #27 point 3).
struct ClockRequest {
  enum class Action { show, freeze, resume, advance } action = Action::show;
  std::chrono::nanoseconds by{0};  ///< advance: how far (Heroku's time)
};

struct ClockState {
  std::string now;  ///< the platform's time, ISO 8601
  bool frozen = false;
  double rate = 1;                 ///< its seconds per real second (the time scale)
  std::int64_t advanced_s = 0;     ///< advanced in all, seconds
  std::vector<std::string> fired;  ///< advance: what fired on the way, in order
};

/// What the running platform offers the Platform API. Thread-safe: the API serves on its
/// own threads.
class PlatformControl {
 public:
  virtual ~PlatformControl() = default;
  /// The app's dynos as the platform runs them now.
  virtual std::vector<ObservedDyno> dynos(const std::string& app) = 0;
  /// Restarts the app's dynos (STOP-5): all (`which` empty), one type, or one dyno by name.
  virtual void restart(const std::string& app, const std::string& which) = 0;
  /// Stops one dyno; a formation dyno is started again (STOP-5, ps:stop).
  virtual void stop(const std::string& app, const std::string& dyno) = 0;
  virtual unsigned router_port() const = 0;
  /// The store changed (the API wrote it): reconcile now rather than at the next poll.
  virtual void changed() = 0;
  /// Starts a one-off dyno (RUN-1..4) from the app's current release. Throws InputError
  /// when the app has no release or the size is unknown.
  virtual OneOffStarted run_one_off(const OneOffRequest& request) = 0;
  /// Shows, freezes, resumes or advances the platform's clock. Advancing reads the store
  /// first, then fires in order what falls due on the way (scheduler runs) and ends the
  /// cool-offs that are over. Throws InputError for a negative advance.
  virtual ClockState clock(const ClockRequest& request) = 0;
  /// The platform's clock now (Heroku's time at the time scale's rate, as advanced).
  virtual std::chrono::system_clock::time_point now() const = 0;
};

/// Starts a service beside the router (the Platform API) once the router is up; what it
/// returns is kept until the platform stops. Throws to refuse to start.
using ServiceFactory = std::function<std::shared_ptr<void>(PlatformControl&, unsigned& api_port)>;

struct PlatformOptions {
  unsigned port = 5000;
  std::string address = "0.0.0.0";
  common::TimeScale scale;
  bool legacy_router = false;
  unsigned router_threads = 0;
  std::uintmax_t log_max_bytes = kDefaultAppLogLimit;  ///< an app's log file, before rotation
  bool colour = false;
  std::string init_path;
  std::chrono::milliseconds poll{200};
  /// Measure requests and dynos (the metrics store, alerts, autoscaling); off: `up --no-metrics`.
  bool metrics = true;
  unsigned api_port = 0;  ///< recorded in platform.json (0: no API)
  /// The router's TLS port (0: any free one; nullopt: none); `tls_port_given`: asked for on
  /// the command line, so that a port taken is an error rather than HTTPS left off.
  std::optional<unsigned> tls_port = 5443;
  bool tls_port_given = false;
  ServiceFactory service;  ///< the API server, when set
};

/// Runs until SIGINT or SIGTERM, then stops every dyno gracefully. Returns the exit code
/// (0, or 3 when a dyno needed SIGKILL). Throws InputError when another platform runs on the
/// same home or the port is taken.
int run_platform(store::Store& store, const PlatformOptions& options);

}  // namespace lokku::platform
