#pragma once

#include "common/asio.hpp"

#include <boost/asio/awaitable.hpp>
#include <boost/asio/buffer.hpp>
#include <boost/system/error_code.hpp>

#include <chrono>
#include <cstddef>

namespace lokku::dyno {

/// The client of an attached one-off dyno (`heroku run`, RUN-1..3): the terminal's bytes
/// both ways. The platform implements it over its rendezvous connection; the dyno relays
/// between it and the command's terminal.
class Attachment {
 public:
  virtual ~Attachment() = default;

  /// Completes true once the client has connected, false after `limit` without one (R13).
  virtual net::awaitable<bool> wait_for_client(std::chrono::nanoseconds limit) = 0;
  /// Some bytes the client sent; `ec` is set once it has gone.
  virtual net::awaitable<std::size_t> read(net::mutable_buffer buffer,
                                           boost::system::error_code& ec) = 0;
  /// Writes all of `buffer` to the client; `ec` is set when it has gone.
  virtual net::awaitable<void> write(net::const_buffer buffer, boost::system::error_code& ec) = 0;
  /// The output is over: tells the client and disconnects (a read in progress ends).
  virtual net::awaitable<void> finish() = 0;
  /// The dyno is stopped before its command ran: a wait in progress completes false.
  virtual void cancel() = 0;

  bool tty = true;  ///< a pseudo-terminal (Heroku's default) or plain bytes (`--no-tty`)
  unsigned short columns = 80;
  unsigned short rows = 24;
};

}  // namespace lokku::dyno
