#include "dyno/manager.hpp"

#include <boost/asio/post.hpp>

namespace lokku::dyno {

Manager::Manager(net::any_io_executor ex, common::LogSink& sink, DynoSettings settings,
                 const std::vector<release::FormationItem>& formation, common::WebDynoFeed& feed)
    : ex_(ex), sink_(sink), settings_(std::move(settings)), feed_(feed) {
  std::size_t colour = 0;
  for (const auto& item : formation) {
    for (int n = 1; n <= item.quantity; ++n) {
      DynoSpec spec{item.type + "." + std::to_string(n), item.type, item.command, item.size,
                    colour};
      auto dyno = std::make_shared<Dyno>(ex_, sink_, settings_, ports_, std::move(spec));
      if (item.type == "web") {
        dyno->set_on_change([this] { request_publish(); });
      }
      dynos_.push_back(std::move(dyno));
    }
    ++colour;
  }
}

void Manager::start() {
  for (auto& d : dynos_) {
    d->start();
  }
  publish();
}

void Manager::request_publish() {
  // One publish per turn of the event loop: a crash followed by an immediate restart
  // (CRASH-2) reaches the router as `starting`, never as a momentary `crashed` (H10).
  if (publish_pending_) {
    return;
  }
  publish_pending_ = true;
  net::post(ex_, [this] {
    publish_pending_ = false;
    publish();
  });
}

void Manager::publish() {
  common::WebDynoTable table;
  table.error_page_url = settings_.config.count("ERROR_PAGE_URL") != 0
                             ? settings_.config.at("ERROR_PAGE_URL")
                             : std::string();
  table.maintenance_page_url = settings_.config.count("MAINTENANCE_PAGE_URL") != 0
                                   ? settings_.config.at("MAINTENANCE_PAGE_URL")
                                   : std::string();
  for (const auto& d : dynos_) {
    if (d->type() != "web") {
      continue;
    }
    common::WebDyno row{d->name(), common::WebDynoState::crashed, d->port()};
    switch (d->state()) {
      case DynoState::starting:
        row.state = common::WebDynoState::starting;
        break;
      case DynoState::up:
        row.state = common::WebDynoState::up;
        break;
      case DynoState::crashed:
      case DynoState::down:
        row.state = common::WebDynoState::crashed;
        break;
    }
    table.dynos.push_back(std::move(row));
  }
  feed_.publish(std::move(table));
}

void Manager::stop(std::function<void(bool clean)> done) {
  auto remaining = std::make_shared<std::size_t>(dynos_.size());
  auto finish = [this, remaining, done = std::move(done)]() {
    if (--*remaining == 0) {
      bool clean = true;
      for (const auto& d : dynos_) {
        clean = clean && !d->needed_sigkill();
      }
      done(clean);
    }
  };
  if (dynos_.empty()) {
    ++*remaining;
    net::post(ex_, finish);
    return;
  }
  for (auto& d : dynos_) {
    d->stop(finish);
  }
}

void Manager::kill() {
  for (auto& d : dynos_) {
    d->kill();
  }
}

}  // namespace lokku::dyno
