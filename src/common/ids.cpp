#include "common/ids.hpp"

#include <fmt/format.h>

#include <array>
#include <cerrno>
#include <ctime>
#include <stdexcept>
#include <sys/random.h>

namespace lokku::common {

namespace {

void fill_random(unsigned char* out, std::size_t n) {
  std::size_t got = 0;
  while (got < n) {
    ssize_t r = ::getrandom(out + got, n - got, 0);
    if (r < 0) {
      if (errno == EINTR) {
        continue;
      }
      throw std::runtime_error("getrandom failed");
    }
    got += static_cast<std::size_t>(r);
  }
}

}  // namespace

std::string random_hex(std::size_t bytes) {
  std::string raw(bytes, '\0');
  fill_random(reinterpret_cast<unsigned char*>(raw.data()), bytes);
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  out.reserve(bytes * 2);
  for (unsigned char c : raw) {
    out += kDigits[c >> 4];
    out += kDigits[c & 0xf];
  }
  return out;
}

std::string random_uuid() {
  std::array<unsigned char, 16> b{};
  fill_random(b.data(), b.size());
  std::uint64_t high = 0, low = 0;
  for (std::size_t i = 0; i < 8; ++i) {
    high = (high << 8) | b[i];
    low = (low << 8) | b[8 + i];
  }
  return uuid_v4(high, low);
}

void append_uuid_v4(std::string& out, std::uint64_t high, std::uint64_t low) {
  high = (high & 0xffffffffffff0fffULL) | 0x0000000000004000ULL;  // version 4
  low = (low & 0x3fffffffffffffffULL) | 0x8000000000000000ULL;    // variant 10
  // 8-4-4-4-12 hex digits: high's 16, then low's 16 (the router makes one per request, so
  // no formatting library and no allocation of its own).
  // Two digits a byte, from a table of all 256.
  static constexpr auto kPairs = [] {
    std::array<char, 512> t{};
    constexpr char kHex[] = "0123456789abcdef";
    for (int b = 0; b < 256; ++b) {
      t[2 * b] = kHex[b >> 4];
      t[2 * b + 1] = kHex[b & 0xf];
    }
    return t;
  }();
  const std::size_t at = out.size();
  out.resize(at + 36);
  char* p = out.data() + at;
  // `bytes` bytes of `word`, from its byte `first` (the most significant is 0).
  auto digits = [&p](std::uint64_t word, int first, int bytes) {
    for (int i = first; i < first + bytes; ++i) {
      const auto b = static_cast<unsigned>(word >> (56 - 8 * i)) & 0xffu;
      *p++ = kPairs[2 * b];
      *p++ = kPairs[2 * b + 1];
    }
  };
  digits(high, 0, 4);
  *p++ = '-';
  digits(high, 4, 2);
  *p++ = '-';
  digits(high, 6, 2);
  *p++ = '-';
  digits(low, 0, 2);
  *p++ = '-';
  digits(low, 2, 6);
}

std::string uuid_v4(std::uint64_t high, std::uint64_t low) {
  std::string id;
  append_uuid_v4(id, high, low);
  return id;
}

std::string iso8601(std::chrono::system_clock::time_point t) {
  std::time_t secs = std::chrono::system_clock::to_time_t(t);
  std::tm tm{};
  ::gmtime_r(&secs, &tm);
  return fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}Z", tm.tm_year + 1900, tm.tm_mon + 1,
                     tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
}

std::string iso8601_now() {
  return iso8601(std::chrono::system_clock::now());
}

bool constant_time_equal(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) {
    return false;
  }
  unsigned char diff = 0;
  for (std::size_t i = 0; i < a.size(); ++i) {
    diff |= static_cast<unsigned char>(a[i] ^ b[i]);
  }
  return diff == 0;
}

}  // namespace lokku::common
