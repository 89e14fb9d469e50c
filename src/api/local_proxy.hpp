#pragma once
// lokku's local proxy, on the API's port (`HTTPS_PROXY=http://127.0.0.1:<api port>`, set by
// `lokku env`). The official CLI sends a few commands to hosts it hard-codes rather than to
// HEROKU_HOST (`apps:errors` to api.metrics.herokai.com, `ps:autoscale:*` to
// api.metrics.heroku.com, `pipelines:setup`/`ci:run` to kolkrabbi.heroku.com), and once the
// proxy variables are set every request it makes arrives as a CONNECT tunnel. The proxy:
// - passes loopback (127.0.0.0/8, ::1, localhost, *.localhost) straight through to the port
//   asked for, the API's own port included;
// - sends the hard-coded Heroku hosts, on any port, to the API's port, whose certificate
//   (lokku's CA) names them;
// - refuses every other host, with a reason: lokku never reaches the internet.
// CONNECT (authority-form) and plain HTTP proxy requests (absolute-form, as tools that read
// HTTP_PROXY send them) are both taken.

#include "common/asio.hpp"

#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>

#include <array>
#include <string>
#include <string_view>

namespace lokku::api {

/// The hosts the CLI hard-codes that lokku answers itself.
inline constexpr std::array<std::string_view, 3> kProxiedHosts = {
    "api.metrics.herokai.com", "api.metrics.heroku.com", "kolkrabbi.heroku.com"};

/// kProxiedHosts as subject alternative names (`DNS:a,DNS:b,...`) for the API's certificate.
std::string proxied_host_names();

/// Where a proxied request goes, or why it does not.
struct ProxyTarget {
  bool allowed = false;
  std::string address;      ///< 127.0.0.1 or ::1, when allowed
  unsigned short port = 0;  ///< when allowed
  std::string origin_form;  ///< absolute-form only: the path and query to send upstream
  int status = 0;           ///< when refused: 400 (malformed) or 403 (a host lokku does not serve)
  std::string reason;       ///< when refused: one line for the client
};

/// A CONNECT request's target (`host:port`, `[::1]:port`).
ProxyTarget connect_target(std::string_view authority, unsigned api_port);
/// An absolute-form request target (`http://host:port/path?query`).
ProxyTarget absolute_target(std::string_view url, unsigned api_port);
/// Whether a request target is absolute-form (a proxy request) rather than a path.
bool is_absolute_form(std::string_view target);

/// Copies bytes both ways between `a` and `b` until both directions have ended (an end of
/// one direction is passed on as a half-close; an error ends both).
net::awaitable<void> splice(net::ip::tcp::socket& a, net::ip::tcp::socket& b);

}  // namespace lokku::api
