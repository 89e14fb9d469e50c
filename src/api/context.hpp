#pragma once
// What an endpoint's handler works with: the store, the running platform, the request and
// the values of its path pattern (route_table.hpp), plus the answers' common shapes.

#include "api/message.hpp"
#include "api/range.hpp"
#include "api/route_table.hpp"
#include "api/streams.hpp"
#include "platform/platform.hpp"
#include "platform/runtime.hpp"
#include "store/store.hpp"

#include <boost/json/value.hpp>

#include <functional>
#include <initializer_list>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

namespace lokku::api {

/// Work an answer leaves running (an API build), each on a thread of its own, joined when
/// the API goes.
class BackgroundJobs {
 public:
  BackgroundJobs() = default;
  ~BackgroundJobs();
  BackgroundJobs(const BackgroundJobs&) = delete;
  BackgroundJobs& operator=(const BackgroundJobs&) = delete;
  void start(std::function<void()> job);

 private:
  std::mutex mu_;
  std::vector<std::thread> threads_;
};

struct Context {
  store::Store& store;
  platform::PlatformControl& platform;
  const platform::Runtime& rt;
  unsigned api_port;
  Streams& streams;
  BackgroundJobs& jobs;
  const Request& request;
  PathParams params;

  /// The value of `{name}` in the matched pattern.
  const std::string& param(std::string_view name) const;
  /// The app `{app}` names (its name or id); 404 "Couldn't find that app." when missing.
  store::App app() const;
  /// Loads an app by name or id; 404 when missing.
  store::App app_named(const std::string& name_or_id) const;
  /// The decoded value of query parameter `name`, if given.
  std::optional<std::string> query(std::string_view name) const;
  /// The request's body as JSON (400 when it is not).
  boost::json::value body() const;
  /// A stream URL for `s` (streams.hpp).
  std::string stream_url(LogSession s) const;
  /// When a stream URL handed out now stops working: its `life`, time-scaled, but never
  /// under a sixtieth of it in real time (the client that fetches it lives in real time: at
  /// --time-scale 1000, 5 minutes would be 300 ms).
  std::chrono::steady_clock::time_point stream_expiry(std::chrono::nanoseconds life) const;
  /// A release made by a change of `app`, its `app[api]` lines in the app's log
  /// (platform::make_release).
  store::Release release(const std::string& app, const std::function<void(store::App&)>& change,
                         const std::function<std::string(const store::App&)>& describe,
                         const std::function<std::string(const store::App&)>& slug_of = {}) const;
  /// The web URL the router serves the app at.
  std::string web_url(const std::string& app) const;
};

Response json_response(int status, const boost::json::value& v);
/// `items` as a page of the request's Range (range.hpp).
Response list_response(const Context& c, boost::json::array items, const std::string& default_field,
                       std::initializer_list<std::string_view> sortable);

/// A handler answers one endpoint; it throws ApiError (api_error.hpp) to refuse.
using Handler = Response (*)(Context&);
using Routes = RouteTable<Handler>;

}  // namespace lokku::api
