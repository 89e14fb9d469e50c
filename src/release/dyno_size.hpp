#pragma once
// Dyno sizes and memory quotas (dynos.md MEM-1; CONVENTIONS.md, Names and places).

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace lokku::release {

struct DynoSize {
  std::string name;        ///< Canonical lower-case: `standard-1x`.
  std::string display;     ///< Heroku's spelling in logs: `Standard-1X`.
  std::uint64_t quota_mb;  ///< R14 above this.
  std::uint64_t r15_mb;    ///< R15 (killed) at this.
};

/// Case-insensitive lookup; nullopt for a size Heroku does not have.
std::optional<DynoSize> find_dyno_size(std::string_view name);
const DynoSize& default_dyno_size();
/// Names for error messages.
std::string dyno_size_names();

}  // namespace lokku::release
