#include "common/web_dyno_feed.hpp"

#include <boost/asio/post.hpp>

namespace lokku::common {

WebDynoFeed::WebDynoFeed() : table_(std::make_shared<WebDynoTable>()) {}

std::shared_ptr<const WebDynoTable> WebDynoFeed::current() const {
  std::lock_guard lock(mu_);
  return table_;
}

void WebDynoFeed::publish(WebDynoTable table) {
  std::vector<std::weak_ptr<net::steady_timer>> waiters;
  {
    std::lock_guard lock(mu_);
    table.generation = table_->generation + 1;
    table_ = std::make_shared<const WebDynoTable>(std::move(table));
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

}  // namespace lokku::common
