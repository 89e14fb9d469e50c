#include "release/dyno_size.hpp"

#include <algorithm>
#include <cctype>

namespace lokku::release {

namespace {
const std::vector<DynoSize>& sizes() {
  static const std::vector<DynoSize> kSizes{
      {"eco", "Eco", 512, 1024},
      {"basic", "Basic", 512, 1024},
      {"standard-1x", "Standard-1X", 512, 1024},
      {"standard-2x", "Standard-2X", 1024, 2048},
      {"performance-m", "Performance-M", 2560, 5120},
      {"performance-l", "Performance-L", 14336, 28672},
  };
  return kSizes;
}
}  // namespace

std::optional<DynoSize> find_dyno_size(std::string_view name) {
  std::string lower(name);
  std::transform(lower.begin(), lower.end(), lower.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  for (const auto& s : sizes()) {
    if (s.name == lower) {
      return s;
    }
  }
  return std::nullopt;
}

const DynoSize& default_dyno_size() {
  return sizes()[2];
}

std::string dyno_size_names() {
  std::string out;
  for (const auto& s : sizes()) {
    if (!out.empty()) {
      out += ", ";
    }
    out += s.name;
  }
  return out;
}

}  // namespace lokku::release
