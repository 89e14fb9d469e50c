#pragma once
// The dashboard's logins (issue #24): the API token, pasted once into the login page, buys a
// session, kept in a cookie (HttpOnly, SameSite=Strict) that stands for the token in the
// Platform API's requests. A session also has a CSRF token, which the page sends back with
// every request that changes something; a request from another site has neither.

#include <chrono>
#include <cstddef>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

namespace lokku::dashboard {

struct Session {
  std::string id;    ///< the cookie's value: 32 random bytes, hex
  std::string csrf;  ///< what the page sends as X-CSRF-Token: 32 more
};

class Sessions {
 public:
  using Clock = std::function<std::chrono::steady_clock::time_point()>;
  /// The cookie's name.
  static constexpr std::string_view kCookie = "lokku_session";
  /// A session unused this long ends (a new login is asked for).
  static constexpr std::chrono::hours kIdle{12};
  /// At most this many sessions at once; a new login ends the one used least recently.
  static constexpr std::size_t kMax = 64;

  explicit Sessions(std::string token, Clock clock = std::chrono::steady_clock::now);

  /// A new session when `token` is the API token, else nothing.
  std::optional<Session> login(std::string_view token);
  /// The session a request's `Cookie` header names, if it is one of ours and not expired
  /// (a forged or stale cookie finds none); using it keeps it alive.
  std::optional<Session> find(std::string_view cookie_header);
  void logout(std::string_view cookie_header);

  /// `Set-Cookie` for a session, and for ending one.
  static std::string set_cookie(const Session& s);
  static std::string clear_cookie();
  /// The value of `name` in a `Cookie` header (RFC 6265 §5.4: `a=1; b=2`), if present.
  static std::optional<std::string> cookie_value(std::string_view header, std::string_view name);

 private:
  struct Entry {
    std::string csrf;
    std::chrono::steady_clock::time_point used;
  };
  const std::string token_;
  const Clock clock_;
  std::mutex mu_;
  std::map<std::string, Entry, std::less<>> entries_;
};

/// Whether a request comes from another site, from what a browser says of it: an `Origin`
/// other than the `Host` it was sent to (scheme ignored: http and https of one host are one
/// site here), or `Sec-Fetch-Site` other than same-origin / none. A request that says neither
/// (curl, the CLI) is not cross-site.
bool cross_site(std::string_view origin, std::string_view sec_fetch_site, std::string_view host);

}  // namespace lokku::dashboard
