// The router's deadlines (router/stream.hpp, router.md §5): every socket of a router thread
// has a deadline kept by one timer for the thread. Real loopback sockets, a real io_context,
// and a peer that says nothing unless told to.
#include "router/stream.hpp"

#include <boost/asio/post.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/write.hpp>
#include <gtest/gtest.h>

#include <array>
#include <optional>
#include <vector>

namespace lokku::router {
namespace {

using namespace std::chrono_literals;
using error_code = boost::system::error_code;
using SteadyClock = std::chrono::steady_clock;

/// A connected pair of loopback sockets on `ioc`: ours (to wrap in a Stream) and the peer's.
std::pair<Socket, Socket> connected(net::io_context& ioc) {
  Acceptor acceptor(ioc, tcp::endpoint(net::ip::address_v4::loopback(), 0));
  Socket ours(ioc);
  ours.connect(acceptor.local_endpoint());
  Socket peer = acceptor.accept();
  return {std::move(ours), std::move(peer)};
}

/// A read on `s` that records how it ended and when.
struct Read {
  std::array<char, 64> buf{};
  std::optional<error_code> ec;
  std::size_t n = 0;
  SteadyClock::duration took{};

  /// `took` counts from `since`: for a lower bound on a deadline, a time taken before the
  /// deadline was set (the read starts a little after it).
  void start(Stream& s, SteadyClock::time_point since = SteadyClock::now()) {
    s.async_read_some(net::buffer(buf), [this, &s, since](error_code e, std::size_t got) {
      ec = s.settle(e);
      n = got;
      took = SteadyClock::now() - since;
    });
  }
};

/// A router thread's loop and sweeper.
class RouterDeadline : public ::testing::Test {
 protected:
  net::io_context ioc;
  Sweeper sweeper{ioc.get_executor()};
};

/// Runs `fn` on `ioc` after `delay`.
template <class Fn>
void after(net::io_context& ioc, std::vector<std::unique_ptr<net::steady_timer>>& timers,
           SteadyClock::duration delay, Fn fn) {
  timers.push_back(std::make_unique<net::steady_timer>(ioc, delay));
  timers.back()->async_wait([fn](error_code ec) {
    if (!ec) {
      fn();
    }
  });
}

// §5: a read past its deadline ends as a timeout, and the socket stays open so that the
// client can still be told (T-4's 408).
TEST_F(RouterDeadline, AReadPastItsDeadlineIsATimeoutAndTheSocketStaysOpen) {
  auto [ours, peer] = connected(ioc);
  Stream s(sweeper, std::move(ours));
  const auto set_at = SteadyClock::now();
  s.expires_after(150ms);
  Read r;
  r.start(s, set_at);
  ioc.run_for(5s);
  ASSERT_TRUE(r.ec);
  EXPECT_EQ(*r.ec, net::error::timed_out);
  EXPECT_GE(r.took, 150ms);
  EXPECT_LT(r.took, 2s);
  ASSERT_TRUE(s.socket().is_open());
  net::write(s.socket(), net::buffer(std::string_view("408")));
  std::array<char, 3> got{};
  net::read(peer, net::buffer(got));
  EXPECT_EQ(std::string_view(got.data(), got.size()), "408");
}

// Moving a deadline later (what almost every operation does) keeps the read alive past the
// old one; moving it earlier makes the earlier one count.
TEST_F(RouterDeadline, TheLastDeadlineSetIsTheOneThatCounts) {
  auto [ours, peer] = connected(ioc);
  auto [ours2, peer2] = connected(ioc);
  Stream later(sweeper, std::move(ours));
  Stream earlier(sweeper, std::move(ours2));
  std::vector<std::unique_ptr<net::steady_timer>> timers;

  later.expires_after(150ms);
  Read a;
  a.start(later);
  after(ioc, timers, 50ms, [&] { later.expires_after(1s); });
  after(ioc, timers, 400ms, [&] { net::write(peer, net::buffer(std::string_view("late"))); });

  earlier.expires_after(10s);
  Read b;
  b.start(earlier);
  after(ioc, timers, 50ms, [&] { earlier.expires_after(150ms); });

  ioc.run_for(5s);
  ASSERT_TRUE(a.ec);
  EXPECT_FALSE(*a.ec) << a.ec->message();
  EXPECT_EQ(std::string_view(a.buf.data(), a.n), "late");
  ASSERT_TRUE(b.ec);
  EXPECT_EQ(*b.ec, net::error::timed_out);
  EXPECT_GE(b.took, 200ms);
  EXPECT_LT(b.took, 2s);
}

// One timer serves every socket of the thread: each still times out at its own deadline,
// and a socket with none (expires_never) is left alone.
TEST_F(RouterDeadline, EachSocketTimesOutAtItsOwnDeadline) {
  std::vector<Socket> peers;
  std::vector<std::unique_ptr<Stream>> streams;
  const std::array<std::chrono::milliseconds, 4> deadlines{600ms, 200ms, 400ms, 0ms};
  std::array<Read, 4> reads;
  for (std::size_t i = 0; i < deadlines.size(); ++i) {
    auto [ours, peer] = connected(ioc);
    peers.push_back(std::move(peer));
    streams.push_back(std::make_unique<Stream>(sweeper, std::move(ours)));
    const auto set_at = SteadyClock::now();
    if (deadlines[i] > 0ms) {
      streams[i]->expires_after(deadlines[i]);
    } else {
      streams[i]->expires_never();
    }
    reads[i].start(*streams[i], set_at);
  }
  ioc.run_for(1500ms);
  for (std::size_t i = 0; i < 3; ++i) {
    ASSERT_TRUE(reads[i].ec) << i;
    EXPECT_EQ(*reads[i].ec, net::error::timed_out) << i;
    EXPECT_GE(reads[i].took, deadlines[i]) << i;
    EXPECT_LT(reads[i].took, deadlines[i] + 150ms) << i;
  }
  EXPECT_FALSE(reads[3].ec) << "no deadline: still waiting";
  streams[3]->socket().close();
  ioc.run_for(500ms);
  EXPECT_TRUE(reads[3].ec);
}

// Router::stop(): the clients waiting for their next request are closed, the others are not.
TEST_F(RouterDeadline, CloseIdleClosesOnlyTheClientsBetweenRequests) {
  auto [ours, peer] = connected(ioc);
  auto [ours2, peer2] = connected(ioc);
  Stream idle(sweeper, std::move(ours));
  Stream busy(sweeper, std::move(ours2));
  idle.set_idle(true);
  idle.expires_after(10s);
  busy.expires_after(10s);
  Read a, b;
  a.start(idle);
  b.start(busy);
  net::post(ioc, [&] { sweeper.close_idle(); });
  ioc.run_for(300ms);
  ASSERT_TRUE(a.ec);
  EXPECT_NE(*a.ec, net::error::timed_out);
  EXPECT_FALSE(idle.socket().is_open());
  EXPECT_FALSE(b.ec);
  EXPECT_TRUE(busy.socket().is_open());
  busy.socket().close();
  ioc.run_for(300ms);
}

}  // namespace
}  // namespace lokku::router
