#pragma once
// The Platform API v3 (platform-api.md): one more writer of the store, through the same
// library as lokku's own commands, plus live views of the platform (dynos) and its actions
// (restarts, stops). Pure request → response here, each endpoint a row of the route table
// (routes.hpp, one file per resource); the HTTP server is server.cpp.

#include "api/context.hpp"
#include "api/message.hpp"
#include "api/range.hpp"
#include "api/streams.hpp"
#include "dashboard/dashboard.hpp"
#include "dashboard/sessions.hpp"
#include "platform/platform.hpp"
#include "platform/runtime.hpp"
#include "store/store.hpp"

#include <atomic>
#include <functional>
#include <optional>
#include <string>

namespace lokku::api {

using platform::PlatformControl;

class Api {
 public:
  Api(store::Store& store, PlatformControl& platform, std::string token, platform::Runtime rt,
      unsigned api_port);
  /// Waits for builds still running.
  ~Api();

  Response handle(const Request& request);
  /// The port stream URLs name (known once the server is bound).
  void set_port(unsigned port) { api_port_ = port; }
  /// The session a stream URL (`/streams/<capability>`) names, if valid and unexpired. A
  /// capability is good for one stream.
  std::optional<LogSession> take_stream(const std::string& path) { return streams_.take(path); }
  /// Runs `use` with a context of no request: the resources' JSON as an answer would have it
  /// (the webhooks' events).
  void with_context(const std::function<void(const Context&)>& use);

 private:
  Response route(const Request& r);
  /// `Bearer <token>` or `Basic` of `:<token>`.
  bool authorized(const std::string& header) const;
  /// The dashboard's session cookie in place of the token: a request that changes something
  /// must also carry the session's CSRF token and come from the dashboard's own site.
  void authorize_session(const Request& r);

  store::Store& store_;
  PlatformControl& platform_;
  std::string token_;
  platform::Runtime rt_;
  std::atomic<unsigned> api_port_;
  Routes routes_;
  Routes public_routes_;  ///< lokku's own, answered without the token (`/lokku/health`)
  dashboard::Sessions sessions_;
  dashboard::Dashboard dashboard_;  ///< its pages, at `/` (issue #24)
  Streams streams_;
  BackgroundJobs jobs_;  ///< last: joined first, while the rest still stands
};

/// The API token in the lokku home (`api-token`, mode 0600), created when missing.
std::string load_or_create_token(const store::Store& store);

}  // namespace lokku::api
