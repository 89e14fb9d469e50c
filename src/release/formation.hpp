#pragma once
// Formation on the command line (CONVENTIONS.md): `-m web=2,worker=1`, `all=N`, sizes
// `web=2:standard-2x`, and positional process types.

#include "release/dyno_size.hpp"
#include "release/procfile.hpp"

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace lokku::release {

struct FormationEntry {
  std::string type;
  std::optional<int> quantity;  ///< nullopt: only a size was given (`web=:standard-2x` is not
                                ///< accepted; kept for clarity of merging)
  std::optional<DynoSize> size;
};

struct FormationSpec {
  std::vector<FormationEntry> entries;
  std::optional<int> all;
  std::optional<DynoSize> all_size;
};

/// Parses foreman's `-m` syntax. Throws InputError naming the bad part.
FormationSpec parse_formation(std::string_view text);

struct FormationItem {
  std::string type;
  std::string command;
  int quantity = 0;
  DynoSize size;
};

/// Resolves what `lokku start [TYPE...] [-m SPEC]` runs from the Procfile: no `-m` and no
/// types means one of each type; `release` is never in it (PROC-7). Unknown types are an
/// error. Items keep Procfile order; quantity-0 items are dropped.
std::vector<FormationItem> resolve_formation(const Procfile& procfile,
                                             const std::optional<FormationSpec>& spec,
                                             const std::vector<std::string>& only_types);

}  // namespace lokku::release
