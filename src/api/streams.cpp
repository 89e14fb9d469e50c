#include "api/streams.hpp"

#include "common/ids.hpp"

namespace lokku::api {

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
