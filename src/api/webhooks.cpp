// App webhooks (`heroku webhooks:*`, drains-webhooks-metrics.md §3): the subscriptions in
// the app's record; their events and deliveries as the webhook service recorded them
// (webhook_service.hpp, webhooks/delivery_store.hpp).
#include "api/api_error.hpp"
#include "api/request_body.hpp"
#include "api/routes.hpp"
#include "api/schema.hpp"
#include "common/ids.hpp"
#include "webhooks/delivery_store.hpp"
#include "webhooks/webhook_rules.hpp"

#include <boost/json/parse.hpp>

#include <algorithm>

namespace lokku::api {

namespace json = boost::json;

namespace {

json::object webhook_json(const store::App& app, const store::Webhook& w) {
  json::array include;
  for (const auto& i : w.include) {
    include.push_back(json::value(i));
  }
  return {{"id", w.id},
          {"app", app_ref(app)},
          {"include", std::move(include)},
          {"level", w.level},
          {"url", w.url},
          {"created_at", w.created_at},
          {"updated_at", w.updated_at}};
}

json::object delivery_json(const webhooks::Delivery& d, std::size_t seq) {
  json::value last = nullptr;
  if (d.last_attempt) {
    const auto& a = *d.last_attempt;
    last = json::object{
        {"id", a.id},
        {"code", a.code ? json::value(*a.code) : json::value(nullptr)},
        {"error_class", a.error_class.empty() ? json::value(nullptr) : json::value(a.error_class)},
        {"status", a.status},
        {"created_at", a.created_at},
        {"updated_at", a.created_at}};
  }
  json::value next = nullptr;
  if (d.next_attempt_ms && (d.status == "retrying" || d.status == "pending")) {
    auto t = std::chrono::system_clock::time_point(std::chrono::milliseconds(*d.next_attempt_ms));
    next = common::iso8601(t);
  }
  return {{"id", d.id},
          {"seq", seq},
          {"created_at", d.created_at},
          {"updated_at", d.updated_at},
          {"event", {{"id", d.event_id}, {"include", d.include}}},
          {"webhook", {{"id", d.webhook_id}, {"level", d.level}}},
          {"num_attempts", d.num_attempts},
          {"next_attempt_at", next},
          {"last_attempt", last},
          {"status", d.status}};
}

json::object event_json(const webhooks::Event& e) {
  return {{"id", e.id},
          {"include", e.include},
          {"created_at", e.created_at},
          {"updated_at", e.created_at},
          {"payload", json::parse(e.payload)}};
}

template <class App>
auto& find_webhook(App& app, const std::string& id) {
  auto it = std::find_if(app.webhooks.begin(), app.webhooks.end(),
                         [&](const store::Webhook& w) { return w.id == id; });
  if (it == app.webhooks.end()) {
    not_found("webhook");
  }
  return *it;
}

/// `include` as an array of strings (422 naming it otherwise).
std::optional<std::vector<std::string>> include_field(const json::object& o) {
  const auto* v = o.if_contains("include");
  if (!v || v->is_null()) {
    return std::nullopt;
  }
  if (!v->is_array()) {
    invalid("Include must be an array of entity names.");
  }
  std::vector<std::string> out;
  for (const auto& e : v->as_array()) {
    if (!e.is_string()) {
      invalid("Include must be an array of entity names.");
    }
    out.emplace_back(e.as_string());
  }
  return out;
}

Response list(Context& c) {
  auto app = c.app();
  json::array out;
  for (const auto& w : app.webhooks) {
    out.push_back(webhook_json(app, w));
  }
  return list_response(c, std::move(out), "id", {"id", "created_at"});
}

Response info(Context& c) {
  auto app = c.app();
  return json_response(200, webhook_json(app, find_webhook(app, c.param("webhook"))));
}

Response create(Context& c) {
  auto app = c.app();
  auto body = c.body();
  const auto& o = body_object(body);
  store::Webhook w;
  w.url = string_field(o, "url").value_or("");
  w.level = string_field(o, "level").value_or("");
  w.include = include_field(o).value_or(std::vector<std::string>{});
  w.authorization = string_field(o, "authorization").value_or("");
  auto secret = string_field(o, "secret");
  if (auto problem = webhooks::webhook_problem(w.url, w.include, w.level); !problem.empty()) {
    invalid(problem);
  }
  w.secret = secret && !secret->empty() ? *secret : webhooks::make_secret();
  w.id = common::random_uuid();
  w.created_at = w.updated_at = common::iso8601_now();
  c.store.update(app.name, [&](store::App& a) {
    if (std::any_of(a.webhooks.begin(), a.webhooks.end(),
                    [&](const store::Webhook& x) { return x.url == w.url; })) {
      fail(409, "conflict", "A webhook with the url " + w.url + " already exists.");
    }
    a.webhooks.push_back(w);
  });
  auto res = json_response(201, webhook_json(app, w));
  // Shown this once: no answer carries it again.
  res.headers.emplace_back("Heroku-Webhook-Secret", w.secret);
  return res;
}

Response update(Context& c) {
  auto app = c.app();
  const auto id = find_webhook(app, c.param("webhook")).id;
  auto body = c.body();
  const auto& o = body_object(body);
  store::Webhook changed;
  c.store.update(app.name, [&](store::App& a) {
    auto& w = find_webhook(a, id);
    store::Webhook next = w;
    next.url = string_field(o, "url").value_or(w.url);
    next.level = string_field(o, "level").value_or(w.level);
    next.include = include_field(o).value_or(w.include);
    next.authorization = string_field(o, "authorization").value_or(w.authorization);
    if (auto s = string_field(o, "secret"); s && !s->empty()) {
      next.secret = *s;
    }
    if (auto problem = webhooks::webhook_problem(next.url, next.include, next.level);
        !problem.empty()) {
      invalid(problem);
    }
    next.updated_at = common::iso8601_now();
    w = next;
    changed = next;
  });
  return json_response(200, webhook_json(app, changed));
}

Response destroy(Context& c) {
  auto app = c.app();
  const auto gone = find_webhook(app, c.param("webhook"));
  c.store.update(app.name, [&](store::App& a) {
    std::erase_if(a.webhooks, [&](const store::Webhook& w) { return w.id == gone.id; });
  });
  return json_response(200, webhook_json(app, gone));
}

webhooks::DeliveryStore records(const Context& c, const store::App& app) {
  return webhooks::DeliveryStore(c.store.webhooks_file(app.name),
                                 webhooks::DeliveryStore::Mode::read);
}

Response deliveries(Context& c) {
  auto app = c.app();
  // `webhooks:deliveries -s STATUS` sends `eq[status]=STATUS`.
  auto status = c.query("eq[status]").value_or("");
  auto all = records(c, app).deliveries(status);
  json::array out;
  for (std::size_t i = 0; i < all.size(); ++i) {
    out.push_back(delivery_json(all[i], all.size() - i));
  }
  return list_response(c, std::move(out), "seq", {"seq", "id", "created_at"});
}

Response delivery(Context& c) {
  auto app = c.app();
  auto all = records(c, app).deliveries();
  for (std::size_t i = 0; i < all.size(); ++i) {
    if (all[i].id == c.param("delivery")) {
      return json_response(200, delivery_json(all[i], all.size() - i));
    }
  }
  not_found("webhook delivery");
}

Response events(Context& c) {
  auto app = c.app();
  json::array out;
  for (const auto& e : records(c, app).events()) {
    out.push_back(event_json(e));
  }
  return list_response(c, std::move(out), "id", {"id", "created_at"});
}

Response event(Context& c) {
  auto app = c.app();
  auto e = records(c, app).event(c.param("event"));
  if (!e) {
    not_found("webhook event");
  }
  return json_response(200, event_json(*e));
}

}  // namespace

void add_webhook_routes(Routes& t) {
  t.add("GET", "/apps/{app}/webhooks", list);
  t.add("POST", "/apps/{app}/webhooks", create);
  t.add("GET", "/apps/{app}/webhooks/{webhook}", info);
  t.add("PATCH", "/apps/{app}/webhooks/{webhook}", update);
  t.add("DELETE", "/apps/{app}/webhooks/{webhook}", destroy);
  t.add("GET", "/apps/{app}/webhook-deliveries", deliveries);
  t.add("GET", "/apps/{app}/webhook-deliveries/{delivery}", delivery);
  t.add("GET", "/apps/{app}/webhook-events", events);
  t.add("GET", "/apps/{app}/webhook-events/{event}", event);
}

}  // namespace lokku::api
