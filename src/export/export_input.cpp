#include "export/export_input.hpp"

#include "release/error.hpp"
#include "slug/slug.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <charconv>

namespace lokku::exports {

ExportInput export_input(const store::Store& store, const std::string& app_name,
                         std::optional<int> version) {
  const auto app = store.load(app_name);
  const store::Release* r = nullptr;
  if (version) {
    r = app.find(*version);
    if (r == nullptr) {
      throw release::InputError(fmt::format("{} has no release v{}", app_name, *version));
    }
    if (r->status != "succeeded" || r->slug_id.empty()) {
      throw release::InputError(fmt::format(
          "v{} of {} has no slug to export (a config change before a deploy, or a release "
          "that did not succeed)",
          *version, app_name));
    }
  } else {
    r = app.current();
    if (r == nullptr) {
      throw release::InputError(
          fmt::format("{} has no deployed release to export (deploy it first)", app_name));
    }
  }
  ExportInput in;
  in.app = app.name;
  in.version = r->version;
  in.description = r->description;
  in.slug_id = r->slug_id;
  in.slug = store.slug_file(app.name, r->slug_id);
  // SLUG-5: the slug exported is the one built (R17 otherwise).
  if (const auto meta = store.load_slug(app.name, r->slug_id);
      slug::sha256_file(in.slug) != meta.checksum) {
    throw release::InputError(fmt::format("{}: the slug of v{} does not match its checksum",
                                          in.slug.string(), r->version));
  }
  in.stack = app.stack;
  for (const auto& [type, command] : r->process_types) {
    if (type == "release") {
      in.release_command = command;
      continue;
    }
    ProcessType p;
    p.name = type;
    p.command = command;
    p.size = release::default_dyno_size();
    if (auto f = app.formation.find(type); f != app.formation.end()) {
      p.quantity = f->second.quantity;
      if (auto s = release::find_dyno_size(f->second.size)) {
        p.size = *s;
      }
    }
    in.processes.push_back(std::move(p));
  }
  std::stable_partition(in.processes.begin(), in.processes.end(),
                        [](const ProcessType& p) { return p.name == "web"; });
  in.config = r->config;
  for (const auto& a : app.addons) {
    in.addons.push_back({a.name, a.service, a.config_var()});
  }
  for (const auto& a : app.attachments) {
    std::string service = "heroku-postgresql";
    try {
      const auto owner = store.load(a.owner);
      if (const auto* addon = owner.find_addon(a.addon)) {
        service = addon->service;
      }
    } catch (const std::exception&) {
      // the owner is gone: the variable still names a database
    }
    in.addons.push_back({a.addon, service, a.config_var()});
  }
  for (const auto& a : in.addons) {
    in.config.erase(a.config_var);
  }
  for (const auto& j : app.scheduler) {
    in.jobs.push_back({j.id, release::parse_frequency(j.frequency), j.command});
  }
  in.domains = app.domains;
  return in;
}

int parse_release_option(const std::string& text) {
  std::string_view t = text;
  if (!t.empty() && (t[0] == 'v' || t[0] == 'V')) {
    t.remove_prefix(1);
  }
  int v = 0;
  auto [end, ec] = std::from_chars(t.data(), t.data() + t.size(), v);
  if (ec != std::errc() || end != t.data() + t.size() || v <= 0) {
    throw release::InputError(fmt::format("--release {}: not a release (v12)", text));
  }
  return v;
}

std::string dns_label(const std::string& name) {
  std::string out;
  for (char c : name) {
    const auto u = static_cast<unsigned char>(c);
    out += std::isalnum(u) ? static_cast<char>(std::tolower(u)) : '-';
  }
  return out;
}

}  // namespace lokku::exports
