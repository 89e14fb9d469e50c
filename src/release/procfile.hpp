#pragma once
// The Procfile (dynos.md PROC-1..9).

#include <string>
#include <string_view>
#include <vector>

namespace lokku::release {

struct ProcessType {
  std::string name;
  std::string command;
  int line = 0;  ///< Where the winning definition stands.
};

struct Procfile {
  /// In order of first appearance; a redefined type keeps its first place and takes the
  /// last command (PROC-3).
  std::vector<ProcessType> types;
  /// `Procfile:LINE: ...` for every line Heroku would skip or accept with doubts.
  std::vector<std::string> warnings;

  const ProcessType* find(std::string_view name) const;
};

/// Parses Procfile text with Heroku's classic grammar (PROC-2). `file` names it in messages.
/// Throws InputError for a binary file or one with no usable process type.
Procfile parse_procfile(std::string_view text, std::string_view file = "Procfile");

/// Reads and parses a file. Throws InputError when it is missing or unreadable.
Procfile load_procfile(const std::string& path);

}  // namespace lokku::release
