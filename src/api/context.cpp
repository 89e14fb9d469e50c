#include "api/context.hpp"

#include "api/api_error.hpp"
#include "api/request_body.hpp"

#include <boost/json/serialize.hpp>
#include <boost/url/parse.hpp>
#include <boost/url/url_view.hpp>
#include <fmt/format.h>

#include <algorithm>

namespace lokku::api {

namespace json = boost::json;

BackgroundJobs::~BackgroundJobs() {
  std::vector<std::thread> threads;
  {
    std::lock_guard lock(mu_);
    threads.swap(threads_);
  }
  for (auto& t : threads) {
    t.join();
  }
}

void BackgroundJobs::start(std::function<void()> job) {
  std::lock_guard lock(mu_);
  threads_.emplace_back(std::move(job));
}

std::optional<std::string> Context::query(std::string_view name) const {
  const std::string ref = "?" + request.query;  // the view below points into it
  auto url = boost::urls::parse_relative_ref(ref);
  if (!url) {
    return std::nullopt;
  }
  auto all = url->params();
  if (auto it = all.find(name); it != all.end()) {
    return std::string((*it).value);
  }
  return std::nullopt;
}

const std::string& Context::param(std::string_view name) const {
  auto it = params.find(name);
  if (it == params.end()) {
    throw std::logic_error("no path parameter " + std::string(name));
  }
  return it->second;
}

store::App Context::app_named(const std::string& name_or_id) const {
  if (auto a = store.try_load(name_or_id)) {
    return std::move(*a);
  }
  for (const auto& name : store.apps()) {
    if (auto a = store.try_load(name); a && a->id == name_or_id) {
      return std::move(*a);
    }
  }
  not_found("app");
}

store::App Context::app() const {
  return app_named(param("app"));
}

json::value Context::body() const {
  return parse_body(request.body);
}

std::chrono::steady_clock::time_point Context::stream_expiry(std::chrono::nanoseconds life) const {
  return std::chrono::steady_clock::now() + std::max(rt.scale(life), life / 60);
}

std::string Context::stream_url(LogSession s) const {
  return fmt::format("http://127.0.0.1:{}/streams/{}", api_port, streams.add(std::move(s)));
}

store::Release Context::release(
    const std::string& app, const std::function<void(store::App&)>& change,
    const std::function<std::string(const store::App&)>& describe,
    const std::function<std::string(const store::App&)>& slug_of) const {
  platform::ApiLog log(store, app);
  return platform::make_release(store, app, change, describe, slug_of, rt, log.sink);
}

std::string Context::web_url(const std::string& app) const {
  return fmt::format("http://{}.localhost:{}/", app, platform.router_port());
}

Response json_response(int status, const json::value& v) {
  return {status, json::serialize(v), {}};
}

Response list_response(const Context& c, json::array items, const std::string& default_field,
                       std::initializer_list<std::string_view> sortable) {
  auto page = paginate(std::move(items), c.request.header("range"), default_field, sortable);
  Response r = json_response(page.status, page.items);
  r.headers = std::move(page.headers);
  return r;
}

}  // namespace lokku::api
