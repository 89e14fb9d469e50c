#include "dyno/dyno_env.hpp"

#include <algorithm>

namespace lokku::dyno {

release::ConfigVars dyno_environment(const release::ConfigVars& config, const DynoIdentity& id) {
  release::ConfigVars env;
  env["PATH"] = std::string(kDynoPath);
  env["LANG"] = "C.UTF-8";
  for (const auto& [k, v] : config) {
    env[k] = v;
  }
  env["PORT"] = std::to_string(id.port);
  env["DYNO"] = id.name;
  env["HOME"] = id.home;
  return env;
}

std::vector<std::string> to_envp(const release::ConfigVars& env) {
  std::vector<std::string> out;
  out.reserve(env.size());
  for (const auto& [k, v] : env) {
    out.push_back(k + "=" + v);
  }
  return out;
}

std::string launch_script(std::string_view command) {
  std::string s =
      "__lokku_lc=${LC_ALL-__unset}; export LC_ALL=C\n"
      "__lokku_files=(.profile.d/*.sh)\n"
      "if [ \"$__lokku_lc\" = __unset ]; then unset LC_ALL; else LC_ALL=$__lokku_lc; fi\n"
      "for __lokku_f in \"${__lokku_files[@]}\"; do\n"
      "  if [ -f \"$__lokku_f\" ]; then . \"$__lokku_f\"; fi\n"
      "done\n"
      "unset __lokku_f __lokku_files __lokku_lc\n"
      "if [ -f .profile ]; then . ./.profile; fi\n";
  s += command;
  s += '\n';
  return s;
}

std::string expand_for_display(std::string_view command, const release::ConfigVars& env) {
  auto is_start = [](char c) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_';
  };
  auto is_char = [&](char c) { return is_start(c) || (c >= '0' && c <= '9'); };
  auto value_of = [&](std::string_view name) {
    auto it = env.find(std::string(name));
    return it == env.end() ? std::string() : it->second;
  };
  std::string out;
  std::size_t i = 0;
  bool in_single = false;
  while (i < command.size()) {
    char c = command[i];
    if (c == '\'') {
      in_single = !in_single;
    }
    if (c == '\\' && !in_single && i + 1 < command.size()) {
      out += command.substr(i, 2);
      i += 2;
      continue;
    }
    if (c == '$' && !in_single && i + 1 < command.size()) {
      if (command[i + 1] == '{') {
        auto close = command.find('}', i + 2);
        auto name = close == std::string_view::npos ? std::string_view{}
                                                    : command.substr(i + 2, close - i - 2);
        if (!name.empty() && is_start(name[0]) && std::all_of(name.begin(), name.end(), is_char)) {
          out += value_of(name);
          i = close + 1;
          continue;
        }
      } else if (is_start(command[i + 1])) {
        std::size_t j = i + 1;
        while (j < command.size() && is_char(command[j])) {
          ++j;
        }
        out += value_of(command.substr(i + 1, j - i - 1));
        i = j;
        continue;
      }
    }
    out += c;
    ++i;
  }
  return out;
}

}  // namespace lokku::dyno
