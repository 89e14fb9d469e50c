#include "platform/rendezvous.hpp"

#include "common/ids.hpp"
#include "platform/local_ca.hpp"
#include "store/files.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/read_until.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <fmt/format.h>

#include <stdexcept>

namespace lokku::platform {

namespace {

using tcp = net::ip::tcp;
using TlsStream = net::ssl::stream<tcp::socket>;
using boost::system::error_code;

constexpr auto kHandshakeLimit = std::chrono::seconds(10);
constexpr auto kShutdownLimit = std::chrono::seconds(2);
/// At the end of the output, how long to wait for the end of the client's input: the CLI
/// writes an EOT when its (piped) stdin ends and fails if the connection is gone by then.
constexpr auto kInputEndLimit = std::chrono::milliseconds(300);

/// Closes the connection if `guard` expires (after `limit`) before it is cancelled.
void close_on_expiry(net::steady_timer& guard, std::chrono::nanoseconds limit,
                     const std::shared_ptr<TlsStream>& stream) {
  guard.expires_after(limit);
  guard.async_wait([weak = std::weak_ptr<TlsStream>(stream)](error_code e) {
    if (auto s = weak.lock(); s && !e) {
      error_code ignored;
      s->next_layer().close(ignored);
    }
  });
}

/// One expected client: waits for its connection, then carries the terminal's bytes.
class Client final : public dyno::Attachment {
 public:
  explicit Client(net::any_io_executor ex) : ex_(ex), arrived_(ex), input_end_(ex) {}
  ~Client() override { close(); }

  /// Still waiting for its connection.
  bool expecting() const { return !stream_ && !given_up_; }

  void connect(std::shared_ptr<TlsStream> stream, std::string early) {
    stream_ = std::move(stream);
    early_ = std::move(early);
    arrived_.cancel();
  }

  net::awaitable<bool> wait_for_client(std::chrono::nanoseconds limit) override {
    if (!stream_ && !given_up_) {
      arrived_.expires_after(limit);
      error_code ec;
      co_await arrived_.async_wait(net::redirect_error(net::use_awaitable, ec));
    }
    if (!stream_) {
      given_up_ = true;  // the secret is void from now on
    }
    co_return stream_ != nullptr && !given_up_;
  }

  net::awaitable<std::size_t> read(net::mutable_buffer buffer, error_code& ec) override {
    if (!early_.empty()) {
      std::size_t n = net::buffer_copy(buffer, net::buffer(early_));
      early_.erase(0, n);
      co_return n;
    }
    if (!stream_ || finished_) {
      ec = net::error::eof;
      co_return 0;
    }
    auto keep = stream_;
    std::size_t n =
        co_await keep->async_read_some(buffer, net::redirect_error(net::use_awaitable, ec));
    if (ec || (n > 0 && static_cast<const char*>(buffer.data())[n - 1] == '\x04')) {
      input_ended_ = true;
      input_end_.cancel();
    }
    co_return n;
  }

  net::awaitable<void> write(net::const_buffer buffer, error_code& ec) override {
    if (!stream_ || finished_) {
      ec = net::error::not_connected;
      co_return;
    }
    auto keep = stream_;
    co_await net::async_write(*keep, buffer, net::redirect_error(net::use_awaitable, ec));
  }

  net::awaitable<void> finish() override {
    if (!stream_ || finished_) {
      co_return;
    }
    auto keep = stream_;
    error_code ec;
    if (!input_ended_) {
      input_end_.expires_after(kInputEndLimit);
      co_await input_end_.async_wait(net::redirect_error(net::use_awaitable, ec));
    }
    finished_ = true;
    keep->next_layer().cancel(ec);  // the input relay's read ends (the output is over)
    co_await net::post(ex_, net::use_awaitable);
    // close_notify, so the client reads the end of the output as a clean end.
    net::steady_timer guard(ex_);
    close_on_expiry(guard, kShutdownLimit, keep);
    co_await keep->async_shutdown(net::redirect_error(net::use_awaitable, ec));
    guard.cancel();
    close();
  }

  void cancel() override {
    given_up_ = true;
    arrived_.cancel();
    close();
  }

 private:
  void close() {
    if (stream_) {
      error_code ec;
      stream_->next_layer().close(ec);
    }
  }

  net::any_io_executor ex_;
  net::steady_timer arrived_;
  net::steady_timer input_end_;  ///< cancelled when the client's input ends
  bool input_ended_ = false;
  std::shared_ptr<TlsStream> stream_;
  std::string early_;  ///< what the client sent right after its secret
  bool given_up_ = false;
  bool finished_ = false;
};

}  // namespace

struct Rendezvous::Impl : std::enable_shared_from_this<Impl> {
  Impl(net::any_io_executor e, const fs::path& home)
      : ex(e), ctx(net::ssl::context::tls_server), acceptor(e) {
    auto cert = ensure_certificate(home, "rendezvous", "IP:127.0.0.1,DNS:localhost");
    ctx.set_options(net::ssl::context::default_workarounds | net::ssl::context::no_sslv2 |
                    net::ssl::context::no_sslv3 | net::ssl::context::no_tlsv1 |
                    net::ssl::context::no_tlsv1_1);
    ctx.use_certificate_chain_file(cert.cert.string());
    ctx.use_private_key_file(cert.key.string(), net::ssl::context::pem);
    tcp::endpoint ep(net::ip::make_address("127.0.0.1"), 0);
    acceptor.open(ep.protocol());
    acceptor.bind(ep);
    acceptor.listen();
    port = acceptor.local_endpoint().port();
  }

  net::awaitable<void> accept() {
    auto self = shared_from_this();
    for (;;) {
      error_code ec;
      tcp::socket sock =
          co_await acceptor.async_accept(net::redirect_error(net::use_awaitable, ec));
      if (ec == net::error::operation_aborted || !acceptor.is_open()) {
        co_return;
      }
      if (!ec) {
        net::co_spawn(ex, greet(std::move(sock)), net::detached);
      }
    }
  }

  /// TLS, then `SECRET\r\n`; a known secret gets its first chunk and its dyno.
  net::awaitable<void> greet(tcp::socket sock) {
    auto self = shared_from_this();
    auto stream = std::make_shared<TlsStream>(std::move(sock), ctx);
    net::steady_timer guard(ex);
    close_on_expiry(guard, kHandshakeLimit, stream);
    error_code ec;
    co_await stream->async_handshake(net::ssl::stream_base::server,
                                     net::redirect_error(net::use_awaitable, ec));
    if (ec) {
      co_return;
    }
    std::string line;
    co_await net::async_read_until(*stream, net::dynamic_buffer(line, 512), "\r\n",
                                   net::redirect_error(net::use_awaitable, ec));
    guard.cancel();
    if (ec) {
      co_return;
    }
    auto end = line.find("\r\n");
    auto it = expected.find(line.substr(0, end));
    if (it == expected.end()) {
      co_return;  // an unknown or used secret: the connection just closes
    }
    auto client = it->second.lock();
    expected.erase(it);
    if (!client || !client->expecting()) {
      co_return;
    }
    // The client discards the first chunk it receives.
    static constexpr std::string_view kHello = "rendezvous\r\n";
    co_await net::async_write(*stream, net::buffer(kHello.data(), kHello.size()),
                              net::redirect_error(net::use_awaitable, ec));
    if (!ec) {
      client->connect(std::move(stream), line.substr(end + 2));
    }
  }

  net::any_io_executor ex;
  net::ssl::context ctx;
  tcp::acceptor acceptor;
  unsigned port = 0;
  std::map<std::string, std::weak_ptr<Client>> expected;
};

Rendezvous::Rendezvous(net::any_io_executor ex, const fs::path& home)
    : impl_(std::make_shared<Impl>(ex, home)) {
  net::co_spawn(ex, impl_->accept(), net::detached);
}

Rendezvous::~Rendezvous() {
  stop();
}

unsigned Rendezvous::port() const {
  return impl_->port;
}

void Rendezvous::stop() {
  error_code ec;
  impl_->acceptor.close(ec);
}

Rendezvous::Expected Rendezvous::expect(bool tty, unsigned short columns, unsigned short rows) {
  for (auto it = impl_->expected.begin(); it != impl_->expected.end();) {
    it = it->second.expired() ? impl_->expected.erase(it) : std::next(it);
  }
  auto client = std::make_shared<Client>(impl_->ex);
  client->tty = tty;
  client->columns = columns;
  client->rows = rows;
  std::string secret = common::random_hex(32);
  impl_->expected[secret] = client;
  return {client, fmt::format("rendezvous://127.0.0.1:{}/{}", impl_->port, secret)};
}

}  // namespace lokku::platform
