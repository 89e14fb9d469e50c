#pragma once
// A log drain's URL (drains-webhooks-metrics.md §2.1): where its lines go and how.

#include <optional>
#include <string>
#include <string_view>

namespace lokku::drains {

struct DrainUrl {
  enum class Kind { http, syslog };
  std::string text;  ///< as given
  Kind kind = Kind::http;
  bool tls = false;
  std::string host;
  std::string port;
  std::string target;         ///< http: path and query (`/` when empty)
  std::string authorization;  ///< http: `Basic …` from the URL's user info, or empty
};

/// Accepts `http://`, `https://`, `syslog://` (also `syslog+tcp://`, `tcpsyslog://`) and
/// `syslog+tls://` URLs with a host; a syslog URL needs a port. Throws std::invalid_argument
/// saying what is wrong (Logplex also knows UDP syslog, which lokku does not deliver, so it
/// refuses it rather than take lines it would lose).
DrainUrl parse_drain_url(std::string_view text);

/// Why `text` cannot be a drain, in Heroku's words (`Url is invalid: ...`), for `drains:add`
/// and `POST /apps/{app}/log-drains` alike; nullopt when it can.
std::optional<std::string> drain_url_problem(std::string_view text);

}  // namespace lokku::drains
