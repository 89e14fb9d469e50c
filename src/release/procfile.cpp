#include "release/procfile.hpp"

#include "release/error.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

namespace lokku::release {

namespace {

bool is_space(char c) {
  return c == ' ' || c == '\t' || c == '\v' || c == '\f' || c == '\n';
}
bool is_name_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
         c == '-';
}

/// CNB rule (PROC-4): 1-63 chars of [a-z0-9-], '-' only inside.
bool cnb_valid(std::string_view name) {
  if (name.empty() || name.size() > 63 || name.front() == '-' || name.back() == '-') {
    return false;
  }
  return std::all_of(name.begin(), name.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-';
  });
}

std::string normalise_newlines(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '\r') {
      out += '\n';
      if (i + 1 < text.size() && text[i + 1] == '\n') {
        ++i;
      }
    } else {
      out += text[i];
    }
  }
  return out;
}

}  // namespace

const ProcessType* Procfile::find(std::string_view name) const {
  for (const auto& t : types) {
    if (t.name == name) {
      return &t;
    }
  }
  return nullptr;
}

Procfile parse_procfile(std::string_view text, std::string_view file) {
  if (text.find('\0') != std::string_view::npos) {
    throw InputError(fmt::format("{}: is a binary file, not a Procfile", file));
  }
  Procfile pf;
  std::string norm = normalise_newlines(text);
  std::istringstream in(norm);
  std::string line;
  int lineno = 0;
  while (std::getline(in, line)) {
    ++lineno;
    auto warn = [&](std::string_view why) {
      pf.warnings.push_back(fmt::format("{}:{}: ignored: {}", file, lineno, why));
    };
    std::size_t i = 0;
    while (i < line.size() && is_space(line[i])) {
      ++i;
    }
    if (i == line.size() || line[i] == '#') {
      continue;  // blank lines and comments are meant to be skipped
    }
    std::size_t name_end = i;
    while (name_end < line.size() && is_name_char(line[name_end])) {
      ++name_end;
    }
    if (name_end == i) {
      warn("a line must start with a process type name of letters, digits, '_' or '-'");
      continue;
    }
    std::size_t j = name_end;
    if (j < line.size() && line[j] == ':') {
      ++j;
    }
    if (j == line.size() || !is_space(line[j])) {
      if (j == line.size()) {
        warn("no command after the process type");
      } else {
        warn("the process type must be followed by ':' and a space");
      }
      continue;
    }
    while (j < line.size() && is_space(line[j])) {
      ++j;
    }
    std::string command = line.substr(j);
    while (!command.empty() && is_space(command.back())) {
      command.pop_back();
    }
    std::string name = line.substr(i, name_end - i);
    if (command.empty()) {
      warn("no command after the process type");
      continue;
    }
    if (!cnb_valid(name)) {
      pf.warnings.push_back(
          fmt::format("{}:{}: warning: process type '{}' is not valid for Cloud Native Buildpacks "
                      "(lowercase a-z, 0-9 and inner '-' only)",
                      file, lineno, name));
    }
    if (name == "run") {
      pf.warnings.push_back(fmt::format(
          "{}:{}: warning: a process type named 'run' collides with one-off dyno names (run.N)",
          file, lineno));
    }
    auto existing = std::find_if(pf.types.begin(), pf.types.end(),
                                 [&](const ProcessType& t) { return t.name == name; });
    if (existing != pf.types.end()) {
      pf.warnings.push_back(fmt::format(
          "{}:{}: warning: process type '{}' is defined again; this definition wins over line {}",
          file, lineno, name, existing->line));
      existing->command = std::move(command);
      existing->line = lineno;
    } else {
      pf.types.push_back({std::move(name), std::move(command), lineno});
    }
  }
  if (pf.types.empty()) {
    throw InputError(
        fmt::format("{}: no process types defined (expected lines like "
                    "'web: command')",
                    file));
  }
  return pf;
}

Procfile load_procfile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    throw InputError(fmt::format("{}: cannot read Procfile: {}", path, std::strerror(errno)));
  }
  std::ostringstream ss;
  ss << in.rdbuf();
  return parse_procfile(ss.str(), path);
}

}  // namespace lokku::release
