#include "platform/rendezvous.hpp"

#include "common/ids.hpp"
#include "store/files.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/read_until.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/ssl.hpp>
// Asio is compiled separately (common/asio_impl.cpp); its SSL part here, its only user.
#include <boost/asio/ssl/impl/src.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <fmt/format.h>

#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509v3.h>
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

[[noreturn]] void openssl_failed(const char* what) {
  throw std::runtime_error(fmt::format("cannot create the rendezvous certificate ({})", what));
}

template <typename T, void (*Free)(T*)>
struct Owned {
  T* p;
  explicit Owned(T* x) : p(x) {}
  ~Owned() {
    if (p) {
      Free(p);
    }
  }
  Owned(const Owned&) = delete;
  Owned& operator=(const Owned&) = delete;
};

std::string pem_of(const std::function<int(BIO*)>& write) {
  Owned<BIO, BIO_free_all> bio(BIO_new(BIO_s_mem()));
  if (!bio.p || write(bio.p) != 1) {
    openssl_failed("PEM");
  }
  char* data = nullptr;
  long n = BIO_get_mem_data(bio.p, &data);
  return std::string(data, static_cast<std::size_t>(n));
}

void add_extension(X509* cert, int nid, const char* value) {
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, cert, cert, nullptr, nullptr, 0);
  Owned<X509_EXTENSION, X509_EXTENSION_free> ext(X509V3_EXT_conf_nid(nullptr, &ctx, nid, value));
  if (!ext.p || X509_add_ext(cert, ext.p, -1) != 1) {
    openssl_failed("extension");
  }
}

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

fs::path ensure_rendezvous_certificate(const fs::path& home) {
  const fs::path dir = home / "tls";
  const fs::path cert_path = dir / "rendezvous.crt";
  const fs::path key_path = dir / "rendezvous.key";
  if (fs::exists(cert_path) && fs::exists(key_path)) {
    return cert_path;
  }
  fs::create_directories(dir);
  Owned<EVP_PKEY, EVP_PKEY_free> key(EVP_EC_gen("P-256"));
  Owned<X509, X509_free> cert(X509_new());
  if (!key.p || !cert.p) {
    openssl_failed("key");
  }
  unsigned char serial[16];
  if (RAND_bytes(serial, sizeof serial) != 1) {
    openssl_failed("random");
  }
  serial[0] &= 0x7f;  // a positive serial number
  Owned<BIGNUM, BN_free> bn(BN_bin2bn(serial, sizeof serial, nullptr));
  X509_set_version(cert.p, 2);
  BN_to_ASN1_INTEGER(bn.p, X509_get_serialNumber(cert.p));
  X509_gmtime_adj(X509_getm_notBefore(cert.p), -60);
  X509_gmtime_adj(X509_getm_notAfter(cert.p), 60L * 60 * 24 * 3650);
  X509_set_pubkey(cert.p, key.p);
  X509_NAME* name = X509_get_subject_name(cert.p);
  X509_NAME_add_entry_by_txt(name, "O", MBSTRING_ASC,
                             reinterpret_cast<const unsigned char*>("lokku"), -1, -1, 0);
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                             reinterpret_cast<const unsigned char*>("lokku rendezvous"), -1, -1, 0);
  X509_set_issuer_name(cert.p, name);
  add_extension(cert.p, NID_subject_alt_name, "IP:127.0.0.1,DNS:localhost");
  add_extension(cert.p, NID_basic_constraints, "critical,CA:FALSE");
  add_extension(cert.p, NID_key_usage, "critical,digitalSignature");
  add_extension(cert.p, NID_ext_key_usage, "serverAuth");
  if (X509_sign(cert.p, key.p, EVP_sha256()) == 0) {
    openssl_failed("sign");
  }
  store::write_file_atomic(key_path, pem_of([&](BIO* b) {
                             return PEM_write_bio_PrivateKey(b, key.p, nullptr, nullptr, 0, nullptr,
                                                             nullptr);
                           }),
                           0600);
  store::write_file_atomic(cert_path,
                           pem_of([&](BIO* b) { return PEM_write_bio_X509(b, cert.p); }));
  return cert_path;
}

struct Rendezvous::Impl : std::enable_shared_from_this<Impl> {
  Impl(net::any_io_executor e, const fs::path& home)
      : ex(e), ctx(net::ssl::context::tls_server), acceptor(e) {
    auto cert = ensure_rendezvous_certificate(home);
    ctx.set_options(net::ssl::context::default_workarounds | net::ssl::context::no_sslv2 |
                    net::ssl::context::no_sslv3 | net::ssl::context::no_tlsv1 |
                    net::ssl::context::no_tlsv1_1);
    ctx.use_certificate_chain_file(cert.string());
    ctx.use_private_key_file((home / "tls" / "rendezvous.key").string(), net::ssl::context::pem);
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
