#include "dyno/manager.hpp"

#include <boost/asio/post.hpp>

namespace lokku::dyno {

Manager::Manager(net::any_io_executor ex, common::LogSink& sink, DynoSettings settings,
                 const std::vector<release::FormationItem>& formation,
                 std::optional<unsigned> public_web_port)
    : ex_(ex), sink_(sink), settings_(std::move(settings)) {
  std::size_t colour = 0;
  for (const auto& item : formation) {
    for (int n = 1; n <= item.quantity; ++n) {
      DynoSpec spec{item.type + "." + std::to_string(n),
                    item.type,
                    item.command,
                    item.size,
                    colour,
                    std::nullopt};
      if (item.type == "web" && n == 1) {
        spec.fixed_port = public_web_port;
      }
      dynos_.push_back(std::make_shared<Dyno>(ex_, sink_, settings_, ports_, std::move(spec)));
    }
    ++colour;
  }
}

void Manager::start() {
  for (auto& d : dynos_) {
    d->start();
  }
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
