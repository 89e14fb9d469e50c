#include "api/webhook_service.hpp"

#include "api/webhook_events.hpp"
#include "buildpack/build_record.hpp"
#include "common/ids.hpp"
#include "common/log.hpp"
#include "platform/platform_file.hpp"
#include "webhooks/delivery_store.hpp"
#include "webhooks/sender.hpp"
#include "webhooks/webhook_rules.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <optional>
#include <pthread.h>

namespace lokku::api {

namespace json = boost::json;
using webhooks::Delivery;
using webhooks::DeliveryStore;

struct WebhookService::Watched {
  std::optional<store::App> app;  ///< the last record compared
  std::vector<platform::ObservedDyno> dynos;
  /// The build records last read (for webhooks that include api:build), and when their
  /// folder had last changed then.
  std::optional<std::vector<buildpack::BuildRecord>> builds;
  std::filesystem::file_time_type builds_changed{};
};

namespace {

constexpr auto kLook = std::chrono::milliseconds(100);

std::string iso_ms(std::int64_t ms) {
  return common::iso8601(std::chrono::system_clock::time_point(std::chrono::milliseconds(ms)));
}

bool includes(const store::Webhook& w, const std::string& entity) {
  return std::find(w.include.begin(), w.include.end(), entity) != w.include.end();
}

bool wants(const std::vector<store::Webhook>& hooks, const char* entity) {
  return std::any_of(hooks.begin(), hooks.end(),
                     [&](const store::Webhook& w) { return includes(w, entity); });
}

bool wants_dynos(const std::vector<store::Webhook>& hooks) {
  return wants(hooks, "dyno") || wants(hooks, "api:dyno");
}

/// The app's builds begun or ended since the last look. A record is written by a rename into
/// the builds folder, so the folder's time says when to read them again; the records are read
/// again anyway while a build runs, and while the folder's change is too recent for its
/// coarse time to tell two changes apart.
std::vector<WebhookChange> new_builds(const store::Store& store, const store::App& app,
                                      WebhookService::Watched& w) {
  namespace fs = std::filesystem;
  std::error_code ec;
  auto changed = fs::last_write_time(buildpack::builds_dir(store, app.name), ec);
  if (ec) {
    changed = {};
  }
  const bool running = w.builds && std::any_of(w.builds->begin(), w.builds->end(),
                                               [](const buildpack::BuildRecord& b) {
                                                 return b.status == "pending";
                                               });
  const bool recent = fs::file_time_type::clock::now() - changed < std::chrono::seconds(2);
  if (w.builds && !running && !recent && changed == w.builds_changed) {
    return {};
  }
  auto now = buildpack::read_build_records(store, app.name);
  std::vector<WebhookChange> out;
  if (w.builds) {
    out = build_changes(app, *w.builds, now);
  }
  w.builds = std::move(now);
  w.builds_changed = changed;
  return out;
}

std::vector<platform::ObservedDyno> observed_dynos(const store::Store& store,
                                                   const std::string& app) {
  try {
    if (auto obs = platform::read_observed(store, app)) {
      return obs->dynos;
    }
  } catch (const std::exception&) {
  }
  return {};
}

}  // namespace

WebhookService::WebhookService(Api& api, store::Store& store, Clock clock, std::string ca_file)
    : api_(api), store_(store), clock_(std::move(clock)), ca_file_(std::move(ca_file)) {
  look(true);
  watcher_ = std::thread([this] {
    ::pthread_setname_np(::pthread_self(), "lokku-webhooks");
    watch();
  });
  deliverer_ = std::thread([this] {
    ::pthread_setname_np(::pthread_self(), "lokku-deliver");
    deliver();
  });
}

WebhookService::~WebhookService() {
  {
    std::lock_guard lock(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  watcher_.join();
  deliverer_.join();
}

void WebhookService::watch() {
  std::string told;  // the same failure (a full disk) is said once
  std::unique_lock lock(mu_);
  while (!stop_) {
    lock.unlock();
    bool recorded = false;
    try {
      recorded = look();
      told.clear();
    } catch (const std::exception& e) {
      if (told != e.what()) {
        told = e.what();
        log::platform().error("webhooks: events not recorded: {}", told);
      }
    }
    lock.lock();
    if (recorded) {
      kicked_ = true;
      cv_.notify_all();
    }
    cv_.wait_for(lock, kLook, [this] { return stop_; });
  }
}

bool WebhookService::look(bool first) {
  bool recorded = false;
  std::map<std::string, std::vector<store::Webhook>> hooks;
  auto names = store_.apps();
  for (auto it = watched_.begin(); it != watched_.end();) {
    it = std::find(names.begin(), names.end(), it->first) == names.end() ? watched_.erase(it)
                                                                         : std::next(it);
  }
  for (const auto& name : names) {
    auto& w = watched_[name];
    if (!w) {
      w = std::make_unique<Watched>();
    }
    std::vector<WebhookChange> changes;
    try {
      if (first || !w->app) {
        // Where changes start from (what was written while no platform ran is not told).
        store_.take_changes(name);
        w->app = store_.try_load(name);
      }
      for (auto& next : store_.take_changes(name)) {
        // A record is compared with the one before when that one had webhooks already (an
        // app's record is kept only from then on).
        if (w->app && w->app->id == next.id && !w->app->webhooks.empty()) {
          api_.with_context([&](const Context& c) {
            auto more = app_changes(c, *w->app, next);
            changes.insert(changes.end(), more.begin(), more.end());
          });
        }
        w->app = std::move(next);
      }
    } catch (const std::exception&) {
      continue;  // the platform says what is wrong with the app's record
    }
    if (!w->app || w->app->webhooks.empty()) {
      continue;
    }
    hooks[name] = w->app->webhooks;
    if (wants_dynos(w->app->webhooks)) {
      auto dynos = observed_dynos(store_, name);
      auto more = dyno_changes(*w->app, w->dynos, dynos);
      changes.insert(changes.end(), more.begin(), more.end());
      w->dynos = std::move(dynos);
    }
    if (wants(w->app->webhooks, "api:build")) {
      auto more = new_builds(store_, *w->app, *w);
      changes.insert(changes.end(), more.begin(), more.end());
    } else {
      w->builds.reset();  // from the time a webhook includes them
    }
    std::vector<std::pair<webhooks::Event, std::vector<Delivery>>> events;
    for (const auto& ch : changes) {
      webhooks::Event e;
      e.id = common::random_uuid();
      e.include = ch.include;
      e.created_ms = now_ms();
      e.created_at = iso_ms(e.created_ms);
      e.payload = json::serialize(webhook_payload(ch));
      std::vector<Delivery> deliveries;
      for (const auto& hook : w->app->webhooks) {
        if (includes(hook, ch.include)) {
          Delivery d;
          d.id = common::random_uuid();
          d.webhook_id = hook.id;
          d.level = hook.level;
          deliveries.push_back(std::move(d));
        }
      }
      if (!deliveries.empty()) {
        events.emplace_back(std::move(e), std::move(deliveries));
      }
    }
    if (!events.empty()) {
      DeliveryStore db(store_.webhooks_file(name), DeliveryStore::Mode::write);
      for (const auto& [e, ds] : events) {
        db.add(e, ds);
      }
      recorded = true;
    }
  }
  std::lock_guard lock(mu_);
  hooks_ = std::move(hooks);
  return recorded;
}

void WebhookService::deliver() {
  std::map<std::string, std::unique_ptr<DeliveryStore>> dbs;  // kept open while hooked
  std::string told;
  std::unique_lock lock(mu_);
  while (!stop_) {
    for (auto it = workers_.begin(); it != workers_.end();) {
      if (it->second.done) {
        it->second.thread.join();  // it has ended: its last act was to say so
        it = workers_.erase(it);
      } else {
        ++it;
      }
    }
    auto hooks = hooks_;
    lock.unlock();
    try {
      start_due(dbs, hooks);
      told.clear();
    } catch (const std::exception& e) {
      if (told != e.what()) {
        told = e.what();
        log::platform().error("webhooks: deliveries stopped: {}", told);
      }
      dbs.clear();  // opened again on the next pass
    }
    lock.lock();
    // Retries fall due with time: look again within a quarter of a second (sooner when an
    // event comes or a webhook's deliveries are done).
    cv_.wait_for(lock, std::chrono::milliseconds(250), [this] { return stop_ || kicked_; });
    kicked_ = false;
  }
  // A receiver that does not answer is not waited for.
  auto workers = std::move(workers_);
  workers_.clear();
  lock.unlock();
  for (auto& [id, w] : workers) {
    w.sender->cancel();
  }
  for (auto& [id, w] : workers) {
    w.thread.join();
  }
}

std::int64_t WebhookService::now_ms() const {
  return std::chrono::duration_cast<std::chrono::milliseconds>(clock_().time_since_epoch()).count();
}

void WebhookService::start_due(std::map<std::string, std::unique_ptr<DeliveryStore>>& dbs,
                               const std::map<std::string, std::vector<store::Webhook>>& hooks) {
  for (auto it = dbs.begin(); it != dbs.end();) {
    it = hooks.count(it->first) ? std::next(it) : dbs.erase(it);
  }
  for (const auto& [app, list] : hooks) {
    auto& db = dbs[app];
    if (!db) {
      db = std::make_unique<DeliveryStore>(store_.webhooks_file(app), DeliveryStore::Mode::write);
    }
    // Each webhook's due deliveries in order, by a worker of its own: a receiver that is slow
    // or hangs (up to the 20 s limit of a try) delays its own deliveries, no one else's.
    std::map<std::string, std::vector<Delivery>> by_hook;
    for (auto& d : db->due(now_ms())) {
      by_hook[d.webhook_id].push_back(std::move(d));
    }
    for (auto& [id, due] : by_hook) {
      auto hook = std::find_if(list.begin(), list.end(),
                               [&](const store::Webhook& w) { return w.id == id; });
      if (hook == list.end()) {
        for (const auto& d : due) {
          webhooks::Attempt attempt;
          attempt.id = common::random_uuid();
          attempt.created_at = iso_ms(now_ms());
          attempt.status = "failed";
          attempt.error_class = "WebhookRemoved";
          db->record(d.id, attempt, "failed", std::nullopt, attempt.created_at);
        }
        continue;
      }
      std::lock_guard lock(mu_);
      if (stop_ || workers_.count(id)) {
        continue;  // its worker takes these when it has done
      }
      auto& w = workers_[id];
      w.sender = std::make_shared<webhooks::Sender>(ca_file_);
      w.thread =
          std::thread([this, app = app, hook = *hook, due = std::move(due), sender = w.sender] {
            ::pthread_setname_np(::pthread_self(), "lokku-hook");
            deliver_to(app, hook, due, *sender);
          });
    }
    db->prune(now_ms());
  }
}

void WebhookService::deliver_to(const std::string& app, const store::Webhook& hook,
                                const std::vector<Delivery>& due, webhooks::Sender& sender) {
  try {
    DeliveryStore db(store_.webhooks_file(app), DeliveryStore::Mode::write);
    for (const auto& d : due) {
      {
        std::lock_guard lock(mu_);
        if (stop_) {
          break;
        }
      }
      webhooks::Attempt attempt;
      attempt.id = common::random_uuid();
      attempt.created_at = iso_ms(now_ms());
      auto event = db.event(d.event_id);
      if (!event) {
        attempt.status = "failed";
        attempt.error_class = "EventRemoved";
        db.record(d.id, attempt, "failed", std::nullopt, attempt.created_at);
        continue;
      }
      json::object body = json::parse(event->payload).as_object();
      body["id"] = event->id;
      body["created_at"] = event->created_at;
      body["updated_at"] = event->created_at;
      body["published_at"] = attempt.created_at;
      body["sequence"] = nullptr;
      body["webhook_metadata"] = {{"attempt", {{"id", attempt.id}}},
                                  {"delivery", {{"id", d.id}}},
                                  {"event", {{"id", event->id}, {"include", event->include}}},
                                  {"webhook", {{"id", hook.id}}}};
      const auto text = json::serialize(body);
      std::vector<std::pair<std::string, std::string>> headers = {
          {"Heroku-Webhook-Hmac-SHA256", webhooks::signature(hook.secret, text)}};
      if (!hook.authorization.empty()) {
        headers.emplace_back("Authorization", hook.authorization);
      }
      auto result = sender.post(hook.url, headers, text);
      if (result.error_class == "Cancelled") {
        break;  // lokku up is stopping: tried again when it next runs
      }
      attempt.code = result.code;
      attempt.error_class = result.error_class;
      const bool ok = result.code && *result.code >= 200 && *result.code < 300;
      attempt.status = ok ? "succeeded" : "failed";
      const auto now = now_ms();
      std::optional<std::int64_t> next;
      std::string status = attempt.status;
      if (!ok && d.level == "sync") {
        // Heroku's delays on the platform's clock (which runs at the time scale's rate, and
        // which `lokku clock advance` moves: a retry due in an hour is due after `advance 1h`).
        auto wait = std::chrono::duration_cast<std::chrono::milliseconds>(
            webhooks::retry_delay(d.num_attempts + 1));
        auto limit = std::chrono::duration_cast<std::chrono::milliseconds>(webhooks::kRetryFor);
        if (now + wait.count() <= d.created_ms + limit.count()) {
          next = now + wait.count();
          status = "retrying";
        }
      }
      db.record(d.id, attempt, status, next, iso_ms(now));
    }
  } catch (const std::exception& e) {
    log::platform().error("webhooks: deliveries to {} stopped: {}", hook.url, e.what());
  }
  {
    std::lock_guard lock(mu_);
    workers_[hook.id].done = true;
    kicked_ = true;
  }
  cv_.notify_all();
}

}  // namespace lokku::api
