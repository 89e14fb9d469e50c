#include "dyno/manager.hpp"

#include <boost/asio/post.hpp>

namespace lokku::dyno {

Manager::Manager(net::any_io_executor ex, common::AppLog& sink, DynoSettings settings,
                 const std::vector<release::FormationItem>& formation, common::WebDynoFeed& feed)
    : ex_(ex), sink_(sink), settings_(std::move(settings)), feed_(feed) {
  for (const auto& item : formation) {
    colours_.emplace(item.type, colours_.size());
    for (int n = 1; n <= item.quantity; ++n) {
      dynos_.push_back(make_dyno(item, n));
    }
  }
}

std::shared_ptr<Dyno> Manager::make_dyno(const release::FormationItem& item, int n) {
  auto colour = colours_.emplace(item.type, colours_.size()).first->second;
  DynoSpec spec{item.type + "." + std::to_string(n),
                item.type,
                item.command,
                item.size,
                colour,
                false,
                nullptr};
  auto dyno = std::make_shared<Dyno>(ex_, sink_, settings_, ports_, std::move(spec));
  dyno->set_on_change([this] {
    request_publish();
    if (on_change_) {
      on_change_();
    }
  });
  return dyno;
}

void Manager::scale(const std::vector<release::FormationItem>& formation) {
  std::map<std::string, const release::FormationItem*> want;
  for (const auto& item : formation) {
    want[item.type] = &item;
  }
  std::map<std::string, int> have;
  std::vector<std::shared_ptr<Dyno>> keep, leaving, resized;
  for (auto& d : dynos_) {
    auto it = want.find(d->type());
    auto dot = d->name().rfind('.');
    int n = std::stoi(d->name().substr(dot + 1));
    if (it == want.end() || n > it->second->quantity) {
      leaving.push_back(d);  // STOP-5: scaled away
      continue;
    }
    have[d->type()] = std::max(have[d->type()], n);
    if (d->spec().size.name != it->second->size.name) {
      // `ps:type`/`ps:resize`: a dyno restarts onto its new size (the replacement first).
      resized.push_back(d);
      auto replacement = make_dyno(*it->second, n);
      replacement->start();
      keep.push_back(replacement);
      continue;
    }
    keep.push_back(d);
  }
  for (const auto& item : formation) {
    for (int n = have[item.type] + 1; n <= item.quantity; ++n) {
      auto d = make_dyno(item, n);
      keep.push_back(d);
      d->start();
    }
  }
  dynos_ = std::move(keep);
  // The router stops choosing the leaving dynos before they get SIGTERM.
  publish();
  for (auto& d : leaving) {
    retire(d, false, {});
  }
  for (auto& d : resized) {
    retire(d, true, "Restarting");
  }
}

void Manager::retire(const std::shared_ptr<Dyno>& d, bool restart, std::string_view note) {
  retiring_.push_back(d);
  auto done = [this, raw = d.get()] {
    std::erase_if(retiring_, [raw](const auto& r) { return r.get() == raw; });
    request_publish();
  };
  if (restart) {
    d->stop_for_restart(done, note);
  } else {
    d->stop(done);
  }
}

void Manager::restart(const std::function<bool(const Dyno&)>& which, std::string_view note) {
  std::vector<std::shared_ptr<Dyno>> leaving;
  for (auto& d : dynos_) {
    if (!which(*d)) {
      continue;
    }
    leaving.push_back(d);
    const auto& spec = d->spec();
    release::FormationItem item{spec.type, spec.command, 0, spec.size};
    auto dot = spec.name.rfind('.');
    d = make_dyno(item, std::stoi(spec.name.substr(dot + 1)));
    d->start();  // STOP-4: the replacement starts at once
  }
  // The router sees the replacements (starting: requests wait for them, LB-5) before the
  // old dynos get SIGTERM.
  publish();
  for (auto& old : leaving) {
    retire(old, !note.empty(), note);
  }
}

void Manager::set_runtime_metrics(bool on) {
  settings_.runtime_metrics = on;
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
  if (!feed_attached_) {
    return;
  }
  common::WebDynoTable table;
  table.maintenance = maintenance_;
  table.session_affinity = session_affinity_;
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
      case DynoState::complete:
        row.state = common::WebDynoState::crashed;
        break;
    }
    table.dynos.push_back(std::move(row));
  }
  feed_.publish(std::move(table));
}

void Manager::stop(std::function<void(bool clean)> done) {
  stop_all(std::move(done), false, {});
}

void Manager::stop_for_restart(std::function<void(bool clean)> done, std::string_view note) {
  stop_all(std::move(done), true, note);
}

void Manager::stop_all(std::function<void(bool clean)> done, bool restart, std::string_view note) {
  auto all = dynos_;
  all.insert(all.end(), retiring_.begin(), retiring_.end());
  auto remaining = std::make_shared<std::size_t>(all.size());
  auto finish = [all, remaining, done = std::move(done)]() {
    if (--*remaining == 0) {
      bool clean = true;
      for (const auto& d : all) {
        clean = clean && !d->needed_sigkill();
      }
      done(clean);
    }
  };
  if (all.empty()) {
    ++*remaining;
    net::post(ex_, finish);
    return;
  }
  for (auto& d : all) {
    if (restart) {
      d->stop_for_restart(finish, note);
    } else {
      d->stop(finish);
    }
  }
}

void Manager::kill() {
  for (auto& d : dynos_) {
    d->kill();
  }
  for (auto& d : retiring_) {
    d->kill();
  }
}

}  // namespace lokku::dyno
