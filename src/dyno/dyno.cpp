#include "dyno/dyno.hpp"

#include "common/ids.hpp"
#include "common/ports.hpp"
#include "common/procfs.hpp"
#include "common/subprocess.hpp"
#include "common/terminal.hpp"
#include "dyno/attachment.hpp"
#include "dyno/dyno_env.hpp"
#include "dyno/init/kill_tree_signal.hpp"
#include "dyno/line_splitter.hpp"
#include "dyno/memory.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <fmt/format.h>

#include <array>
#include <atomic>
#include <filesystem>
#include <optional>
#include <signal.h>
#include <stdexcept>
#include <sys/socket.h>
#include <unistd.h>

namespace lokku::dyno {

const char* to_string(DynoState s) {
  switch (s) {
    case DynoState::starting:
      return "starting";
    case DynoState::up:
      return "up";
    case DynoState::crashed:
      return "crashed";
    case DynoState::down:
      return "down";
    case DynoState::complete:
      return "complete";
  }
  return "down";
}

unsigned PortAllocator::acquire() {
  for (int attempt = 0; attempt < 64; ++attempt) {
    auto port = common::pick_free_port();
    if (!port) {
      throw std::runtime_error("cannot open a socket to find a free port");
    }
    if (in_use_.insert(*port).second) {
      return *port;
    }
  }
  throw std::runtime_error("no free TCP port found");
}

namespace {

constexpr auto kBootPoll = std::chrono::milliseconds(100);
/// How long an attached one-off waits for its client before R13.
constexpr auto kAttachWait = std::chrono::seconds(60);

}  // namespace

/// One start of the dyno: its init process, its pipes, and what its monitors learnt.
struct Dyno::Life {
  explicit Life(net::any_io_executor ex)
      : monitor_timer(ex), drained(ex), terminal(ex), hangup_timer(ex) {}
  std::unique_ptr<common::Subprocess> proc;
  unsigned port = 0;
  Clock::time_point launched;
  std::string dyno_id;  ///< MEM-5 `dyno=`: new at every start
  bool exited = false;
  int open_pumps = 0;
  /// Armed between polls of the boot check and memory samples; cancelled at exit.
  net::steady_timer monitor_timer;
  /// Armed after exit while output is still draining; the last pump cancels it.
  net::steady_timer drained;
  /// An attached dyno's end of its command's terminal.
  net::posix::stream_descriptor terminal;
  bool client_gone = false;  ///< the attached client left before the command ended
  bool finished = false;     ///< the output is over and the client was told
  /// Armed when the client left: firing means the command ignored SIGHUP (R16).
  net::steady_timer hangup_timer;
};

Dyno::Dyno(net::any_io_executor ex, common::AppLog& sink, const DynoSettings& settings,
           PortAllocator& ports, DynoSpec spec)
    : ex_(ex)
    , sink_(sink)
    , settings_(settings)
    , ports_(ports)
    , spec_(std::move(spec))
    , policy_(RestartPolicyOptions::make(settings.restart_profile, settings.scale.factor(),
                                         settings.crash_jitter))
    , restart_timer_(ex)
    , grace_timer_(ex) {}

Dyno::~Dyno() = default;

void Dyno::log(std::string_view message) {
  sink_.line("heroku", spec_.name, message, spec_.colour);
  if (settings_.observer && message.starts_with("Error R") && message.size() >= 9) {
    settings_.observer->error(spec_, message.substr(6, 3));
  }
}

void Dyno::changed() {
  if (state_ != reported_) {
    reported_ = state_;
    since_ = std::chrono::system_clock::now();
  }
  if (on_change_) {
    on_change_();
  }
}

std::uint16_t Dyno::port() const {
  return life_ && !life_->exited ? static_cast<std::uint16_t>(life_->port) : 0;
}

void Dyno::set_state(DynoState s) {
  if (s != state_) {
    log(fmt::format("State changed from {} to {}", to_string(state_), to_string(s)));
    if (const auto& o = settings_.observer) {
      if (s == DynoState::crashed) {
        o->crashed(spec_);
      }
      if (s == DynoState::starting && state_ == DynoState::crashed) {
        o->restarted(spec_);
      }
      if (s != DynoState::starting && s != DynoState::up) {
        o->stopped(spec_);
      }
    }
    state_ = s;
    changed();
  }
}

void Dyno::became_up() {
  set_state(DynoState::up);
  up_since_ = Clock::now();
  if (settings_.clock) {
    up_since_on_clock_ = settings_.clock->now();
  }
}

std::optional<std::chrono::nanoseconds> Dyno::up_for() const {
  if (up_since_ == Clock::time_point{}) {
    return std::nullopt;
  }
  if (const auto& clock = settings_.clock) {
    return clock->real_duration(clock->now() - up_since_on_clock_);
  }
  return Clock::now() - up_since_;
}

void Dyno::start() {
  state_ = DynoState::starting;  // from now on, as the router sees it (LB-5: requests wait)
  net::co_spawn(ex_, lives(), [self = shared_from_this()](std::exception_ptr e) {
    if (e) {
      try {
        std::rethrow_exception(e);
      } catch (const std::exception& ex) {
        self->sink_.line("heroku", self->spec_.name,
                         fmt::format("Error R99 (Platform error) -> {}", ex.what()));
      }
    }
  });
}

net::awaitable<void> Dyno::lives() {
  auto self = shared_from_this();
  state_ = DynoState::starting;
  changed();
  std::optional<int> exit_status;
  while (!stopping_) {
    int status = co_await run_life();
    if (spec_.one_off) {
      exit_status = status;  // RUN-2, RPH-3: complete, never restarted
      set_state(DynoState::complete);
      break;
    }
    if (stopping_) {
      break;
    }
    // CRASH-1: any exit nobody asked for is a crash, status 0 included.
    set_state(DynoState::crashed);
    auto wait = policy_.on_crash(up_for());
    up_since_ = {};
    if (wait.count() > 0) {
      // On the platform's clock when there is one: the cool-off ends when that clock says
      // so, however it was advanced meanwhile (`lokku clock advance 20m`).
      const auto& clock = settings_.clock;
      const auto due = clock ? clock->after(wait) : common::VirtualClock::Time{};
      for (auto left = wait; !stopping_ && left.count() > 0;
           left = clock ? clock->real_until(due) : std::chrono::nanoseconds(0)) {
        restart_timer_.expires_after(left);
        boost::system::error_code ec;
        co_await restart_timer_.async_wait(net::redirect_error(net::use_awaitable, ec));
      }
    }
    if (stopping_) {
      break;
    }
    set_state(DynoState::starting);
  }
  if (!exit_status) {
    state_ = DynoState::down;
    if (settings_.observer) {
      settings_.observer->stopped(spec_);
    }
    changed();
  }
  if (exit_status && on_exit_) {
    on_exit_(*exit_status);
  }
  lives_done_ = true;
  if (on_down_) {
    auto done = std::move(on_down_);
    done();
  }
}

net::awaitable<int> Dyno::run_life() {
  auto life = std::make_shared<Life>(ex_);
  life->port = ports_.acquire();
  life->dyno_id = fmt::format("heroku.{}.{}", settings_.app_number, common::random_uuid());
  std::string dir = settings_.app_dir;
  PreparedDir prepared;
  if (settings_.prepare_dir) {
    try {
      prepared = settings_.prepare_dir(spec_.name);
      dir = prepared.dir;
    } catch (const std::exception& e) {
      sink_.line("heroku", spec_.name, fmt::format("Error R99 (Platform error) -> {}", e.what()),
                 spec_.colour);
      ports_.release(life->port);
      log("Process exited with status 127");
      co_return 127;
    }
  }
  struct RemoveDirs {
    std::vector<std::string> paths;
    ~RemoveDirs() {
      for (const auto& path : paths) {
        std::error_code ec;
        std::filesystem::remove_all(path, ec);
      }
    }
  } cleanup{prepared.remove};
  release::ConfigVars vars = settings_.config;
  for (const auto& [k, v] : settings_.platform_env) {
    vars[k] = v;
  }
  if (settings_.dyno_id_var) {
    vars["HEROKU_DYNO_ID"] = common::random_uuid();
  }
  auto env = dyno_environment(vars, {spec_.name, life->port, dir});
  log(fmt::format("Starting process with command `{}`", expand_for_display(spec_.command, env)));
  state_ = DynoState::starting;

  common::SpawnOptions opts;
  common::TerminalPair term;
  if (const auto& client = spec_.attachment) {
    // RUN-2: up, then the command waits for its client.
    became_up();
    log("Awaiting client");
    if (stopping_ || !co_await client->wait_for_client(settings_.scale(kAttachWait))) {
      if (!stopping_) {
        log("Error R13 (Attach error) -> Failed to attach to process");
      }
      ports_.release(life->port);
      co_return 128;
    }
    std::string failure;
    try {
      term = common::open_terminal(client->tty, client->columns, client->rows);
    } catch (const std::exception& e) {
      failure = e.what();
    }
    if (!failure.empty()) {
      log(fmt::format("Error R99 (Platform error) -> {}", failure));
      ports_.release(life->port);
      co_await client->finish();
      co_return 127;
    }
    life->terminal.assign(term.parent);
    opts.stdio_fd = term.child;
  }
  opts.argv = {settings_.init_path, std::to_string(::getpid()), "--"};
  opts.argv.insert(opts.argv.end(), prepared.wrapper.begin(), prepared.wrapper.end());
  opts.argv.insert(opts.argv.end(), {settings_.bash_path, "-c", launch_script(spec_.command)});
  opts.env = to_envp(env);
  opts.cwd = dir;
  life->launched = Clock::now();
  ++starts_;
  int status = 127;
  std::string failure;
  try {
    life->proc = std::make_unique<common::Subprocess>(ex_, opts);
  } catch (const std::exception& e) {
    failure = e.what();
  }
  if (!failure.empty()) {
    if (term.child >= 0) {
      ::close(term.child);
    }
    sink_.line("heroku", spec_.name, fmt::format("Error R99 (Platform error) -> {}", failure),
               spec_.colour);
    ports_.release(life->port);
    log(fmt::format("Process exited with status {}", status));
    if (spec_.attachment) {
      co_await spec_.attachment->finish();
    }
    co_return status;
  }
  life_ = life;
  if (spec_.attachment) {
    ::close(term.child);  // the command holds it now: its end is the output's end
    life->open_pumps = 1;
    net::co_spawn(ex_, relay_input(life), net::detached);
    net::co_spawn(ex_, relay_output(life), net::detached);
  } else {
    life->open_pumps = 2;
    net::co_spawn(ex_, pump(life, false), net::detached);
    net::co_spawn(ex_, pump(life, true), net::detached);
  }
  if (spec_.type != "web") {
    became_up();  // STATE-3: non-web dynos are up at once
  }
  net::co_spawn(ex_, monitor(life), net::detached);

  status = co_await life->proc->wait();
  life->exited = true;
  life->monitor_timer.cancel();
  life->hangup_timer.cancel();
  grace_timer_.cancel();
  if (life->open_pumps > 0) {
    // Every process of the dyno is gone, so the pipes reach EOF: let the last lines out
    // first, but never wait forever on a descriptor something else may have inherited.
    life->drained.expires_after(settings_.drain_limit);
    boost::system::error_code ec;
    co_await life->drained.async_wait(net::redirect_error(net::use_awaitable, ec));
    if (life->open_pumps > 0) {
      life->proc->stdout_pipe().close(ec);
      life->proc->stderr_pipe().close(ec);
      life->terminal.close(ec);
    }
  }
  log(fmt::format("Process exited with status {}", status));
  ports_.release(life->port);
  life_.reset();
  changed();
  co_return status;
}

net::awaitable<void> Dyno::pump(std::shared_ptr<Life> life, bool err) {
  auto self = shared_from_this();
  auto& pipe = err ? life->proc->stderr_pipe() : life->proc->stdout_pipe();
  std::array<char, 64 * 1024> buf;
  LineSplitter splitter;
  auto emit = [this](std::string_view line) { sink_.add("app", spec_.name, line, spec_.colour); };
  for (;;) {
    boost::system::error_code ec;
    std::size_t n = co_await pipe.async_read_some(net::buffer(buf),
                                                  net::redirect_error(net::use_awaitable, ec));
    if (n > 0) {
      splitter.feed(std::string_view(buf.data(), n), emit);
      sink_.push();
    }
    if (ec) {
      break;
    }
  }
  splitter.finish(emit);
  sink_.push();
  if (--life->open_pumps == 0) {
    life->drained.cancel();
  }
}

net::awaitable<void> Dyno::relay_output(std::shared_ptr<Life> life) {
  auto self = shared_from_this();
  auto& client = *spec_.attachment;
  std::array<char, 16 * 1024> buf;
  for (;;) {
    boost::system::error_code ec;
    std::size_t n = co_await life->terminal.async_read_some(
        net::buffer(buf), net::redirect_error(net::use_awaitable, ec));
    if (n > 0 && !life->client_gone) {
      boost::system::error_code wec;
      co_await client.write(net::buffer(buf.data(), n), wec);
      if (wec) {
        client_left(life);
      }
    }
    if (ec) {
      break;  // EOF, or EIO from a pseudo-terminal nobody holds any more
    }
  }
  life->finished = true;
  if (!life->client_gone) {
    co_await client.finish();
  }
  if (--life->open_pumps == 0) {
    life->drained.cancel();
  }
}

net::awaitable<void> Dyno::relay_input(std::shared_ptr<Life> life) {
  auto self = shared_from_this();
  auto& client = *spec_.attachment;
  std::array<char, 4096> buf;
  for (;;) {
    boost::system::error_code ec;
    std::size_t n = co_await client.read(net::buffer(buf), ec);
    if (ec) {
      break;
    }
    std::string_view data(buf.data(), n);
    // Without a terminal, the CLI ends piped input with a lone EOT (Ctrl-D).
    bool eot = !client.tty && !data.empty() && data.back() == '\x04';
    if (eot) {
      data.remove_suffix(1);
    }
    if (!data.empty() && life->terminal.is_open()) {
      co_await net::async_write(life->terminal, net::buffer(data.data(), data.size()),
                                net::redirect_error(net::use_awaitable, ec));
      // A command that has ended takes no input: what the client still sends is dropped,
      // but read on until it ends (see Attachment::finish).
    }
    if (eot && life->terminal.is_open()) {
      ::shutdown(life->terminal.native_handle(), SHUT_WR);
    }
  }
  if (!life->finished) {
    client_left(life);
  }
}

void Dyno::client_left(const std::shared_ptr<Life>& life) {
  if (life->client_gone || life->exited) {
    return;
  }
  // RUN-3: the client disconnected: the command gets SIGHUP, as from a closed terminal.
  life->client_gone = true;
  life->proc->signal(SIGHUP);
  life->hangup_timer.expires_after(settings_.scale(settings_.stop_grace));
  life->hangup_timer.async_wait([self = shared_from_this(), life](boost::system::error_code ec) {
    if (ec || life->exited) {
      return;
    }
    self->log(
        "Error R16 (Detached) -> An attached process is not responding to SIGHUP after its "
        "external connection was closed.");
    self->log("Stopping process with SIGKILL");
    life->proc->signal(kill_tree_signal());
  });
}

net::awaitable<void> Dyno::monitor(std::shared_ptr<Life> life) {
  auto self = shared_from_this();
  boost::system::error_code ec;
  const pid_t init = life->proc->pid();
  if (spec_.type == "web") {
    // BOOT-3/5: up once a process of this dyno listens on $PORT.
    const auto deadline = life->launched + settings_.scale(settings_.boot_timeout);
    // On the platform's clock when there is one: frozen, a boot never times out; advanced
    // past the limit, it does at once (`lokku clock advance 61s`).
    const auto& clock = settings_.clock;
    const auto due = clock ? clock->after(settings_.scale(settings_.boot_timeout))
                           : common::VirtualClock::Time{};
    for (;;) {
      if (life->exited) {
        co_return;
      }
      if (common::procfs::listens_on(common::procfs::descendants(init),
                                     static_cast<std::uint16_t>(life->port))) {
        became_up();
        break;
      }
      if (clock ? clock->now() >= due : Clock::now() >= deadline) {
        // BOOT-4: no SIGTERM grace.
        log("Error R10 (Boot timeout) -> Web process failed to bind to $PORT within 60 seconds "
            "of launch");
        log("Stopping process with SIGKILL");
        life->proc->signal(kill_tree_signal());
        co_return;
      }
      life->monitor_timer.expires_after(kBootPoll);
      co_await life->monitor_timer.async_wait(net::redirect_error(net::use_awaitable, ec));
    }
  }
  for (;;) {
    life->monitor_timer.expires_after(settings_.scale(settings_.memory_interval));
    co_await life->monitor_timer.async_wait(net::redirect_error(net::use_awaitable, ec));
    if (life->exited) {
      co_return;
    }
    if (!co_await sample_memory(life)) {
      co_return;
    }
  }
}

net::awaitable<bool> Dyno::sample_memory(std::shared_ptr<Life> life) {
  // MEM-6 without cgroups: VmRSS + VmSwap summed over the dyno's processes (not lokku-init).
  auto pids = common::procfs::descendants(life->proc->pid());
  auto kb = common::procfs::memory_of(pids);
  MemorySample sample{static_cast<double>(kb.rss) / 1024.0 + held_mb_,
                      static_cast<double>(kb.swap) / 1024.0, 0.0};
  if (settings_.runtime_metrics || settings_.observer) {
    std::size_t runnable = 0;
    for (pid_t pid : pids) {
      if (auto stat = common::procfs::read_file("/proc/" + std::to_string(pid) + "/stat")) {
        if (common::procfs::parse_stat_state(*stat) == 'R') {
          ++runnable;
        }
      }
    }
    load_.update(static_cast<double>(runnable),
                 std::chrono::duration<double>(settings_.memory_interval).count());
    if (settings_.runtime_metrics) {
      log(load_metrics_line(spec_.name, life->dyno_id, load_));
      log(memory_metrics_line(spec_.name, life->dyno_id, sample, spec_.size.quota_mb));
    }
    if (settings_.observer) {
      settings_.observer->sampled(spec_, sample, load_.m1);
    }
  }
  switch (judge_memory(sample, spec_.size.quota_mb, spec_.size.r15_mb)) {
    case MemoryVerdict::ok:
      co_return true;
    case MemoryVerdict::r14:
      log(process_running_line(sample, spec_.size.quota_mb));
      log("Error R14 (Memory quota exceeded)");
      co_return true;
    case MemoryVerdict::r15:
      log(process_running_line(sample, spec_.size.quota_mb));
      log("Error R15 (Memory quota vastly exceeded)");
      log("Stopping process with SIGKILL");
      life->proc->signal(kill_tree_signal());
      co_return false;
  }
  co_return true;
}

void Dyno::stop(std::function<void()> done) {
  if (stopping_) {
    // Already stopping (scaled away, or killed): `done` joins whoever waits.
    if (!done) {
      return;
    }
    if (on_down_) {
      on_down_ = [first = std::move(on_down_), then = std::move(done)] {
        first();
        then();
      };
    } else if (!life_ && lives_done_) {
      net::post(ex_, std::move(done));
    } else {
      on_down_ = std::move(done);
    }
    return;
  }
  stopping_ = true;
  on_down_ = std::move(done);
  if (spec_.attachment && !life_) {
    spec_.attachment->cancel();  // still awaiting its client
  }
  if (!life_ || life_->exited) {
    restart_timer_.cancel();  // waiting out a cool-off: nothing runs, down at once
    if (!life_) {
      if (state_ != DynoState::down) {
        state_ = DynoState::down;
        changed();
      }
    }
    return;
  }
  if (restarting_) {
    log(fmt::format("State changed from {} to starting", to_string(state_)));
    if (settings_.observer) {
      settings_.observer->restarted(spec_);  // its replacement is another Dyno
    }
    state_ = DynoState::down;  // as the router sees it: no new requests
    changed();
  } else if (!spec_.one_off) {
    set_state(DynoState::down);  // a one-off goes from up to complete when it has exited
  }
  log(fmt::format("Stopping all processes with {}",
                  spec_.stop_signal == SIGINT ? "SIGINT" : "SIGTERM"));
  life_->proc->signal(spec_.stop_signal);
  grace_timer_.expires_after(settings_.scale(settings_.stop_grace));
  grace_timer_.async_wait([self = shared_from_this(), life = life_](boost::system::error_code ec) {
    if (ec || life->exited) {
      return;
    }
    self->log(
        "Error R12 (Exit timeout) -> At least one process failed to exit within 30 "
        "seconds of SIGTERM");
    self->log("Stopping remaining processes with SIGKILL");
    self->needed_sigkill_ = true;
    life->proc->signal(kill_tree_signal());
  });
}

void Dyno::stop_for_restart(std::function<void()> done, std::string_view note) {
  if (!stopping_ && life_ && !life_->exited) {
    restarting_ = true;
    if (!note.empty()) {
      log(note);
    }
  }
  stop(std::move(done));
}

bool Dyno::crash_now() {
  if (!life_ || life_->exited || stopping_) {
    return false;
  }
  life_->proc->signal(kill_tree_signal());  // lokku-init kills the tree with SIGKILL
  return true;
}

bool Dyno::signal_group(int sig) {
  if (!life_ || life_->exited) {
    return false;
  }
  return ::kill(-life_->proc->pid(), sig) == 0;
}

void Dyno::kill() {
  stopping_ = true;
  restart_timer_.cancel();
  if (spec_.attachment && !life_) {
    spec_.attachment->cancel();
  }
  if (life_ && !life_->exited) {
    needed_sigkill_ = true;
    life_->proc->signal(kill_tree_signal());
  }
}

}  // namespace lokku::dyno
