#include "api/streams.hpp"

#include "common/ids.hpp"

#include <fmt/format.h>

#include <charconv>
#include <openssl/evp.h>
#include <openssl/hmac.h>

namespace lokku::api {

Streams::Streams() : secret_(common::random_hex(32)) {}

std::string Streams::sign(const std::string& what) const {
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  ::HMAC(EVP_sha256(), secret_.data(), static_cast<int>(secret_.size()),
         reinterpret_cast<const unsigned char*>(what.data()), what.size(), mac, &len);
  std::string hex;
  for (unsigned int i = 0; i < len; ++i) {
    hex += fmt::format("{:02x}", mac[i]);
  }
  return hex;
}

std::string Streams::release_path(const std::string& app, int version) const {
  std::string what = fmt::format("release/{}/{}", app, version);
  return "/streams/" + what + "/" + sign(what);
}

std::string Streams::add(LogSession s) {
  std::string cap = common::random_hex(24);
  std::lock_guard lock(mu_);
  auto now = std::chrono::steady_clock::now();
  std::erase_if(sessions_, [&](const auto& kv) { return kv.second.expires < now; });
  sessions_[cap] = std::move(s);
  return cap;
}

std::optional<LogSession> Streams::take(const std::string& path) {
  const std::string prefix = "/streams/";
  if (path.rfind(prefix, 0) != 0) {
    return std::nullopt;
  }
  std::string cap = path.substr(prefix.size());
  if (cap.rfind("release/", 0) == 0) {  // release/<app>/<version>/<signature>
    auto sig = cap.rfind('/');
    auto what = cap.substr(0, sig);
    auto slash = what.rfind('/');
    int version = 0;
    auto v = what.substr(slash + 1);
    auto [p, ec] = std::from_chars(v.data(), v.data() + v.size(), version);
    if (sig == std::string::npos || slash <= 8 || ec != std::errc() || p != v.data() + v.size() ||
        !common::constant_time_equal(cap.substr(sig + 1), sign(what))) {
      return std::nullopt;
    }
    LogSession s;
    s.app = what.substr(8, slash - 8);
    s.release_version = version;
    return s;
  }
  std::lock_guard lock(mu_);
  auto it = sessions_.find(cap);
  if (it == sessions_.end() || it->second.expires < std::chrono::steady_clock::now()) {
    return std::nullopt;
  }
  LogSession s = it->second;
  sessions_.erase(it);
  return s;
}

}  // namespace lokku::api
