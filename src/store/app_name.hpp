#pragma once
// App names (CONVENTIONS.md, Names and places).

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

namespace lokku::store {

/// The directory's name lower-cased, runs of characters outside [a-z0-9] turned into `-`,
/// trimmed of `-`, cut to 30 characters.
std::string app_name_from_dir(const std::filesystem::path& dir);
/// Throws InputError unless `name` matches ^[a-z][a-z0-9-]{1,29}$.
void validate_app_name(std::string_view name);
/// Throws InputError when `name` is one lokku keeps for itself (`dashboard`: the dashboard's
/// host, dashboard.localhost); checked where an app is created or renamed, not where one is
/// looked up.
void refuse_reserved_app_name(std::string_view name);
/// `-a/--app`, else `$LOKKU_APP`, else the directory's name; validated.
std::string resolve_app(const std::optional<std::string>& flag, const std::filesystem::path& dir);

}  // namespace lokku::store
