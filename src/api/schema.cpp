#include "api/schema.hpp"

#include "common/ids.hpp"
#include "platform/sni_endpoint.hpp"
#include "release/dyno_size.hpp"
#include "store/changes.hpp"
#include "store/files.hpp"

#include <fmt/format.h>

#include <algorithm>

namespace lokku::api {

namespace json = boost::json;

namespace {

std::string size_display(const std::string& size) {
  auto s = release::find_dyno_size(size);
  return s ? s->display : size;
}

}  // namespace

json::object app_ref(const store::App& a) {
  return {{"id", a.id}, {"name", a.name}};
}

json::object account_json() {
  auto email = store::local_user();
  return {{"id", "00000000-0000-4000-8000-000000000001"}, {"email", email},
          {"name", email.substr(0, email.find('@'))},     {"verified", true},
          {"two_factor_authentication", false},           {"created_at", "2026-01-01T00:00:00Z"},
          {"updated_at", "2026-01-01T00:00:00Z"}};
}

json::object region_json() {
  return {{"id", kRegionId},
          {"name", kRegion},
          {"description", "This machine"},
          {"country", "Local"},
          {"locale", "localhost"},
          {"private_capable", false},
          {"provider", {{"name", "lokku"}, {"region", kRegion}}},
          {"created_at", "2026-01-01T00:00:00Z"},
          {"updated_at", "2026-01-01T00:00:00Z"}};
}

json::object stack_json(const std::string& name) {
  // A stable id per stack name, in the uuid layout the CLI expects.
  std::string digits = name.substr(name.find('-') + 1);
  digits = std::string(12 - std::min<std::size_t>(12, digits.size()), '0') + digits.substr(0, 12);
  return {{"id", "00000000-0000-4000-8000-" + digits},
          {"name", name},
          {"state", "supported"},
          {"default", name == "heroku-24"},
          {"created_at", "2026-01-01T00:00:00Z"},
          {"updated_at", "2026-01-01T00:00:00Z"}};
}

json::object app_json(const Context& c, const store::App& a) {
  std::uint64_t slug_size = 0;
  std::string described;
  if (const auto* cur = a.current()) {
    try {
      auto slug = c.store.load_slug(a.name, cur->slug_id);
      slug_size = slug.size;
      described = slug.buildpack_provided_description;
    } catch (const std::exception&) {
    }
  }
  const auto* last = a.latest_succeeded();
  auto stack = stack_json(a.stack);
  const std::string& build_stack_name = a.build_stack.empty() ? a.stack : a.build_stack;
  auto build_stack = stack_json(build_stack_name);
  return {{"id", a.id},
          {"name", a.name},
          {"acm", a.acm},
          {"archived_at", nullptr},
          {"buildpack_provided_description",
           described.empty() ? json::value(nullptr) : json::value(described)},
          {"build_stack", {{"id", build_stack.at("id")}, {"name", build_stack_name}}},
          {"stack", {{"id", stack.at("id")}, {"name", a.stack}}},
          {"created_at", a.created_at},
          {"updated_at", last ? last->created_at : a.created_at},
          {"released_at", last ? json::value(last->created_at) : json::value(nullptr)},
          {"generation", "cedar"},
          {"git_url", fmt::format("http://127.0.0.1:{}/{}.git", c.api_port, a.name)},
          {"web_url", c.web_url(a.name)},
          {"internal_routing", false},
          {"maintenance", a.maintenance},
          {"owner", account_json()},
          {"organization", nullptr},
          {"team", nullptr},
          {"space", nullptr},
          {"region", {{"id", kRegionId}, {"name", kRegion}}},
          {"repo_size", 0},
          {"slug_size", slug_size},
          {"create_status", "complete"}};
}

json::object release_json(const store::App& a, const store::Release& r) {
  return {{"id", r.id},
          {"version", r.version},
          {"description", r.description},
          {"status", r.status},
          {"current", a.current() == &r},
          {"created_at", r.created_at},
          {"updated_at", r.created_at},
          {"user", {{"id", account_json().at("id")}, {"email", r.user}}},
          {"app", app_ref(a)},
          {"slug",
           r.slug_id.empty() ? json::value(nullptr) : json::value(json::object{{"id", r.slug_id}})},
          {"addon_plan_names", json::array{}},
          {"output_stream_url", nullptr}};
}

json::array formation_json(const store::App& a, const std::vector<std::string>& only) {
  json::array out;
  const auto* cur = a.current();
  if (!cur) {
    return out;
  }
  for (const auto& [type, command] : cur->process_types) {
    if (type == "release" ||
        (!only.empty() && std::find(only.begin(), only.end(), type) == only.end())) {
      continue;
    }
    auto it = a.formation.find(type);
    store::FormationRow row = it == a.formation.end() ? store::FormationRow{} : it->second;
    out.push_back(json::object{{"id", fmt::format("{}-{}", a.id.substr(0, 8), type)},
                               {"type", type},
                               {"command", command},
                               {"quantity", row.quantity},
                               {"size", size_display(row.size)},
                               {"app", app_ref(a)},
                               {"created_at", a.created_at},
                               {"updated_at", cur->created_at}});
  }
  return out;
}

json::object addon_json(const store::App& a, const store::Addon& x) {
  return {{"id", x.id},
          {"name", x.name},
          {"app", app_ref(a)},
          {"addon_service", {{"id", x.service}, {"name", x.service}}},
          {"plan",
           {{"id", x.service + ":" + x.plan},
            {"name", x.service + ":" + x.plan},
            {"price", {{"cents", 0}, {"unit", "month"}}}}},
          {"billed_price", {{"cents", 0}, {"contract", false}, {"unit", "month"}}},
          {"state", "provisioned"},
          {"config_vars", json::array{json::value(x.config_var())}},
          {"created_at", x.created_at},
          {"updated_at", x.created_at},
          {"web_url", nullptr}};
}

json::object dyno_json(const store::App& a, const platform::ObservedDyno& d) {
  return {{"id", fmt::format("{}-{}", a.id.substr(0, 8), d.name)},
          {"name", d.name},
          {"type", d.type},
          {"command", d.command},
          {"size", size_display(d.size)},
          {"state", d.state},
          {"created_at", d.since},
          {"updated_at", d.since},
          {"attach_url", nullptr},
          {"release", {{"version", d.release}}},
          {"app", app_ref(a)}};
}

json::object pipeline_json(const store::Pipeline& p) {
  return {{"id", p.id},
          {"name", p.name},
          {"created_at", p.created_at},
          {"updated_at", p.created_at},
          {"generation", {{"name", "cedar"}}},
          {"owner", nullptr}};
}

std::vector<std::pair<store::App, store::Addon>> all_addons(const Context& c,
                                                            const std::string& only_app) {
  std::vector<std::pair<store::App, store::Addon>> out;
  for (const auto& name : c.store.apps()) {
    if (!only_app.empty() && name != only_app) {
      continue;
    }
    if (auto a = c.store.try_load(name)) {
      for (const auto& x : a->addons) {
        out.emplace_back(*a, x);
      }
    }
  }
  return out;
}

json::object coupling_json(const store::App& app, const store::Pipeline& p) {
  std::string stage;
  for (const auto& a : p.apps) {
    if (a.app == app.name) {
      stage = a.stage;
    }
  }
  return {{"id", app.id},
          {"app", app_ref(app)},
          {"pipeline", {{"id", p.id}, {"name", p.name}}},
          {"stage", stage},
          {"created_at", p.created_at},
          {"updated_at", p.created_at}};
}

std::vector<std::pair<store::App, store::Addon>> attached_addons(const Context& c,
                                                                 const store::App& app) {
  auto out = all_addons(c, app.name);
  for (const auto& att : app.attachments) {
    for (auto& owned : all_addons(c, att.owner)) {
      bool listed = std::any_of(out.begin(), out.end(),
                                [&](const auto& o) { return o.second.id == owned.second.id; });
      if (owned.second.name == att.addon && !listed) {
        out.push_back(std::move(owned));
      }
    }
  }
  return out;
}

const store::Release* find_release(const store::App& a, const std::string& key) {
  std::string k = !key.empty() && key[0] == 'v' ? key.substr(1) : key;
  for (const auto& r : a.releases) {
    if (r.id == key || std::to_string(r.version) == k) {
      return &r;
    }
  }
  return nullptr;
}

/// A stable id per app and hostname, in the uuid layout.
std::string domain_id(const store::App& app, const std::string& host) {
  std::hash<std::string> h;
  return common::uuid_v4(h(app.id + "\n" + host), h(host + "\n" + app.id));
}

namespace {

/// The endpoint serving a domain, as Heroku's domain object names it: `{id, name}` or null.
json::value sni_ref(const store::App& app, const std::string& host) {
  if (const auto* e = platform::endpoint_of_domain(app, host)) {
    return json::object{{"id", e->id}, {"name", e->name}};
  }
  return nullptr;
}

}  // namespace

json::object sni_endpoint_json(const std::filesystem::path& home, const store::App& app,
                               const store::SniEndpoint* e) {
  const std::string name = e ? e->name : platform::acm_endpoint_name(app.name);
  const auto crt = e ? store::Store(home).sni_files(app.name, e->name).first
                     : platform::acm_certificate_file(home, app.name);
  const std::string chain = store::read_file(crt).value_or("");
  json::array domains;
  for (const auto& d : e ? e->domains : app.domains) {
    domains.push_back(json::value(domain_id(app, d)));
  }
  json::object ssl{{"acm", e == nullptr}};
  try {
    auto d = platform::certificate_details(chain, home / "tls" / "ca.crt");
    json::array names;
    for (const auto& n : d.domains) {
      names.push_back(json::value(n));
    }
    ssl["ca_signed?"] = d.ca_signed;
    ssl["cert_domains"] = std::move(names);
    ssl["expires_at"] = d.expires_at;
    ssl["issuer"] = d.issuer;
    ssl["self_signed?"] = d.self_signed;
    ssl["starts_at"] = d.starts_at;
    ssl["subject"] = d.subject;
  } catch (const std::exception&) {
    ssl["cert_domains"] = json::array{};  // a file gone: what the store says stays listed
  }
  std::hash<std::string> h;
  const std::string id = e ? e->id : common::uuid_v4(h(app.id + "\nacm"), h("acm\n" + app.id));
  ssl["id"] = id;
  return {{"id", id},
          {"name", name},
          {"display_name", nullptr},
          {"certificate_chain", chain},
          {"app", app_ref(app)},
          {"domains", std::move(domains)},
          {"ssl_cert", std::move(ssl)},
          {"created_at", e ? e->created_at : app.created_at},
          {"updated_at", e ? e->updated_at : app.created_at}};
}

json::object domain_json(const store::App& app, const std::string& host, bool custom) {
  return {{"id", domain_id(app, host)},
          {"hostname", host},
          {"kind", custom ? "custom" : "heroku"},
          {"cname", custom ? json::value(app.name + ".localhost") : json::value(nullptr)},
          {"status", "succeeded"},
          {"acm_status", custom && app.acm && host.find('*') == std::string::npos
                             ? json::value("cert issued")
                             : json::value(nullptr)},
          {"acm_status_reason", nullptr},
          {"sni_endpoint", sni_ref(app, host)},
          {"app", app_ref(app)},
          {"created_at", app.created_at},
          {"updated_at", app.created_at}};
}

json::object build_json(const store::App& a, const buildpack::BuildRecord& b) {
  return {
      {"id", b.id},
      {"status", b.status},
      {"created_at", b.created_at},
      {"updated_at", b.updated_at},
      {"app", app_ref(a)},
      {"slug", b.slug.empty() ? json::value(nullptr) : json::value(json::object{{"id", b.slug}})},
      {"source_blob", {{"version", b.source_version}}},
      {"stack", a.stack},
      {"user", {{"email", store::local_user()}}}};
}

json::object alert_json(const store::App& a, const store::Alert& x) {
  return {{"id", x.id},
          {"app", app_ref(a)},
          {"kind", x.kind},
          {"process_type", "web"},
          {"threshold", x.threshold},
          {"unit", x.kind == "latency" ? "ms" : "percent"},
          {"sensitivity", x.sensitivity},
          {"state", x.state},
          {"value", x.value},
          {"created_at", x.created_at},
          {"updated_at", x.updated_at}};
}

json::object attachment_json(const store::App& app, const store::App& owner, const store::Addon& x,
                             const std::string& id, const std::string& name,
                             const std::string& created_at) {
  return {{"id", id},
          {"name", name},
          {"addon", {{"id", x.id}, {"name", x.name}, {"app", app_ref(owner)}}},
          {"app", app_ref(app)},
          {"namespace", nullptr},
          {"config_vars", json::array{json::value(name + "_URL")}},
          {"created_at", created_at},
          {"updated_at", created_at}};
}

}  // namespace lokku::api
