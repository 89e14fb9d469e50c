#pragma once
// App webhooks' rules (drains-webhooks-metrics.md §3): the entities a webhook may include,
// its levels, its URL, the signature of a delivery and the retries of a `sync` one.

#include <chrono>
#include <string>
#include <string_view>
#include <vector>

namespace lokku::webhooks {

/// The entities Heroku's webhooks notify of (§3.3), and lokku's `alert`.
const std::vector<std::string>& entities();

/// Why a webhook cannot be made with these values (Heroku's words where it has them); empty
/// when it can.
std::string webhook_problem(const std::string& url, const std::vector<std::string>& include,
                            const std::string& level);

/// A signing secret as Heroku makes them: 60 hexadecimal digits.
std::string make_secret();

/// `Heroku-Webhook-Hmac-SHA256`: base64 of HMAC-SHA256(secret, body).
std::string signature(std::string_view secret, std::string_view body);

/// A `sync` delivery that failed is tried again, sooner first: after 1 s, 2 s, 4 s, ... up
/// to an hour, then hourly (180 tries over seven days, Heroku's old figure, is twelve doubled
/// waits and then hourly ones), for at most kRetryFor from its event (Heroku's rule since
/// 2023). `attempts`: the tries made so far (≥ 1).
std::chrono::seconds retry_delay(int attempts);
inline constexpr std::chrono::hours kRetryFor{72};

}  // namespace lokku::webhooks
