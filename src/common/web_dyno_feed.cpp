#include "common/web_dyno_feed.hpp"

#include <boost/asio/post.hpp>

namespace lokku::common {

WebDynoFeed::WebDynoFeed() : table_(std::make_shared<WebDynoTable>()) {}

std::shared_ptr<const WebDynoTable> WebDynoFeed::current() const {
  std::lock_guard lock(mu_);
  return table_;
}

void WebDynoFeed::refresh(std::shared_ptr<const WebDynoTable>& cached) const {
  if (!cached || cached->generation != generation_.load(std::memory_order_acquire)) {
    cached = current();
  }
}

void WebDynoFeed::publish(WebDynoTable table) {
  std::vector<std::weak_ptr<net::steady_timer>> waiters;
  {
    std::lock_guard lock(mu_);
    table.generation = table_->generation + 1;
    table_ = std::make_shared<const WebDynoTable>(std::move(table));
    generation_.store(table_->generation, std::memory_order_release);
    waiters.swap(waiters_);
  }
  for (auto& w : waiters) {
    if (auto timer = w.lock()) {
      net::post(timer->get_executor(), [timer] { timer->cancel(); });
    }
  }
}

void WebDynoFeed::notify_on_publish(std::weak_ptr<net::steady_timer> timer) {
  std::lock_guard lock(mu_);
  waiters_.push_back(std::move(timer));
}

void RouteTable::set_default(std::shared_ptr<AppRoute> route) {
  std::lock_guard lock(mu_);
  default_ = std::move(route);
  generation_.fetch_add(1, std::memory_order_acq_rel);
}

void RouteTable::add_host(const std::string& host, std::shared_ptr<AppRoute> route) {
  std::lock_guard lock(mu_);
  hosts_[host] = std::move(route);
  generation_.fetch_add(1, std::memory_order_acq_rel);
}

void RouteTable::remove_app(const std::string& app) {
  std::lock_guard lock(mu_);
  std::erase_if(hosts_, [&](const auto& kv) { return kv.second->name == app; });
  if (default_ && default_->name == app) {
    default_.reset();
  }
  generation_.fetch_add(1, std::memory_order_acq_rel);
}

std::shared_ptr<AppRoute> RouteTable::find(std::string_view host) const {
  std::lock_guard lock(mu_);
  if (auto it = hosts_.find(host); it != hosts_.end()) {
    return it->second;
  }
  return default_;
}

}  // namespace lokku::common
