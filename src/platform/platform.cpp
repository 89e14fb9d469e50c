#include "platform/platform.hpp"

#include "addons/addons.hpp"
#include "common/app_log.hpp"
#include "common/child_process.hpp"
#include "common/ids.hpp"
#include "common/log.hpp"
#include "common/ports.hpp"
#include "common/run_sync.hpp"
#include "common/web_dyno_feed.hpp"
#include "drains/drain.hpp"
#include "dyno/manager.hpp"
#include "metrics/alert_monitor.hpp"
#include "metrics/app_metrics.hpp"
#include "metrics/autoscaler.hpp"
#include "platform/chaos.hpp"
#include "platform/local_ca.hpp"
#include "platform/platform_file.hpp"
#include "platform/rendezvous.hpp"
#include "platform/runtime.hpp"
#include "platform/sni_endpoint.hpp"
#include "platform/stale_review_apps.hpp"
#include "release/dyno_size.hpp"
#include "release/error.hpp"
#include "release/schedule.hpp"
#include "router/router.hpp"
#include "router/tls_front.hpp"
#include "store/files.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <fmt/format.h>

#include <algorithm>
#include <atomic>
#include <csignal>
#include <fcntl.h>
#include <future>
#include <iostream>
#include <list>
#include <map>
#include <memory>
#include <mutex>
#include <random>
#include <set>
#include <unistd.h>

namespace lokku::platform {

namespace {

/// A scaling as a chart marker: `Scaled to web@2:Standard-1X, worker@0:Standard-1X`.
std::string scaled_to(const std::vector<release::FormationItem>& items) {
  std::string out = "Scaled to ";
  for (std::size_t i = 0; i < items.size(); ++i) {
    out += fmt::format("{}{}@{}:{}", i ? ", " : "", items[i].type, items[i].quantity,
                       items[i].size.display);
  }
  return out;
}

/// A manager with what it references: kept until its dynos are down.
struct Running {
  std::unique_ptr<dyno::Manager> manager;
  int version = 0;
};

/// A detached one-off dyno (RUN-4) and what it references.
struct OneOff {
  dyno::DynoSettings settings;
  dyno::PortAllocator ports;
  std::shared_ptr<dyno::Dyno> dyno;
  int version = 0;
  std::unique_ptr<net::steady_timer> limit;  ///< a scheduler run's interval (SCHED-3)
  /// CYC-1: one-offs are cycled too, on the platform's clock; being one-offs, they then end.
  std::chrono::system_clock::time_point cycle_at{};
  bool cycled = false;
};

/// An add-on's server, run as a dyno of its own (restarted when it crashes, stopped with
/// its own signal, logged as `heroku[<add-on name>]`).
struct AddonRun {
  dyno::DynoSettings settings;
  dyno::PortAllocator ports;
  std::shared_ptr<dyno::Dyno> dyno;
};

struct AppRuntime {
  std::string name;
  std::map<std::string, std::unique_ptr<AddonRun>> addons;  ///< by add-on name
  /// Add-on servers a fault holds stopped or paused (`lokku chaos:add addon-stop`).
  std::set<std::string> addons_held;
  std::set<std::string> addons_paused;
  std::optional<std::chrono::steady_clock::time_point> addons_wait;  ///< since when
  std::vector<store::SchedulerJob> jobs;
  /// When each job runs next, on the platform's scaled clock (see Platform::now).
  std::map<int, std::chrono::system_clock::time_point> job_due;
  std::list<std::unique_ptr<OneOff>> one_offs;
  int log_fd = -1;
  std::shared_ptr<common::AppLog> sink;
  /// What the router and the dynos measure (null: the metrics store cannot be opened).
  std::shared_ptr<metrics::AppMetrics> metrics;
  /// The app's threshold alerts, on the platform's (scaled) clock.
  std::shared_ptr<metrics::AlertMonitor> alerts;
  store::Autoscale autoscale;         ///< as the store last had it
  std::size_t autoscale_minutes = 0;  ///< the alert monitor's minutes_closed() last decided on
  std::deque<metrics::AutoscaleMinute> autoscale_hour;  ///< web's past hour, newest first
  /// CYC-1: when each formation dyno is cycled, on the platform's clock, from its last start.
  struct Cycle {
    std::uint64_t starts = 0;  ///< the dyno's starts() when its day began
    std::chrono::system_clock::time_point due;
  };
  std::map<const dyno::Dyno*, Cycle> cycles;
  std::optional<std::chrono::system_clock::time_point> max_told;  ///< scaled; daily at most
  /// A review app (PIPE-3.6): its parent, when it becomes stale (on the platform's clock),
  /// the version of its last deploy as last seen and when the platform saw a newer one, and
  /// whether its `lokku review-apps:destroy` runs (tried again an hour later if it fails).
  std::string review_of;
  int stale_days = 0;
  std::optional<std::chrono::system_clock::time_point> stale_at;
  std::optional<int> deploy_version;
  std::optional<std::chrono::system_clock::time_point> deploy_seen;
  bool retiring = false;
  std::optional<std::chrono::system_clock::time_point> retry_at;
  std::shared_ptr<common::AppRoute> route;
  /// The hosts the route table has for this app (its own first, then its domains).
  std::vector<std::string> hosts;
  /// The hosts the TLS port serves a certificate of this app's for (which file, as it was
  /// when loaded, and whether HTTP/2 is offered), and when ACM's is renewed (a month before
  /// it ends, on the platform's clock).
  struct TlsHost {
    std::filesystem::path cert;
    std::optional<store::FileVersion> version;
    bool verified = false;  ///< a user's certificate a root or lokku's CA verifies
    bool h2 = false;
    bool operator==(const TlsHost&) const = default;
  };
  std::map<std::string, TlsHost> tls_hosts;
  std::optional<std::chrono::system_clock::time_point> acm_renew_at;
  std::unique_ptr<dyno::Manager> manager;
  int version = 0;
  std::map<std::string, store::FormationRow> formation;
  bool maintenance = false;
  bool affinity = false;
  bool runtime_metrics = false;
  std::optional<store::FileVersion> seen;
  std::string last_error;
  bool observe_pending = false;
  /// The app's log drains, by id (null: a URL that cannot be used), each a sink of
  /// `drained`: the app's log stream as read back from its file, where every process that
  /// logs for the app (the platform, the API, `lokku` commands, builds) appends its lines.
  std::map<std::string, std::shared_ptr<drains::Drain>> drains;
  std::unique_ptr<LogFollower> drain_reader;
  std::shared_ptr<common::AppLog> drained;

  AppRuntime() = default;
  AppRuntime(const AppRuntime&) = delete;
  AppRuntime& operator=(const AppRuntime&) = delete;
  ~AppRuntime() {
    for (auto& [id, d] : drains) {
      drop_drain(d);
    }
  }
  void drop_drain(const std::shared_ptr<drains::Drain>& d) {
    if (d) {
      drained->remove_drain(d);
      d->stop();
    }
  }
};

class Platform : public PlatformControl {
 public:
  Platform(store::Store& store, const PlatformOptions& o)
      : store_(store), o_(o), poll_(ioc_), signals_(ioc_, SIGINT, SIGTERM, SIGHUP) {}

  int run();

  std::vector<ObservedDyno> dynos(const std::string& app) override {
    std::lock_guard lock(snapshot_mu_);
    auto it = snapshot_.find(app);
    return it == snapshot_.end() ? std::vector<ObservedDyno>{} : it->second;
  }
  void restart(const std::string& app, const std::string& which) override {
    net::post(ioc_, [this, app, which] {
      auto it = apps_.find(app);
      if (it == apps_.end() || !it->second->manager) {
        return;
      }
      it->second->manager->restart(
          [&](const dyno::Dyno& d) {
            return which.empty() || d.name() == which || d.type() == which;
          },
          "Restarting");
    });
  }
  void stop(const std::string& app, const std::string& dyno_name) override {
    net::post(ioc_, [this, app, dyno_name] {
      auto it = apps_.find(app);
      if (it != apps_.end() && it->second->manager) {
        it->second->manager->restart([&](const dyno::Dyno& d) { return d.name() == dyno_name; },
                                     {});
      }
    });
  }
  unsigned router_port() const override { return router_port_; }

  OneOffStarted run_one_off(const OneOffRequest& req) override {
    const std::string& app = req.app;
    const std::string& size = req.size;
    auto record = store_.load(app);
    const auto* cur = record.current();
    if (!cur) {
      throw release::InputError(fmt::format("{} has no release with a slug yet", app));
    }
    auto size_spec = release::find_dyno_size(size.empty() ? "standard-1x" : size);
    if (!size_spec) {
      throw release::InputError(
          fmt::format("no such dyno size '{}' (sizes: {})", size, release::dyno_size_names()));
    }
    std::string name = fmt::format("run.{}", one_off_number());
    // RUN-1: a first word that names a process type runs its command.
    std::string cmd = req.command;
    auto first = cmd.substr(0, cmd.find(' '));
    if (auto it = cur->process_types.find(first); it != cur->process_types.end()) {
      cmd = it->second + cmd.substr(first.size());
    }
    auto one = std::make_shared<std::unique_ptr<OneOff>>(std::make_unique<OneOff>());
    (*one)->settings = release_settings(store_, record, *cur, Runtime{o_.init_path, o_.scale});
    for (const auto& [k, v] : req.env) {
      (*one)->settings.config[k] = v;
    }
    (*one)->version = cur->version;
    OneOffStarted started{name, {}};
    std::shared_ptr<dyno::Attachment> attachment;
    if (req.attach) {
      // The rendezvous lives on the platform's thread; its URL is needed now.
      auto expected = std::make_shared<std::promise<Rendezvous::Expected>>();
      auto future = expected->get_future();
      net::post(ioc_, [this, expected, tty = req.tty, cols = req.columns, rows = req.rows] {
        if (rendezvous_ && !stopping_) {
          expected->set_value(rendezvous_->expect(tty, cols, rows));
        } else {
          expected->set_exception(std::make_exception_ptr(
              release::InputError("the platform is stopping; no attached dyno can start")));
        }
      });
      if (future.wait_for(std::chrono::seconds(10)) != std::future_status::ready) {
        throw release::InputError("the platform is stopping; no attached dyno can start");
      }
      auto e = future.get();
      attachment = std::move(e.attachment);
      started.attach_url = std::move(e.url);
    }
    net::post(ioc_, [this, app, name, cmd, spec_size = *size_spec, one, attachment] {
      auto it = apps_.find(app);
      if (it == apps_.end()) {
        return;
      }
      auto& rt = *it->second;
      auto& o = **one;
      dyno::DynoSpec spec{name, "run", cmd, spec_size, 0, true, attachment, SIGTERM};
      o.dyno =
          std::make_shared<dyno::Dyno>(ioc_.get_executor(), *rt.sink, o.settings, o.ports, spec);
      rt.sink->line(
          "app", "api",
          fmt::format("Starting process with command `{}` by user {}", cmd, store::local_user()));
      start_one_off(rt, std::move(*one));
    });
    return started;
  }
  void changed() override {
    net::post(ioc_, [this] {
      if (!stopping_) {
        scan();
      }
    });
  }

 private:
  void poll();
  void scan();
  void reconcile(AppRuntime& rt);
  /// Logs the alerts that fired or were resolved (`heroku[alerts]`) and records them.
  void tell_alerts(AppRuntime& rt);
  /// Once a (scaled) minute, scales web by one dyno when its autoscaling says so.
  void autoscale(AppRuntime& rt);
  /// Stops the manager's dynos; `then` runs on the platform's thread once they are gone.
  void retire(std::unique_ptr<dyno::Manager> m, std::shared_ptr<common::AppLog> sink,
              bool restart = false, std::function<void()> then = {});
  void remove_app(const std::string& name);
  /// Starts the servers of the app's add-ons, stops those of add-ons it no longer has.
  void sync_addons(AppRuntime& rt, const store::App& app);
  void sync_drains(AppRuntime& rt, const store::App& app);
  /// Hands the lines appended to each drained app's log file to its drains.
  void feed_drains();
  /// feed_drains() every 20 ms while an app has drains (each poll otherwise).
  void feed_drains_soon();
  void stop_addons(AppRuntime& rt, std::function<void()> done);
  /// Stops one add-on's server; `done` runs on the platform's thread once it has exited.
  void stop_addon(std::unique_ptr<AddonRun> run, const std::string& name,
                  std::function<void()> done);
  void stop_addons_and_exit();
  /// Heroku Scheduler (SCHED-1..4): due jobs start as `scheduler.N` one-off dynos.
  void schedule_tick();
  /// CYC-1: restarts ("Cycling") the app's dynos that have run 24 h and their jitter;
  /// returns their names.
  std::vector<std::string> cycle(AppRuntime& rt);
  /// CYC-1: how long after its start a dyno is cycled, 24 h and its own draw of 0-216 min.
  static std::chrono::system_clock::duration cycle_after();
  /// Faults on purpose (platform/chaos.hpp): applies what `chaos.json` asks, takes back
  /// what ended, removes what is done.
  void apply_chaos();
  /// Gives each custom domain of `app` a certificate of its own on the TLS port.
  void certify_domains(AppRuntime& rt, const store::App& app);
  std::vector<Fault> chaos_;
  std::optional<store::FileVersion> chaos_seen_;
  /// PIPE-3.6: notes when the review app becomes stale; retire_stale() destroys it then.
  void note_review(AppRuntime& rt, const store::App& app);
  std::vector<std::string> retire_stale(AppRuntime& rt);
  /// Every scheduler job of every app, with its parsed frequency.
  void for_each_job(const std::function<void(AppRuntime&, const store::SchedulerJob&,
                                             const release::Frequency&)>& f);
  void run_scheduled(AppRuntime& rt, const store::SchedulerJob& job,
                     std::chrono::nanoseconds interval);
  /// Starts a one-off dyno of the app, listed until it has exited.
  void start_one_off(AppRuntime& rt, std::unique_ptr<OneOff> one);
  /// The time the scheduler goes by: UTC, running `--time-scale` times as fast from the
  /// platform's start (so "every 10 minutes" runs every second at scale 600).
  ClockState clock(const ClockRequest& request) override;
  std::chrono::system_clock::time_point now() const override { return clock_->now(); }
  ClockState clock_now(std::vector<std::string> fired = {}) const;
  /// Fires, in order, the scheduler runs due up to `by` from now, and moves the clock.
  std::vector<std::string> advance_clock(std::chrono::nanoseconds by);
  void schedule_observe(const std::string& name);
  void write_observed_now(AppRuntime& rt);
  void shutdown();
  std::vector<release::FormationItem> items(const store::App& a, const store::Release& r) const;
  AppRuntime& runtime_for(const std::string& name);

  store::Store& store_;
  PlatformOptions o_;
  net::io_context ioc_;
  net::steady_timer poll_;
  net::signal_set signals_;
  /// Where the router's lines for dashboard.localhost go: nowhere (it is no app's).
  std::shared_ptr<common::AppLog> dashboard_log_;
  common::RouteTable routes_;
  /// Delivers every app's drains; made with the first drain, gone after the apps.
  std::unique_ptr<drains::DrainHub> drain_hub_;
  std::unique_ptr<router::Router> router_;
  /// What the TLS port serves (issue #23): lokku's `*.localhost` certificate, and each custom
  /// domain's own from the local CA (Automated Certificate Management, locally).
  std::shared_ptr<router::TlsCertificates> certificates_;
  std::map<std::string, std::unique_ptr<AppRuntime>> apps_;
  struct Retiring {
    std::unique_ptr<dyno::Manager> manager;
    std::shared_ptr<common::AppLog> sink;
  };
  std::list<Retiring> retiring_;
  /// Add-ons whose server is still stopping (an app renamed, or destroyed and made again):
  /// a new server of the same add-on (same data, same port) waits for the old one to exit.
  std::set<std::string> addons_stopping_;
  bool stopping_ = false;
  bool clean_ = true;
  std::atomic<unsigned> router_port_{0};
  std::mutex snapshot_mu_;
  std::map<std::string, std::vector<ObservedDyno>> snapshot_;
  std::shared_ptr<void> service_;
  std::unique_ptr<Rendezvous> rendezvous_;
  net::steady_timer scheduler_timer_{ioc_};
  /// Feeds the drains more often than the poll (bench/drains.py: at 50 000 lines/s, a
  /// 200 ms poll's worth overflowed a drain's buffer now and then).
  net::steady_timer drain_feed_{ioc_};
  /// The platform's clock (`lokku clock`): the scheduler, crash cool-offs, alerts and
  /// autoscaling run on it.
  std::shared_ptr<common::VirtualClock> clock_ =
      std::make_shared<common::VirtualClock>(o_.scale, nullptr, read_platform_clock(store_));
  std::chrono::steady_clock::time_point clock_saved_{};
  /// Keeps where the clock stands (every few seconds, at each change of it, at the end).
  void save_clock(bool now_or_never = false);
  int signals_seen_ = 0;
};

std::vector<release::FormationItem> Platform::items(const store::App& a,
                                                    const store::Release& r) const {
  std::vector<release::FormationItem> out;
  for (const auto& [type, command] : r.process_types) {
    if (type == "release") {
      continue;  // PROC-7: never part of the formation
    }
    release::FormationItem item;
    item.type = type;
    item.command = command;
    auto it = a.formation.find(type);
    item.quantity = it == a.formation.end() ? 0 : it->second.quantity;
    auto size = it == a.formation.end() ? std::nullopt : release::find_dyno_size(it->second.size);
    item.size = size ? *size : release::default_dyno_size();
    out.push_back(std::move(item));
  }
  return out;
}

AppRuntime& Platform::runtime_for(const std::string& name) {
  auto& slot = apps_[name];
  if (!slot) {
    slot = std::make_unique<AppRuntime>();
    slot->name = name;
    slot->log_fd = open_app_log(store_, name);
    slot->sink = std::make_shared<common::AppLog>(1, o_.colour, slot->log_fd, name + " | ");
    if (slot->log_fd >= 0) {
      slot->sink->rotate_at(store_.log_file(name).string(), o_.log_max_bytes);
    }
    std::vector<std::shared_ptr<common::RequestObserver>> observers;
    if (o_.metrics) {
      try {
        slot->metrics = std::make_shared<metrics::AppMetrics>(
            std::make_unique<metrics::MetricsStore>(store_.metrics_file(name),
                                                    metrics::MetricsStore::Mode::write),
            [name](const std::string& error) {
              log::platform().error("{}: metrics stopped (the app keeps serving): {}", name, error);
            },
            [this] { return now(); });  // its windows on the platform's clock
        observers.push_back(slot->metrics);
      } catch (const metrics::MetricsError& e) {
        log::platform().error("{}: no metrics (the app keeps serving): {}", name, e.what());
      }
      slot->alerts = std::make_shared<metrics::AlertMonitor>([this] { return now(); });
      observers.push_back(slot->alerts);
    }
    slot->route = std::make_shared<common::AppRoute>(
        name, *slot->sink,
        observers.empty() ? nullptr
                          : std::make_shared<common::RequestObservers>(std::move(observers)));
  }
  return *slot;
}

void Platform::retire(std::unique_ptr<dyno::Manager> m, std::shared_ptr<common::AppLog> sink,
                      bool restart, std::function<void()> then) {
  m->detach_feed();
  m->set_on_change({});
  auto* raw = m.get();
  retiring_.push_back({std::move(m), std::move(sink)});
  auto done = [this, raw, then = std::move(then)](bool clean) {
    clean_ = clean_ && clean;
    net::post(ioc_, [this, raw, then] {
      retiring_.remove_if([raw](const Retiring& r) { return r.manager.get() == raw; });
      if (then) {
        then();
      }
      if (stopping_ && retiring_.empty()) {
        stop_addons_and_exit();
      }
    });
  };
  if (restart) {
    raw->stop_for_restart(done);
  } else {
    raw->stop(done);
  }
}

void Platform::sync_drains(AppRuntime& rt, const store::App& app) {
  for (auto it = rt.drains.begin(); it != rt.drains.end();) {
    const bool kept = std::any_of(app.drains.begin(), app.drains.end(),
                                  [&](const store::LogDrain& d) { return d.id == it->first; });
    if (kept) {
      ++it;
    } else {
      rt.drop_drain(it->second);
      it = rt.drains.erase(it);
    }
  }
  for (const auto& d : app.drains) {
    if (rt.drains.contains(d.id)) {
      continue;
    }
    std::shared_ptr<drains::Drain> drain;
    try {
      auto url = drains::parse_drain_url(d.url);
      if (!drain_hub_) {
        // Logplex's timeouts and retry pause, shortened by the time scale but never below
        // what a connection on this machine needs.
        auto scaled = [&](std::chrono::milliseconds nominal) {
          return std::max(std::chrono::milliseconds(250),
                          std::chrono::duration_cast<std::chrono::milliseconds>(o_.scale(nominal)));
        };
        drains::DrainTiming timing;
        timing.connect = scaled(timing.connect);
        timing.request = scaled(timing.request);
        timing.retry =
            std::chrono::duration_cast<std::chrono::milliseconds>(o_.scale(timing.retry));
        std::error_code ec;
        const auto ca = store_.home() / "tls" / "ca.crt";
        drain_hub_ = std::make_unique<drains::DrainHub>(
            std::filesystem::exists(ca, ec) ? ca.string() : std::string(), timing);
      }
      std::weak_ptr<common::AppLog> log = rt.sink;
      drain = drain_hub_->start(std::move(url), d.token, [log](const std::string& message) {
        if (auto l = log.lock()) {
          l->add("heroku", "logplex", message);
        }
      });
      if (!rt.drained) {
        rt.drained = std::make_shared<common::AppLog>(-1, false);
        rt.drain_reader = std::make_unique<LogFollower>(store_.log_file(rt.name), "", "");
        rt.drain_reader->start_at_end();
      }
      rt.drained->add_drain(drain);
    } catch (const std::invalid_argument& e) {
      log::platform().error("{}: log drain {} not used: {}", rt.name, d.id, e.what());
    }
    rt.drains.emplace(d.id, std::move(drain));
  }
  if (rt.drains.empty() && rt.drained) {
    rt.drain_reader.reset();
    rt.drained.reset();
  }
}

void Platform::feed_drains() {
  for (auto& [name, rt] : apps_) {
    if (!rt->drain_reader) {
      continue;
    }
    rt->drain_reader->read_new_each([&](std::string_view text) {
      if (auto line = common::parse_log_line(text)) {
        rt->drained->add(*line);
      }
    });
    rt->drained->push();
  }
}

void Platform::feed_drains_soon() {
  const bool drained = std::any_of(apps_.begin(), apps_.end(),
                                   [](const auto& a) { return a.second->drain_reader != nullptr; });
  drain_feed_.expires_after(drained ? std::chrono::milliseconds(20) : o_.poll);
  drain_feed_.async_wait([this](boost::system::error_code ec) {
    if (!ec && !stopping_) {
      feed_drains();
      feed_drains_soon();
    }
  });
}

void Platform::reconcile(AppRuntime& rt) {
  std::optional<store::App> app;
  try {
    app = store_.try_load(rt.name);
  } catch (const std::exception& e) {
    if (rt.last_error != e.what()) {
      rt.last_error = e.what();
      log::platform().error("{}: {}", rt.name, e.what());
    }
    return;
  }
  if (!app) {
    return;
  }
  rt.last_error.clear();
  sync_drains(rt, *app);
  std::vector<metrics::AlertRule> rules;
  std::map<std::string, bool> firing;
  for (const auto& a : app->alerts) {
    if (auto kind = metrics::parse_alert_kind(a.kind)) {
      rules.push_back({a.id, *kind, a.threshold, a.sensitivity});
      firing[a.id] = a.state == "firing";
    }
  }
  if (rt.alerts) {
    rt.alerts->set_rules(std::move(rules), firing);
  }
  rt.autoscale = app->autoscale;
  // HOST-1: the app's default host and its custom domains, once its table is published
  // (a request must never see a new app's empty table: that would be H14).
  struct Hosts {
    common::RouteTable& routes;
    AppRuntime& rt;
    const store::App& app;
    ~Hosts() {
      std::vector<std::string> now{rt.name + ".localhost"};
      now.insert(now.end(), app.domains.begin(), app.domains.end());
      if (now == rt.hosts) {
        return;  // as the router has them: a request never finds the app missing
      }
      // Taken out only when a host went (a removed domain); added over the old ones.
      const bool gone = std::any_of(rt.hosts.begin(), rt.hosts.end(), [&](const auto& h) {
        return std::find(now.begin(), now.end(), h) == now.end();
      });
      if (gone) {
        routes.remove_app(rt.name);
      }
      for (const auto& h : now) {
        routes.add_host(h, rt.route);
      }
      rt.hosts = std::move(now);
    }
  } hosts{routes_, rt, *app};
  certify_domains(rt, *app);
  // The add-ons' servers run whether or not there is a release to run yet: a first
  // deploy's release phase needs them.
  sync_addons(rt, *app);
  rt.jobs = app->scheduler;
  note_review(rt, *app);
  for (auto it = rt.job_due.begin(); it != rt.job_due.end();) {
    bool kept = std::any_of(rt.jobs.begin(), rt.jobs.end(),
                            [&](const store::SchedulerJob& j) { return j.id == it->first; });
    it = kept ? std::next(it) : rt.job_due.erase(it);
  }
  const store::Release* cur = app->current();
  if (!cur) {
    common::WebDynoTable blank;
    blank.has_release = false;  // H81: nothing deployed yet
    rt.route->feed.publish(std::move(blank));
    return;
  }
  if (cur->version != rt.version || !rt.manager) {
    // Asked only here, where dynos are about to start: each answer is a client run.
    const bool addons_ready = std::all_of(app->addons.begin(), app->addons.end(),
                                          [](const store::Addon& a) { return addons::ready(a); });
    if (!addons_ready) {
      // The dynos start once their add-ons answer (a server takes a moment to start), so
      // that they do not crash for want of them; not forever, though.
      auto now = std::chrono::steady_clock::now();
      if (!rt.addons_wait) {
        rt.addons_wait = now;
      }
      if (now - *rt.addons_wait < std::chrono::seconds(30)) {
        rt.seen.reset();  // look again at the next poll
        return;
      }
      log::platform().warn("{}: starting the dynos although an add-on is not answering", rt.name);
    }
    rt.addons_wait.reset();
    // REL-8, CYC-2: a new current release restarts every dyno onto it. The new manager
    // publishes its (starting) dynos to the router first; then the old ones get SIGTERM
    // (STOP-4: the new ones start at once).
    std::unique_ptr<dyno::Manager> old = std::move(rt.manager);
    if (old) {
      old->detach_feed();
    }
    Runtime runtime{o_.init_path, o_.scale};
    auto settings = release_settings(store_, *app, *cur, runtime);
    settings.observer = rt.metrics;
    settings.clock = clock_;
    rt.manager = std::make_unique<dyno::Manager>(ioc_.get_executor(), *rt.sink, std::move(settings),
                                                 items(*app, *cur), rt.route->feed);
    std::string name = rt.name;
    rt.manager->set_on_change([this, name] { schedule_observe(name); });
    rt.manager->set_maintenance(app->maintenance);
    rt.affinity = std::find(app->features.begin(), app->features.end(), "http-session-affinity") !=
                  app->features.end();
    rt.manager->set_session_affinity(rt.affinity);
    rt.runtime_metrics = rt.manager->settings().runtime_metrics;
    rt.manager->start();
    if (old) {
      retire(std::move(old), rt.sink, true);
    }
    rt.version = cur->version;
    rt.formation = app->formation;
    rt.maintenance = app->maintenance;
    schedule_observe(rt.name);
    return;
  }
  if (app->formation.size() != rt.formation.size() ||
      !std::equal(app->formation.begin(), app->formation.end(), rt.formation.begin(),
                  [](const auto& x, const auto& y) {
                    return x.first == y.first && x.second.quantity == y.second.quantity &&
                           x.second.size == y.second.size;
                  })) {
    const auto formation = items(*app, *cur);
    rt.manager->scale(formation);
    if (rt.metrics) {
      rt.metrics->event("scale", "", scaled_to(formation));
    }
    rt.formation = app->formation;
    schedule_observe(rt.name);
  }
  if (app->maintenance != rt.maintenance) {
    rt.manager->set_maintenance(app->maintenance);
    rt.maintenance = app->maintenance;
  }
  bool affinity = std::find(app->features.begin(), app->features.end(), "http-session-affinity") !=
                  app->features.end();
  if (affinity != rt.affinity) {
    rt.manager->set_session_affinity(affinity);
    rt.affinity = affinity;
  }
  bool metrics = std::find(app->features.begin(), app->features.end(), "log-runtime-metrics") !=
                 app->features.end();
  if (metrics != rt.runtime_metrics) {
    rt.manager->set_runtime_metrics(metrics);
    rt.runtime_metrics = metrics;
  }
}

void Platform::sync_addons(AppRuntime& rt, const store::App& app) {
  for (const auto& addon : app.addons) {
    if (rt.addons_held.count(addon.name) != 0) {
      continue;  // stopped by a fault until it ends
    }
    if (addons_stopping_.count(addon.name) != 0 && rt.addons.count(addon.name) == 0) {
      rt.seen.reset();  // the old server still has its port and data: look again next poll
      continue;
    }
    auto& run = rt.addons[addon.name];
    if (!run) {
      run = std::make_unique<AddonRun>();
      run->settings.scale = o_.scale;
      run->settings.init_path = o_.init_path;
      run->settings.restart_profile = dyno::RestartProfile::capped;
      run->settings.app_dir = addons::addon_dir(store_.home(), addon.name).string();
      dyno::DynoSpec spec;
      spec.name = addon.name;
      spec.type = "addon";
      try {
        spec.command = addons::server_command(store_.home(), addon);
      } catch (const std::exception& e) {
        rt.sink->line("heroku", addon.name,
                      fmt::format("Error R99 (Platform error) -> {}", e.what()));
        rt.addons.erase(addon.name);
        continue;
      }
      spec.size = *release::find_dyno_size("performance-l");  // no R14 for a database
      spec.stop_signal = addons::stop_signal(addon);
      run->dyno = std::make_shared<dyno::Dyno>(ioc_.get_executor(), *rt.sink, run->settings,
                                               run->ports, spec);
      run->dyno->start();
    }
  }
  for (auto it = rt.addons.begin(); it != rt.addons.end();) {
    if (app.find_addon(it->first) == nullptr) {
      // Destroyed: its server stops (after the dynos moved to a release without it).
      stop_addon(std::move(it->second), it->first, [] {});
      it = rt.addons.erase(it);
    } else {
      ++it;
    }
  }
}

void Platform::stop_addons(AppRuntime& rt, std::function<void()> done) {
  auto left = std::make_shared<std::size_t>(rt.addons.size());
  if (*left == 0) {
    done();
    return;
  }
  for (auto& [name, run] : rt.addons) {
    stop_addon(std::move(run), name, [left, done] {
      if (--*left == 0) {
        done();
      }
    });
  }
  rt.addons.clear();
}

void Platform::stop_addon(std::unique_ptr<AddonRun> run, const std::string& name,
                          std::function<void()> done) {
  addons_stopping_.insert(name);
  auto* raw = run.release();
  raw->dyno->stop([this, raw, name, done = std::move(done)] {
    net::post(ioc_, [this, raw, name, done] {
      delete raw;
      addons_stopping_.erase(name);
      done();
    });
  });
}

void Platform::remove_app(const std::string& name) {
  auto it = apps_.find(name);
  if (it == apps_.end()) {
    return;
  }
  routes_.remove_app(name);
  it->second->hosts.clear();
  if (certificates_) {
    for (const auto& [h, _] : it->second->tls_hosts) {
      certificates_->remove(h);
    }
  }
  {
    std::lock_guard lock(snapshot_mu_);
    snapshot_.erase(name);
  }
  auto& rt = *it->second;
  // Once its dynos are gone, so are the slug files they ran from (unless an app of that
  // name was created again meanwhile).
  auto forget_slugs = [this, name] {
    if (!store_.exists(name)) {
      std::error_code ec;
      fs::remove_all(store_.dynos_dir(name), ec);
    }
  };
  if (rt.manager) {
    retire(std::move(rt.manager), rt.sink, false, forget_slugs);
  } else {
    forget_slugs();
  }
  stop_addons(rt, [keep = rt.sink] {});  // their dynos log to the app's sink until they stop
  // The log fd stays open with the sink until the retiring manager is gone; closing it is
  // left to process exit (the app's directory is being removed anyway).
  apps_.erase(it);
}

ClockState Platform::clock_now(std::vector<std::string> fired) const {
  ClockState c;
  c.now = common::iso8601(clock_->now());
  c.frozen = clock_->frozen();
  c.rate = clock_->rate();
  c.advanced_s = std::chrono::duration_cast<std::chrono::seconds>(clock_->advanced()).count();
  c.fired = std::move(fired);
  return c;
}

ClockState Platform::clock(const ClockRequest& r) {
  if (r.by < std::chrono::nanoseconds(0)) {
    throw release::InputError("the clock only goes forward: give a positive duration");
  }
  auto done = std::make_shared<std::promise<ClockState>>();
  auto answer = done->get_future();
  net::post(ioc_, [this, r, done] {
    try {
      std::vector<std::string> fired;
      switch (r.action) {
        case ClockRequest::Action::show:
          break;
        case ClockRequest::Action::freeze:
          clock_->freeze();
          break;
        case ClockRequest::Action::resume:
          clock_->resume();
          break;
        case ClockRequest::Action::advance:
          fired = advance_clock(r.by);
          for (auto& [name, rt] : apps_) {
            for (const auto& d : cycle(*rt)) {
              fired.push_back(fmt::format("{}: {} cycled (24 h since its start)", name, d));
            }
            for (auto& what : retire_stale(*rt)) {
              fired.push_back(std::move(what));
            }
          }
          break;
      }
      for (auto& [name, rt] : apps_) {
        if (rt->manager) {
          rt->manager->clock_changed();  // a cool-off may be over, or wait for the resume
        }
      }
      save_clock(true);
      done->set_value(clock_now(std::move(fired)));
    } catch (...) {
      done->set_exception(std::current_exception());
    }
  });
  if (answer.wait_for(std::chrono::seconds(30)) != std::future_status::ready) {
    throw std::runtime_error("the platform did not answer about its clock within 30 s");
  }
  return answer.get();
}

std::vector<std::string> Platform::advance_clock(std::chrono::nanoseconds by) {
  // What the store says now counts (a job added just before the advance is seen), from the
  // time the clock reads before it moves.
  scan();
  const auto from = clock_->now();
  const auto to = from + std::chrono::duration_cast<std::chrono::system_clock::duration>(by);
  struct Due {
    std::chrono::system_clock::time_point at;
    AppRuntime* rt;
    store::SchedulerJob job;
    std::chrono::nanoseconds interval;
  };
  std::vector<Due> due;
  for_each_job([&](AppRuntime& rt, const store::SchedulerJob& job, const release::Frequency& f) {
    auto [it, added] = rt.job_due.try_emplace(job.id, release::next_run(f, from));
    for (; it->second <= to; it->second = release::next_run(f, it->second)) {
      due.push_back({it->second, &rt, job, f.interval()});
    }
  });
  std::stable_sort(due.begin(), due.end(), [](const Due& a, const Due& b) { return a.at < b.at; });
  clock_->advance(by);
  std::vector<std::string> fired;
  for (const auto& d : due) {
    const auto what = fmt::format("{}: scheduler job {} ({}) due at {}", d.rt->name, d.job.id,
                                  d.job.frequency, common::iso8601(d.at));
    d.rt->sink->line("heroku", "scheduler",
                     fmt::format("Job {} ({}) due at {} on the platform's clock: `{}`", d.job.id,
                                 d.job.frequency, common::iso8601(d.at), d.job.command));
    run_scheduled(*d.rt, d.job, d.interval);
    fired.push_back(what);
  }
  log::platform().info("clock advanced by {} s to {}: {} scheduled run(s) fired",
                       std::chrono::duration_cast<std::chrono::seconds>(by).count(),
                       common::iso8601(clock_->now()), fired.size());
  return fired;
}

void Platform::for_each_job(const std::function<void(AppRuntime&, const store::SchedulerJob&,
                                                     const release::Frequency&)>& f) {
  for (auto& [name, rt] : apps_) {
    for (const auto& job : rt->jobs) {
      release::Frequency freq;
      try {
        freq = release::parse_frequency(job.frequency);
      } catch (const release::InputError&) {
        continue;  // scheduler:add only stores valid frequencies
      }
      f(*rt, job, freq);
    }
  }
}

std::vector<std::string> Platform::cycle(AppRuntime& rt) {
  const auto now = clock_->now();
  std::vector<std::string> one_offs;
  for (auto& one : rt.one_offs) {
    if (!one->cycled && now >= one->cycle_at && one->dyno->state() != dyno::DynoState::complete) {
      // A one-off is never restarted (CRASH-8): cycled, it ends.
      one->cycled = true;
      rt.sink->line("heroku", one->dyno->name(), "Cycling");
      one->dyno->stop({});
      one_offs.push_back(one->dyno->name());
    }
  }
  if (!rt.manager) {
    rt.cycles.clear();
    return one_offs;
  }
  std::map<const dyno::Dyno*, AppRuntime::Cycle> kept;
  std::set<std::string> due;
  for (const auto& d : rt.manager->dynos()) {
    auto it = rt.cycles.find(d.get());
    AppRuntime::Cycle c;
    if (it == rt.cycles.end() || it->second.starts != d->starts()) {
      // A start (the first, or a crash restart): 24 h and this dyno's own draw from now.
      c = {d->starts(), now + cycle_after()};
    } else {
      c = it->second;
    }
    if (d->state() == dyno::DynoState::up && now >= c.due) {
      due.insert(d->name());
    } else {
      kept.emplace(d.get(), c);
    }
  }
  rt.cycles = std::move(kept);
  if (!due.empty()) {
    // A normal stop and start (STOP-5): the replacement's own 24 h start then.
    rt.manager->restart([&](const dyno::Dyno& d) { return due.contains(d.name()); }, "Cycling");
  }
  one_offs.insert(one_offs.end(), due.begin(), due.end());
  return one_offs;
}

std::chrono::system_clock::duration Platform::cycle_after() {
  static thread_local std::mt19937_64 random{std::random_device{}()};
  std::uniform_int_distribution<int> jitter(0, 216 * 60);  // CYC-1: up to 216 minutes
  return std::chrono::hours(24) + std::chrono::seconds(jitter(random));
}

void Platform::certify_domains(AppRuntime& rt, const store::App& app) {
  if (!certificates_) {
    return;
  }
  const auto home = store_.home();
  // What each host is served: the app's default domain its own certificate (a wildcard for
  // `*.localhost` is one no client accepts: a wildcard needs two labels under it); a custom
  // domain the SNI endpoint attached to it, else ACM's certificate, else none of its own (the
  // default one, which names it not: as Heroku's herokuapp.com certificate on a custom domain).
  struct Served {
    Certificate c;
    AppRuntime::TlsHost host;
  };
  std::map<std::string, Served> serve;
  auto served = [](const Certificate& c, bool h2) {
    return Served{c, {c.cert, store::file_version(c.cert), false, h2}};
  };
  // HOST-3: HTTP/2 on custom domains with a valid certificate (ACM's, or the user's own that
  // a root or lokku's CA verifies), Router 2.0 only, unless the app's lab turns it off.
  const bool h2_allowed =
      !o_.legacy_router && std::find(app.features.begin(), app.features.end(),
                                     "http-disable-http2") == app.features.end();
  auto issue = [&](const std::string& what, auto make) {
    try {
      return std::optional<Certificate>(make());
    } catch (const std::exception& e) {
      log::platform().error("{}: no certificate for {}: {}", app.name, what, e.what());
      return std::optional<Certificate>();
    }
  };
  const std::string own = app.name + ".localhost";
  if (auto c =
          issue(own, [&] { return ensure_certificate(home, "domain-" + own, "DNS:" + own); })) {
    serve[own] = served(*c, false);
  }
  const auto acm_file = acm_certificate_file(home, app.name);
  const auto acm_before = store::file_version(acm_file);
  const std::time_t t = std::chrono::system_clock::to_time_t(now());
  const auto acm = issue("ACM", [&] { return acm_certificate(home, app, t); });
  rt.acm_renew_at.reset();
  if (acm) {
    try {
      const auto d = certificate_details(*store::read_file(acm_file), {});
      rt.acm_renew_at = std::chrono::system_clock::from_time_t(d.not_after) - std::chrono::days(30);
    } catch (const std::exception&) {
    }
  }
  for (const auto& d : app.domains) {
    if (const auto* e = endpoint_of_domain(app, d)) {
      auto [crt, key] = store_.sni_files(app.name, e->name);
      auto x = served(Certificate{crt, key}, false);
      auto was = rt.tls_hosts.find(d);
      if (was != rt.tls_hosts.end() && was->second.cert == crt &&
          was->second.version == x.host.version) {
        x.host.verified = was->second.verified;  // the same file: verified when loaded
      } else {
        try {
          x.host.verified =
              certificate_details(store::read_file(crt).value_or(""), home / "tls" / "ca.crt")
                  .ca_signed;
        } catch (const std::exception&) {
        }
      }
      x.host.h2 = h2_allowed && x.host.verified;
      serve[d] = x;
    } else if (acm && d.find('*') == std::string::npos) {
      serve[d] = served(*acm, h2_allowed);
    }
  }
  for (const auto& [h, _] : rt.tls_hosts) {
    if (!serve.contains(h)) {
      certificates_->remove(h);
    }
  }
  auto before = std::exchange(rt.tls_hosts, {});
  for (const auto& [host, x] : serve) {
    if (auto was = before.find(host); was != before.end() && was->second == x.host) {
      rt.tls_hosts[host] = x.host;  // loaded already: an app's every change reloads nothing
      continue;
    }
    try {
      certificates_->set(host, x.c.cert, x.c.key, x.host.h2);
      rt.tls_hosts[host] = x.host;
    } catch (const std::exception& e) {
      log::platform().error("{}: cannot serve {} over TLS: {}", app.name, host, e.what());
    }
  }
  if (acm && store::file_version(acm_file) != acm_before) {  // said once it is served
    log::platform().info("{}: ACM {} the certificate of its custom domains (lokku's CA)", app.name,
                         acm_before ? "renewed" : "issued");
  }
}

void Platform::apply_chaos() {
  const auto file = store_.home() / "chaos.json";
  if (auto v = store::file_version(file); v != chaos_seen_) {
    chaos_seen_ = v;
    try {
      chaos_ = read_faults(store_);
    } catch (const std::exception& e) {
      log::platform().error("chaos: {}", e.what());
      chaos_.clear();
    }
  }
  const auto t = now();
  std::vector<int> done;
  std::map<AppRuntime*, std::vector<const Fault*>> holding;
  for (const auto& f : chaos_) {
    auto it = apps_.find(f.app);
    if (it == apps_.end()) {
      continue;
    }
    auto& rt = *it->second;
    if (auto until = common::parse_timestamp(f.until); until && t >= *until) {
      log::platform().info("chaos: fault {} on {} ended: {}", f.id, f.app, describe(f));
      done.push_back(f.id);
      continue;
    }
    auto on = [&](const dyno::Dyno& d) { return f.applies_to(d.name(), d.type()); };
    if (f.once()) {
      std::vector<std::string> hit;
      if (rt.manager) {
        if (f.kind == "crash") {
          for (const auto& d : rt.manager->dynos()) {
            if (on(*d) && d->crash_now()) {
              hit.push_back(d->name());
            }
          }
        } else {
          for (const auto& d : rt.manager->dynos()) {
            if (on(*d)) {
              hit.push_back(d->name());
            }
          }
          rt.manager->restart(on, "Cycling");  // as CYC-1's daily cycling
        }
      }
      log::platform().info(
          "chaos: fault {} on {}: {} ({})", f.id, f.app, describe(f),
          hit.empty() ? std::string("no dyno ran") : fmt::format("{}", fmt::join(hit, ", ")));
      done.push_back(f.id);
      continue;
    }
    holding[&rt].push_back(&f);
  }
  // What the faults that hold ask, made so (and undone where none asks it any more).
  for (auto& [name, rt] : apps_) {
    const auto& faults = holding[rt.get()];
    if (rt->manager) {
      for (const auto& d : rt->manager->dynos()) {
        double held = 0;
        for (const auto* f : faults) {
          if (f->kind == "memory" && f->applies_to(d->name(), d->type())) {
            held = std::max(held, f->rate * d->spec().size.quota_mb);
          }
        }
        d->hold_memory(held);
      }
    }
    if (rt->route) {
      std::vector<common::RouterFault> in_router;
      for (const auto* f : faults) {
        if (f->in_router()) {
          in_router.push_back(f->router_fault());
        }
      }
      const auto n = in_router.size();
      if (rt->route->faults.set(std::move(in_router))) {
        log::platform().info("chaos: {}: the router meets {} fault{} on its web dynos", name, n,
                             n == 1 ? "" : "s");
      }
    }
    auto wants = [&](const char* kind, const std::string& addon) {
      return std::any_of(faults.begin(), faults.end(), [&](const Fault* f) {
        return f->kind == kind && (f->addon.empty() || f->addon == addon);
      });
    };
    std::set<std::string> all_addons = rt->addons_held;
    for (const auto& [addon, run] : rt->addons) {
      all_addons.insert(addon);
    }
    for (const auto& addon : all_addons) {
      const bool stop = wants("addon-stop", addon);
      if (stop && !rt->addons_held.count(addon)) {
        rt->addons_held.insert(addon);
        rt->addons_paused.erase(addon);
        if (auto it = rt->addons.find(addon); it != rt->addons.end()) {
          it->second->dyno->signal_group(SIGCONT);
          stop_addon(std::move(it->second), addon, [] {});
          rt->addons.erase(it);
        }
        log::platform().info("chaos: {}: the server of {} stopped", name, addon);
      } else if (!stop && rt->addons_held.erase(addon) != 0) {
        rt->seen.reset();  // the next scan starts it again
        log::platform().info("chaos: {}: the server of {} starts again", name, addon);
      }
      const bool pause = !stop && wants("addon-pause", addon);
      auto run = rt->addons.find(addon);
      if (pause && !rt->addons_paused.count(addon) && run != rt->addons.end() &&
          run->second->dyno->signal_group(SIGSTOP)) {
        rt->addons_paused.insert(addon);
        log::platform().info("chaos: {}: the server of {} paused (SIGSTOP)", name, addon);
      } else if (!pause && rt->addons_paused.erase(addon) != 0 && run != rt->addons.end()) {
        run->second->dyno->signal_group(SIGCONT);
        log::platform().info("chaos: {}: the server of {} resumed (SIGCONT)", name, addon);
      }
    }
  }
  if (!done.empty()) {
    for (int id : done) {
      try {
        clear_faults(store_, "", id);
      } catch (const std::exception&) {
        // cleared meanwhile by a command
      }
    }
    std::erase_if(chaos_, [&](const Fault& f) {
      return std::find(done.begin(), done.end(), f.id) != done.end();
    });
    chaos_seen_ = store::file_version(file);
  }
}

void Platform::note_review(AppRuntime& rt, const store::App& app) {
  const auto* deploy = last_deploy(app);
  const int version = deploy ? deploy->version : 0;
  if (rt.deploy_version && *rt.deploy_version != version) {
    rt.deploy_seen = now();  // deployed while the platform runs: counted from now on its clock
  }
  rt.deploy_version = version;
  rt.review_of = app.review_of;
  rt.stale_days = app.review_stale_days;
  rt.stale_at = stale_at(app, rt.deploy_seen);
}

std::vector<std::string> Platform::retire_stale(AppRuntime& rt) {
  const auto t = now();
  if (!rt.stale_at || t < *rt.stale_at || rt.retiring || (rt.retry_at && t < *rt.retry_at)) {
    return {};
  }
  rt.retry_at = t + std::chrono::hours(1);
  const auto why = fmt::format("stale: {} days without a deploy", rt.stale_days);
  log::platform().info("{}: review app {}: destroying it", rt.name, why);
  if (store_.exists(rt.review_of)) {
    ApiLog log(store_, rt.review_of);  // the parent's log: the review app's goes with it
    log.sink.line("app", "api", fmt::format("Review app ⬢ {} ({}): destroying it", rt.name, why));
  }
  // As `lokku review-apps:destroy` does it (pr-predestroy as a one-off, then the app and its
  // add-ons go), in a process of its own; its output in the parent's review-apps.log.
  const auto output =
      store_.app_dir(store_.exists(rt.review_of) ? rt.review_of : rt.name) / "review-apps.log";
  const int fd = ::open(output.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
  common::ChildSpec spec;
  spec.argv = {std::filesystem::read_symlink("/proc/self/exe").string(), "review-apps:destroy",
               "-a", rt.name};
  for (auto& kv : common::own_environment()) {
    if (kv.rfind("LOKKU_HOME=", 0) != 0) {
      spec.env.push_back(std::move(kv));
    }
  }
  spec.env.push_back("LOKKU_HOME=" + store_.home().string());
  spec.group = common::ChildGroup::session;
  try {
    bp2::process_stdio stdio{nullptr, fd, fd};
    auto child =
        std::make_shared<bp2::process>(common::start_child(ioc_.get_executor(), spec, stdio));
    rt.retiring = true;
    child->async_wait([this, child, name = rt.name](boost::system::error_code ec, int status) {
      if (auto it = apps_.find(name); it != apps_.end()) {
        it->second->retiring = false;
      }
      if (ec || status != 0) {
        log::platform().error("{}: destroying the stale review app failed (exit {}); see {}", name,
                              status, "review-apps.log");
      }
    });
  } catch (const std::exception& e) {
    log::platform().error("{}: cannot destroy the stale review app: {}", rt.name, e.what());
  }
  if (fd >= 0) {
    ::close(fd);
  }
  return {fmt::format("{}: review app destroyed ({})", rt.name, why)};
}

void Platform::schedule_tick() {
  if (stopping_) {
    return;
  }
  const auto now = this->now();
  for_each_job([&](AppRuntime& rt, const store::SchedulerJob& job, const release::Frequency& f) {
    auto due = rt.job_due.find(job.id);
    if (due == rt.job_due.end()) {
      rt.job_due[job.id] = release::next_run(f, now);
    } else if (now >= due->second) {
      due->second = release::next_run(f, now);
      run_scheduled(rt, job, f.interval());
    }
  });
  // Often enough that a job starts within a scaled minute of its time.
  auto period = std::chrono::duration_cast<std::chrono::milliseconds>(
      std::chrono::seconds(60) / std::max(o_.scale.factor(), 1.0));
  scheduler_timer_.expires_after(
      std::clamp(period, std::chrono::milliseconds(50), std::chrono::milliseconds(1000)));
  scheduler_timer_.async_wait([this](boost::system::error_code ec) {
    if (!ec) {
      schedule_tick();
    }
  });
}

void Platform::run_scheduled(AppRuntime& rt, const store::SchedulerJob& job,
                             std::chrono::nanoseconds interval) {
  std::optional<store::App> app;
  try {
    app = store_.try_load(rt.name);
  } catch (const std::exception&) {
  }
  const store::Release* cur = app ? app->current() : nullptr;
  if (!cur) {
    return;  // nothing deployed: SCHED-4, a run may be skipped
  }
  auto one = std::make_unique<OneOff>();
  one->settings = release_settings(store_, *app, *cur, Runtime{o_.init_path, o_.scale});
  one->version = cur->version;
  dyno::DynoSpec spec;
  spec.name = fmt::format("scheduler.{}", one_off_number());
  spec.type = "scheduler";
  spec.command = job.command;
  spec.size = release::default_dyno_size();
  spec.one_off = true;
  one->dyno =
      std::make_shared<dyno::Dyno>(ioc_.get_executor(), *rt.sink, one->settings, one->ports, spec);
  rt.sink->line("app", "api",
                fmt::format("Starting process with command `{}` by user "
                            "scheduler@addons.heroku.com",
                            job.command));
  // SCHED-3: a run still going after its interval is stopped.
  one->limit = std::make_unique<net::steady_timer>(ioc_, o_.scale(interval));
  one->limit->async_wait([d = std::weak_ptr<dyno::Dyno>(one->dyno)](boost::system::error_code ec) {
    if (auto dyno = d.lock(); dyno && !ec) {
      dyno->stop({});
    }
  });
  start_one_off(rt, std::move(one));
}

void Platform::start_one_off(AppRuntime& rt, std::unique_ptr<OneOff> one) {
  auto* raw = one->dyno.get();
  const std::string name = rt.name;
  raw->set_on_change([this, name] { schedule_observe(name); });
  raw->set_on_exit([this, name, raw](int) {
    // Gone from `ps` once it has exited (RUN-2: complete).
    net::post(ioc_, [this, name, raw] {
      auto a = apps_.find(name);
      if (a != apps_.end()) {
        a->second->one_offs.remove_if(
            [raw](const std::unique_ptr<OneOff>& x) { return x->dyno.get() == raw; });
        schedule_observe(name);
      }
    });
  });
  one->cycle_at = now() + cycle_after();
  rt.one_offs.push_back(std::move(one));
  raw->start();
}

void Platform::tell_alerts(AppRuntime& rt) {
  if (!rt.alerts) {
    return;
  }
  for (const auto& change : rt.alerts->tick()) {
    const auto& r = change.rule;
    const bool latency = r.kind == metrics::AlertKind::latency;
    auto measure = [&](double v) {
      return latency ? fmt::format("p95 response time {:.0f} ms", v)
                     : fmt::format("failed requests {:.1f} %", v);
    };
    auto limit = latency ? fmt::format("{:g} ms", r.threshold) : fmt::format("{:g} %", r.threshold);
    const auto message =
        change.firing
            ? fmt::format("Alert fired: web {} ≥ {} for {} minute{} ({} alert {})",
                          measure(change.value), limit, r.sensitivity,
                          r.sensitivity == 1 ? "" : "s", metrics::alert_kind_name(r.kind), r.id)
            : fmt::format("Alert resolved: web {} < {} ({} alert {})", measure(change.value), limit,
                          metrics::alert_kind_name(r.kind), r.id);
    // Divergence (DWM-4.1): Heroku notifies by email, PagerDuty and the Dashboard; lokku
    // by a heroku[alerts] line and an `alert` webhook, and on every dyno size.
    rt.sink->line("heroku", "alerts", message);
    if (rt.metrics) {
      rt.metrics->event("alert", "web", message);
    }
    // Recorded on the app (`lokku alerts`), and so told to its webhooks (entity `alert`).
    try {
      store_.update(rt.name, [&](store::App& a) {
        for (auto& x : a.alerts) {
          if (x.id == r.id) {
            x.state = change.firing ? "firing" : "ok";
            x.value = change.value;
            x.updated_at = common::iso8601_now();
          }
        }
      });
    } catch (const std::exception& e) {
      log::platform().error("{}: alert state not recorded: {}", rt.name, e.what());
    }
  }
}

void Platform::autoscale(AppRuntime& rt) {
  if (!rt.alerts) {
    return;
  }
  const auto minutes = rt.alerts->minutes_closed();
  if (minutes == rt.autoscale_minutes) {
    return;
  }
  // The minutes closed since the last look (several when the time scale is large; the count
  // starts again when the monitor does).
  const auto recent = rt.alerts->recent();
  const auto fresh = std::min(
      minutes > rt.autoscale_minutes ? minutes - rt.autoscale_minutes : minutes, recent.size());
  rt.autoscale_minutes = minutes;
  if (recent.empty()) {
    return;
  }
  const auto& x = rt.autoscale;
  const auto p95 = recent.front().value(metrics::AlertKind::latency);
  int from = 0, to = 0;
  std::string size;
  try {
    auto app = store_.try_load(rt.name);
    if (!app || app->formation.count("web") == 0) {
      return;
    }
    const auto& web = app->formation.at("web");
    from = web.quantity;
    size = web.size;
    // The past hour, remembered whether autoscaling is on or not (DC:autoscaling).
    for (std::size_t i = fresh; i-- > 0;) {
      rt.autoscale_hour.push_front(metrics::autoscale_minute(recent[i], from));
    }
    while (rt.autoscale_hour.size() > metrics::kAutoscaleHistory) {
      rt.autoscale_hour.pop_back();
    }
    if (!x.active) {
      return;
    }
    const metrics::AutoscaleTarget target{x.min, x.max, static_cast<double>(x.p95_ms)};
    to = metrics::autoscale_quantity(target, from, rt.autoscale_hour);
    if (to == from) {
      return;
    }
    store_.update(rt.name, [&](store::App& a) { a.formation["web"].quantity = to; });
  } catch (const std::exception& e) {
    log::platform().error("{}: autoscaling could not scale web: {}", rt.name, e.what());
    return;
  }
  const auto sz = release::find_dyno_size(size);
  rt.sink->line("app", "api",
                fmt::format("Scaled to web@{}:{} by autoscaling (p95 {}, desired {} ms)", to,
                            sz ? sz->display : size,
                            p95 ? fmt::format("{:.0f} ms", *p95) : std::string("without requests"),
                            x.p95_ms));
  const auto now = this->now();
  if (to == x.max && to > from && x.notify &&
      (!rt.max_told || now - *rt.max_told >= std::chrono::hours(24))) {
    rt.max_told = now;
    rt.sink->line("heroku", "autoscale",
                  fmt::format("web reached its maximum of {} dynos (autoscaling)", x.max));
  }
}

void Platform::poll() {
  if (stopping_) {
    return;
  }
  for (auto& [name, rt] : apps_) {
    if (rt->metrics) {
      rt->metrics->tick();
    }
    tell_alerts(*rt);
    autoscale(*rt);
    cycle(*rt);
    retire_stale(*rt);
    if (rt->acm_renew_at && now() >= *rt->acm_renew_at) {
      if (auto app = store_.try_load(name)) {
        certify_domains(*rt, *app);  // ACM renews a month before the end
      }
    }
  }
  apply_chaos();
  save_clock();
  scan();
  poll_.expires_after(o_.poll);
  poll_.async_wait([this](boost::system::error_code ec) {
    if (!ec) {
      poll();
    }
  });
}

void Platform::scan() {
  auto names = store_.apps();
  // Gone apps first: a renamed app's add-on servers must stop before its new name's start.
  std::vector<std::string> gone;
  for (const auto& [name, rt] : apps_) {
    if (std::find(names.begin(), names.end(), name) == names.end()) {
      gone.push_back(name);
    }
  }
  for (const auto& name : gone) {
    remove_app(name);
  }
  for (const auto& name : names) {
    auto id = store::file_version(store_.app_file(name));
    auto& rt = runtime_for(name);
    if (id != rt.seen) {
      rt.seen = id;
      reconcile(rt);
    }
  }
}

void Platform::schedule_observe(const std::string& name) {
  auto it = apps_.find(name);
  if (it == apps_.end() || it->second->observe_pending) {
    return;
  }
  it->second->observe_pending = true;
  auto timer = std::make_shared<net::steady_timer>(ioc_, std::chrono::milliseconds(50));
  timer->async_wait([this, name, timer](boost::system::error_code) {
    auto it2 = apps_.find(name);
    if (it2 != apps_.end()) {
      it2->second->observe_pending = false;
      write_observed_now(*it2->second);
    }
  });
}

void Platform::write_observed_now(AppRuntime& rt) {
  Observed obs;
  obs.platform_pid = static_cast<int>(::getpid());
  obs.release = rt.version;
  if (rt.manager) {
    for (const auto& d : rt.manager->dynos()) {
      ObservedDyno od;
      od.name = d->name();
      od.type = d->type();
      od.state = dyno::to_string(d->state());
      od.since = common::iso8601(d->since());
      od.command = d->spec().command;
      od.size = d->spec().size.name;
      od.release = rt.version;
      obs.dynos.push_back(std::move(od));
    }
  }
  for (const auto& one : rt.one_offs) {
    const auto& d = one->dyno;
    obs.dynos.push_back({d->name(), d->type(), dyno::to_string(d->state()),
                         common::iso8601(d->since()), d->spec().command, d->spec().size.name,
                         one->version});
  }
  {
    std::lock_guard lock(snapshot_mu_);
    snapshot_[rt.name] = obs.dynos;
  }
  try {
    write_observed(store_, rt.name, obs);
  } catch (const std::exception&) {
    // the app is being destroyed
  }
}

void Platform::save_clock(bool now_or_never) {
  const auto t = std::chrono::steady_clock::now();
  if (!now_or_never && t - clock_saved_ < std::chrono::seconds(5)) {
    return;
  }
  clock_saved_ = t;
  try {
    write_platform_clock(store_, clock_->now());
  } catch (const std::exception& e) {
    log::platform().warn("cannot keep the platform's clock: {}", e.what());
  }
}

void Platform::shutdown() {
  save_clock(true);
  stopping_ = true;
  poll_.cancel();
  drain_feed_.cancel();
  scheduler_timer_.cancel();
  if (router_) {
    router_->stop();
  }
  if (rendezvous_) {
    rendezvous_->stop();
  }
  for (auto& [name, rt] : apps_) {
    if (rt->manager) {
      retire(std::move(rt->manager), rt->sink);
    }
    for (auto& one : rt->one_offs) {
      one->dyno->kill();  // RUN-3: one-off dynos end with the platform
    }
  }
  if (retiring_.empty()) {
    stop_addons_and_exit();
  }
}

void Platform::stop_addons_and_exit() {
  // The add-ons' servers stop after the dynos that use them.
  auto left = std::make_shared<std::size_t>(apps_.size() + 1);
  auto one_done = [this, left] {
    if (--*left == 0) {
      ioc_.stop();
    }
  };
  for (auto& [name, rt] : apps_) {
    stop_addons(*rt, one_done);
  }
  one_done();
}

int Platform::run() {
  std::filesystem::create_directories(store_.home());
  auto lock = store::FileLock::try_lock(store_.home() / "platform.lock");
  if (!lock) {
    auto info = running_platform(store_);
    throw release::InputError(fmt::format(
        "another lokku platform is running on {}{}; stop it first (Ctrl-C in its terminal)",
        store_.home().string(), info ? fmt::format(" (pid {})", info->pid) : std::string()));
  }
  if (common::port_in_use(o_.port)) {
    throw release::InputError(
        fmt::format("port {} is already in use; choose another with -p PORT", o_.port));
  }
  router::RouterOptions ropts;
  if (o_.tls_port) {
    try {
      const auto c = ensure_certificate(store_.home(), "router", kLoopbackNames);
      certificates_ = std::make_shared<router::TlsCertificates>(c.cert, c.key);
      ropts.tls_port = *o_.tls_port;
      ropts.tls_required = o_.tls_port_given;
      ropts.certificates = certificates_;
    } catch (const std::exception& e) {
      if (o_.tls_port_given) {
        throw;
      }
      log::platform().warn("HTTPS is off: {}", e.what());
    }
  }
  ropts.address = o_.address;
  ropts.port = o_.port;
  ropts.legacy = o_.legacy_router;
  ropts.scale = o_.scale;
  ropts.threads = o_.router_threads;
  router_ = std::make_unique<router::Router>(routes_, ropts);
  router_->start();
  router_port_ = router_->port();
  unsigned api_port = o_.api_port;
  if (o_.service) {
    try {
      rendezvous_ = std::make_unique<Rendezvous>(ioc_.get_executor(), store_.home());
    } catch (const std::exception& e) {
      log::platform().warn("attached one-off dynos are off: {}", e.what());
    }
    service_ = o_.service(*this, api_port);
  }
  if (api_port != 0) {
    // The dashboard (issue #24) at dashboard.localhost on the router's port: the router
    // forwards it to the API's server, which serves it at `/` too, as if it were an app of
    // one dyno.
    dashboard_log_ = std::make_shared<common::AppLog>(-1, false);
    auto route = std::make_shared<common::AppRoute>("dashboard", *dashboard_log_);
    route->real_time = true;
    common::WebDynoTable table;
    table.dynos.push_back(
        {"dashboard.1", common::WebDynoState::up, static_cast<std::uint16_t>(api_port)});
    route->feed.publish(std::move(table));
    routes_.add_host("dashboard.localhost", std::move(route));
  }
  PlatformInfo info;
  info.pid = static_cast<int>(::getpid());
  info.router_port = router_->port();
  info.tls_port = router_->tls_port();
  info.api_port = api_port;
  info.started_at = common::iso8601_now();
  write_platform_info(store_, info);
  log::platform().info("lokku platform up: apps answer at http://<app>.localhost:{}/ (home {})",
                       router_->port(), store_.home().string());
  if (router_->tls_port() != 0) {
    log::platform().info("HTTPS on https://<app>.localhost:{}/ (lokku's CA: {}; lokku tls:trust)",
                         router_->tls_port(), (store_.home() / "tls" / "ca.crt").string());
  } else if (o_.tls_port) {
    log::platform().warn("HTTPS is off: port {} is taken (choose one with --tls-port)",
                         *o_.tls_port);
  }
  if (api_port != 0) {
    log::platform().info("Platform API on http://127.0.0.1:{} (token in {})", api_port,
                         (store_.home() / "api-token").string());
    log::platform().info(
        "Dashboard on http://dashboard.localhost:{}/ (log in with lokku auth:token)",
        router_->port());
  }
  if (!o_.metrics) {
    log::platform().warn(
        "metrics are off (--no-metrics): no metrics, threshold alerts or "
        "autoscaling");
  }

  std::function<void()> wait_signal = [&]() {
    signals_.async_wait([&](boost::system::error_code e, int) {
      if (e) {
        return;
      }
      if (++signals_seen_ == 1) {
        log::platform().info("Stopping every dyno (Ctrl-C again to kill them)");
        shutdown();
      } else {
        for (auto& r : retiring_) {
          r.manager->kill();
        }
        clean_ = false;
      }
      wait_signal();
    });
  };
  wait_signal();
  poll();
  feed_drains_soon();
  schedule_tick();
  ioc_.run();
  service_.reset();
  router_.reset();
  for (auto& [name, rt] : apps_) {
    write_observed_now(*rt);
  }
  remove_platform_info(store_);
  return clean_ ? 0 : 3;
}

}  // namespace

int run_platform(store::Store& store, const PlatformOptions& options) {
  ::signal(SIGPIPE, SIG_IGN);
  common::raise_open_file_limit();
  Platform p(store, options);
  return p.run();
}

}  // namespace lokku::platform
