#pragma once
// The seam between the dyno manager and the router (STYLE.md §1): the manager publishes an
// immutable table of web dynos; the router takes one snapshot per request and keeps it.

#include "common/asio.hpp"
#include "common/router_faults.hpp"

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/steady_timer.hpp>

#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

namespace lokku::common {

enum class WebDynoState { starting, up, crashed };

struct WebDyno {
  std::string name;  ///< web.1
  WebDynoState state = WebDynoState::starting;
  std::uint16_t port = 0;  ///< on 127.0.0.1; 0 while no process runs
};

struct WebDynoTable {
  std::uint64_t generation = 0;
  bool has_release = true;           ///< false: H81 (blank app)
  bool maintenance = false;          ///< H80
  bool session_affinity = false;     ///< AFF-1: the app's http-session-affinity feature
  std::string error_page_url;        ///< ERROR_PAGE_URL config var (PAGE-2)
  std::string maintenance_page_url;  ///< MAINTENANCE_PAGE_URL config var
  std::vector<WebDyno> dynos;        ///< empty: web scaled to 0 (H14)
};

/// Thread-safe holder of the current table. The publisher (dyno manager) swaps in a new
/// table; readers take a shared_ptr and keep it for the life of a request. Waiters (requests
/// held for a booting dyno, LB-5) register a timer that every publish cancels.
class WebDynoFeed {
 public:
  WebDynoFeed();

  std::shared_ptr<const WebDynoTable> current() const;
  /// Makes `cached` the current table: kept as it is when nothing was published since it was
  /// taken from this feed, with neither the lock nor a reference count (the router does this
  /// for every request of a kept-alive connection, on every thread).
  void refresh(std::shared_ptr<const WebDynoTable>& cached) const;
  void publish(WebDynoTable table);

  /// Cancels `timer` (through its executor) at the next publish. The timer must outlive
  /// the wait or be owned by a shared_ptr; an expired weak_ptr is skipped.
  void notify_on_publish(std::weak_ptr<net::steady_timer> timer);

 private:
  mutable std::mutex mu_;
  std::shared_ptr<const WebDynoTable> table_;
  std::atomic<std::uint64_t> generation_{0};  ///< table_->generation, read without the lock
  std::vector<std::weak_ptr<net::steady_timer>> waiters_;
};

class AppLog;

/// Told of every request the router answers for an app (the platform's metrics). Called on
/// the router's threads.
class RequestObserver {
 public:
  virtual ~RequestObserver() = default;
  /// `service_ms` negative: no dyno answered (an H-code such as H14); `code` the H-code, or
  /// empty.
  virtual void request(int status, double service_ms, std::string_view code) = 0;
};

/// Several observers of one app's requests (its metrics, its alerts).
class RequestObservers final : public RequestObserver {
 public:
  explicit RequestObservers(std::vector<std::shared_ptr<RequestObserver>> all)
      : all_(std::move(all)) {}
  void request(int status, double service_ms, std::string_view code) override {
    for (const auto& o : all_) {
      o->request(status, service_ms, code);
    }
  }

 private:
  const std::vector<std::shared_ptr<RequestObserver>> all_;
};

/// One app as the router sees it: the web dynos its manager publishes, the log stream its
/// `heroku[router]` lines go to, who measures its requests (none with `lokku start`), and the
/// faults a test asked the router to meet (`lokku chaos:add slow`).
struct AppRoute {
  AppRoute(std::string app_name, AppLog& log_sink,
           std::shared_ptr<RequestObserver> request_observer = {})
      : name(std::move(app_name)), sink(log_sink), observer(std::move(request_observer)) {}
  std::string name;
  WebDynoFeed feed;
  RouterFaults faults;
  AppLog& sink;
  const std::shared_ptr<RequestObserver> observer;
  /// The router's deadlines stay real time whatever the time scale: lokku's own dashboard,
  /// not an app.
  bool real_time = false;
};

/// Which app a request is for (router.md HOST-1): by Host header, case-insensitive, port
/// ignored. A default route answers every Host (`lokku start`: one app); without one, an
/// unknown host is ERR-3. Thread-safe: the platform changes it while the router reads.
class RouteTable {
 public:
  void set_default(std::shared_ptr<AppRoute> route);
  /// `host` lower-case, without port.
  void add_host(const std::string& host, std::shared_ptr<AppRoute> route);
  /// Removes every host of the app.
  void remove_app(const std::string& app);
  std::shared_ptr<AppRoute> find(std::string_view host) const;
  /// Changes with every set_default, add_host and remove_app: a route found for a host
  /// stays the route for it while this has not changed.
  std::uint64_t generation() const { return generation_.load(std::memory_order_acquire); }

 private:
  mutable std::mutex mu_;
  std::atomic<std::uint64_t> generation_{0};
  std::shared_ptr<AppRoute> default_;
  std::map<std::string, std::shared_ptr<AppRoute>, std::less<>> hosts_;
};

}  // namespace lokku::common
