#include "webhooks/webhook_rules.hpp"

#include <boost/url/parse.hpp>
#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>

namespace lokku::webhooks {

const std::vector<std::string>& entities() {
  static const std::vector<std::string> all = {
      "api:addon-attachment",
      "api:addon",
      "api:app",
      "api:build",
      "api:collaborator",
      "api:domain",
      "api:dyno",
      "api:formation",
      "api:release",
      "api:sni-endpoint",
      "dyno",
      "alert"};  // lokku's own: a threshold alert fired or was resolved
  return all;
}

std::string webhook_problem(const std::string& url, const std::vector<std::string>& include,
                            const std::string& level) {
  auto parsed = boost::urls::parse_absolute_uri(url);
  if (!parsed || (parsed->scheme() != "http" && parsed->scheme() != "https") ||
      parsed->host().empty()) {
    return fmt::format("Url must be an http or https URL, not {}", url);
  }
  if (level != "notify" && level != "sync") {
    return fmt::format("Level must be notify or sync, not {}", level);
  }
  if (include.empty()) {
    return "Include must name at least one entity (" +
           fmt::format("{}", fmt::join(entities(), ", ")) + ")";
  }
  for (const auto& e : include) {
    if (std::find(entities().begin(), entities().end(), e) == entities().end()) {
      return fmt::format("Include has an unknown entity {}; the entities are {}", e,
                         fmt::join(entities(), ", "));
    }
  }
  return {};
}

std::string make_secret() {
  std::array<unsigned char, 30> bytes{};
  RAND_bytes(bytes.data(), static_cast<int>(bytes.size()));
  std::string out;
  for (auto b : bytes) {
    out += fmt::format("{:02x}", b);
  }
  return out;
}

std::string signature(std::string_view secret, std::string_view body) {
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int size = 0;
  HMAC(EVP_sha256(), secret.data(), static_cast<int>(secret.size()),
       reinterpret_cast<const unsigned char*>(body.data()), body.size(), mac, &size);
  std::string out(4 * ((size + 2) / 3), '\0');
  EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()), mac, static_cast<int>(size));
  return out;
}

std::chrono::seconds retry_delay(int attempts) {
  const int doublings = std::clamp(attempts - 1, 0, 12);
  return std::min(std::chrono::seconds(1 << doublings), std::chrono::seconds(3600));
}

}  // namespace lokku::webhooks
