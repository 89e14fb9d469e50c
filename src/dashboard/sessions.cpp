#include "dashboard/sessions.hpp"

#include "common/ids.hpp"

#include <algorithm>

namespace lokku::dashboard {

Sessions::Sessions(std::string token, Clock clock)
    : token_(std::move(token)), clock_(std::move(clock)) {}

std::optional<Session> Sessions::login(std::string_view token) {
  if (token_.empty() || !common::constant_time_equal(token, token_)) {
    return std::nullopt;
  }
  Session s{common::random_hex(32), common::random_hex(32)};
  const auto now = clock_();
  std::lock_guard lock(mu_);
  std::erase_if(entries_, [&](const auto& e) { return now - e.second.used >= kIdle; });
  if (entries_.size() >= kMax) {
    auto oldest = std::min_element(
        entries_.begin(), entries_.end(),
        [](const auto& a, const auto& b) { return a.second.used < b.second.used; });
    entries_.erase(oldest);
  }
  entries_.emplace(s.id, Entry{s.csrf, now});
  return s;
}

std::optional<Session> Sessions::find(std::string_view cookie_header) {
  auto id = cookie_value(cookie_header, kCookie);
  if (!id || id->size() != 64) {
    return std::nullopt;
  }
  const auto now = clock_();
  std::lock_guard lock(mu_);
  auto it = entries_.find(*id);
  if (it == entries_.end()) {
    return std::nullopt;
  }
  if (now - it->second.used >= kIdle) {
    entries_.erase(it);
    return std::nullopt;
  }
  it->second.used = now;
  return Session{it->first, it->second.csrf};
}

void Sessions::logout(std::string_view cookie_header) {
  if (auto id = cookie_value(cookie_header, kCookie)) {
    std::lock_guard lock(mu_);
    if (auto it = entries_.find(*id); it != entries_.end()) {
      entries_.erase(it);
    }
  }
}

std::string Sessions::set_cookie(const Session& s) {
  return std::string(kCookie) + "=" + s.id + "; Path=/; HttpOnly; SameSite=Strict";
}

std::string Sessions::clear_cookie() {
  return std::string(kCookie) + "=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0";
}

std::optional<std::string> Sessions::cookie_value(std::string_view header, std::string_view name) {
  while (!header.empty()) {
    auto end = header.find(';');
    auto pair = header.substr(0, end);
    header = end == std::string_view::npos ? std::string_view() : header.substr(end + 1);
    while (!pair.empty() && (pair.front() == ' ' || pair.front() == '\t')) {
      pair.remove_prefix(1);
    }
    auto eq = pair.find('=');
    if (eq != std::string_view::npos && pair.substr(0, eq) == name) {
      auto value = pair.substr(eq + 1);
      while (!value.empty() && (value.back() == ' ' || value.back() == '\t')) {
        value.remove_suffix(1);
      }
      return std::string(value);
    }
  }
  return std::nullopt;
}

namespace {

std::string_view authority_of(std::string_view origin) {
  auto scheme = origin.find("://");
  return scheme == std::string_view::npos ? std::string_view() : origin.substr(scheme + 3);
}

bool iequal(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) ==
                  std::tolower(static_cast<unsigned char>(y));
         });
}

}  // namespace

bool cross_site(std::string_view origin, std::string_view sec_fetch_site, std::string_view host) {
  if (!sec_fetch_site.empty() && sec_fetch_site != "same-origin" && sec_fetch_site != "none") {
    return true;
  }
  if (origin.empty()) {
    return false;
  }
  // `Origin: null` (a sandboxed frame, a redirect across sites) is another site too.
  return !iequal(authority_of(origin), host);
}

}  // namespace lokku::dashboard
