#include "api/webhook_events.hpp"

#include "api/schema.hpp"

#include <algorithm>

namespace lokku::api {

namespace json = boost::json;

namespace {

WebhookChange change(const char* include, const char* action, json::object data,
                     json::object previous = {}) {
  // `api:release` is about a release; `dyno` and `alert` name theirs alone.
  const std::string_view entity = include;
  const auto resource = entity.substr(entity.find(':') + 1);  // npos + 1 == 0
  return {include, std::string(resource), action, std::move(data), std::move(previous)};
}

bool contains(const std::vector<std::string>& v, const std::string& x) {
  return std::find(v.begin(), v.end(), x) != v.end();
}

void release_changes(const store::App& before, const store::App& after,
                     std::vector<WebhookChange>& out) {
  for (const auto& r : after.releases) {
    const auto* old = before.find(r.version);
    if (!old) {
      out.push_back(change("api:release", "create", release_json(after, r)));
    } else if (old->status != r.status) {
      out.push_back(
          change("api:release", "update", release_json(after, r), {{"status", old->status}}));
    }
  }
}

void formation_changes(const store::App& before, const store::App& after,
                       std::vector<WebhookChange>& out) {
  for (const auto& [type, row] : after.formation) {
    auto old = before.formation.find(type);
    if (old == before.formation.end() ||
        (old->second.quantity == row.quantity && old->second.size == row.size)) {
      continue;  // a new type comes with its release
    }
    auto rows = formation_json(after, {type});
    if (rows.empty()) {
      continue;
    }
    out.push_back(change("api:formation", "update", rows.front().as_object(),
                         {{"quantity", old->second.quantity}, {"size", old->second.size}}));
  }
}

void addon_changes(const store::App& before, const store::App& after,
                   std::vector<WebhookChange>& out) {
  // An add-on comes with its attachment to its own app (REDIS, DATABASE), and goes with it.
  for (const auto& a : after.addons) {
    if (!before.find_addon(a.name)) {
      out.push_back(change("api:addon", "create", addon_json(after, a)));
      out.push_back(change("api:addon-attachment", "create",
                           attachment_json(after, after, a, a.id, a.attachment, a.created_at)));
    }
  }
  for (const auto& a : before.addons) {
    if (!after.find_addon(a.name)) {
      out.push_back(change("api:addon-attachment", "destroy",
                           attachment_json(before, before, a, a.id, a.attachment, a.created_at)));
      out.push_back(change("api:addon", "destroy", addon_json(before, a)));
    }
  }
}

/// Attachments of other apps' add-ons (`addons:attach`, `addons:detach`).
void attachment_changes(const Context& c, const store::App& before, const store::App& after,
                        std::vector<WebhookChange>& out) {
  auto tell = [&](const store::App& app, const store::AddonAttachment& att, const char* action) {
    auto owner = c.store.try_load(att.owner);
    const auto* addon = owner ? owner->find_addon(att.addon) : nullptr;
    if (addon) {
      out.push_back(change("api:addon-attachment", action,
                           attachment_json(app, *owner, *addon, att.id, att.name, att.created_at)));
    }
  };
  auto has = [](const store::App& app, const store::AddonAttachment& att) {
    return std::any_of(app.attachments.begin(), app.attachments.end(),
                       [&](const store::AddonAttachment& x) { return x.id == att.id; });
  };
  for (const auto& att : after.attachments) {
    if (!has(before, att)) {
      tell(after, att, "create");
    }
  }
  for (const auto& att : before.attachments) {
    if (!has(after, att)) {
      tell(before, att, "destroy");
    }
  }
}

void domain_changes(const store::App& before, const store::App& after,
                    std::vector<WebhookChange>& out) {
  for (const auto& d : after.domains) {
    if (!contains(before.domains, d)) {
      out.push_back(change("api:domain", "create", domain_json(after, d, true)));
    }
  }
  for (const auto& d : before.domains) {
    if (!contains(after.domains, d)) {
      out.push_back(change("api:domain", "destroy", domain_json(before, d, true)));
    }
  }
}

/// api:sni-endpoint: a certificate of the user's added, replaced (or given other domains),
/// removed. ACM's is not one (Heroku's webhooks tell of the SNI endpoints users manage).
void sni_endpoint_changes(const Context& c, const store::App& before, const store::App& after,
                          std::vector<WebhookChange>& out) {
  const auto home = c.store.home();
  auto find = [](const store::App& app, const std::string& id) -> const store::SniEndpoint* {
    for (const auto& e : app.sni_endpoints) {
      if (e.id == id) {
        return &e;
      }
    }
    return nullptr;
  };
  for (const auto& e : after.sni_endpoints) {
    const auto* old = find(before, e.id);
    if (!old) {
      out.push_back(change("api:sni-endpoint", "create", sni_endpoint_json(home, after, &e)));
    } else if (old->updated_at != e.updated_at || old->domains != e.domains) {
      out.push_back(change("api:sni-endpoint", "update", sni_endpoint_json(home, after, &e),
                           {{"updated_at", old->updated_at}}));
    }
  }
  for (const auto& e : before.sni_endpoints) {
    if (!find(after, e.id)) {
      out.push_back(change("api:sni-endpoint", "destroy", sni_endpoint_json(home, before, &e)));
    }
  }
}

void alert_changes(const store::App& before, const store::App& after,
                   std::vector<WebhookChange>& out) {
  for (const auto& a : after.alerts) {
    auto old = std::find_if(before.alerts.begin(), before.alerts.end(),
                            [&](const store::Alert& x) { return x.id == a.id; });
    if (old != before.alerts.end() && old->state != a.state) {
      out.push_back(change("alert", "update", alert_json(after, a), {{"state", old->state}}));
    }
  }
}

}  // namespace

std::vector<WebhookChange> app_changes(const Context& c, const store::App& before,
                                       const store::App& after) {
  std::vector<WebhookChange> out;
  if (before.maintenance != after.maintenance) {
    out.push_back(
        change("api:app", "update", app_json(c, after), {{"maintenance", before.maintenance}}));
  }
  release_changes(before, after, out);
  formation_changes(before, after, out);
  addon_changes(before, after, out);
  attachment_changes(c, before, after, out);
  domain_changes(before, after, out);
  sni_endpoint_changes(c, before, after, out);
  alert_changes(before, after, out);
  return out;
}

std::vector<WebhookChange> dyno_changes(const store::App& app,
                                        const std::vector<platform::ObservedDyno>& before,
                                        const std::vector<platform::ObservedDyno>& after) {
  std::vector<WebhookChange> out;
  for (const auto& d : after) {
    auto old = std::find_if(before.begin(), before.end(),
                            [&](const platform::ObservedDyno& b) { return b.name == d.name; });
    if (old == before.end()) {
      if (d.type == "run") {
        out.push_back(change("api:dyno", "create", dyno_json(app, d)));
      }
      out.push_back(change("dyno", "create", dyno_json(app, d)));
    } else if (old->state != d.state || old->since != d.since) {
      out.push_back(change("dyno", "update", dyno_json(app, d), {{"state", old->state}}));
    }
  }
  return out;
}

std::vector<WebhookChange> build_changes(const store::App& app,
                                         const std::vector<buildpack::BuildRecord>& before,
                                         const std::vector<buildpack::BuildRecord>& after) {
  std::vector<WebhookChange> out;
  for (const auto& b : after) {
    auto old = std::find_if(before.begin(), before.end(),
                            [&](const buildpack::BuildRecord& x) { return x.id == b.id; });
    if (old == before.end()) {
      // Begun (and perhaps ended) since the last look: a build is created pending.
      auto begun = b;
      begun.status = "pending";
      begun.slug.clear();
      begun.updated_at = b.created_at;
      out.push_back(change("api:build", "create", build_json(app, begun)));
      if (b.status != "pending") {
        out.push_back(change("api:build", "update", build_json(app, b), {{"status", "pending"}}));
      }
    } else if (old->status != b.status) {
      out.push_back(change("api:build", "update", build_json(app, b), {{"status", old->status}}));
    }
  }
  return out;
}

json::object webhook_payload(const WebhookChange& ch) {
  auto account = account_json();
  return {{"action", ch.action},
          {"actor", {{"email", account.at("email")}, {"id", account.at("id")}}},
          {"data", ch.data},
          {"previous_data", ch.previous_data},
          {"resource", ch.resource},
          {"version", "application/vnd.heroku+json; version=3"}};
}

}  // namespace lokku::api
