#include "router/stream.hpp"

#include <fmt/format.h>

#include <algorithm>

namespace lokku::router {

namespace {
// A sweep that finds nothing expired sets the timer no sooner than this: thousands of idle
// connections whose deadlines fall a few microseconds apart then cost a sweep per
// millisecond at most, and no timeout fires more than this late.
constexpr auto kSlack = std::chrono::milliseconds(1);
}  // namespace

unsigned listen_on(Acceptor& acceptor, const std::string& address, unsigned port,
                   std::string_view what) {
  tcp::endpoint ep(net::ip::make_address(address), static_cast<unsigned short>(port));
  boost::system::error_code ec;
  acceptor.open(ep.protocol(), ec);
  if (!ec) {
    acceptor.set_option(net::socket_base::reuse_address(true), ec);
    acceptor.bind(ep, ec);
  }
  if (!ec) {
    acceptor.listen(net::socket_base::max_listen_connections, ec);
  }
  if (ec) {
    throw std::system_error(ec, fmt::format("{}: cannot listen on {}:{}", what, address, port));
  }
  return acceptor.local_endpoint(ec).port();
}

Sweeper::Sweeper(const Executor& ex) : timer_(std::in_place, ex) {
  head_.prev = head_.next = &head_;
}

void Sweeper::add(Entry& e) {
  e.prev = head_.prev;
  e.next = &head_;
  head_.prev->next = &e;
  head_.prev = &e;
}

void Sweeper::remove(Entry& e) {
  e.prev->next = e.next;
  e.next->prev = e.prev;
  e.prev = e.next = nullptr;
}

void Sweeper::set(Entry& e, Clock::time_point at) {
  e.at = at;
  e.expired = false;
  if (at < armed_) {
    arm(at);
  }
}

void Sweeper::close_idle() {
  for (Entry* e = head_.next; e != &head_; e = e->next) {
    if (e->idle) {
      boost::system::error_code ignored;
      e->socket->close(ignored);
    }
  }
}

void Sweeper::release_timer() {
  timer_.reset();
  armed_ = Clock::time_point::min();  // set() arms nothing any more
}

void Sweeper::arm(Clock::time_point at) {
  if (!timer_) {
    return;
  }
  armed_ = at;
  timer_->expires_at(at);
  // Not run after the sweeper is gone: it outlives its thread's io_context run.
  timer_->async_wait([this](boost::system::error_code ec) {
    if (!ec) {
      sweep();
    }
  });
}

void Sweeper::sweep() {
  armed_ = Clock::time_point::max();
  const auto now = Clock::now();
  auto next = Clock::time_point::max();
  for (Entry* e = head_.next; e != &head_; e = e->next) {
    if (e->at <= now) {
      e->at = Clock::time_point::max();
      e->expired = true;
      boost::system::error_code ignored;
      e->socket->cancel(ignored);  // its handlers run later: the list stays as it is here
    } else {
      next = std::min(next, e->at);
    }
  }
  if (next != Clock::time_point::max()) {
    arm(std::max(next, now + kSlack));
  }
}

Stream::Stream(Sweeper& sweeper, Socket socket) : sweeper_(sweeper), socket_(std::move(socket)) {
  entry_.socket = &socket_;
  sweeper_.add(entry_);
}

Stream::Stream(Sweeper& sweeper, const Executor& ex) : Stream(sweeper, Socket(ex)) {}

Stream::~Stream() {
  sweeper_.remove(entry_);
}

}  // namespace lokku::router
