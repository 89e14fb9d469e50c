#pragma once

#include "common/asio.hpp"
#include "common/time_scale.hpp"
#include "common/web_dyno_feed.hpp"

#include <boost/asio/executor_work_guard.hpp>

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

namespace lokku::router {

class TlsCertificates;
class TlsFront;

/// Durations are Heroku's nominal ones (router.md §5); `scale` divides them.
struct RouterOptions {
  std::string address = "0.0.0.0";
  unsigned port = 5000;  ///< 0: any free port (tests)
  bool legacy = false;   ///< CONVENTIONS.md, Router defaults: --router legacy
  common::TimeScale scale;
  std::chrono::nanoseconds connect_timeout = std::chrono::seconds(5);  ///< T-1, per attempt
  std::chrono::nanoseconds connect_total = std::chrono::seconds(75);   ///< T-1, LB-3
  std::chrono::nanoseconds first_byte = std::chrono::seconds(30);      ///< T-2, H12
  std::chrono::nanoseconds idle = std::chrono::seconds(55);            ///< T-3, H15/H28
  std::chrono::nanoseconds keepalive = std::chrono::seconds(60);       ///< T-4
  std::chrono::nanoseconds pool_idle = std::chrono::seconds(90);       ///< T-5
  std::chrono::nanoseconds boot_hold = std::chrono::seconds(75);       ///< T-6, H20
  std::chrono::nanoseconds quarantine = std::chrono::seconds(5);       ///< LB-2
  std::chrono::nanoseconds request_head = std::chrono::seconds(30);  ///< CONVENTIONS: head deadline
  int max_attempts = 10;                                             ///< LB-2
  unsigned threads = 0;                                              ///< 0: one per core
  /// The TLS port (issue #23): nullopt, none; 0, any free port. It serves `certificates`.
  std::optional<unsigned> tls_port;
  std::shared_ptr<TlsCertificates> certificates;
  /// false: a TLS port that cannot be bound is left off (tls_port() 0), not an error.
  bool tls_required = true;
};

/// Heroku's router in front of one app's web dynos (router.md): accepts clients on the
/// public port, rewrites and forwards each request to a web dyno from the WebDynoFeed,
/// streams bodies both ways, answers H-codes, and writes one `heroku[router]` line per
/// request to the app log. Owned by the app. It runs on threads of its own, each with its
/// own io_context (started by start(), joined by the destructor); every connection is a
/// coroutine on one of them.
class Router {
 public:
  /// Serves the apps of `routes` (HOST-1); the table may change while the router runs.
  Router(common::RouteTable& routes, RouterOptions options);
  ~Router();
  Router(const Router&) = delete;
  Router& operator=(const Router&) = delete;

  /// Binds and starts accepting. Throws std::system_error naming the address on failure.
  void start();
  /// Stops accepting and closes idle client connections; requests in flight finish.
  void stop();
  /// The bound port (useful with port 0).
  unsigned port() const;
  /// The TLS port, once bound (0: none).
  unsigned tls_port() const;

  struct State;

 private:
  void start_tls();

  std::vector<std::unique_ptr<net::io_context>> iocs_;
  /// Keeps each thread's io_context running while it has no connection yet.
  std::vector<net::executor_work_guard<net::io_context::executor_type>> work_;
  std::shared_ptr<State> state_;
  std::vector<std::thread> threads_;
  std::unique_ptr<TlsFront> tls_;
  unsigned port_ = 0;
};

}  // namespace lokku::router
