// The webhooks' one translation unit that includes Beast.
#include "webhooks/sender.hpp"

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/url/parse.hpp>

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

template <class Stream>
SendResult exchange(Stream& stream, beast::tcp_stream& lowest, const SendTiming& timing,
                    http::request<http::string_body>& req) {
  boost::system::error_code ec;
  lowest.expires_after(timing.request);
  http::write(stream, req, ec);
  if (ec) {
    return {std::nullopt, error_class_of(ec), {}};
  }
  beast::flat_buffer buf;
  http::response_parser<http::string_body> res;
  res.body_limit(1 << 20);  // a huge body is not read
  http::read(stream, buf, res, ec);
  if (ec && ec != http::error::body_limit) {
    return {std::nullopt, error_class_of(ec), {}};
  }
  return {static_cast<int>(res.get().result_int()),
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
  boost::system::error_code ec;
  tcp::resolver resolver(ioc);
  auto endpoints = resolver.resolve(host, port, ec);
  if (ec) {
    return {std::nullopt, error_class_of(ec), {}};
  }
  beast::tcp_stream stream(ioc);
  stream.expires_after(impl_->timing.connect);
  stream.connect(endpoints, ec);
  if (ec) {
    return {std::nullopt, error_class_of(ec), {}};
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
    return exchange(stream, stream, impl_->timing, req);
  }
  beast::ssl_stream<beast::tcp_stream> tls(std::move(stream), impl_->tls);
  // SNI (a name, not an address); SSL_set_tlsext_host_name is a macro with a C cast.
  boost::system::error_code not_ip;
  net::ip::make_address(host, not_ip);
  if (not_ip && SSL_ctrl(tls.native_handle(), SSL_CTRL_SET_TLSEXT_HOSTNAME,
                         TLSEXT_NAMETYPE_host_name, const_cast<char*>(host.c_str())) != 1) {
    return {std::nullopt, "TlsError", {}};
  }
  tls.set_verify_callback(net::ssl::host_name_verification(host));
  beast::get_lowest_layer(tls).expires_after(impl_->timing.connect);
  tls.handshake(net::ssl::stream_base::client, ec);
  if (ec) {
    return {std::nullopt, error_class_of(ec), {}};
  }
  return exchange(tls, beast::get_lowest_layer(tls), impl_->timing, req);
}

}  // namespace lokku::webhooks
