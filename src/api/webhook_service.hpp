#pragma once
// App webhooks at work (drains-webhooks-metrics.md §3.4), in `lokku up` beside the API. One
// thread watches the store: every app's record (and, for webhooks that include dynos, the
// platform's view of its dynos) is compared with the last one seen, whoever wrote it (the
// API, a `lokku` command, a git push); each change a webhook includes becomes an event and a
// delivery per webhook in the app's DeliveryStore. Another thread POSTs the deliveries that
// are due, signed, and records each attempt: `notify` once, `sync` again on failure
// (webhook_rules.hpp), on lokku's time scale; each webhook's deliveries are POSTed in order
// by a worker thread of its own, so one receiver that hangs delays no other.
//
// Dyno states are looked at every 100 ms: one shorter than that may not be told.

#include "api/api.hpp"
#include "store/store.hpp"
#include "webhooks/delivery_store.hpp"
#include "webhooks/sender.hpp"

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace lokku::api {

class WebhookService {
 public:
  /// The platform's time (`lokku clock`): deliveries are dated and retried on it.
  using Clock = std::function<std::chrono::system_clock::time_point()>;
  /// `ca_file`: lokku's local CA, trusted for HTTPS receivers beside the system's ones.
  WebhookService(Api& api, store::Store& store, Clock clock, std::string ca_file);
  ~WebhookService();
  WebhookService(const WebhookService&) = delete;
  WebhookService& operator=(const WebhookService&) = delete;

  struct Watched;

 private:
  void watch();
  void deliver();
  /// One look at every app (`first`: where changes start from); whether events were recorded.
  bool look(bool first = false);
  /// One pass over the apps' due deliveries: starts a worker for each webhook that has some
  /// and none under way. `dbs`: the apps' delivery stores, kept open.
  void start_due(std::map<std::string, std::unique_ptr<webhooks::DeliveryStore>>& dbs,
                 const std::map<std::string, std::vector<store::Webhook>>& hooks);
  /// A worker: POSTs `due` (one webhook's, oldest first) and records each attempt.
  void deliver_to(const std::string& app, const store::Webhook& hook,
                  const std::vector<webhooks::Delivery>& due, webhooks::Sender& sender);

  Api& api_;
  store::Store& store_;
  /// Milliseconds since the epoch on the platform's clock.
  std::int64_t now_ms() const;

  Clock clock_;
  std::string ca_file_;
  std::map<std::string, std::unique_ptr<Watched>> watched_;  ///< the watcher's own

  std::mutex mu_;
  std::condition_variable cv_;
  bool stop_ = false;                                         ///< mu_
  bool kicked_ = false;                                       ///< mu_
  std::map<std::string, std::vector<store::Webhook>> hooks_;  ///< mu_: apps with webhooks
  struct Worker {
    std::thread thread;
    std::shared_ptr<webhooks::Sender> sender;
    bool done = false;  ///< mu_
  };
  std::map<std::string, Worker> workers_;  ///< mu_: by webhook id, those under way
  std::thread watcher_;
  std::thread deliverer_;
};

}  // namespace lokku::api
