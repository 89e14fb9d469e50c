#pragma once
// How a log line travels to a drain (drains-webhooks-metrics.md §2.2, §2.3): an RFC 5424
// message, octet-counted (RFC 6587) in a syslog stream or in an HTTPS drain's body.

#include "common/app_log.hpp"

#include <cstddef>
#include <string>
#include <string_view>

namespace lokku::drains {

/// The RFC 5424 PRI of a line, as Heroku's drains carry it: facility local7 for what dynos
/// print, local3 for the router, local0 for the rest of the platform (`heroku[web.1]`), and
/// `app[api]` notices (facility 5, severity 5); severity info otherwise.
int priority(std::string_view source, std::string_view dyno);

/// How a drain frames messages: an HTTPS drain names the host `host` and has no
/// STRUCTURED-DATA field (§2.3); a syslog drain names it by the drain's token and has `-`
/// for it (§2.2).
struct Framing {
  std::string hostname;
  bool structured_data = false;
};

/// `<PRI>1 TIME HOSTNAME APP-NAME PROCID - [- ]MSG\n`.
std::string syslog_message(const common::LogLine& line, const Framing& framing);

/// `L10`: the frame that tells a drain how many messages it lost to a full buffer (§2.4).
std::string overflow_message(common::SystemTime now, std::size_t dropped, common::SystemTime since,
                             const Framing& framing);

/// The line's message octet-counted, appended to `out` with no string of its own (the drains'
/// hot path: every line of a drained app, once per drain): the same bytes as
/// append_octet_counted(out, syslog_message(line, framing)).
void append_syslog_frame(std::string& out, const common::LogLine& line, const Framing& framing);

/// RFC 6587 octet counting: `<LEN> <message>`, LEN counting the message's bytes (its trailing
/// newline included).
void append_octet_counted(std::string& out, std::string_view message);

}  // namespace lokku::drains
