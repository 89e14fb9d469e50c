#include "router/headers.hpp"

#include "common/ids.hpp"

#include <random>

namespace lokku::router {

bool valid_request_id(std::string_view id) {
  if (id.size() < 20 || id.size() > 200) {
    return false;
  }
  for (char c : id) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '+' || c == '/' || c == '=' || c == '-';
    if (!ok) {
      return false;
    }
  }
  return true;
}

namespace {
/// Host names are ASCII: no locale in the way.
constexpr char ascii_lower(char c) {
  return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c;
}
}  // namespace

void new_request_id(std::string& out) {
  // A request id needs to be unique, not secret: a generator per thread, seeded once.
  thread_local std::mt19937_64 rng{std::random_device{}()};
  const std::uint64_t high = rng();
  out.clear();
  common::append_uuid_v4(out, high, rng());
}

std::string append_list(std::string_view existing, std::string_view value) {
  std::string out;
  std::size_t b = existing.find_first_not_of(" \t");
  std::size_t e = existing.find_last_not_of(" \t");
  if (b != std::string_view::npos) {
    out.append(existing.substr(b, e - b + 1));
    out += ", ";
  }
  out += value;
  return out;
}

std::optional<std::string> host_key(std::string_view host) {
  if (host.empty()) {
    return std::nullopt;
  }
  std::string_view name = host;
  if (name.front() == '[') {  // [::1]:5000
    auto close = name.find(']');
    if (close == std::string_view::npos) {
      return std::nullopt;
    }
    name = name.substr(0, close + 1);
  } else if (auto colon = name.rfind(':'); colon != std::string_view::npos) {
    auto port = name.substr(colon + 1);
    for (char c : port) {
      if (c < '0' || c > '9') {
        return std::nullopt;
      }
    }
    name = name.substr(0, colon);
  }
  if (name.empty()) {
    return std::nullopt;
  }
  std::string out(name);
  for (char& c : out) {
    auto u = static_cast<unsigned char>(c);
    if (u <= 0x20 || u >= 0x7f || c == '/' || c == '@') {
      return std::nullopt;
    }
    c = ascii_lower(c);
  }
  return out;
}

bool has_token(std::string_view list, std::string_view token) {
  std::size_t pos = 0;
  while (pos <= list.size()) {
    auto comma = list.find(',', pos);
    auto item =
        list.substr(pos, comma == std::string_view::npos ? std::string_view::npos : comma - pos);
    auto b = item.find_first_not_of(" \t");
    auto e = item.find_last_not_of(" \t");
    if (b != std::string_view::npos && iequals(item.substr(b, e - b + 1), token)) {
      return true;
    }
    if (comma == std::string_view::npos) {
      break;
    }
    pos = comma + 1;
  }
  return false;
}

std::string_view without_chunked(std::string_view value) {
  const auto trim = [](std::string_view v) {
    while (!v.empty() && (v.back() == ' ' || v.back() == '\t')) {
      v.remove_suffix(1);
    }
    while (!v.empty() && (v.front() == ' ' || v.front() == '\t')) {
      v.remove_prefix(1);
    }
    return v;
  };
  const auto comma = value.rfind(',');
  const auto last = trim(comma == std::string_view::npos ? value : value.substr(comma + 1));
  if (!iequals(last, "chunked")) {
    return value;
  }
  return comma == std::string_view::npos ? std::string_view() : trim(value.substr(0, comma));
}

}  // namespace lokku::router
