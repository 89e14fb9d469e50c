#pragma once
// Identifiers and times in Heroku's formats.

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

namespace lokku::common {

/// A random (version 4) UUID, lower-case, from the kernel's CSPRNG.
std::string random_uuid();
/// The version 4 UUID made of these 128 random bits (its version and variant bits set),
/// lower-case: for callers with a random source of their own.
std::string uuid_v4(std::uint64_t high, std::uint64_t low);
/// uuid_v4(), appended to `out`.
void append_uuid_v4(std::string& out, std::uint64_t high, std::uint64_t low);
/// `bytes` random bytes from the kernel's CSPRNG as lower-case hex.
std::string random_hex(std::size_t bytes);
/// ISO 8601 in UTC to the second, as the Platform API writes times: `2026-01-01T00:00:00Z`.
std::string iso8601(std::chrono::system_clock::time_point t);
std::string iso8601_now();

/// Whether two secrets (API tokens) are equal, in a time that does not tell where they
/// differ.
bool constant_time_equal(std::string_view a, std::string_view b);

}  // namespace lokku::common
