#include "api/local_proxy.hpp"

#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/url/parse.hpp>
#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <charconv>

namespace lokku::api {

using tcp = net::ip::tcp;
using error_code = boost::system::error_code;
namespace urls = boost::urls;

namespace {

std::string lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  if (!out.empty() && out.back() == '.') {
    out.pop_back();  // a fully qualified name: `localhost.`
  }
  return out;
}

ProxyTarget refuse(int status, std::string reason) {
  ProxyTarget t;
  t.status = status;
  t.reason = std::move(reason);
  return t;
}

std::string served_list() {
  std::string s;
  for (auto h : kProxiedHosts) {
    s += (s.empty() ? "" : ", ") + std::string(h);
  }
  return s;
}

/// The decision for a parsed host and port.
ProxyTarget decide(urls::authority_view a, std::string_view port_text, unsigned api_port) {
  const std::string shown = std::string(a.buffer());
  unsigned long port = 0;
  auto parsed = std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
  if (port_text.empty() || parsed.ec != std::errc() ||
      parsed.ptr != port_text.data() + port_text.size() || port == 0 || port > 65535) {
    return refuse(400, fmt::format("lokku's proxy: '{}' has no valid port", shown));
  }
  if (a.host_type() == urls::host_type::name && a.host_name().empty()) {
    return refuse(400, fmt::format("lokku's proxy: '{}' has no host", shown));
  }
  ProxyTarget t;
  t.allowed = true;
  t.port = static_cast<unsigned short>(port);
  switch (a.host_type()) {
    case urls::host_type::ipv4:
      if (a.host_ipv4_address().to_bytes()[0] == 127) {
        t.address = a.host_ipv4_address().to_string();
        return t;
      }
      break;
    case urls::host_type::ipv6:
      if (a.host_ipv6_address().is_loopback()) {
        t.address = "::1";
        return t;
      }
      break;
    case urls::host_type::name: {
      const std::string name = lower(a.host_name());
      if (name == "localhost" ||
          (name.size() > 10 && name.compare(name.size() - 10, 10, ".localhost") == 0)) {
        t.address = "127.0.0.1";
        return t;
      }
      if (std::find(kProxiedHosts.begin(), kProxiedHosts.end(), name) != kProxiedHosts.end()) {
        t.address = "127.0.0.1";
        t.port = static_cast<unsigned short>(api_port);
        return t;
      }
      break;
    }
    default:
      break;
  }
  return refuse(403, fmt::format("lokku's proxy does not reach {}: it serves only loopback "
                                 "(127.0.0.1, ::1, localhost, *.localhost) and {}",
                                 shown, served_list()));
}

}  // namespace

std::string proxied_host_names() {
  std::string s;
  for (auto h : kProxiedHosts) {
    s += (s.empty() ? "DNS:" : ",DNS:") + std::string(h);
  }
  return s;
}

bool is_absolute_form(std::string_view target) {
  return !target.empty() && target.front() != '/' && target.find("://") != std::string_view::npos;
}

ProxyTarget connect_target(std::string_view authority, unsigned api_port) {
  auto a = urls::parse_authority(authority);
  if (!a || a->has_userinfo() || a->host_type() == urls::host_type::none) {
    return refuse(400, fmt::format("lokku's proxy: CONNECT needs host:port, not '{}'",
                                   std::string(authority)));
  }
  return decide(*a, a->port(), api_port);
}

ProxyTarget absolute_target(std::string_view url, unsigned api_port) {
  auto u = urls::parse_absolute_uri(url);
  if (!u || !u->has_authority()) {
    return refuse(400, fmt::format("lokku's proxy: '{}' is not an absolute URL", std::string(url)));
  }
  if (u->scheme_id() != urls::scheme::http) {
    return refuse(400, fmt::format("lokku's proxy forwards plain http:// requests; {} needs a "
                                   "CONNECT tunnel",
                                   std::string(u->scheme())));
  }
  auto a = u->authority();
  const bool has_port = a.has_port() && !a.port().empty();
  auto t = decide(a, has_port ? std::string_view(a.port()) : std::string_view("80"), api_port);
  if (t.allowed) {
    t.origin_form = u->encoded_path().empty() ? std::string("/") : std::string(u->encoded_path());
    if (u->has_query()) {
      t.origin_form += "?" + std::string(u->encoded_query());
    }
  }
  return t;
}

namespace {

using namespace net::experimental::awaitable_operators;

net::awaitable<void> pump(tcp::socket& from, tcp::socket& to) {
  std::array<char, 16384> buf;
  for (;;) {
    error_code ec;
    std::size_t n = co_await from.async_read_some(net::buffer(buf),
                                                  net::redirect_error(net::use_awaitable, ec));
    if (n != 0) {
      error_code wec;
      co_await net::async_write(to, net::buffer(buf.data(), n),
                                net::redirect_error(net::use_awaitable, wec));
      if (wec) {
        // The other side is gone: nothing more to read for it either.
        from.shutdown(tcp::socket::shutdown_receive, wec);
        co_return;
      }
    }
    if (ec) {
      error_code ignored;
      if (ec == net::error::eof) {
        to.shutdown(tcp::socket::shutdown_send, ignored);
      } else {
        to.shutdown(tcp::socket::shutdown_both, ignored);
        from.shutdown(tcp::socket::shutdown_both, ignored);
      }
      co_return;
    }
  }
}

}  // namespace

net::awaitable<void> splice(tcp::socket& a, tcp::socket& b) {
  co_await (pump(a, b) && pump(b, a));
}

}  // namespace lokku::api
