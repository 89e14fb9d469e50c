// alerts, alerts:add, alerts:remove: threshold alerts on web's p95 response time or failed
// requests (issue #22 point 2, metrics/alert_monitor.hpp). Heroku keeps these in its
// Dashboard and notifies by email; lokku logs `heroku[alerts]` lines and tells webhooks that
// include `alert`. ps:autoscale:enable/disable: web autoscaling on the same measure (point 3,
// metrics/autoscaler.hpp), as the official CLI's commands of those names. The running
// platform acts on either once it reads the change.
#include "api/schema.hpp"
#include "app/command_support.hpp"
#include "app/commands.hpp"
#include "release/error.hpp"
#include "store/changes.hpp"

#include <boost/json.hpp>
#include <fmt/format.h>

#include <iostream>

namespace lokku::app {

namespace json = boost::json;

namespace {

std::string threshold_text(const store::Alert& a) {
  return a.kind == "latency" ? fmt::format("p95 ≥ {:g} ms", a.threshold)
                             : fmt::format("failed ≥ {:g} %", a.threshold);
}

}  // namespace

int run_alerts(const CommandOptions& o) {
  auto st = open_store();
  auto app = st.load(app_of(o));
  if (o.json) {
    json::array out;
    for (const auto& a : app.alerts) {
      out.push_back(api::alert_json(app, a));
    }
    std::cout << json::serialize(out) << '\n';
    return 0;
  }
  if (app.alerts.empty()) {
    std::cout << app.name << " has no alerts\nUse lokku alerts:add to add one.\n";
    return 0;
  }
  std::cout << "=== " << app.name << " Alerts (web)\n\n";
  std::cout << fmt::format("{:<36}  {:<10}  {:<17}  {:<11}  {:<6}  {}\n", "ID", "Kind", "Threshold",
                           "Sensitivity", "State", "Since");
  for (const auto& a : app.alerts) {
    std::cout << fmt::format("{:<36}  {:<10}  {:<17}  {:<11}  {:<6}  {}\n", a.id, a.kind,
                             threshold_text(a), fmt::format("{} min", a.sensitivity), a.state,
                             a.updated_at);
  }
  return 0;
}

int run_alerts_add(const CommandOptions& o) {
  if (!o.p95_ms && !o.error_rate) {
    throw release::InputError("alerts:add needs a threshold: --p95 MS or --error-rate PERCENT");
  }
  auto st = open_store();
  const bool latency = o.p95_ms.has_value();
  auto a = store::add_alert(st, app_of(o), latency ? "latency" : "error-rate",
                            latency ? *o.p95_ms : *o.error_rate, o.sensitivity);
  std::cout << fmt::format("Added {} alert {} to {}: web {} for {} minute{}\n", a.kind, a.id,
                           app_of(o), threshold_text(a), a.sensitivity,
                           a.sensitivity == 1 ? "" : "s");
  return 0;
}

int run_alerts_remove(const CommandOptions& o) {
  auto st = open_store();
  auto a = store::remove_alert(st, app_of(o), o.args.at(0));
  std::cout << fmt::format("Removed {} alert {} from {}\n", a.kind, a.id, app_of(o));
  return 0;
}

int run_ps_autoscale_enable(const CommandOptions& o) {
  auto st = open_store();
  std::optional<int> p95;
  if (o.p95_ms) {
    p95 = static_cast<int>(*o.p95_ms);
  }
  auto x = store::set_autoscale(st, app_of(o), true, o.autoscale_min, o.autoscale_max, p95,
                                o.notifications);
  std::cout << fmt::format(
      "Enabling dyno autoscaling... done: web between {} and {} dynos, "
      "desired p95 {} ms\n",
      x.min, x.max, x.p95_ms);
  return 0;
}

int run_ps_autoscale_disable(const CommandOptions& o) {
  auto st = open_store();
  store::set_autoscale(st, app_of(o), false, {}, {}, {}, {});
  std::cout << "Disabling dyno autoscaling... done\n";
  return 0;
}

}  // namespace lokku::app
