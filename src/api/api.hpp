#pragma once
// The Platform API v3 (platform-api.md): one more writer of the store, through the same
// library as lokku's own commands, plus live views of the platform (dynos) and its actions
// (restarts, stops). Pure request → response here; the HTTP server is server.cpp.

#include "platform/platform.hpp"
#include "platform/platform_file.hpp"
#include "platform/runtime.hpp"
#include "store/store.hpp"

#include <atomic>
#include <chrono>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <utility>
#include <vector>

namespace lokku::api {

struct Request {
  std::string method;
  std::string path;                            ///< without the query
  std::string query;                           ///< after '?', undecoded
  std::map<std::string, std::string> headers;  ///< names lower-case
  std::string body;
  std::string header(const std::string& name) const;
};

struct Response {
  int status = 200;
  std::string body;  ///< JSON
  std::vector<std::pair<std::string, std::string>> headers;
};

using platform::PlatformControl;

/// A log session (POST /apps/{app}/log-sessions): what to stream, for whom, until when.
struct LogSession {
  std::string app;
  int lines = 100;
  bool tail = false;
  std::string source;
  std::string dyno;
  std::string build_id;  ///< set: the output of this build (plain text, until it ends)
  std::chrono::steady_clock::time_point expires;
};

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
  std::optional<LogSession> take_stream(const std::string& path);

 private:
  Response route(const Request& r);
  std::string new_stream(LogSession s);

  store::Store& store_;
  PlatformControl& platform_;
  std::string token_;
  platform::Runtime rt_;
  std::atomic<unsigned> api_port_;
  std::mutex mu_;
  std::map<std::string, LogSession> streams_;
  std::vector<std::thread> builds_;
};

/// The API token in the lokku home (`api-token`, mode 0600), created when missing.
std::string load_or_create_token(const store::Store& store);

/// `Range: version ..; max=15, order=desc` and `id ]abc..; max=200` (platform-api.md §3).
struct Range {
  std::string field = "id";
  std::string start;  ///< empty: from the first
  bool exclusive = false;
  std::size_t max = 200;
  bool desc = false;
};
std::optional<Range> parse_range(const std::string& header);

}  // namespace lokku::api
