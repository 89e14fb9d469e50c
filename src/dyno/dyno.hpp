#pragma once

#include "common/app_log.hpp"
#include "common/asio.hpp"
#include "common/time_scale.hpp"
#include "common/virtual_clock.hpp"
#include "dyno/memory.hpp"
#include "dyno/restart_policy.hpp"
#include "release/dotenv.hpp"
#include "release/dyno_size.hpp"

#include <boost/asio/awaitable.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/steady_timer.hpp>

#include <chrono>
#include <csignal>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

namespace lokku::common {
class Subprocess;
}

namespace lokku::dyno {

class Attachment;

/// A life's own directory (ENV-8) and how its command is started there.
struct PreparedDir {
  std::string dir;                   ///< HOME and the start directory
  std::vector<std::string> wrapper;  ///< run before the command (a mount namespace), or none
  std::vector<std::string> remove;   ///< removed when the life ends
};

struct DynoSpec;

/// Told what a formation's dynos do (the platform's metrics). Called on the dynos' executor.
class DynoObserver {
 public:
  virtual ~DynoObserver() = default;
  /// A memory sample (MEM-3's interval) and the one-minute load average then.
  virtual void sampled(const DynoSpec& dyno, const MemorySample& memory, double load_1m) = 0;
  /// The dyno's process exited without being asked to (CRASH-1).
  virtual void crashed(const DynoSpec& dyno) = 0;
  /// It starts again: after a crash, or restarted (ps:restart, a new release, a resize).
  virtual void restarted(const DynoSpec& dyno) = 0;
  /// It no longer runs (crashed, stopped, complete).
  virtual void stopped(const DynoSpec& dyno) = 0;
  /// It logged an R-code (`R14`).
  virtual void error(const DynoSpec& dyno, std::string_view code) = 0;
};

/// What every dyno of one manager shares. Durations are Heroku's nominal ones; `scale`
/// divides them (CONVENTIONS.md, Time).
struct DynoSettings {
  common::TimeScale scale;
  RestartProfile restart_profile = RestartProfile::heroku;  ///< CRASH-3/5
  bool crash_jitter = false;                                ///< CRASH-3: waits drawn in (0, bound]
  bool runtime_metrics = false;                             ///< MEM-5 lines
  std::shared_ptr<DynoObserver> observer;                   ///< none: nobody measures
  /// The platform's clock (`lokku clock`): crash cool-offs end on it. None: real time.
  std::shared_ptr<common::VirtualClock> clock;
  std::string init_path;  ///< lokku-init
  std::string bash_path = "/bin/bash";
  std::string app_dir;      ///< HOME and start directory of every dyno
  unsigned app_number = 0;  ///< MEM-5 `dyno=heroku.<app-num>.<uuid>`
  release::ConfigVars config;
  /// The platform's own variables (REL-9 dyno metadata), over the config vars.
  release::ConfigVars platform_env;
  bool dyno_id_var = false;  ///< HEROKU_DYNO_ID, new at every start (REL-9)
  /// When set, every life runs in the directory this returns (ENV-8: a fresh copy of the
  /// slug), whose paths are removed when the life ends; otherwise in `app_dir`.
  std::function<PreparedDir(const std::string& dyno)> prepare_dir;
  std::chrono::nanoseconds boot_timeout = std::chrono::seconds(60);     ///< BOOT-1
  std::chrono::nanoseconds stop_grace = std::chrono::seconds(30);       ///< STOP-2
  std::chrono::nanoseconds memory_interval = std::chrono::seconds(20);  ///< MEM-3
  std::chrono::nanoseconds drain_limit = std::chrono::seconds(2);       ///< output after exit
};

struct DynoSpec {
  std::string name;     ///< web.1
  std::string type;     ///< web
  std::string command;  ///< Procfile text
  release::DynoSize size;
  std::size_t colour = 0;
  bool one_off = false;  ///< run once (release phase, run:detached): never restarted (RUN-3)
  /// An attached one-off (RUN-1): waits for its client, then runs on a terminal relayed to
  /// it; only its start and end reach the log.
  std::shared_ptr<Attachment> attachment;
  /// What a graceful stop sends (STOP-1: SIGTERM; an add-on's PostgreSQL: SIGINT).
  int stop_signal = SIGTERM;
};

enum class DynoState { starting, up, crashed, down, complete };
const char* to_string(DynoState s);

/// Hands out free TCP ports, never one that a live dyno of this manager holds (ENV-4).
class PortAllocator {
 public:
  unsigned acquire();
  void release(unsigned port) { in_use_.erase(port); }

 private:
  std::set<unsigned> in_use_;
};

/// One dyno name of the formation (`web.1`) across its lives: each start runs the command
/// under a fresh lokku-init, with a fresh PORT; a crash restarts it on Heroku's schedule
/// (CRASH-1..4). Owned by the Manager through a shared_ptr; runs on the manager's
/// executor (one thread); every coroutine holds shared_from_this(). It dies when the
/// manager drops it after stop() completed.
class Dyno : public std::enable_shared_from_this<Dyno> {
 public:
  Dyno(net::any_io_executor ex, common::AppLog& sink, const DynoSettings& settings,
       PortAllocator& ports, DynoSpec spec);
  ~Dyno();

  /// Starts the first life. Never completes inline.
  void start();
  /// Graceful stop (STOP-1/2): SIGTERM to every process, SIGKILL after the grace period.
  /// `done` runs once the dyno is down (at once if it is waiting to restart).
  void stop(std::function<void()> done);
  /// The same for a restart (STOP-5): logs `note` when not empty (`Restarting`, `Cycling`),
  /// then `State changed from up to starting`; the replacement is another Dyno object.
  void stop_for_restart(std::function<void()> done, std::string_view note);
  /// Immediate SIGKILL of every process (a second Ctrl-C).
  void kill();
  /// A crash on purpose (`lokku chaos:add crash`): every process killed with SIGKILL, as if
  /// the dyno had died, so that it exits 137 and Heroku's crash back-off follows. False when
  /// no life runs.
  bool crash_now();
  /// A signal to every process of the life (its process group): SIGSTOP, SIGCONT.
  bool signal_group(int sig);
  /// Memory held on purpose (`chaos:add memory`), counted in every sample on top of what the
  /// processes use: over the quota, R14; at the R15 threshold, R15.
  void hold_memory(double mb) { held_mb_ = mb; }
  double held_memory() const { return held_mb_; }
  /// The platform's clock jumped, froze or resumed: a cool-off being waited out is measured
  /// again (it may be over).
  void clock_changed() { restart_timer_.cancel(); }

  const std::string& name() const { return spec_.name; }
  /// How many lives it has launched (its start, then each crash restart): CYC-1 counts a
  /// dyno's day from its last one.
  std::uint64_t starts() const { return starts_; }
  const std::string& type() const { return spec_.type; }
  /// $PORT of the running process; 0 when none runs.
  std::uint16_t port() const;
  /// Runs after every state change (the manager republishes the web dyno table).
  void set_on_change(std::function<void()> f) { on_change_ = std::move(f); }
  /// One-off dynos: runs with the exit status (heroku_status) when the command has ended.
  void set_on_exit(std::function<void(int status)> f) { on_exit_ = std::move(f); }
  DynoState state() const { return state_; }
  const DynoSpec& spec() const { return spec_; }
  /// When the state last changed (`lokku ps`).
  std::chrono::system_clock::time_point since() const { return since_; }
  /// True when a stop had to fall back to SIGKILL (R12).
  bool needed_sigkill() const { return needed_sigkill_; }

 private:
  struct Life;

  net::awaitable<void> lives();
  net::awaitable<int> run_life();
  net::awaitable<void> pump(std::shared_ptr<Life> life, bool err);
  net::awaitable<void> relay_output(std::shared_ptr<Life> life);
  net::awaitable<void> relay_input(std::shared_ptr<Life> life);
  void client_left(const std::shared_ptr<Life>& life);
  net::awaitable<void> monitor(std::shared_ptr<Life> life);
  net::awaitable<bool> sample_memory(std::shared_ptr<Life> life);
  void log(std::string_view message);
  void set_state(DynoState s);
  /// Up now: the state, and when (in real time, and on the platform's clock when there is one).
  void became_up();
  /// How long it has been up (CRASH-4), on the platform's clock when there is one; nullopt
  /// when it never got up.
  std::optional<std::chrono::nanoseconds> up_for() const;
  void changed();

  net::any_io_executor ex_;
  common::AppLog& sink_;
  const DynoSettings& settings_;
  PortAllocator& ports_;
  DynoSpec spec_;
  RestartPolicy policy_;
  DynoState state_ = DynoState::down;
  DynoState reported_ = DynoState::down;
  std::chrono::system_clock::time_point since_ = std::chrono::system_clock::now();
  Clock::time_point up_since_{};
  double held_mb_ = 0;
  common::VirtualClock::Time up_since_on_clock_{};
  std::uint64_t starts_ = 0;  ///< lives launched (the first, then each crash restart)
  bool stopping_ = false;
  bool needed_sigkill_ = false;
  bool restarting_ = false;  ///< the stop in progress is a restart
  bool lives_done_ = false;  ///< lives() has returned
  std::function<void()> on_down_;
  std::function<void()> on_change_;
  std::function<void(int)> on_exit_;
  std::shared_ptr<Life> life_;
  LoadAverage load_;  ///< MEM-5 load average, across lives
  /// Armed while waiting for a crash cool-off; cancelled by stop(); firing restarts.
  net::steady_timer restart_timer_;
  /// Armed by stop(); cancelled when the life exits; firing means R12.
  net::steady_timer grace_timer_;
};

}  // namespace lokku::dyno
