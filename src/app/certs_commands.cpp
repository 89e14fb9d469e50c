// certs, certs:add, certs:info, certs:update, certs:remove, certs:auto, certs:auto:enable,
// certs:auto:disable: an app's certificates (issue #23 point 2, platform/sni_endpoint.hpp), as
// the official CLI's commands of those names. Where `heroku certs:add` asks which of the app's
// domains the certificate serves, `lokku certs:add` takes `--domains`, and by default every
// custom domain the certificate names. The running platform serves them once it reads the
// change.
#include "api/schema.hpp"
#include "app/command_support.hpp"
#include "app/commands.hpp"
#include "platform/sni_endpoint.hpp"
#include "release/error.hpp"
#include "store/changes.hpp"
#include "store/files.hpp"

#include <boost/json.hpp>
#include <fmt/format.h>

#include <algorithm>
#include <iostream>

namespace lokku::app {

namespace json = boost::json;

namespace {

std::string read_pem_file(const std::string& path, const char* what) {
  auto text = store::read_file(path);
  if (!text) {
    throw release::InputError(fmt::format("{}: no such {} file", path, what));
  }
  return *text;
}

std::pair<std::string, std::string> pair_args(const CommandOptions& o, const char* command) {
  if (o.args.size() != 2) {
    throw release::InputError(
        fmt::format("{} needs CRT and KEY: lokku {} CRT KEY", command, command));
  }
  return {read_pem_file(o.args[0], "certificate"), read_pem_file(o.args[1], "key")};
}

std::string day(const json::value& iso) {
  return iso.is_string() ? platform::certificate_time(std::string(iso.as_string())) : "";
}

std::string joined(const json::value& names, const char* sep) {
  std::string out;
  if (names.is_array()) {
    for (const auto& n : names.as_array()) {
      out += (out.empty() ? "" : sep) + std::string(n.as_string());
    }
  }
  return out;
}

/// Every endpoint of the app as `heroku certs` lists them: ACM's first.
json::array endpoints_json(const store::Store& st, const store::App& app) {
  json::array out;
  if (app.acm && fs::exists(platform::acm_certificate_file(st.home(), app.name))) {
    out.push_back(api::sni_endpoint_json(st.home(), app, nullptr));
  }
  for (const auto& e : app.sni_endpoints) {
    out.push_back(api::sni_endpoint_json(st.home(), app, &e));
  }
  return out;
}

void print_details(const json::object& e, const char* heading) {
  const auto& ssl = e.at("ssl_cert").as_object();
  std::cout << heading << "\n";
  std::string names = joined(ssl.at("cert_domains"), "\n                ");
  std::cout << "Common Name(s): " << names << "\n"
            << "Expires At:     " << day(ssl.at("expires_at")) << "\n"
            << "Issuer:         " << ssl.at("issuer").as_string().c_str() << "\n"
            << "Starts At:      " << day(ssl.at("starts_at")) << "\n"
            << "Subject:        " << ssl.at("subject").as_string().c_str() << "\n";
  if (ssl.at("ca_signed?").as_bool()) {
    std::cout << "SSL certificate is verified by a root authority.\n";
  } else if (ssl.at("issuer") == ssl.at("subject")) {
    std::cout << "SSL certificate is self signed.\n";
  } else {
    std::cout << "SSL certificate is not trusted.\n";
  }
}

/// The endpoint `--name` names, or the app's only one.
const store::SniEndpoint& chosen(const store::App& app, const CommandOptions& o) {
  if (!o.cert_name.empty()) {
    if (const auto* e = platform::find_sni_endpoint(app, o.cert_name)) {
      return *e;
    }
    throw release::InputError(
        fmt::format("{} has no SSL certificate named {} (see lokku certs -a {})", app.name,
                    o.cert_name, app.name));
  }
  if (app.sni_endpoints.empty()) {
    throw release::InputError(fmt::format("{} has no SSL certificates", app.name));
  }
  if (app.sni_endpoints.size() > 1) {
    throw release::InputError("Must pass --name when more than one endpoint");
  }
  return app.sni_endpoints.front();
}

/// Whether certificate name `pattern` (`*.example.com` too) covers `host`.
bool covers(const std::string& pattern, const std::string& host) {
  if (pattern.starts_with("*.")) {
    auto dot = host.find('.');
    return dot != std::string::npos && dot > 0 && host.substr(dot) == pattern.substr(1);
  }
  return pattern == host;
}

}  // namespace

int run_certs(const CommandOptions& o) {
  auto st = open_store();
  auto app = st.load(app_of(o));
  auto all = endpoints_json(st, app);
  if (o.json) {
    std::cout << json::serialize(all) << '\n';
    return 0;
  }
  if (all.empty()) {
    std::cout << app.name << " has no SSL certificates.\nUse lokku certs:add CRT KEY to add one.\n";
    return 0;
  }
  std::vector<std::array<std::string, 6>> rows{
      {"Name", "Common Name(s)", "Expires", "Trusted", "Type", "Domains"}};
  for (const auto& v : all) {
    const auto& e = v.as_object();
    const auto& ssl = e.at("ssl_cert").as_object();
    const bool acm = ssl.at("acm").as_bool();
    rows.push_back({std::string(e.at("name").as_string()), joined(ssl.at("cert_domains"), ", "),
                    day(ssl.at("expires_at")),
                    ssl.contains("ca_signed?") && ssl.at("ca_signed?").as_bool() ? "True" : "False",
                    acm ? "ACM" : "SNI",
                    acm ? "" : std::to_string(e.at("domains").as_array().size())});
  }
  std::array<std::size_t, 6> width{};
  for (const auto& r : rows) {
    for (std::size_t i = 0; i < r.size(); ++i) {
      width[i] = std::max(width[i], r[i].size());
    }
  }
  for (const auto& r : rows) {
    std::string line;
    for (std::size_t i = 0; i < r.size(); ++i) {
      line += fmt::format("{:<{}}  ", r[i], width[i]);
    }
    while (!line.empty() && line.back() == ' ') {
      line.pop_back();
    }
    std::cout << line << "\n";
  }
  return 0;
}

int run_certs_add(const CommandOptions& o) {
  auto [chain, key] = pair_args(o, "certs:add");
  auto st = open_store();
  const std::string name = app_of(o);
  auto app = st.load(name);
  std::vector<std::string> asked;
  for (const auto& d : o.cert_domains) {
    asked.push_back(store::normalize_hostname(d));
    if (std::find(app.domains.begin(), app.domains.end(), asked.back()) == app.domains.end()) {
      throw release::InputError(fmt::format(
          "--domains: {} is not a custom domain of {} (lokku domains:add {} first)", d, name, d));
    }
  }
  std::cout << "Adding SSL certificate to ⬢ " << name << "... " << std::flush;
  auto e = platform::add_sni_endpoint(st, name, chain, key);
  std::cout << "done\n";
  auto shown = api::sni_endpoint_json(st.home(), st.load(name), &e);
  print_details(shown, "Certificate details:");
  // The custom domains it serves: those asked for, else every one it names.
  std::vector<std::string> attach = asked;
  if (o.cert_domains.empty()) {
    for (const auto& d : app.domains) {
      for (const auto& n : shown.at("ssl_cert").as_object().at("cert_domains").as_array()) {
        if (covers(std::string(n.as_string()), d)) {
          attach.push_back(d);
          break;
        }
      }
    }
  }
  for (const auto& d : attach) {
    platform::attach_sni_endpoint(st, name, d, e.name);
    std::cout << "Associated " << d << " with " << e.name << "\n";
  }
  if (attach.empty()) {
    std::cout << "No custom domain of " << name << " is named by this certificate: add one with "
              << "lokku domains:add, then attach it with lokku domains:update.\n";
  }
  return 0;
}

int run_certs_info(const CommandOptions& o) {
  auto st = open_store();
  auto app = st.load(app_of(o));
  if (app.sni_endpoints.empty() && o.cert_name.empty() && app.acm) {
    print_details(api::sni_endpoint_json(st.home(), app, nullptr), "Certificate details:");
    return 0;
  }
  const auto& e = chosen(app, o);
  auto shown = api::sni_endpoint_json(st.home(), app, &e);
  if (o.json) {
    std::cout << json::serialize(shown) << '\n';
    return 0;
  }
  print_details(shown, "Certificate details:");
  if (!e.domains.empty()) {
    std::cout << "Domain(s):      ";
    for (std::size_t i = 0; i < e.domains.size(); ++i) {
      std::cout << (i ? "\n                " : "") << e.domains[i];
    }
    std::cout << "\n";
  }
  return 0;
}

int run_certs_update(const CommandOptions& o) {
  auto [chain, key] = pair_args(o, "certs:update");
  auto st = open_store();
  auto app = st.load(app_of(o));
  const auto target = chosen(app, o).name;
  confirm_destructive(o, app.name, "the certificate of endpoint " + target + " changes");
  std::cout << "Updating SSL certificate " << target << " for ⬢ " << app.name << "... "
            << std::flush;
  auto e = platform::update_sni_endpoint(st, app.name, target, chain, key);
  std::cout << "done\n";
  print_details(api::sni_endpoint_json(st.home(), st.load(app.name), &e),
                "Updated certificate details:");
  return 0;
}

int run_certs_remove(const CommandOptions& o) {
  auto st = open_store();
  auto app = st.load(app_of(o));
  const auto target = chosen(app, o).name;
  confirm_destructive(o, app.name, "the endpoint " + target + " is removed");
  std::cout << "Removing SSL certificate " << target << " from ⬢ " << app.name << "... "
            << std::flush;
  platform::remove_sni_endpoint(st, app.name, target);
  std::cout << "done\n";
  return 0;
}

int run_certs_auto(const CommandOptions& o) {
  auto st = open_store();
  auto app = st.load(app_of(o));
  if (o.json) {
    json::array domains;
    for (const auto& d : app.domains) {
      domains.push_back(api::domain_json(app, d, true));
    }
    std::cout << json::serialize(json::object{{"acm", app.acm}, {"domains", domains}}) << '\n';
    return 0;
  }
  if (!app.acm) {
    std::cout << "=== Automatic Certificate Management is disabled on " << app.name << "\n";
    return 0;
  }
  std::cout << "=== Automatic Certificate Management is enabled on " << app.name << "\n\n";
  const auto file = platform::acm_certificate_file(st.home(), app.name);
  if (fs::exists(file)) {
    print_details(api::sni_endpoint_json(st.home(), app, nullptr), "Certificate details:");
    std::cout << "\n";
  }
  if (app.domains.empty()) {
    std::cout << "=== Add a custom domain to your app by running: lokku domains:add "
                 "<yourdomain.com>\n";
    return 0;
  }
  std::size_t width = std::string("Domain").size();
  for (const auto& d : app.domains) {
    width = std::max(width, d.size());
  }
  std::cout << fmt::format("{:<{}}  Status\n", "Domain", width);
  for (const auto& d : app.domains) {
    // Issued by the running platform once it reads the change; wildcards are not ACM's.
    std::string status = d.find('*') != std::string::npos ? "Failing (wildcard domain)"
                         : fs::exists(file)               ? "Cert issued"
                                                          : "Pending (lokku up issues it)";
    std::cout << fmt::format("{:<{}}  {}\n", d, width, status);
  }
  return 0;
}

int run_certs_auto_enable(const CommandOptions& o) {
  auto st = open_store();
  const std::string name = app_of(o);
  std::cout << "Enabling Automatic Certificate Management... " << std::flush;
  st.update(name, [](store::App& a) { a.acm = true; });
  std::cout << "done\n=== Your certificate will now be managed by lokku's CA. Check the status by "
               "running lokku certs:auto.\n";
  return 0;
}

int run_certs_auto_disable(const CommandOptions& o) {
  auto st = open_store();
  const std::string name = app_of(o);
  confirm_destructive(o, name,
                      "Automatic Certificate Management is disabled and its certificate removed");
  std::cout << "Disabling Automatic Certificate Management... " << std::flush;
  st.update(name, [](store::App& a) { a.acm = false; });
  std::cout << "done\n";
  return 0;
}

}  // namespace lokku::app
