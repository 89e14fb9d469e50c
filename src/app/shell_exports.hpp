#pragma once
// The environment that points the official heroku CLI and git at a lokku platform (what
// `lokku env` prints as exports, and what `lokku exec` gives its command).

#include "store/store.hpp"

#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace lokku::app {

/// Name and value (nullopt: unset it), in the order to apply them.
using Exports = std::vector<std::pair<std::string, std::optional<std::string>>>;

/// For the Platform API of the platform on `st` at 127.0.0.1:`port` with `token`.
Exports shell_exports(const store::Store& st, unsigned port, const std::string& token);

}  // namespace lokku::app
