// lokku apps:errors: the official CLI's `heroku apps:errors`, read from the app's metrics
// (platform/error_counts.hpp): the router's H-codes and each process type's R- and L-codes
// over the last hours.
#include "app/command_support.hpp"
#include "app/commands.hpp"
#include "app/platform_clock.hpp"
#include "platform/error_counts.hpp"
#include "release/error.hpp"

#include <boost/json.hpp>
#include <fmt/format.h>

#include <iostream>
#include <map>
#include <set>

namespace lokku::app {

namespace json = boost::json;

namespace {

std::map<std::string, long> totals(const platform::ErrorSeries& s) {
  std::map<std::string, long> out;
  for (const auto& [code, counts] : s.counts) {
    for (long n : counts) {
      out[code] += n;
    }
  }
  return out;
}

struct Row {
  std::string source, name, level, title;
  long count;
};

}  // namespace

int run_apps_errors(const CommandOptions& o) {
  if (o.hours < 1 || o.hours > 24 * 7) {
    throw release::InputError("--hours must be a number of hours from 1 to 168");
  }
  auto st = open_store();
  auto app = st.load(app_of(o));
  platform::ErrorQuery q;
  q.end = platform_now(st);  // the metrics store is dated on the platform's clock
  q.start = q.end - std::chrono::hours(o.hours);
  const bool show_router = o.router_only || !o.dyno_only;
  const bool show_dyno = o.dyno_only || !o.router_only;
  std::map<std::string, long> router;
  std::map<std::string, std::map<std::string, long>> dyno;
  if (show_router) {
    q.router = true;
    router = totals(platform::app_errors(st, app.name, q));
  }
  if (show_dyno) {
    q.router = false;
    std::set<std::string> types;
    for (const auto& [type, entry] : app.formation) {
      types.insert(type);
    }
    for (const auto& type : types) {
      q.process_type = type;
      dyno[type] = totals(platform::app_errors(st, app.name, q));
    }
  }
  if (o.json) {
    json::object d, r;
    for (const auto& [type, codes] : dyno) {
      json::object c;
      for (const auto& [code, n] : codes) {
        c[code] = n;
      }
      d[type] = std::move(c);
    }
    for (const auto& [code, n] : router) {
      r[code] = n;
    }
    std::cout << json::serialize(json::object{{"dyno", std::move(d)}, {"router", std::move(r)}})
              << '\n';
    return 0;
  }
  std::vector<Row> rows;
  auto add = [&rows](const std::string& source, const std::map<std::string, long>& codes) {
    for (const auto& [code, n] : codes) {
      auto info = platform::error_info(code);
      rows.push_back({source, code, std::string(info.level), std::string(info.title), n});
    }
  };
  add("router", router);
  for (const auto& [type, codes] : dyno) {
    add(type, codes);
  }
  if (rows.empty()) {
    std::cout << "No errors on ⬢ " << app.name << " in the last " << o.hours << " hours\n";
    return 0;
  }
  std::size_t ws = 6, wt = 4;
  for (const auto& r : rows) {
    ws = std::max(ws, r.source.size());
    wt = std::max(wt, r.title.size());
  }
  std::cout << "=== Errors on ⬢ " << app.name << " in the last " << o.hours << " hours\n\n"
            << fmt::format("{:<{}}  Name  Level     {:<{}}  Count\n", "Source", ws, "Desc", wt);
  for (const auto& r : rows) {
    std::cout << fmt::format("{:<{}}  {:<4}  {:<8}  {:<{}}  {}\n", r.source, ws, r.name, r.level,
                             r.title, wt, r.count);
  }
  return 0;
}

}  // namespace lokku::app
