#include "api/api.hpp"

#include "api/api_error.hpp"
#include "api/routes.hpp"
#include "common/ids.hpp"
#include "release/error.hpp"
#include "store/files.hpp"

#include <boost/asio/ip/address.hpp>
#include <boost/json/object.hpp>

#include <openssl/evp.h>

namespace lokku::api {

namespace json = boost::json;

std::string load_or_create_token(const store::Store& store) {
  auto path = store.home() / "api-token";
  if (auto text = store::read_file(path)) {
    std::string t = *text;
    while (!t.empty() && (t.back() == '\n' || t.back() == ' ')) {
      t.pop_back();
    }
    if (!t.empty()) {
      return t;
    }
  }
  std::filesystem::create_directories(store.home());
  std::string token = common::random_hex(32);
  store::write_file_atomic(path, token + "\n", 0600);
  return token;
}

Api::Api(store::Store& store, PlatformControl& platform, std::string token, platform::Runtime rt,
         unsigned api_port)
    : store_(store)
    , platform_(platform)
    , token_(std::move(token))
    , rt_(std::move(rt))
    , api_port_(api_port)
    , routes_(make_routes())
    , public_routes_(make_public_routes())
    , sessions_(token_)
    , dashboard_(sessions_, LOKKU_DASHBOARD_ASSETS) {}

Api::~Api() = default;

bool Api::authorized(const std::string& header) const {
  const std::string bearer = "Bearer ";
  if (header.rfind(bearer, 0) == 0) {
    return common::constant_time_equal(header.substr(bearer.size()), token_);
  }
  // Basic base64(":" + token), or any user before the colon: what the CLI's webhooks
  // module sets by default (drains-webhooks-metrics.md §3.1).
  const std::string basic = "Basic ";
  if (header.rfind(basic, 0) != 0) {
    return false;
  }
  const std::string encoded = header.substr(basic.size());
  if (encoded.empty() || encoded.size() % 4 != 0 || encoded.size() > 4096) {
    return false;
  }
  std::string decoded(encoded.size() / 4 * 3, '\0');
  const int n = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(decoded.data()),
                                reinterpret_cast<const unsigned char*>(encoded.data()),
                                static_cast<int>(encoded.size()));
  if (n < 0) {
    return false;
  }
  decoded.resize(static_cast<std::size_t>(n));
  while (!decoded.empty() && decoded.back() == '\0' && encoded.back() == '=') {
    decoded.pop_back();  // EVP_DecodeBlock counts the padding's bytes
  }
  auto colon = decoded.find(':');
  return colon != std::string::npos &&
         common::constant_time_equal(std::string_view(decoded).substr(colon + 1), token_);
}

namespace {

/// Whether an X-Forwarded-For entry is a loopback address (127.0.0.0/8, ::1, or 127.x mapped
/// into IPv6); anything that is not an address is not.
bool loopback(std::string_view entry) {
  while (!entry.empty() && entry.front() == ' ') {
    entry.remove_prefix(1);
  }
  boost::system::error_code ec;
  auto a = boost::asio::ip::make_address(std::string(entry), ec);
  if (ec) {
    return false;
  }
  if (a.is_v6() && a.to_v6().is_v4_mapped()) {
    return boost::asio::ip::make_address_v4(boost::asio::ip::v4_mapped, a.to_v6()).is_loopback();
  }
  return a.is_loopback();
}

}  // namespace

void Api::authorize_session(const Request& r) {
  auto session = sessions_.find(r.header("cookie"));
  if (!session) {
    fail(401, "unauthorized", "Invalid credentials provided.");
  }
  if (r.method == "GET" || r.method == "HEAD") {
    return;
  }
  if (dashboard::from_another_site(r) ||
      !common::constant_time_equal(r.header("x-csrf-token"), session->csrf)) {
    fail(403, "forbidden",
         "This request carries the dashboard's session but not its CSRF token, or comes from "
         "another site: refused.");
  }
}

Response Api::handle(const Request& r) {
  try {
    // The API answers loopback only; through the router (dashboard.localhost), the client
    // the router saw is the last X-Forwarded-For.
    if (auto fwd = r.header("x-forwarded-for"); !fwd.empty()) {
      auto comma = fwd.rfind(',');
      if (!loopback(comma == std::string::npos ? fwd : fwd.substr(comma + 1))) {
        fail(403, "forbidden", "lokku's API and dashboard answer clients on this machine only.");
      }
    }
    if (auto page = dashboard_.handle(r)) {
      return std::move(*page);
    }
    // lokku's own endpoints that a probe reads (the API listens on loopback only).
    if (auto m = public_routes_.match(r.method, r.path); m.handler) {
      Context c{store_, platform_, rt_, api_port_.load(), streams_, jobs_, r, std::move(m.params)};
      return (*m.handler)(c);
    }
    // Auth first: a Bearer token; no token, no answer.
    if (auto header = r.header("authorization"); !header.empty() || r.header("cookie").empty()) {
      if (!authorized(header)) {
        fail(401, "unauthorized", "Invalid credentials provided.");
      }
    } else {
      authorize_session(r);
    }
    auto accept = r.header("accept");
    if (accept.find("application/vnd.heroku+json") == std::string::npos ||
        accept.find("version=3") == std::string::npos) {
      fail(406, "not_acceptable",
           "Please specify a version along with Heroku's API MIME type. For example, "
           "`Accept: application/vnd.heroku+json; version=3`.");
    }
    Response res = route(r);
    if (r.method != "GET") {
      platform_.changed();
    }
    res.headers.emplace_back("Request-Id", common::random_uuid());
    return res;
  } catch (const ApiError& e) {
    return json_response(e.status, json::object{{"id", e.id}, {"message", e.message}});
  } catch (const release::InputError& e) {
    return json_response(422, json::object{{"id", "invalid_params"}, {"message", e.what()}});
  } catch (const std::exception& e) {
    return json_response(500, json::object{{"id", "internal_server_error"},
                                           {"message", std::string("lokku: ") + e.what()}});
  }
}

Response Api::route(const Request& r) {
  auto m = routes_.match(r.method, r.path);
  if (!m.handler) {
    // Heroku answers an unknown verb on a known path the same way.
    fail(404, "not_found",
         "The requested API endpoint was not found. Are you using the right HTTP verb (i.e. "
         "`GET` vs. `POST`), and did you specify your intended version with the `Accept` "
         "header?");
  }
  Context c{store_, platform_, rt_, api_port_.load(), streams_, jobs_, r, std::move(m.params)};
  return (*m.handler)(c);
}

void Api::with_context(const std::function<void(const Context&)>& use) {
  static const Request none;
  const Context c{store_, platform_, rt_, api_port_.load(), streams_, jobs_, none, {}};
  use(c);
}

}  // namespace lokku::api
