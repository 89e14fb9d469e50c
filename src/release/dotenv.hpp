#pragma once
// The `.env` dialect of CONVENTIONS.md, documented in README.md.

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace lokku::release {

/// Config vars in a stable order (sorted by name).
using ConfigVars = std::map<std::string, std::string>;

/// Looks a name up outside the file (lokku's environment) for `${VAR}`; nullopt when unset.
using EnvLookup = std::function<std::optional<std::string>(const std::string&)>;

/// Parses `.env` text into `vars` (later lines win; `${VAR}` sees earlier lines, then
/// `vars` as given, then `outside`). Throws InputError naming `file:line` for a line that
/// is none of the dialect's forms or a quote that is never closed.
void parse_dotenv(std::string_view text, std::string_view file, ConfigVars& vars,
                  const EnvLookup& outside = {});

/// Reads a file and parses it as above. Throws InputError when it cannot be read.
void load_dotenv(const std::string& path, ConfigVars& vars, const EnvLookup& outside = {});

}  // namespace lokku::release
