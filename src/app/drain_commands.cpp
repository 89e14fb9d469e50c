// drains, drains:add, drains:remove: the app's log drains (drains-webhooks-metrics.md §2.1),
// as the official CLI's commands of the same names. The running platform starts delivering
// to a drain once it reads the change.
#include "app/command_support.hpp"
#include "app/commands.hpp"
#include "drains/drain_url.hpp"
#include "release/error.hpp"
#include "store/changes.hpp"

#include <boost/json.hpp>
#include <fmt/format.h>

#include <iostream>
#include <stdexcept>

namespace lokku::app {

namespace json = boost::json;

namespace {

const std::string& url_arg(const CommandOptions& o, const char* command) {
  if (o.args.empty()) {
    throw release::InputError(fmt::format("{} needs a drain's URL", command));
  }
  return o.args[0];
}

}  // namespace

int run_drains(const CommandOptions& o) {
  auto st = open_store();
  auto app = st.load(app_of(o));
  if (o.json) {
    json::array out;
    for (const auto& d : app.drains) {
      out.push_back({{"id", d.id},
                     {"url", d.url},
                     {"token", d.token},
                     {"addon", nullptr},
                     {"created_at", d.created_at}});
    }
    std::cout << json::serialize(out) << '\n';
    return 0;
  }
  if (!app.drains.empty()) {
    std::cout << "=== Drains\n\n";
    for (const auto& d : app.drains) {
      std::cout << d.url << " (" << d.token << ")\n";
    }
  }
  return 0;
}

int run_drains_add(const CommandOptions& o) {
  const auto& url = url_arg(o, "drains:add");
  if (auto problem = drains::drain_url_problem(url)) {
    throw release::InputError(*problem);
  }
  auto st = open_store();
  auto d = store::add_log_drain(st, app_of(o), url);
  std::cout << "Successfully added drain " << d.url << '\n';
  return 0;
}

int run_drains_remove(const CommandOptions& o) {
  const auto& key = url_arg(o, "drains:remove");
  auto st = open_store();
  auto d = store::remove_log_drain(st, app_of(o), key);
  std::cout << "Successfully removed drain " << d.url << '\n';
  return 0;
}

}  // namespace lokku::app
