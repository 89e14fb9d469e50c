#pragma once
// The dashboard's own pages (issue #24), served by the Platform API's server before its
// endpoints: the login page, the page that loads the front-end, and the front-end's files
// (built from src/dashboard/web at build time). Everything else the page shows it reads from
// the Platform API itself, with the session's cookie (sessions.hpp).

#include "api/message.hpp"
#include "api/route_table.hpp"
#include "dashboard/sessions.hpp"

#include <filesystem>
#include <optional>

namespace lokku::dashboard {

class Dashboard {
 public:
  /// `assets`: the built front-end (app.js, app.css); when missing, the page says how to build
  /// it.
  Dashboard(Sessions& sessions, std::filesystem::path assets);

  /// The answer to `r` when its path is one of the dashboard's (`/`, `/login`, `/logout`,
  /// `/assets/…`), else nothing: the request is the API's.
  std::optional<api::Response> handle(const api::Request& r) const;

 private:
  using Handler = api::Response (Dashboard::*)(const api::Request&, const api::PathParams&) const;
  api::Response home(const api::Request& r, const api::PathParams&) const;
  api::Response login_page(const api::Request& r, const api::PathParams&) const;
  api::Response login(const api::Request& r, const api::PathParams&) const;
  api::Response logout(const api::Request& r, const api::PathParams&) const;
  api::Response asset(const api::Request& r, const api::PathParams& p) const;

  Sessions& sessions_;
  const std::filesystem::path assets_;
  api::RouteTable<Handler> routes_;
};

/// Whether the request comes from another site (sessions.hpp's cross_site, read from its
/// Origin, Sec-Fetch-Site and Host).
bool from_another_site(const api::Request& r);

/// The headers every page of the dashboard carries: its content type, and what keeps other
/// sites out (no framing, scripts and styles from lokku only, no sniffing, no referrer to
/// another site).
std::vector<std::pair<std::string, std::string>> page_headers(std::string content_type);

}  // namespace lokku::dashboard
