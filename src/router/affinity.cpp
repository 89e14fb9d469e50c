#include "router/affinity.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cstring>
#include <ctime>
#include <openssl/evp.h>
#include <openssl/hmac.h>

namespace lokku::router {

namespace {

constexpr char kB64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
constexpr std::size_t kMacBytes = 20;

std::string b64_encode(std::string_view in) {
  std::string out;
  std::size_t i = 0;
  while (i + 2 < in.size()) {
    unsigned v = (static_cast<unsigned char>(in[i]) << 16) |
                 (static_cast<unsigned char>(in[i + 1]) << 8) |
                 static_cast<unsigned char>(in[i + 2]);
    out += kB64[(v >> 18) & 63];
    out += kB64[(v >> 12) & 63];
    out += kB64[(v >> 6) & 63];
    out += kB64[v & 63];
    i += 3;
  }
  if (i < in.size()) {
    unsigned v = static_cast<unsigned char>(in[i]) << 16;
    if (i + 1 < in.size()) {
      v |= static_cast<unsigned char>(in[i + 1]) << 8;
    }
    out += kB64[(v >> 18) & 63];
    out += kB64[(v >> 12) & 63];
    out += i + 1 < in.size() ? kB64[(v >> 6) & 63] : '_';
    out += '_';  // AFF-4: `=` padding written as `_`
  }
  return out;
}

std::optional<std::string> b64_decode(std::string_view in) {
  if (in.size() % 4 != 0) {
    return std::nullopt;
  }
  std::string out;
  for (std::size_t i = 0; i < in.size(); i += 4) {
    unsigned v = 0;
    int pad = 0;
    for (int k = 0; k < 4; ++k) {
      char c = in[i + static_cast<std::size_t>(k)];
      const char* p = c == '_' ? nullptr : std::strchr(kB64, c);
      if (c == '_') {
        ++pad;
        v <<= 6;
        continue;
      }
      if (!p || c == '\0' || pad > 0) {
        return std::nullopt;
      }
      v = (v << 6) | static_cast<unsigned>(p - kB64);
    }
    out += static_cast<char>((v >> 16) & 0xff);
    if (pad < 2) {
      out += static_cast<char>((v >> 8) & 0xff);
    }
    if (pad < 1) {
      out += static_cast<char>(v & 0xff);
    }
  }
  return out;
}

std::string mac(const std::string& key, std::string_view data) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned len = 0;
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
       reinterpret_cast<const unsigned char*>(data.data()), data.size(), md, &len);
  return std::string(reinterpret_cast<const char*>(md), std::min<std::size_t>(len, kMacBytes));
}

/// Rendezvous (highest random weight) hashing: FNV-1a of seed and name, mixed.
std::uint64_t weight(std::string_view seed, std::string_view name) {
  std::uint64_t h = 1469598103934665603ULL;
  for (char c : seed) {
    h = (h ^ static_cast<unsigned char>(c)) * 1099511628211ULL;
  }
  h = (h ^ 0xff) * 1099511628211ULL;
  for (char c : name) {
    h = (h ^ static_cast<unsigned char>(c)) * 1099511628211ULL;
  }
  h ^= h >> 33;
  h *= 0xff51afd7ed558ccdULL;
  h ^= h >> 33;
  return h;
}

}  // namespace

std::string AffinitySigner::encode(const AffinityCookie& cookie) const {
  std::string payload = cookie.seed;
  for (const auto& d : cookie.dynos) {
    payload += ',' + d;
  }
  std::string framed;
  framed += static_cast<char>((payload.size() >> 8) & 0xff);
  framed += static_cast<char>(payload.size() & 0xff);
  framed += payload;
  framed += mac(secret_, framed);
  return b64_encode(framed);
}

std::optional<AffinityCookie> AffinitySigner::decode(std::string_view value) const {
  auto raw = b64_decode(value);
  if (!raw || raw->size() < 2 + kMacBytes) {
    return std::nullopt;
  }
  std::size_t n =
      (static_cast<unsigned char>((*raw)[0]) << 8) | static_cast<unsigned char>((*raw)[1]);
  if (raw->size() != 2 + n + kMacBytes) {
    return std::nullopt;
  }
  std::string framed = raw->substr(0, 2 + n);
  std::string got = raw->substr(2 + n);
  std::string want = mac(secret_, framed);
  unsigned char diff = 0;
  for (std::size_t i = 0; i < kMacBytes; ++i) {
    diff |= static_cast<unsigned char>(got[i] ^ want[i]);
  }
  if (diff != 0) {
    return std::nullopt;
  }
  AffinityCookie c;
  std::string payload = framed.substr(2);
  std::size_t i = 0;
  bool first = true;
  while (i <= payload.size()) {
    auto j = payload.find(',', i);
    if (j == std::string::npos) {
      j = payload.size();
    }
    auto part = payload.substr(i, j - i);
    if (first) {
      c.seed = part;
      first = false;
    } else if (!part.empty()) {
      c.dynos.push_back(part);
    }
    i = j + 1;
  }
  if (c.seed.empty()) {
    return std::nullopt;
  }
  return c;
}

std::optional<std::string_view> find_cookie(std::string_view header, std::string_view name) {
  std::size_t i = 0;
  while (i < header.size()) {
    auto j = header.find(';', i);
    if (j == std::string_view::npos) {
      j = header.size();
    }
    auto part = header.substr(i, j - i);
    while (!part.empty() && part.front() == ' ') {
      part.remove_prefix(1);
    }
    auto eq = part.find('=');
    if (eq != std::string_view::npos && part.substr(0, eq) == name) {
      auto v = part.substr(eq + 1);
      while (!v.empty() && v.back() == ' ') {
        v.remove_suffix(1);
      }
      return v;
    }
    i = j + 1;
  }
  return std::nullopt;
}

std::optional<std::size_t> pick_affine(const common::WebDynoTable& table,
                                       const AffinityCookie& cookie, const Quarantine& q,
                                       const Tried& tried, Clock::time_point now) {
  std::optional<std::size_t> best;
  std::uint64_t best_weight = 0;
  for (std::size_t i = 0; i < table.dynos.size(); ++i) {
    const auto& d = table.dynos[i];
    if (d.state != common::WebDynoState::up || d.port == 0 || was_tried(tried, d.name) ||
        q.contains(d, now) ||
        std::find(cookie.dynos.begin(), cookie.dynos.end(), d.name) == cookie.dynos.end()) {
      continue;
    }
    auto w = weight(cookie.seed, d.name);
    if (!best || w > best_weight) {
      best = i;
      best_weight = w;
    }
  }
  return best;
}

AffinityCookie new_affinity_cookie(const common::WebDynoTable& table, std::mt19937_64& rng) {
  AffinityCookie c;
  c.seed = fmt::format("{:016x}", rng());
  for (const auto& d : table.dynos) {
    // Only the dynos that can take the client now: one still starting would draw it away
    // from the dyno it was first sent to once it is up (AFF-6: never onto new dynos).
    if (d.state == common::WebDynoState::up) {
      c.dynos.push_back(d.name);
    }
  }
  return c;
}

AffinityCookie prune_cookie(const AffinityCookie& cookie, const common::WebDynoTable& table) {
  AffinityCookie c{cookie.seed, {}};
  for (const auto& name : cookie.dynos) {
    bool present = std::any_of(table.dynos.begin(), table.dynos.end(),
                               [&](const common::WebDyno& d) { return d.name == name; });
    if (present) {
      c.dynos.push_back(name);
    }
  }
  return c;
}

std::string affinity_set_cookie(std::string_view value, std::string_view host,
                                std::chrono::system_clock::time_point now) {
  std::time_t expires = std::chrono::system_clock::to_time_t(now + std::chrono::hours(24));
  std::tm tm{};
  ::gmtime_r(&expires, &tm);
  static constexpr const char* kDays[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
  static constexpr const char* kMonths[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                            "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  return fmt::format(
      "{}={}; Version=1; Expires={}, {:02}-{}-{:04} {:02}:{:02}:{:02} GMT; Max-Age=86400; "
      "Domain={}; Path=/; HttpOnly",
      kAffinityCookie, value, kDays[tm.tm_wday], tm.tm_mday, kMonths[tm.tm_mon], tm.tm_year + 1900,
      tm.tm_hour, tm.tm_min, tm.tm_sec, host);
}

}  // namespace lokku::router
