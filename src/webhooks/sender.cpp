// The webhooks' one translation unit that includes Beast.
// GCC 12 at -O2 warns that Asio's coroutine frames are freed with a mismatched operator
// delete: a false positive (GCC bug 109224).
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"
#endif
#include "webhooks/sender.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/url/parse.hpp>

#include <mutex>
#include <openssl/ssl.h>

namespace lokku::webhooks {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = net::ip::tcp;

struct Sender::Impl {
  Impl(const std::string& ca_file, SendTiming t) : timing(t) {
    tls.set_default_verify_paths();
    if (!ca_file.empty()) {
      boost::system::error_code ignored;  // no CA yet: the system's are trusted still
      tls.load_verify_file(ca_file, ignored);
    }
    tls.set_verify_mode(net::ssl::verify_peer);
  }
  SendTiming timing;
  net::ssl::context tls{net::ssl::context::tls_client};
  std::mutex mu;
  bool cancelled = false;              ///< mu
  net::io_context* running = nullptr;  ///< mu: the send under way
};

namespace {

std::string error_class_of(const boost::system::error_code& ec) {
  if (ec == beast::error::timeout || ec == net::error::timed_out) {
    return "Timeout";
  }
  if (ec == net::error::connection_refused) {
    return "ConnectionRefused";
  }
  if (ec == net::error::connection_reset || ec == net::error::eof ||
      ec == http::error::end_of_stream || ec == http::error::partial_message) {
    return "ConnectionClosed";
  }
  if (ec.category() == net::error::get_ssl_category() ||
      ec.category() == net::ssl::error::get_stream_category()) {
    return "TlsError";
  }
  if (ec == net::error::host_not_found || ec == net::error::host_not_found_try_again) {
    return "UnknownHost";
  }
  return "ConnectionError";
}

/// Writes the request and reads the answer, the whole within the request's time.
template <class Stream>
net::awaitable<SendResult> exchange(Stream& stream, beast::tcp_stream& lowest,
                                    const SendTiming& timing,
                                    http::request<http::string_body>& req) {
  lowest.expires_after(timing.request);
  boost::system::error_code ec;
  co_await http::async_write(stream, req, net::redirect_error(net::use_awaitable, ec));
  if (ec) {
    co_return SendResult{std::nullopt, error_class_of(ec), {}};
  }
  beast::flat_buffer buf;
  http::response_parser<http::string_body> res;
  res.body_limit(1 << 20);  // a huge body is not read
  co_await http::async_read(stream, buf, res, net::redirect_error(net::use_awaitable, ec));
  if (ec && ec != http::error::body_limit) {
    co_return SendResult{std::nullopt, error_class_of(ec), {}};
  }
  co_return SendResult{static_cast<int>(res.get().result_int()),
                       {},
                       ec ? std::string() : std::move(res.get().body())};
}

}  // namespace

Sender::Sender(const std::string& ca_file, SendTiming timing)
    : impl_(std::make_unique<Impl>(ca_file, timing)) {}

Sender::~Sender() = default;

SendResult Sender::post(const std::string& url,
                        const std::vector<std::pair<std::string, std::string>>& headers,
                        const std::string& body) {
  return send("POST", url, headers, body);
}

SendResult Sender::send(const std::string& method, const std::string& url,
                        const std::vector<std::pair<std::string, std::string>>& headers,
                        const std::string& body) {
  auto parsed = boost::urls::parse_absolute_uri(url);
  if (!parsed) {
    return {std::nullopt, "InvalidUrl", {}};
  }
  const bool secure = parsed->scheme() == "https";
  const std::string host = parsed->host();
  const std::string port =
      parsed->has_port() ? std::string(parsed->port()) : (secure ? "443" : "80");
  std::string target(parsed->encoded_target());
  if (target.empty()) {
    target = "/";
  }
  net::io_context ioc;
  {
    std::lock_guard lock(impl_->mu);
    if (impl_->cancelled) {
      return {std::nullopt, "Cancelled", {}};
    }
    impl_->running = &ioc;
  }
  SendResult result{std::nullopt, "Cancelled", {}};
  boost::system::error_code ec;
  // Asynchronous operations, so that the time limits (Beast's tcp_stream expiry) hold: its
  // synchronous ones wait for ever on a receiver that accepts and never answers.
  net::co_spawn(
      ioc,
      [&]() -> net::awaitable<SendResult> {
        tcp::resolver resolver(ioc);
        auto endpoints = co_await resolver.async_resolve(
            host, port, net::redirect_error(net::use_awaitable, ec));
        if (ec) {
          co_return SendResult{std::nullopt, error_class_of(ec), {}};
        }
        beast::tcp_stream stream(ioc);
        stream.expires_after(impl_->timing.connect);
        co_await stream.async_connect(endpoints, net::redirect_error(net::use_awaitable, ec));
        if (ec) {
          co_return SendResult{std::nullopt, error_class_of(ec), {}};
        }
        stream.socket().set_option(tcp::no_delay(true), ec);
        http::request<http::string_body> req{http::string_to_verb(method), target, 11};
        req.set(http::field::host, parsed->encoded_host_and_port());
        req.set(http::field::user_agent, "lokku-webhooks");
        req.set(http::field::content_type, "application/json");
        for (const auto& [name, value] : headers) {
          req.set(name, value);
        }
        req.body() = body;
        req.prepare_payload();
        if (!secure) {
          co_return co_await exchange(stream, stream, impl_->timing, req);
        }
        beast::ssl_stream<beast::tcp_stream> tls(std::move(stream), impl_->tls);
        // SNI (a name, not an address); SSL_set_tlsext_host_name is a macro with a C cast.
        boost::system::error_code not_ip;
        net::ip::make_address(host, not_ip);
        if (not_ip && SSL_ctrl(tls.native_handle(), SSL_CTRL_SET_TLSEXT_HOSTNAME,
                               TLSEXT_NAMETYPE_host_name, const_cast<char*>(host.c_str())) != 1) {
          co_return SendResult{std::nullopt, "TlsError", {}};
        }
        tls.set_verify_callback(net::ssl::host_name_verification(host));
        beast::get_lowest_layer(tls).expires_after(impl_->timing.connect);
        co_await tls.async_handshake(net::ssl::stream_base::client,
                                     net::redirect_error(net::use_awaitable, ec));
        if (ec) {
          co_return SendResult{std::nullopt, error_class_of(ec), {}};
        }
        co_return co_await exchange(tls, beast::get_lowest_layer(tls), impl_->timing, req);
      },
      [&](const std::exception_ptr& failed, SendResult r) {
        result = failed ? SendResult{std::nullopt, "ConnectionError", {}} : std::move(r);
      });
  ioc.run();
  std::lock_guard lock(impl_->mu);
  impl_->running = nullptr;
  return result;
}

void Sender::cancel() {
  std::lock_guard lock(impl_->mu);
  impl_->cancelled = true;
  if (impl_->running) {
    impl_->running->stop();
  }
}

}  // namespace lokku::webhooks
