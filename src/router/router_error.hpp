#pragma once
// Router error codes (router.md §6), the router log line (§7) and the error page (§8), as
// pure functions.

#include <optional>
#include <string>
#include <string_view>

namespace lokku::router {

enum class Code {
  H10,
  H12,
  H13,
  H14,
  H15,
  H17,
  H18,
  H19,
  H20,
  H21,
  H25,
  H26,
  H27,
  H28,
  H33,  ///< Router 2.0: a client broke an HTTP/2 stream off (logged only)
  H80,
  H81,
  H99
};

struct CodeInfo {
  std::string_view name;   ///< "H12"
  std::string_view desc;   ///< "Request timeout"
  int status;              ///< what the client gets (499 = logged only, ERR-1)
  std::string_view level;  ///< at=error|warning|info
};
const CodeInfo& info(Code code);

/// Everything one `heroku[router]` line says (LOG-3). Unset optionals print as `key=`.
struct AccessRecord {
  std::optional<Code> code;
  std::string cause;  ///< H26/H25 `cause="…"`
  std::string method;
  std::string path;  ///< path and query
  std::string host;
  std::string request_id;
  std::string fwd;   ///< the whole X-Forwarded-For sent to the dyno
  std::string dyno;  ///< empty when no dyno was involved
  std::optional<long> connect_ms;
  std::optional<long> service_ms;
  int status = 0;
  std::optional<unsigned long long> bytes;
  /// `http`; over the TLS port, Router 2.0's `http1.1 tls=true tls_version=tls1.3` (the
  /// legacy router's `https`).
  std::string protocol = "http";

  /// Back to the record of a new request, keeping its strings' storage (the router keeps
  /// one per connection).
  void clear();
};

/// The message of a router log line (without timestamp and `heroku[router]:`).
std::string format_access(const AccessRecord& r);
/// format_access(), appended to `out`.
void append_access(std::string& out, const AccessRecord& r);

/// PAGE-1: the HTML page served for every router error; `url` replaces the iframe target
/// when the app sets ERROR_PAGE_URL or MAINTENANCE_PAGE_URL (PAGE-2).
std::string error_page(std::string_view url);
/// The body of ERR-3 (404 for a Host that names no app).
std::string no_such_app_page();
inline constexpr std::string_view kApplicationErrorUrl =
    "//www.herokucdn.com/error-pages/application-error.html";
inline constexpr std::string_view kMaintenanceUrl =
    "//www.herokucdn.com/error-pages/maintenance-mode.html";
inline constexpr std::string_view kNoSuchAppUrl =
    "//www.herokucdn.com/error-pages/no-such-app.html";

}  // namespace lokku::router
