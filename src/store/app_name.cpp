#include "store/app_name.hpp"

#include "release/error.hpp"

#include <fmt/format.h>

#include <cstdlib>

namespace lokku::store {

std::string app_name_from_dir(const std::filesystem::path& dir) {
  std::string name;
  bool dash = false;
  for (char c : dir.filename().string()) {
    if (c >= 'A' && c <= 'Z') {
      c = static_cast<char>(c - 'A' + 'a');
    }
    if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')) {
      if (dash && !name.empty()) {
        name += '-';
      }
      dash = false;
      name += c;
    } else {
      dash = true;
    }
  }
  if (name.size() > 30) {
    name.resize(30);
  }
  while (!name.empty() && name.back() == '-') {
    name.pop_back();
  }
  return name;
}

void validate_app_name(std::string_view name) {
  bool ok = name.size() >= 2 && name.size() <= 30 && name[0] >= 'a' && name[0] <= 'z';
  for (char c : name) {
    ok = ok && ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-');
  }
  if (!ok) {
    throw release::InputError(fmt::format(
        "'{}' is not a valid app name: it must start with a letter and can only contain "
        "lowercase letters, numbers, and dashes (2 to 30 characters)",
        name));
  }
}

void refuse_reserved_app_name(std::string_view name) {
  if (name == "dashboard") {
    throw release::InputError(fmt::format(
        "'{}' is a reserved app name: lokku serves its dashboard at {}.localhost", name, name));
  }
}

std::string resolve_app(const std::optional<std::string>& flag, const std::filesystem::path& dir) {
  std::string name;
  if (flag && !flag->empty()) {
    name = *flag;
  } else if (const char* env = std::getenv("LOKKU_APP"); env && *env) {
    name = env;
  } else {
    name = app_name_from_dir(dir);
    if (name.empty()) {
      throw release::InputError(
          fmt::format("cannot name an app after the directory '{}'; pass -a APP", dir.string()));
    }
  }
  validate_app_name(name);
  return name;
}

}  // namespace lokku::store
