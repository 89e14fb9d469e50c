#include "router/tls_front.hpp"

// GCC 12 at -O2 inlines Asio's coroutine frame allocation (aligned_alloc) and then takes the
// frame's sized operator delete for a mismatch: a false positive (GCC bug 109224).
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"
#endif

#include "router/h2_front.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/write.hpp>
#include <fmt/format.h>

#include <array>
#include <atomic>
#include <cstring>

namespace lokku::router {

namespace ssl = net::ssl;
using boost::system::error_code;
using namespace net::experimental::awaitable_operators;

namespace {

/// ALPN (RFC 7301): `h2` where the context's host may speak it (`arg`: its flag), else
/// `http/1.1`; a client that offers neither gets no protocol named (it speaks HTTP/1.1).
int select_protocol(SSL*, const unsigned char** out, unsigned char* outlen, const unsigned char* in,
                    unsigned inlen, void* arg) {
  static constexpr unsigned char kH2[] = "\x02h2\x08http/1.1";
  static constexpr unsigned char kH1[] = "\x08http/1.1";
  const bool h2 = *static_cast<const bool*>(arg);
  unsigned char* chosen = nullptr;
  if (SSL_select_next_proto(&chosen, outlen, h2 ? kH2 : kH1, h2 ? sizeof kH2 - 1 : sizeof kH1 - 1,
                            in, inlen) != OPENSSL_NPN_NEGOTIATED) {
    return SSL_TLSEXT_ERR_NOACK;
  }
  *out = chosen;
  return SSL_TLSEXT_ERR_OK;
}

std::unique_ptr<ssl::context> server_context(const std::filesystem::path& cert,
                                             const std::filesystem::path& key, const bool* h2) {
  auto ctx = std::make_unique<ssl::context>(ssl::context::tls_server);
  SSL_CTX_set_alpn_select_cb(ctx->native_handle(), select_protocol, const_cast<bool*>(h2));
  ctx->set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 |
                   ssl::context::no_sslv3 | ssl::context::no_tlsv1 | ssl::context::no_tlsv1_1 |
                   ssl::context::single_dh_use);
  error_code ec;
  ctx->use_certificate_chain_file(cert.string(), ec);
  if (ec) {
    throw std::runtime_error(fmt::format("{}: {}", cert.string(), ec.message()));
  }
  ctx->use_private_key_file(key.string(), ssl::context::pem, ec);
  if (ec || SSL_CTX_check_private_key(ctx->native_handle()) != 1) {
    throw std::runtime_error(
        fmt::format("{}: {}", key.string(), ec ? ec.message() : "does not match the certificate"));
  }
  return ctx;
}

auto use_ec(error_code& ec) {
  return net::redirect_error(use_task, ec);
}

}  // namespace

struct TlsCertificates::Impl {
  static constexpr bool kNoH2 = false;
  std::unique_ptr<ssl::context> fallback;
  std::mutex mu;
  /// A host's context, and whether it speaks HTTP/2 (its ALPN callback reads the flag).
  struct Host {
    std::unique_ptr<bool> h2;
    std::shared_ptr<ssl::context> ctx;
  };
  std::map<std::string, Host, std::less<>> by_host;

  /// SNI (OpenSSL's servername callback): the certificate of the name asked for.
  static int on_servername(SSL* ssl, int*, void* arg) {
    auto* self = static_cast<Impl*>(arg);
    const char* name = SSL_get_servername(ssl, TLSEXT_NAMETYPE_host_name);
    if (name == nullptr) {
      return SSL_TLSEXT_ERR_OK;
    }
    std::string host(name);
    for (auto& c : host) {
      c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    }
    std::lock_guard lock(self->mu);
    auto it = self->by_host.find(host);
    if (auto dot = host.find('.'); it == self->by_host.end() && dot != std::string::npos) {
      it = self->by_host.find("*" + host.substr(dot));  // a wildcard domain's (HOST-1)
    }
    if (it != self->by_host.end()) {
      SSL_set_SSL_CTX(ssl, it->second.ctx->native_handle());
    }
    return SSL_TLSEXT_ERR_OK;
  }
};

TlsCertificates::TlsCertificates(const std::filesystem::path& cert,
                                 const std::filesystem::path& key)
    : impl_(std::make_unique<Impl>()) {
  impl_->fallback = server_context(cert, key, &Impl::kNoH2);
  // SSL_CTX_set_tlsext_servername_callback and _arg, which are macros with C casts.
  using Callback = void (*)();
  SSL_CTX_callback_ctrl(impl_->fallback->native_handle(), SSL_CTRL_SET_TLSEXT_SERVERNAME_CB,
                        reinterpret_cast<Callback>(&Impl::on_servername));
  SSL_CTX_ctrl(impl_->fallback->native_handle(), SSL_CTRL_SET_TLSEXT_SERVERNAME_ARG, 0,
               impl_.get());
}

TlsCertificates::~TlsCertificates() = default;

void TlsCertificates::set(const std::string& host, const std::filesystem::path& cert,
                          const std::filesystem::path& key, bool http2) {
  Impl::Host h{std::make_unique<bool>(http2), nullptr};
  h.ctx = server_context(cert, key, h.h2.get());
  std::lock_guard lock(impl_->mu);
  impl_->by_host[host] = std::move(h);
}

void TlsCertificates::remove(const std::string& host) {
  std::lock_guard lock(impl_->mu);
  impl_->by_host.erase(host);
}

struct TlsFront::State : std::enable_shared_from_this<TlsFront::State> {
  State(std::vector<Executor> executors_, std::shared_ptr<TlsCertificates> certificates_,
        TlsFrontOptions o)
      : executors(std::move(executors_))
      , certificates(std::move(certificates_))
      , opts(std::move(o))
      , acceptor(std::make_shared<Acceptor>(executors.front())) {}

  const std::vector<Executor> executors;
  const std::shared_ptr<TlsCertificates> certificates;
  TlsFrontOptions opts;  ///< its port set once bound, before the first connection
  std::shared_ptr<Acceptor> acceptor;
  std::atomic<std::size_t> next{0};
  std::atomic<bool> stopping{false};

  Task<> accept_loop();
  Task<> connection(Socket socket);
};

Task<> TlsFront::State::accept_loop() {
  auto self = shared_from_this();
  for (;;) {
    error_code ec;
    const auto& ex = executors[next++ % executors.size()];
    Socket socket = co_await acceptor->async_accept(ex, use_ec(ec));
    if (ec) {
      if (stopping.load() || !acceptor->is_open()) {
        co_return;
      }
      continue;
    }
    socket.set_option(tcp::no_delay(true), ec);
    net::co_spawn(ex, connection(std::move(socket)), net::detached);
  }
}

Task<> TlsFront::State::connection(Socket socket) {
  auto self = shared_from_this();
  const auto ex = co_await net::this_coro::executor;
  error_code ec;
  const auto peer = socket.remote_endpoint(ec);
  const std::string client = ec ? std::string("unknown") : peer.address().to_string();
  ssl::stream<Socket> tls(std::move(socket), *certificates->impl().fallback);

  // The handshake within the head deadline: a client that says nothing is let go.
  Timer deadline(ex);
  deadline.expires_after(opts.handshake);
  auto handshake = [&]() -> Task<> {
    error_code e;
    co_await tls.async_handshake(ssl::stream_base::server, use_ec(e));
    ec = e;
  };
  auto expire = [&]() -> Task<> {
    error_code e;
    co_await deadline.async_wait(use_ec(e));
    if (!e) {  // not cancelled: the handshake did not end in time
      ec = net::error::timed_out;
    }
  };
  co_await (handshake() || expire());
  if (ec) {
    error_code ignored;
    tls.lowest_layer().close(ignored);
    co_return;
  }
  const std::string_view version = SSL_version(tls.native_handle()) == TLS1_3_VERSION   ? "tls1.3"
                                   : SSL_version(tls.native_handle()) == TLS1_2_VERSION ? "tls1.2"
                                                                                        : "unknown";

  const unsigned char* alpn = nullptr;
  unsigned alpn_len = 0;
  SSL_get0_alpn_selected(tls.native_handle(), &alpn, &alpn_len);
  if (alpn_len == 2 && std::memcmp(alpn, "h2", 2) == 0) {
    H2Options h2;
    h2.inner = tcp::endpoint(net::ip::make_address_v4("127.0.0.1"),
                             static_cast<unsigned short>(opts.inner_port));
    h2.first_line = fmt::format("LOKKU-TLS {} {} {} h2\r\n", client, opts.port, version);
    h2.idle = opts.idle;
    co_await serve_h2(tls, std::move(h2));
    error_code ignored;
    SSL_shutdown(tls.native_handle());
    tls.lowest_layer().close(ignored);
    co_return;
  }

  Socket inner(ex);
  co_await inner.async_connect(tcp::endpoint(net::ip::make_address_v4("127.0.0.1"),
                                             static_cast<unsigned short>(opts.inner_port)),
                               use_ec(ec));
  if (ec) {
    error_code ignored;
    tls.lowest_layer().close(ignored);
    co_return;
  }
  inner.set_option(tcp::no_delay(true), ec);
  const std::string first = fmt::format("LOKKU-TLS {} {} {}\r\n", client, opts.port, version);
  co_await net::async_write(inner, net::buffer(first), use_ec(ec));
  if (ec) {
    co_return;
  }
  // Both ways until either side ends. The router's own deadlines close the inner side of a
  // client that went silent, and that ends the TLS side too.
  auto up = [&]() -> Task<> {
    std::array<char, 16384> buf{};
    for (;;) {
      error_code e;
      const std::size_t n = co_await tls.async_read_some(net::buffer(buf), use_ec(e));
      if (e) {
        break;
      }
      co_await net::async_write(inner, net::buffer(buf.data(), n), use_ec(e));
      if (e) {
        break;
      }
    }
    error_code ignored;
    inner.shutdown(Socket::shutdown_send, ignored);
  };
  auto down = [&]() -> Task<> {
    std::array<char, 16384> buf{};
    for (;;) {
      error_code e;
      const std::size_t n = co_await inner.async_read_some(net::buffer(buf), use_ec(e));
      if (e) {
        break;
      }
      co_await net::async_write(tls, net::buffer(buf.data(), n), use_ec(e));
      if (e) {
        break;
      }
    }
    // The router closed: the client is told (close_notify), then the connection ends, which
    // also ends a read still waiting on it.
    error_code ignored;
    SSL_shutdown(tls.native_handle());
    tls.lowest_layer().shutdown(Socket::shutdown_both, ignored);
    tls.lowest_layer().close(ignored);
  };
  co_await (up() && down());
}

TlsFront::TlsFront(std::vector<Executor> executors, std::shared_ptr<TlsCertificates> certificates,
                   TlsFrontOptions options)
    : state_(std::make_shared<State>(std::move(executors), std::move(certificates),
                                     std::move(options))) {}

TlsFront::~TlsFront() {
  stop();
}

void TlsFront::start() {
  auto& s = *state_;
  port_ = listen_on(*s.acceptor, s.opts.address, s.opts.port, "router (TLS)");
  s.opts.port = port_;  // the client's port, in each connection's first line
  net::co_spawn(s.acceptor->get_executor(), state_->accept_loop(), net::detached);
}

void TlsFront::stop() {
  if (!state_ || state_->stopping.exchange(true)) {
    return;
  }
  if (auto acc = state_->acceptor) {
    net::post(acc->get_executor(), [acc] {
      error_code ec;
      acc->close(ec);
    });
  }
}

}  // namespace lokku::router
