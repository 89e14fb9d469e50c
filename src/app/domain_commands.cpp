// domains, domains:add, domains:remove, domains:info, domains:clear, domains:wait: the
// app's hostnames (HOST-1), as the official CLI's commands of the same names. The router
// serves a domain as soon as it is added.
#include "app/command_support.hpp"
#include "app/commands.hpp"
#include "platform/sni_endpoint.hpp"
#include "release/error.hpp"
#include "store/changes.hpp"

#include <boost/json.hpp>
#include <fmt/format.h>

#include <algorithm>
#include <iostream>

namespace lokku::app {

namespace json = boost::json;

namespace {

const std::string& hostname_arg(const CommandOptions& o, const char* command) {
  if (o.args.empty()) {
    throw release::InputError(fmt::format("{} needs a hostname", command));
  }
  return o.args[0];
}

/// The app's custom domain `name` names; InputError when it has none such.
std::string custom_domain(const store::App& app, const std::string& name) {
  auto h = store::normalize_hostname(name);
  if (std::find(app.domains.begin(), app.domains.end(), h) == app.domains.end()) {
    throw release::InputError(
        fmt::format("Couldn't find that domain: {} (see lokku domains -a {})", name, app.name));
  }
  return h;
}

json::object domain_json(const store::App& app, const std::string& host, bool custom) {
  return {{"hostname", host},
          {"kind", custom ? "custom" : "heroku"},
          {"cname", custom ? json::value(app.name + ".localhost") : json::value(nullptr)},
          {"status", "succeeded"}};
}

}  // namespace

int run_domains(const CommandOptions& o) {
  auto st = open_store();
  auto app = st.load(app_of(o));
  if (o.json) {
    json::array out{domain_json(app, app.name + ".localhost", false)};
    for (const auto& d : app.domains) {
      out.push_back(domain_json(app, d, true));
    }
    std::cout << json::serialize(out) << '\n';
    return 0;
  }
  std::cout << "=== " << app.name << " Heroku Domain\n\n" << app.name << ".localhost\n";
  if (!app.domains.empty()) {
    std::size_t width = std::string("Domain Name").size();
    for (const auto& d : app.domains) {
      width = std::max(width, d.size());
    }
    std::cout << "\n=== " << app.name << " Custom Domains\n\n"
              << fmt::format("{:<{}}  DNS Record Type  DNS Target\n", "Domain Name", width);
    for (const auto& d : app.domains) {
      std::cout << fmt::format("{:<{}}  {:<15}  {}.localhost\n", d, width, "CNAME", app.name);
    }
  }
  return 0;
}

int run_domains_add(const CommandOptions& o) {
  const auto& host = hostname_arg(o, "domains:add");
  auto st = open_store();
  const std::string name = app_of(o);
  st.load(name);
  std::cout << "Adding " << host << " to ⬢ " << name << "... " << std::flush;
  auto [app, h] = store::add_custom_domain(st, name, host);
  std::cout << "done\n"
            << "Configure your app's DNS provider to point to the DNS Target " << app.name
            << ".localhost (on this machine: an /etc/hosts line for " << h << ").\n";
  return 0;
}

int run_domains_remove(const CommandOptions& o) {
  const auto& host = hostname_arg(o, "domains:remove");
  auto st = open_store();
  auto app = st.load(app_of(o));
  auto h = custom_domain(app, host);
  st.update(app.name, [&](store::App& a) { a.remove_domain(h); });
  std::cout << "Removing " << h << " from ⬢ " << app.name << "... done\n";
  return 0;
}

int run_domains_info(const CommandOptions& o) {
  const auto& host = hostname_arg(o, "domains:info");
  auto st = open_store();
  auto app = st.load(app_of(o));
  bool custom = store::normalize_hostname(host) != app.name + ".localhost";
  auto h = custom ? custom_domain(app, host) : app.name + ".localhost";
  if (o.json) {
    std::cout << json::serialize(domain_json(app, h, custom)) << '\n';
    return 0;
  }
  std::cout << "=== " << h << "\n\n"
            << "hostname: " << h << "\n"
            << "kind:     " << (custom ? "custom" : "heroku") << "\n"
            << "cname:    " << (custom ? app.name + ".localhost" : "") << "\n"
            << "status:   succeeded\n"
            << "app:      " << app.name << "\n";
  return 0;
}

int run_domains_update(const CommandOptions& o) {
  const auto& host = hostname_arg(o, "domains:update");
  auto st = open_store();
  auto app = st.load(app_of(o));
  const auto h = custom_domain(app, host);
  if (!platform::find_sni_endpoint(app, o.cert_name)) {
    throw release::InputError(
        fmt::format("{} has no SSL certificate named {} (see lokku certs -a {})", app.name,
                    o.cert_name, app.name));
  }
  std::cout << "Updating " << h << " to use " << o.cert_name << " certificate... " << std::flush;
  platform::attach_sni_endpoint(st, app.name, h, o.cert_name);
  std::cout << "done\n";
  return 0;
}

int run_domains_clear(const CommandOptions& o) {
  auto st = open_store();
  auto app = st.update(app_of(o), [](store::App& a) {
    a.domains.clear();
    for (auto& e : a.sni_endpoints) {
      e.domains.clear();
    }
  });
  std::cout << "Removing all domains from ⬢ " << app.name << "... done\n";
  return 0;
}

int run_domains_wait(const CommandOptions& o) {
  // Routed as soon as added: nothing is ever pending here.
  auto st = open_store();
  auto app = st.load(app_of(o));
  if (!o.args.empty()) {
    custom_domain(app, o.args[0]);
  }
  return 0;
}

}  // namespace lokku::app
