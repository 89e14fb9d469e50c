#pragma once
// The router's sockets and their timeouts. Every I/O operation of the router has a deadline
// (router.md §5), and a request makes several: a timer operation for each would cost more
// than the proxying itself. So each router thread keeps the deadlines of its sockets in one
// list with one timer, set for the earliest; moving a deadline later, which is what almost
// every operation does, is a store.

#include "common/asio.hpp"
#include "router/balancer.hpp"

#include <boost/asio/awaitable.hpp>
#include <boost/asio/basic_socket_acceptor.hpp>
#include <boost/asio/basic_stream_socket.hpp>
#include <boost/asio/basic_waitable_timer.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

namespace lokku::router {

using tcp = net::ip::tcp;

// The router's I/O objects and coroutines run on one io_context per thread, and say so in
// their type: Asio's default, the polymorphic any_io_executor, costs a call through a table
// and a copy of the executor for every operation and every resumption (an eighth of the
// router's instructions per proxied request, by callgrind: 21.7k -> 19.1k without it).
using Executor = net::io_context::executor_type;
using Socket = net::basic_stream_socket<tcp, Executor>;
using Acceptor = net::basic_socket_acceptor<tcp, Executor>;
using Timer = net::basic_waitable_timer<Clock, net::wait_traits<Clock>, Executor>;
template <class T = void>
using Task = net::awaitable<T, Executor>;
inline constexpr net::use_awaitable_t<Executor> use_task;

/// Opens, binds (address reuse on) and listens on `address`:`port`; returns the port bound.
/// Throws std::system_error saying `what` cannot listen there.
unsigned listen_on(Acceptor& acceptor, const std::string& address, unsigned port,
                   std::string_view what);

/// The sockets of one router thread: their deadlines, and which of them are clients waiting
/// for their next request. Used on that thread only.
class Sweeper {
 public:
  explicit Sweeper(const Executor& ex);
  Sweeper(const Sweeper&) = delete;
  Sweeper& operator=(const Sweeper&) = delete;

  /// One socket's place in the list.
  struct Entry {
    Clock::time_point at = Clock::time_point::max();
    bool expired = false;  ///< the deadline passed and cancelled what the socket was doing
    bool idle = false;     ///< a client between requests (closed by close_idle())
    Socket* socket = nullptr;
    Entry* prev = nullptr;
    Entry* next = nullptr;
  };

  void add(Entry& e);
  void remove(Entry& e);
  /// Sets `e`'s deadline (max: none) and clears its expiry.
  void set(Entry& e, Clock::time_point at);
  /// Closes the sockets of the clients waiting for their next request (router shutdown).
  void close_idle();
  /// Destroys the timer (the thread has stopped): the sweeper may outlive its io_context,
  /// its entries not. No deadline fires after this.
  void release_timer();

 private:
  void arm(Clock::time_point at);
  void sweep();

  std::optional<Timer> timer_;
  Clock::time_point armed_ = Clock::time_point::max();
  Entry head_;  ///< sentinel of the circular list
};

/// A TCP socket with a deadline: when it passes, the socket's pending operations end with
/// operation_aborted and settle() turns that into `net::error::timed_out`. The socket stays
/// open, so that a client can still be told why (408). Models Asio's AsyncReadStream and
/// AsyncWriteStream (without the deadline mapping).
class Stream {
 public:
  Stream(Sweeper& sweeper, Socket socket);
  Stream(Sweeper& sweeper, const Executor& ex);
  ~Stream();
  Stream(const Stream&) = delete;
  Stream& operator=(const Stream&) = delete;

  Socket& socket() { return socket_; }

  void expires_after(std::chrono::nanoseconds d) { sweeper_.set(entry_, Clock::now() + d); }
  void expires_at(Clock::time_point at) { sweeper_.set(entry_, at); }
  void expires_never() { sweeper_.set(entry_, Clock::time_point::max()); }
  void set_idle(bool idle) { entry_.idle = idle; }

  /// `ec` as the caller should see it: a timeout when the deadline cancelled the operation.
  boost::system::error_code settle(boost::system::error_code ec) const {
    if (entry_.expired && ec == net::error::operation_aborted) {
      return net::error::timed_out;
    }
    return ec;
  }

  using executor_type = Executor;
  executor_type get_executor() { return socket_.get_executor(); }
  template <class MutableBuffers, class Token>
  auto async_read_some(const MutableBuffers& buffers, Token&& token) {
    return socket_.async_read_some(buffers, std::forward<Token>(token));
  }
  template <class ConstBuffers, class Token>
  auto async_write_some(const ConstBuffers& buffers, Token&& token) {
    return socket_.async_write_some(buffers, std::forward<Token>(token));
  }

 private:
  Sweeper& sweeper_;
  Socket socket_;
  Sweeper::Entry entry_;
};

}  // namespace lokku::router
