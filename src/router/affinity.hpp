#pragma once
// Session affinity (router.md AFF-1..7), pure: the `heroku-session-affinity` cookie, signed
// with a secret of this router instance, and the choice of a client's dyno by rendezvous
// hashing over the web dynos its cookie names, so that scaling moves as few clients as
// possible and never moves them onto new dynos (AFF-6).

#include "router/balancer.hpp"

#include <chrono>
#include <optional>
#include <random>
#include <string>
#include <string_view>
#include <vector>

namespace lokku::router {

inline constexpr std::string_view kAffinityCookie = "heroku-session-affinity";

struct AffinityCookie {
  std::string seed;                ///< the client's hash key (16 hex digits)
  std::vector<std::string> dynos;  ///< the web dynos when it was issued (AFF-4)
  bool operator==(const AffinityCookie&) const = default;
};

class AffinitySigner {
 public:
  explicit AffinitySigner(std::string secret) : secret_(std::move(secret)) {}
  /// AFF-4: base64 (standard alphabet, `=` padding as `_`) of a 2-byte length, the payload
  /// and a 20-byte HMAC-SHA256 trailer.
  std::string encode(const AffinityCookie& cookie) const;
  /// nullopt for anything not made by this signer (absent, malformed, tampered: AFF-4).
  std::optional<AffinityCookie> decode(std::string_view value) const;

 private:
  std::string secret_;
};

/// The value of cookie `name` in a Cookie header (`a=1; b=2`), if present.
std::optional<std::string_view> find_cookie(std::string_view header, std::string_view name);

/// AFF-6: the usable dyno (up, not quarantined, not tried) of the cookie's set with the
/// highest rendezvous weight for the cookie's seed; nullopt when none of its dynos is usable.
std::optional<std::size_t> pick_affine(const common::WebDynoTable& table,
                                       const AffinityCookie& cookie, const Quarantine& q,
                                       const Tried& tried, Clock::time_point now);

/// AFF-5: a cookie for a new client: a fresh seed and the table's web dynos that are up or
/// starting.
AffinityCookie new_affinity_cookie(const common::WebDynoTable& table, std::mt19937_64& rng);

/// AFF-6: the cookie without the dynos that left the table (an updated cookie).
AffinityCookie prune_cookie(const AffinityCookie& cookie, const common::WebDynoTable& table);

/// AFF-3: `heroku-session-affinity=<v>; Version=1; Expires=<+24 h>; Max-Age=86400;
/// Domain=<host>; Path=/; HttpOnly`.
std::string affinity_set_cookie(std::string_view value, std::string_view host,
                                std::chrono::system_clock::time_point now);

}  // namespace lokku::router
